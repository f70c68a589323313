/* test_store_roundtrip.c - the store against a real PostgreSQL (the CTest
 * fixture's cluster, CL_TEST_PG): init, load the golden sample and a GB18030
 * case with Chinese headers, read each raw table back with COPY TO STDOUT
 * and check that the engine's CSV reader parses it to the same rows (count,
 * field values, order) as the original file. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/cl_store.h"
#include "tests/cl_test.h"

typedef struct rows {
    char **v;       /* nrows * ncols strings */
    uint64_t *line;
    size_t n, cap;
    int ncols;
    const cl_csv_header *h;
    int bad;
} rows;

static int collect(void *ctx, int chunk, const cl_csv_row *row)
{
    rows *r = ctx;
    (void)chunk;
    if (row->error) {
        r->bad++;
        return 0;
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 256;
        r->v = realloc(r->v, r->cap * (size_t)r->ncols * sizeof *r->v);
        r->line = realloc(r->line, r->cap * sizeof *r->line);
    }
    for (int j = 0; j < r->ncols; j++) {
        int idx = r->h->index[j];
        cl_field f = idx >= 0 && idx < row->nfields ? row->fields[idx] : (cl_field){"", 0};
        r->v[r->n * (size_t)r->ncols + (size_t)j] = strndup(f.p, f.len);
    }
    r->line[r->n++] = row->line;
    return 0;
}

/* Every row of a file as the engine's reader binds it to the kind's spec. */
static int read_rows(const char *path, cl_input_kind kind, rows *out)
{
    int nspec;
    const cl_csv_col *spec = cl_input_spec(kind, &nspec);
    cl_csv_file *f = NULL;
    cl_csv_header h = {0};
    cl_diag d = {0};
    memset(out, 0, sizeof *out);
    out->ncols = nspec;
    out->h = &h;
    if (cl_csv_load(path, CL_ENC_AUTO, &f, &d) || cl_csv_bind(f, spec, nspec, &h, &d)) {
        fprintf(stderr, "%s\n", d.msg);
        cl_csv_file_free(f);
        return -1;
    }
    cl_csv_chunk c;
    int rc = 0;
    if (cl_csv_split_ex(f, &h, 1, 0, &c) == 1 && cl_csv_parse_chunk(f, &h, &c, 0, collect, out, &d)) {
        fprintf(stderr, "%s\n", d.msg);
        rc = -1;
    }
    out->h = NULL;
    cl_csv_header_free(&h);
    cl_csv_file_free(f);
    return rc;
}

static void free_rows(rows *r)
{
    for (size_t i = 0; i < r->n * (size_t)r->ncols; i++)
        free(r->v[i]);
    free(r->v);
    free(r->line);
}

/* Reads the kind back from the store and compares it with the file. */
static void compare(cl_store *s, const char *case_id, cl_input_kind kind, const char *path)
{
    char *csv = NULL;
    size_t len = 0;
    cl_diag d = {0};
    cl_err err = cl_store_read_raw(s, case_id, kind, &csv, &len, &d);
    CHECK_MSG(err == CL_OK, "read_raw %s: %s", cl_input_kind_name(kind), d.msg);
    if (err)
        return;
    /* The header is the English names, in the spec's order. */
    int nspec;
    const cl_csv_col *spec = cl_input_spec(kind, &nspec);
    char header[1024] = "";
    for (int j = 0; j < nspec; j++) {
        strcat(header, j ? "," : "");
        strcat(header, spec[j].name);
    }
    strcat(header, "\n");
    CHECK_MSG(len >= strlen(header) && !memcmp(csv, header, strlen(header)), "header of db:%s",
              cl_input_kind_name(kind));

    char tmp[] = "/tmp/cl_store_rt_XXXXXX";
    int fd = mkstemp(tmp);
    CHECK(fd >= 0 && write(fd, csv, len) == (ssize_t)len);
    close(fd);
    free(csv);

    rows a, b;
    CHECK(read_rows(path, kind, &a) == 0);
    CHECK(read_rows(tmp, kind, &b) == 0);
    unlink(tmp);
    CHECK_EQ_INT(a.bad, 0);
    CHECK_EQ_INT(b.bad, 0);
    CHECK_MSG(a.n == b.n && a.n > 0, "%s: %zu rows in the file, %zu read back", path, a.n, b.n);
    size_t diffs = 0;
    for (size_t i = 0; i < a.n && i < b.n; i++)
        for (int j = 0; j < nspec; j++) {
            const char *x = a.v[i * (size_t)nspec + (size_t)j], *y = b.v[i * (size_t)nspec + (size_t)j];
            if (strcmp(x, y) && diffs++ < 5)
                fprintf(stderr, "%s row %zu (line %llu) column %s: file '%s', db '%s'\n", path, i,
                        (unsigned long long)a.line[i], spec[j].name, x, y);
        }
    CHECK_EQ_INT(diffs, 0);
    free_rows(&a);
    free_rows(&b);
}

/* The stream source gives the same bytes in small reads as in one piece. */
static void stream_small_reads(cl_store *s, const char *case_id)
{
    char *whole = NULL;
    size_t len = 0;
    cl_diag d = {0};
    CHECK(cl_store_read_raw(s, case_id, CL_IN_SUBMISSIONS, &whole, &len, &d) == CL_OK);
    cl_store_reader *r = NULL;
    CHECK(cl_store_raw_open(s, case_id, CL_IN_SUBMISSIONS, &r, &d) == CL_OK);
    if (!r) {
        free(whole);
        return;
    }
    cl_source src = cl_store_raw_source(r);
    CHECK_EQ_STR(cl_source_label(&src), "db:submissions");
    char *got = malloc(len + 64);
    size_t n = 0;
    ssize_t k;
    while ((k = src.read(src.user, got + n, 7)) > 0 && n + 7 <= len + 64)
        n += (size_t)k;
    CHECK_EQ_INT(k, 0);
    CHECK(n == len && !memcmp(got, whole, len));
    CHECK_EQ_INT(cl_store_raw_error(r, NULL), CL_OK);
    cl_store_raw_close(r);
    /* a reader closed before its end leaves the connection usable */
    CHECK(cl_store_raw_open(s, case_id, CL_IN_LEDGER, &r, &d) == CL_OK);
    if (r) {
        char buf[10];
        CHECK(src.read && cl_store_raw_source(r).read(r, buf, sizeof buf) == 10);
        cl_store_raw_close(r);
    }
    CHECK(cl_store_schema_check(s, &d) == CL_OK);
    /* a kind never loaded, or an unknown case, is a clear error */
    CHECK(cl_store_raw_open(s, "gb", CL_IN_BALLOTS, &r, &d) == CL_ERR_INPUT);
    CHECK(strstr(d.msg, "no ballots loaded") != NULL);
    CHECK(cl_store_raw_open(s, "nope", CL_IN_LEDGER, &r, &d) == CL_ERR_INPUT);
    CHECK(strstr(d.msg, "no case 'nope'") != NULL);
    free(got);
    free(whole);
}

static int admin_exec(const char *conninfo, const char *sql)
{
    PGconn *c = PQconnectdb(conninfo);
    PGresult *res = PQexec(c, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
    PQclear(res);
    PQfinish(c);
    return ok ? 0 : -1;
}

static void load_case(cl_store *s, const char *case_id, const char *dir, int with_overrides)
{
    char conf[4096], sub[4096], led[4096], ovr[4096];
    snprintf(conf, sizeof conf, "%s/case.conf", dir);
    snprintf(sub, sizeof sub, "%s/submissions.csv", dir);
    snprintf(led, sizeof led, "%s/ledger.csv", dir);
    snprintf(ovr, sizeof ovr, "%s/overrides.csv", dir);
    cl_store_load_opts o = {.case_id = case_id, .case_conf = conf};
    o.files[CL_IN_SUBMISSIONS] = sub;
    o.files[CL_IN_LEDGER] = led;
    if (with_overrides)
        o.files[CL_IN_OVERRIDES] = ovr;
    cl_store_load_report r;
    cl_diag d = {0};
    cl_err err = cl_store_load(s, &o, &r, &d);
    CHECK_MSG(err == CL_OK, "load %s: %s", dir, d.msg);
    CHECK(r.case_created);
    CHECK(r.conf_key_line > 0);   /* both sample confs carry creditor_key */
    compare(s, case_id, CL_IN_SUBMISSIONS, sub);
    compare(s, case_id, CL_IN_LEDGER, led);
    if (with_overrides)
        compare(s, case_id, CL_IN_OVERRIDES, ovr);
}

/* Messages lose every password-like part, and scrubbing always ends. */
static void scrub_messages(void)
{
    char m[64];
    snprintf(m, sizeof m, "bad: password=hunter2 host=x");
    cl_store_scrub(m, sizeof m, NULL);
    CHECK_EQ_STR(m, "bad: password=*** host=x");
    snprintf(m, sizeof m, "at postgresql://u:pw@h/db failed");
    cl_store_scrub(m, sizeof m, NULL);
    CHECK_EQ_STR(m, "at postgresql://u:***@h/db failed");
    snprintf(m, sizeof m, "xsecretsecret y");
    cl_store_scrub(m, sizeof m, "secret");
    CHECK_EQ_STR(m, "x****** y");
    snprintf(m, sizeof m, "a*b");
    cl_store_scrub(m, sizeof m, "*");
    CHECK_EQ_STR(m, "a***b");
    char small[6] = "ab*cd";
    cl_store_scrub(small, sizeof small, "*");
    CHECK_EQ_STR(small, "ab***");
}

int main(void)
{
    scrub_messages();
    const char *pg = getenv("CL_TEST_PG");
    const char *src = getenv("CL_SOURCE_DIR");
    if (!pg || !src) {
        fprintf(stderr, "CL_TEST_PG and CL_SOURCE_DIR must be set (run through ctest)\n");
        return 1;
    }
    char db[64], create[128], drop[128], conninfo[1024], dir[4096];
    snprintf(db, sizeof db, "rt_%ld", (long)getpid());
    snprintf(create, sizeof create, "CREATE DATABASE %s", db);
    snprintf(drop, sizeof drop, "DROP DATABASE IF EXISTS %s", db);
    snprintf(conninfo, sizeof conninfo, "%s dbname=%s", pg, db);
    if (admin_exec(pg, create))
        return 1;

    cl_store *s = NULL;
    cl_diag d = {0};
    CHECK_MSG(cl_store_open(conninfo, &s, &d) == CL_OK, "%s", d.msg);
    if (s) {
        char eng[64], api[64];
        snprintf(eng, sizeof eng, "rt_eng_%ld", (long)getpid());
        snprintf(api, sizeof api, "rt_api_%ld", (long)getpid());
        cl_store_init_opts io = {.engine_role = eng, .api_role = api};
        cl_store_init_report ir;
        CHECK_MSG(cl_store_init(s, &io, &ir, &d) == CL_OK, "%s", d.msg);
        CHECK_EQ_INT(ir.to_version, cl_store_schema_latest());

        snprintf(dir, sizeof dir, "%s/tests/data/xiaoming-mini", src);
        load_case(s, "mini", dir, 1);
        snprintf(dir, sizeof dir, "%s/tests/cases/chinese_headers_gb18030", src);
        load_case(s, "gb", dir, 1);
        /* ballots, into the golden sample's case */
        char ballots[4096];
        snprintf(ballots, sizeof ballots, "%s/tests/tally/ballots.csv", src);
        cl_store_load_opts bo = {.case_id = "mini"};
        bo.files[CL_IN_BALLOTS] = ballots;
        cl_store_load_report br;
        CHECK_MSG(cl_store_load(s, &bo, &br, &d) == CL_OK, "ballots: %s", d.msg);
        CHECK(!br.case_created && br.file[CL_IN_BALLOTS].rows > 0);
        compare(s, "mini", CL_IN_BALLOTS, ballots);
        stream_small_reads(s, "mini");
        cl_store_close(s);
        char sql[256];
        snprintf(sql, sizeof sql, "DROP DATABASE %s", db);
        admin_exec(pg, sql);
        snprintf(sql, sizeof sql, "DROP ROLE IF EXISTS %s, %s", eng, api);
        admin_exec(pg, sql);
    } else {
        admin_exec(pg, drop);
    }
    return cl_test_summary("test_store_roundtrip");
}
