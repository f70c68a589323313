/* test_core.c - unit tests of core/: money formatting and checked sums,
 * civil time, the string hash index, the arena, atomic output directories,
 * the hashing writer, grouping equal keys. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cl_arena.h"
#include "core/cl_group.h"
#include "core/cl_hash.h"
#include "core/cl_money.h"
#include "core/cl_outdir.h"
#include "core/cl_time.h"
#include "core/cl_wbuf.h"
#include "tests/cl_test.h"

static void test_money(void)
{
    char b[CL_MONEY_BUFSZ];
    static const struct { int64_t fen; const char *s; } cases[] = {
        {0, "0.00"}, {5, "0.05"}, {29900, "299.00"}, {-150, "-1.50"},
        {103456789, "1034567.89"}, {INT64_MAX, "92233720368547758.07"},
        {INT64_MIN, "-92233720368547758.08"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cl_money_format(cases[i].fen, b);
        CHECK_EQ_STR(b, cases[i].s);
    }
    static const struct { int64_t v; const char *s; } ints[] = {
        {0, "0"}, {7, "7"}, {-42, "-42"}, {1000000, "1000000"},
        {INT64_MAX, "9223372036854775807"}, {INT64_MIN, "-9223372036854775808"},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        int n = cl_int_format(ints[i].v, b);
        b[n] = '\0';
        CHECK_EQ_STR(b, ints[i].s);
    }
    int64_t r = 0;
    CHECK(cl_money_add(1, 2, &r) && r == 3);
    CHECK(!cl_money_add(INT64_MAX, 1, &r));
    CHECK(!cl_money_sub(INT64_MIN, 1, &r));
}

static void test_time(void)
{
    char b[CL_TIME_BUFSZ];
    cl_time t = cl_time_make(2018, 3, 27, 9, 5, 7);
    cl_time_format(t, b);
    CHECK_EQ_STR(b, "2018-03-27 09:05:07");
    cl_date_format(t, b);
    CHECK_EQ_STR(b, "2018-03-27");
    CHECK_EQ_INT(cl_days_from_civil(1970, 1, 1), 0);
    CHECK(cl_civil_valid(2000, 2, 29));
    CHECK(!cl_civil_valid(1900, 2, 29));
    CHECK(!cl_civil_valid(2018, 4, 31));
    CHECK(!cl_civil_valid(2018, 13, 1));
    int y, m, d;
    cl_civil_from_days(cl_days_from_civil(1969, 12, 31), &y, &m, &d);
    CHECK(y == 1969 && m == 12 && d == 31);
    cl_time_format(cl_time_make(1965, 7, 1, 23, 59, 59), b);
    CHECK_EQ_STR(b, "1965-07-01 23:59:59");
}

static void test_hash(void)
{
    cl_strmap *m = cl_strmap_create(4);
    char keys[1000][16];
    for (int i = 0; i < 1000; i++) {
        snprintf(keys[i], sizeof keys[i], "XM%08d", i);
        CHECK(cl_strmap_put(m, keys[i], strlen(keys[i]), (uint32_t)i, NULL) == 1);
    }
    uint32_t v = 0;
    CHECK(cl_strmap_put(m, "XM00000007", 10, 99, &v) == 0 && v == 7);
    CHECK(cl_strmap_get(m, "XM00000999", 10, &v) && v == 999);
    CHECK(!cl_strmap_get(m, "XM0000099", 9, &v));
    CHECK(cl_strmap_set(m, "XM00000001", 10, 5) == 0);
    CHECK(cl_strmap_get(m, "XM00000001", 10, &v) && v == 5);
    CHECK_EQ_INT(cl_strmap_count(m), 1000);
    cl_strmap_free(m);
    cl_strmap_free(NULL);
}

static void test_arena(void)
{
    cl_arena *a = cl_arena_create(64);
    char *s = cl_arena_strndup(a, "hello world", 5);
    CHECK_EQ_STR(s, "hello");
    void *big = cl_arena_alloc(a, 1000);
    CHECK(big && ((uintptr_t)big & 15) == 0);
    cl_arena_free(a);
    cl_arena_free(NULL);
}

static int file_has(const char *path, const char *want)
{
    char buf[64] = {0};
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strcmp(buf, want) == 0;
}

static void write_one(const char *target, const char *content, int commit)
{
    cl_outdir *o = NULL;
    cl_diag d;
    CHECK(cl_outdir_begin(target, &o, &d) == CL_OK);
    cl_wbuf *w = NULL;
    CHECK(cl_wbuf_open(cl_outdir_path(o, "a.csv"), &w, &d) == CL_OK);
    cl_wbuf_puts(w, content);
    CHECK(cl_wbuf_close(w, &d) == CL_OK);
    if (commit)
        CHECK(cl_outdir_commit(o, &d) == CL_OK);
    cl_outdir_free(o);
}

static void test_outdir(void)
{
    char dir[] = "/tmp/cl_test_outdir_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char target[256], path[300];
    snprintf(target, sizeof target, "%s/out", dir);
    snprintf(path, sizeof path, "%s/a.csv", target);
    write_one(target, "first", 1);
    CHECK(file_has(path, "first"));
    write_one(target, "second", 0);   /* aborted: previous outputs intact */
    CHECK(file_has(path, "first"));
    write_one(target, "third", 1);    /* replaces atomically */
    CHECK(file_has(path, "third"));
    /* a staging directory left by a killed run is swept by the next run */
    char stale[300];
    snprintf(stale, sizeof stale, "%s/out.tmp-KILLED", dir);
    CHECK(mkdir(stale, 0755) == 0);
    write_one(target, "fourth", 1);
    CHECK(file_has(path, "fourth"));
    char cmd[400];
    snprintf(cmd, sizeof cmd, "test \"$(ls -A %s | tr '\\n' ' ')\" = 'out ' && rm -rf %s",
             dir, dir);
    CHECK(system(cmd) == 0);          /* only the outputs remain (no lock, no staging) */
}

static void touch(const char *dir, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
}

/* The --out guard: which targets may be replaced, compared by inode. */
static void test_outdir_check(void)
{
    char dir[] = "/tmp/cl_test_guard_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char c[64], conf[96], out[96], link[96], slash[96], dots[96], foreign[96];
    snprintf(c, sizeof c, "%s/case", dir);
    snprintf(conf, sizeof conf, "%s/case.conf", c);
    snprintf(out, sizeof out, "%s/out", c);
    snprintf(link, sizeof link, "%s/link", dir);
    snprintf(slash, sizeof slash, "%s//", c);
    snprintf(dots, sizeof dots, "%s/out/../", c);
    snprintf(foreign, sizeof foreign, "%s/foreign", dir);
    CHECK(mkdir(c, 0755) == 0 && mkdir(out, 0755) == 0 && mkdir(foreign, 0755) == 0);
    touch(c, "case.conf");
    CHECK(symlink(c, link) == 0);
    const char *in[2] = {conf, NULL};
    cl_diag d;
    CHECK(cl_outdir_check(out, in, 2, &d) == CL_OK);          /* empty, inside the case */
    CHECK(cl_outdir_check(c, in, 2, &d) == CL_ERR_INPUT);     /* the case's folder */
    CHECK(strstr(d.msg, "folder of the input") != NULL);
    CHECK(cl_outdir_check(slash, in, 2, &d) == CL_ERR_INPUT);
    CHECK(cl_outdir_check(dots, in, 2, &d) == CL_ERR_INPUT);
    CHECK(cl_outdir_check(link, in, 2, &d) == CL_ERR_INPUT);
    CHECK(cl_outdir_check(dir, in, 2, &d) == CL_ERR_INPUT);   /* above it */
    CHECK(strstr(d.msg, "above the input") != NULL);
    CHECK(cl_outdir_check(conf, in, 2, &d) == CL_ERR_INPUT);  /* the input itself */
    CHECK(cl_outdir_check(foreign, NULL, 0, &d) == CL_OK);
    touch(foreign, "x");
    CHECK(cl_outdir_check(foreign, NULL, 0, &d) == CL_ERR_INPUT);
    touch(foreign, CL_OUTDIR_MARKER);                         /* claims wrote it */
    CHECK(cl_outdir_check(foreign, NULL, 0, &d) == CL_OK);
    touch(foreign, "case.key");                               /* but a key is never replaced */
    CHECK(cl_outdir_check(foreign, NULL, 0, &d) == CL_ERR_INPUT);
    /* begin refuses too, creating nothing; a begun output holds the marker */
    cl_outdir *o = NULL;
    CHECK(cl_outdir_begin_as(foreign, "test", &o, &d) == CL_ERR_INPUT && o == NULL);
    CHECK(cl_outdir_begin_as(out, "test", &o, &d) == CL_OK);
    CHECK(file_has(cl_outdir_path(o, CL_OUTDIR_MARKER), "claims test\n"));
    CHECK(cl_outdir_commit(o, &d) == CL_OK);
    cl_outdir_free(o);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "test \"$(ls -A %s | tr '\\n' ' ')\" = 'case foreign link ' && "
             "test \"$(ls -A %s | tr '\\n' ' ')\" = 'case.conf out ' && rm -rf %s", dir, c, dir);
    CHECK(system(cmd) == 0);
}

/* SHA-256 of a whole file, read back. */
static int file_sha256(const char *path, unsigned char out[32])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        EVP_DigestUpdate(md, buf, n);
    EVP_DigestFinal_ex(md, out, NULL);
    EVP_MD_CTX_free(md);
    fclose(f);
    return 0;
}

/* The hashing writer's digest is the file's, across buffer flushes and
 * writes larger than the buffer; the outdir hands noted digests back. */
static void test_wbuf_sha256(void)
{
    char dir[] = "/tmp/cl_test_wbuf_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[300];
    snprintf(path, sizeof path, "%s/x.csv", dir);
    size_t big = (size_t)3 << 20;
    char *blob = malloc(big);
    CHECK(blob != NULL);
    for (size_t i = 0; blob && i < big; i++)
        blob[i] = (char)('a' + i % 26);
    cl_wbuf *w = NULL;
    cl_diag d;
    unsigned char got[32], want[32];
    CHECK(cl_wbuf_open_hashed(path, &w, &d) == CL_OK);
    for (int i = 0; i < 100000; i++)
        cl_wbuf_i64(w, i * 7919 - 50000);   /* many small puts: several flushes */
    cl_wbuf_put(w, blob, big);             /* one put past the buffer */
    cl_wbuf_money(w, -12345);
    CHECK(cl_wbuf_close_sha256(w, got, &d) == CL_OK);
    CHECK(file_sha256(path, want) == 0);
    CHECK(memcmp(got, want, 32) == 0);
    unsigned char other[32] = {1};
    cl_outdir *o = NULL;
    char target[300];
    snprintf(target, sizeof target, "%s/out", dir);
    CHECK(cl_outdir_begin(target, &o, &d) == CL_OK);
    CHECK(cl_outdir_sha256(o, "x.csv") == NULL);
    CHECK(cl_outdir_note_sha256(o, "x.csv", other) == 0);
    CHECK(cl_outdir_note_sha256(o, "x.csv", got) == 0);   /* the latest note wins */
    CHECK(cl_outdir_sha256(o, "x.csv") && memcmp(cl_outdir_sha256(o, "x.csv"), want, 32) == 0);
    CHECK(cl_outdir_sha256(o, "y.csv") == NULL);
    cl_outdir_free(o);
    free(blob);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

/* Keys for the grouping test: item i's key is keys[i]; hashes are forced to
 * collide in groups of 4 keys, so equality, not the hash, decides. */
static bool key_eq(const void *ctx, uint32_t a, uint32_t b)
{
    const uint32_t *keys = ctx;
    return keys[a] == keys[b];
}

static void test_group(void)
{
    enum { N = 300000 };
    uint32_t *keys = malloc(N * sizeof *keys), *first = malloc(N * sizeof *first);
    uint32_t *want = malloc(N * sizeof *want), *seen = malloc(N * sizeof *seen);
    uint64_t *h = malloc(N * sizeof *h);
    CHECK(keys && first && want && seen && h);
    if (!keys || !first || !want || !seen || !h)
        return;
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        keys[i] = (uint32_t)(x % (N / 3));        /* about three items per key */
        h[i] = i % 97 == 0 ? 0 : cl_hash_bytes(&(uint32_t){keys[i] / 4}, 4);
        seen[i] = UINT32_MAX;
    }
    for (size_t i = 0; i < N; i++) {              /* the sequential answer */
        if (!h[i]) {
            want[i] = CL_GROUP_NONE;
            continue;
        }
        if (seen[keys[i]] == UINT32_MAX)
            seen[keys[i]] = (uint32_t)i;
        want[i] = seen[keys[i]];
    }
    /* items without a key must not join a group: key 0 of a keyless item
     * would otherwise match */
    static const int threads[] = {1, 2, 4, 8};
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        memset(first, 0xAB, N * sizeof *first);
        CHECK(cl_group_first(N, h, key_eq, keys, threads[t], first) == CL_OK);
        CHECK(memcmp(first, want, N * sizeof *first) == 0);
    }
    CHECK(cl_group_first(0, h, key_eq, keys, 2, first) == CL_OK);
    CHECK(cl_group_first(1, h + 1, key_eq, keys + 1, 2, first) == CL_OK && first[0] == 0);
    free(keys);
    free(first);
    free(want);
    free(seen);
    free(h);
}

int main(void)
{
    test_money();
    test_time();
    test_hash();
    test_arena();
    test_outdir();
    test_outdir_check();
    test_wbuf_sha256();
    test_group();
    return cl_test_summary("test_core");
}
