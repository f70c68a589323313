/* test_gen.c - the synthetic case generator: byte-identical per seed, seeds
 * differ, sizes scale, IDs/USCCs carry valid checksums (checked here with an
 * independent implementation), fixed totals are exact, and every injected
 * anomaly kind is present in the files at scale 0.05. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/cl_stages.h"
#include "gen/cl_gen.h"
#include "tests/cl_test.h"

/* ---- helpers ---------------------------------------------------------------- */

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static int same_file(const char *a, const char *b, const char *name)
{
    size_t la, lb;
    char *x = slurp(a, name, &la), *y = slurp(b, name, &lb);
    int same = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

/* RFC 4180 record reader over a buffer: fills fields (in place), returns count. */
#define MAXF 24
typedef struct rec {
    char *f[MAXF];
    int n;
} rec;

static int next_rec(char **pp, rec *r)
{
    char *p = *pp, *w;
    if (!*p)
        return 0;
    r->n = 0;
    for (;;) {
        char *start = w = p;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '"' && p[1] == '"') {
                    *w++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else if (!*p) {
                    break;
                } else {
                    *w++ = *p++;
                }
            }
        } else {
            while (*p && *p != ',' && *p != '\n')
                *w++ = *p++;
            w = p;
        }
        char end = *p;
        *w = '\0';
        if (r->n < MAXF)
            r->f[r->n++] = start;
        if (end == ',') {
            p++;
            continue;
        }
        if (end == '\n')
            p++;
        break;
    }
    *pp = p;
    return 1;
}

/* Independent checksums (not the generator's code). */
static int prc_ok(const char *s)
{
    static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
    if (strlen(s) != 18)
        return 0;
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        sum += (s[i] - '0') * w[i];
    }
    int y = (s[6] - '0') * 1000 + (s[7] - '0') * 100 + (s[8] - '0') * 10 + (s[9] - '0');
    int m = (s[10] - '0') * 10 + (s[11] - '0'), d = (s[12] - '0') * 10 + (s[13] - '0');
    static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (y % 4 == 0 && y % 100) || y % 400 == 0;
    if (y < 1950 || y > 2002 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
        return 0;
    return s[17] == "10X98765432"[sum % 11];
}

static int uscc_ok(const char *s)
{
    static const char A[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int w[17] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28 };
    if (strlen(s) != 18)
        return 0;
    int sum = 0;
    for (int i = 0; i < 18; i++) {
        const char *p = s[i] ? strchr(A, s[i]) : NULL;
        if (!p)
            return 0;
        if (i < 17)
            sum += (int)(p - A) * w[i];
        else
            return (int)(p - A) == (31 - sum % 31) % 31;
    }
    return 0;
}

static int mobile_ok(const char *s)
{
    if (strlen(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9')
        return 0;
    for (int i = 2; i < 11; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* Yuan text "-1234.56" to fen. */
static int64_t fen_of(const char *s)
{
    int neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    int64_t v = 0;
    for (; *s && *s != '.'; s++)
        v = v * 10 + (*s - '0');
    if (*s == '.')
        v = v * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    else
        v *= 100;
    return neg ? -v : v;
}

static int gen(const char *dir, int64_t ppm, uint64_t seed, cl_gen_stats *st)
{
    cl_gen_opts o = { .scale_ppm = ppm, .seed = seed, .encoding = CL_GEN_UTF8 };
    cl_diag d = { 0 };
    cl_err e = cl_gen_xiaoming(&o, dir, NULL, st, &d);
    if (e != CL_OK)
        fprintf(stderr, "gen %s: %s\n", dir, d.msg);
    return e == CL_OK;
}

/* ---- tests --------------------------------------------------------------------- */

static void test_scale_parse(void)
{
    int64_t v = 0;
    CHECK(cl_gen_parse_scale("1", &v) && v == 1000000);
    CHECK(cl_gen_parse_scale("0.05", &v) && v == 50000);
    CHECK(cl_gen_parse_scale("8", &v) && v == 8000000);
    CHECK(cl_gen_parse_scale("2.5", &v) && v == 2500000);
    CHECK(cl_gen_parse_scale(".5", &v) && v == 500000);
    CHECK(!cl_gen_parse_scale("0", &v));
    CHECK(!cl_gen_parse_scale("-1", &v));
    CHECK(!cl_gen_parse_scale("1e3", &v));
    CHECK(!cl_gen_parse_scale("", &v));
    CHECK(!cl_gen_parse_scale("1001", &v));
    CHECK(!cl_gen_parse_scale("0.0000001", &v));
}

static void test_checksums(void)
{
    /* the generator's check functions agree with the independent ones */
    CHECK_EQ_INT(cl_gen_prc_check("11010519491231002"), 'X');
    CHECK(prc_ok("11010519491231002X") == 0);   /* born 1949: outside 1950-2002 */
    char id[19] = "44010619900307123";
    id[17] = cl_gen_prc_check(id);
    id[18] = '\0';
    CHECK(prc_ok(id));
    CHECK(uscc_ok("91350100M000100Y43"));       /* a published example */
    CHECK_EQ_INT(cl_gen_uscc_check("91350100M000100Y4"), '3');
    CHECK_EQ_INT(cl_gen_uscc_check("91350100M000100YI"), 0);   /* I is not in the alphabet */
}

typedef struct scan {
    int rows, dup_ids, amends, id15, lower_x, spaced, fullwidth, name_missing, bad_check;
    int phone_o, amount_sym, excel, iso, late, quoted_nl, bogus_ref, empty_ref;
} scan;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void scan_submissions(const char *dir, scan *sc)
{
    size_t len;
    char *buf = slurp(dir, "submissions.csv", &len);
    CHECK(buf != NULL);
    if (!buf)
        return;
    char *p = buf;
    rec r;
    next_rec(&p, &r);
    CHECK_EQ_INT(r.n, 19);
    CHECK_EQ_STR(r.f[0], "submission_id");
    CHECK_EQ_STR(r.f[18], "source_channel");
    char **ids = malloc(sizeof *ids * (len / 40 + 16));
    memset(sc, 0, sizeof *sc);
    while (next_rec(&p, &r)) {
        CHECK_MSG(r.n == 19, "row %d has %d fields", sc->rows + 2, r.n);
        if (r.n != 19)
            break;
        ids[sc->rows++] = r.f[0];
        const char *at = r.f[1], *name = r.f[3], *type = r.f[4], *id = r.f[5];
        sc->amends += r.f[15][0] != '\0';
        sc->excel += strchr(at, '/') != NULL;
        sc->iso += strchr(at, 'T') != NULL;
        sc->late += strncmp(at, "2018-06-28", 10) >= 0 && at[4] == '-' && at[7] == '-';
        sc->name_missing += !strcmp(name, "") || !strcmp(name, "\xe3\x80\x80");
        sc->fullwidth += strstr(r.f[5], "\xef\xbc") || strstr(r.f[6], "\xef\xbc") ||
                         strstr(r.f[9], "\xef\xbc");
        sc->phone_o += strchr(r.f[6], 'O') != NULL;
        sc->amount_sym += strstr(r.f[9], "RMB") || strstr(r.f[9], "\xc2\xa5") ||
                          strstr(r.f[9], "\xef\xbf\xa5") || strstr(r.f[9], "\xe5\x85\x83");
        sc->quoted_nl += strchr(r.f[17], '\n') != NULL;
        sc->empty_ref += r.f[7][0] == '\0';
        sc->bogus_ref += strlen(r.f[7]) == 9 && !strncmp(r.f[7], "XM", 2);
        if (strstr(id, "\xef\xbc"))
            continue;
        size_t n = strlen(id);
        if (strchr(id, ' ')) {
            sc->spaced++;
        } else if (!strcmp(type, "PRC_ID") || !strcmp(type, "居民身份证")) {
            if (n == 15)
                sc->id15++;
            else if (n == 18 && id[17] == 'x')
                sc->lower_x++;
            else if (!prc_ok(id))
                sc->bad_check++;
        } else if (!strcmp(type, "USCC")) {
            sc->bad_check += !uscc_ok(id);
        }
    }
    qsort(ids, (size_t)sc->rows, sizeof *ids, cmp_str);
    for (int i = 1; i < sc->rows; i++)
        sc->dup_ids += !strcmp(ids[i], ids[i - 1]);
    free(ids);
    free(buf);
}

static void check_ledger(const char *dir, const cl_gen_stats *st)
{
    size_t len;
    char *buf = slurp(dir, "ledger.csv", &len);
    CHECK(buf != NULL);
    if (!buf)
        return;
    char *p = buf;
    rec r;
    next_rec(&p, &r);
    CHECK_EQ_STR(r.f[0], "entry_id");
    CHECK_EQ_INT(r.n, 9);
    int64_t rows = 0, bad_id = 0, bad_phone = 0, sup = 0, emp = 0, deposits = 0;
    while (next_rec(&p, &r)) {
        rows++;
        if (r.n != 9)
            break;
        const char *ref = r.f[1], *type = r.f[6], *id = r.f[7], *phone = r.f[8];
        if (!strncmp(ref, "SUP", 3)) {
            sup += fen_of(r.f[3]);
            bad_id += !uscc_ok(id);
            continue;
        }
        if (!strncmp(ref, "EMP", 3))
            emp += fen_of(r.f[3]);
        else
            bad_phone += !mobile_ok(phone);
        if (!strcmp(type, "PRC_ID") || !strcmp(type, "居民身份证"))
            bad_id += !prc_ok(id);
        if (!strcmp(r.f[2], "deposit") && r.f[3][0] != '-')
            deposits++;
    }
    CHECK_EQ_INT(rows, st->ledger_rows);
    CHECK_EQ_INT(bad_id, 0);
    CHECK_EQ_INT(bad_phone, 0);
    CHECK_EQ_INT(sup, 3003508147LL);    /* 30,035,081.47 yuan */
    CHECK_EQ_INT(emp, 161936551LL);     /*  1,619,365.51 yuan */
    CHECK(deposits > st->accounts * 9 / 10);
    free(buf);
}

static void check_overrides(const char *dir, const cl_gen_stats *st)
{
    size_t len;
    char *buf = slurp(dir, "overrides.csv", &len);
    CHECK(buf != NULL);
    if (!buf)
        return;
    char *p = buf;
    rec r;
    int rows = 0, bad_time = 0, unknown = 0, pending = 0;
    next_rec(&p, &r);
    CHECK_EQ_STR(r.f[0], "submission_id");
    while (next_rec(&p, &r)) {
        rows++;
        bad_time += strstr(r.f[4], "-32 ") || strstr(r.f[4], "-13-");
        unknown += !strncmp(r.f[0], "SB2019", 6);
        pending += !strcmp(r.f[1], "待定");
    }
    CHECK_EQ_INT(rows, st->override_rows);
    CHECK_EQ_INT(bad_time, st->kinds[CL_GK_OVR_BAD_TIME]);
    CHECK_EQ_INT(unknown, st->kinds[CL_GK_OVR_UNKNOWN_ID]);
    CHECK_EQ_INT(pending, st->kinds[CL_GK_OVR_BAD_DECISION]);
    free(buf);
}

static void check_case_conf(const char *dir)
{
    size_t len;
    char *c = slurp(dir, "case.conf", &len);
    CHECK(c && strstr(c, "case_no = (2018)粤01破12号"));
    CHECK(c && strstr(c, "debtor = 广州悦骑信息科技有限公司"));
    CHECK(c && strstr(c, "acceptance_date = 2018-03-27"));
    CHECK(c && strstr(c, "declaration_deadline = 2018-06-27"));
    CHECK(c && strstr(c, "creditor_key = gen-seed-3-not-secret"));
    free(c);
    char *rd = slurp(dir, "README.txt", &len);
    CHECK(rd && strstr(rd, "submissions.csv"));
    free(rd);
}

/* meeting.conf and ballots.csv: the ballots name the creditor_ids the engine
 * derives (cl_creditor_id under case.conf's creditor_key) for identities of
 * submissions.csv, apart from the mistyped ones; some are meant bad. */
static void check_meeting(const char *dir, const cl_gen_stats *st)
{
    size_t len;
    char *m = slurp(dir, "meeting.conf", &len);
    CHECK(m && strstr(m, "meeting_id = M2018-1"));
    CHECK(m && strstr(m, "resolution.R1 = general"));
    free(m);
    /* the creditor_ids of every well-formed PRC_ID / USCC identity */
    char *subs = slurp(dir, "submissions.csv", &len);
    char *ballots = slurp(dir, "ballots.csv", &len);
    CHECK(subs && ballots);
    if (!subs || !ballots) {
        free(subs);
        free(ballots);
        return;
    }
    const char *key = "gen-seed-3-not-secret";
    size_t nids = 0, cap = 1 << 16;
    char (*ids)[17] = malloc(cap * sizeof *ids);
    char *p = subs;
    rec r;
    next_rec(&p, &r);
    while (ids && next_rec(&p, &r)) {
        cl_id_type t = cl_id_type_parse(r.f[4], strlen(r.f[4]));
        if (t == CL_IDT_INVALID || nids == cap)
            continue;
        char norm[192];
        norm[cl_norm_id(t, r.f[5], strlen(r.f[5]), norm)] = '\0';
        cl_diag d = {0};
        CHECK(cl_creditor_id((const unsigned char *)key, strlen(key), t, norm, ids[nids++],
                             &d) == CL_OK);
    }
    long rows = 0, known = 0, late = 0, r3 = 0;
    p = ballots;
    next_rec(&p, &r);
    CHECK_EQ_STR(r.f[3], "creditor_id");
    while (next_rec(&p, &r)) {
        rows++;
        for (size_t i = 0; i < nids; i++)
            if (!strcmp(ids[i], r.f[3])) {
                known++;
                break;
            }
        late += strcmp(r.f[6], "2018-07-27 18:00:00") > 0;
        r3 += !strcmp(r.f[2], "R3");
    }
    CHECK_EQ_INT(rows, st->ballot_rows);
    CHECK_MSG(known * 100 > rows * 95 && known < rows, "%ld of %ld ballots name a claimant",
              known, rows);
    CHECK(late > 0 && r3 > 0 && st->ballots_bad > late + r3);
    CHECK(rows > 1000);
    free(ids);
    free(subs);
    free(ballots);
}

int main(void)
{
    char root[] = "/tmp/cl_test_gen_XXXXXX";
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    char a[600], b[600], c[600], big[600];
    snprintf(a, sizeof a, "%s/a", root);
    snprintf(b, sizeof b, "%s/b", root);
    snprintf(c, sizeof c, "%s/c", root);
    snprintf(big, sizeof big, "%s/big", root);

    test_scale_parse();
    test_checksums();

    cl_gen_stats sa, sb, sc, sbig;
    CHECK(gen(a, 50000, 3, &sa));
    CHECK(gen(b, 50000, 3, &sb));
    CHECK(gen(c, 50000, 4, &sc));
    CHECK(gen(big, 100000, 3, &sbig));

    /* determinism */
    const char *files[] = { "case.conf", "submissions.csv", "ledger.csv", "overrides.csv",
                            "README.txt", "meeting.conf", "ballots.csv" };
    for (int i = 0; i < 7; i++)
        CHECK_MSG(same_file(a, b, files[i]), "%s differs between two runs of seed 3", files[i]);
    CHECK(!same_file(a, c, "submissions.csv"));
    CHECK(!same_file(a, c, "ledger.csv"));
    CHECK(memcmp(&sa, &sb, sizeof sa) == 0);

    /* scaling: double the scale, about double the rows */
    CHECK_MSG(sbig.submission_rows * 10 > sa.submission_rows * 17 &&
              sbig.submission_rows * 10 < sa.submission_rows * 23, "%lld vs %lld",
              (long long)sbig.submission_rows, (long long)sa.submission_rows);
    CHECK(sbig.ledger_rows * 10 > sa.ledger_rows * 18 && sbig.ledger_rows * 10 < sa.ledger_rows * 22);
    CHECK_EQ_INT(sa.accounts, 15000);
    CHECK(sa.submission_rows > 6000 && sa.submission_rows < 7000);   /* ~127,000 x 0.05 */
    int64_t avg = sa.valid_user_fen / (sa.valid_user_claims ? sa.valid_user_claims : 1);
    CHECK_MSG(avg > 18000 && avg < 22000, "average user claim %lld fen", (long long)avg);
    CHECK_EQ_INT(sa.supplier_owed_fen, 3003508147LL);
    CHECK_EQ_INT(sa.employee_owed_fen, 161936551LL);

    /* every anomaly kind is injected at scale 0.05 */
    for (int k = 0; k < CL_GK__COUNT; k++)
        CHECK_MSG(sa.kinds[k] > 0, "kind %d (%s) missing", k, cl_gen_kind_name((cl_gen_kind)k));

    /* ... and is in the files, as counted by an independent reader */
    scan s = { 0 };
    scan_submissions(a, &s);
    CHECK_EQ_INT(s.rows, sa.submission_rows);
    CHECK_EQ_INT(s.dup_ids, sa.kinds[CL_GK_DUP_ROW]);
    CHECK_EQ_INT(s.amends, sa.kinds[CL_GK_AMEND] + sa.kinds[CL_GK_AMEND_CHAIN] +
                               sa.kinds[CL_GK_AMEND_FIX] + sa.kinds[CL_GK_AMEND_BADLINK]);
    CHECK_EQ_INT(s.id15, sa.kinds[CL_GK_ID15]);
    CHECK_EQ_INT(s.lower_x, sa.kinds[CL_GK_ID_LOWER_X]);
    CHECK(s.spaced >= sa.kinds[CL_GK_ID_SPACED]);
    CHECK_EQ_INT(s.name_missing, sa.kinds[CL_GK_NAME_MISSING]);
    /* valid rows carry valid checksums: the only bad ones are the injected ones */
    CHECK_EQ_INT(s.bad_check, sa.kinds[CL_GK_BAD_ID_CHECK]);
    CHECK(s.fullwidth >= sa.kinds[CL_GK_FULLWIDTH]);
    CHECK(s.phone_o > 0);
    CHECK(s.amount_sym > 0);
    CHECK(s.excel > 0 && s.iso > 0);
    CHECK(s.late > 0);
    CHECK(s.quoted_nl > 0);
    CHECK(s.bogus_ref > 0 && s.empty_ref > 0);

    check_ledger(a, &sa);
    check_overrides(a, &sa);
    check_case_conf(a);
    check_meeting(a, &sa);

    /* a bad output location is an error, not a crash */
    cl_gen_opts o = { .scale_ppm = 10000, .seed = 1 };
    cl_diag d = { 0 };
    CHECK(cl_gen_xiaoming(&o, "/proc/no/such/dir", NULL, NULL, &d) != CL_OK);
    o.scale_ppm = 0;
    CHECK(cl_gen_xiaoming(&o, a, NULL, NULL, &d) == CL_ERR_USAGE);

    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", root);
    return cl_test_summary("test_gen");
}
