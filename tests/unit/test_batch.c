/* test_batch.c - the batch API (engine/cl_batch.h) on a small case held in
 * memory: the case given as a value, rules and inputs as sources, each
 * stage's outcome asserted directly (statuses, codes, confirmed amounts,
 * creditors, roster, totals), the creditor list read back from a memory sink
 * and a write callback and compared with the file `claims run` writes for
 * the same inputs. The rules and every input go in as memory sources (the
 * rule text is read from the shipped file first); the same inputs are also
 * written to files, for the `claims run` they are compared with. */
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/cl_test.h"
#include "core/cl_outdir.h"
#include "core/cl_sink.h"
#include "engine/cl_batch.h"
#include "engine/cl_outputs.h"
#include "engine/cl_stages.h"

static const char ledger_csv[] =
    "entry_id,account_ref,category,amount,booked_at,name,id_type,id_number,phone\n"
    "L1,XM100,deposit,299.00,2017-03-01 10:00:00,张伟,PRC_ID,440106198001010115,13900000001\n"
    "L2,XM200,deposit,199.00,2017-03-02 10:00:00,王芳,PRC_ID,44010619810202011X,13900000002\n"
    "L3,EMP01,employee,8000.00,2017-12-15 00:00:00,李娜,PRC_ID,440106198203030114,13900000003\n";

static const char submissions_csv[] =
    "submission_id,submitted_at,creditor_kind,name,id_type,id_number,phone,account_ref,category,"
    "principal,interest,other_amount,secured,bank_name,bank_account,amends,evidence_count,note\n"
    "S1,2018-04-01 10:00:00,individual,张伟,PRC_ID,440106198001010115,13800000001,XM100,deposit,"
    "299.00,,,N,中国银行,6222000000000001,,1,in the books\n"
    "S2,2018-04-02 10:00:00,individual,王芳,PRC_ID,44010619810202011X,13800000002,XM200,deposit,"
    "250.00,,,N,中国银行,6222000000000002,,1,more than the books\n"
    "S3,2018-04-03 10:00:00,individual,陈静,PRC_ID,440106198405050113,13800000005,,deposit,"
    "100.00,,,N,中国银行,6222000000000005,,1,not in the books; a reviewer confirms\n"
    "S1,2018-04-01 10:00:00,individual,张伟,PRC_ID,440106198001010115,13800000001,XM100,deposit,"
    "299.00,,,N,中国银行,6222000000000001,,1,sent twice\n"
    "S4,2018-04-04 10:00:00,individual,杨磊,PRC_ID,440106198506060118,13800000006,,other,"
    "300.00,,,N,中国银行,6222000000000006,,1,other: manual review\n";

static const char overrides_csv[] =
    "submission_id,decision,amount,reviewer,decided_at,note\n"
    "S3,confirm,100.00,reviewer01,2018-07-20 09:00:00,receipt seen\n";

static const char case_conf[] =
    "case_no = (2018)粤01破77号\n"
    "debtor = 广州测试单车科技有限公司\n"
    "acceptance_date = 2018-03-27\n"
    "declaration_deadline = 2018-06-27\n"
    "creditor_key = batch-test-key\n";

static char tmpdir[256];

static const char *tmp_path(const char *name)
{
    static char buf[8][512];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static const char *rules_path(void)
{
    static char p[1024];
    const char *src = getenv("CL_SOURCE_DIR");
    snprintf(p, sizeof p, "%s/rules/default.rules", src ? src : "..");
    return p;
}

/* The case as a value, the same as case_conf. */
static cl_case test_case(void)
{
    cl_case c;
    cl_case_init(&c);
    c.path = (char *)"memory:case";
    c.case_no = (char *)"(2018)粤01破77号";
    c.debtor = (char *)"广州测试单车科技有限公司";
    cl_parse_date("2018-03-27", 10, &c.acceptance_day);
    cl_parse_date("2018-06-27", 10, &c.deadline_day);
    memcpy(c.key, "batch-test-key", 14);
    c.key_len = 14;
    return c;
}

typedef cl_err (*load_fn)(cl_batch *, const cl_source *, cl_encoding, cl_input_facts *, cl_diag *);

/* Loads text as a memory source labelled name. */
static cl_err load(cl_batch *b, load_fn fn, const char *name, const char *text, cl_diag *d)
{
    cl_source src = cl_source_memory(name, text, strlen(text));
    return fn(b, &src, CL_ENC_AUTO, NULL, d);
}

/* The shipped rule text, read once into memory. */
static const char *rules_text(void)
{
    static char *text;
    size_t len;
    cl_diag d;
    cl_source src = cl_source_path(rules_path());
    if (!text && cl_source_slurp(&src, &text, &len, &d) != CL_OK)
        text = NULL;
    return text ? text : "";
}

static cl_batch *decided_batch(int nthreads)
{
    cl_batch_opts o = {test_case(), nthreads, 0, NULL};
    cl_batch *b = NULL;
    cl_diag d;
    cl_diag_clear(&d);
    CHECK_EQ_INT(cl_batch_create(&o, &b, &d), CL_OK);
    if (!b)
        return NULL;
    cl_source rules = cl_source_memory("default.rules", rules_text(), strlen(rules_text()));
    CHECK_EQ_INT(cl_batch_add_rules(b, &rules, &d), CL_OK);
    CHECK_MSG(load(b, cl_batch_load_ledger, "ledger.csv", ledger_csv, &d) == CL_OK, "%s", d.msg);
    CHECK_MSG(load(b, cl_batch_load_submissions, "submissions.csv", submissions_csv, &d) == CL_OK,
              "%s", d.msg);
    CHECK_MSG(load(b, cl_batch_load_overrides, "overrides.csv", overrides_csv, &d) == CL_OK, "%s",
              d.msg);
    CHECK(cl_batch_totals(b) == NULL);
    CHECK_MSG(cl_batch_decide(b, &d) == CL_OK, "%s", d.msg);
    return b;
}

static void check_claim(const cl_batch *b, size_t i, cl_status st, const char *codes,
                        int64_t confirmed)
{
    size_t n;
    const cl_claim *c = cl_batch_claims(b, &n);
    CHECK(i < n);
    if (i >= n)
        return;
    char buf[256];
    cl_batch_claim_codes(b, &c[i], buf, sizeof buf);
    CHECK_EQ_STR(cl_status_name((cl_status)c[i].status), cl_status_name(st));
    CHECK_EQ_STR(buf, codes);
    CHECK_EQ_INT(cl_claim_confirmed(&c[i]), confirmed);
}

static void test_stages(void)
{
    omp_set_num_threads(3);
    cl_batch *b = decided_batch(2);
    CHECK_EQ_INT(omp_get_max_threads(), 3);   /* the caller's setting is left alone */
    if (!b)
        return;
    size_t n;
    cl_batch_claims(b, &n);
    CHECK_EQ_INT(n, 6);   /* five rows, then the employee listed from the books */
    check_claim(b, 0, CL_ST_CONFIRMED, "", 29900);
    check_claim(b, 1, CL_ST_PARTIAL, "EXCEEDS_BOOK", 19900);
    check_claim(b, 2, CL_ST_CONFIRMED, "NO_BOOK_RECORD;OVERRIDE", 10000);
    check_claim(b, 3, CL_ST_DUPLICATE, "DUPLICATE_ROW", 0);
    check_claim(b, 4, CL_ST_PENDING_REVIEW, "MANUAL_CATEGORY", 0);
    check_claim(b, 5, CL_ST_CONFIRMED, "LISTED_FROM_BOOKS", 800000);

    size_t nc, nr;
    const cl_creditor *cr = cl_batch_creditors(b, &nc);
    const uint32_t *roster = cl_batch_roster(b, &nr);
    CHECK_EQ_INT(nc, 5);
    CHECK_EQ_INT(nr, 4);   /* 杨磊 has nothing confirmed: a creditor, not a voter */
    int64_t confirmed = 0;
    for (size_t i = 0; i < nc; i++) {
        confirmed += cr[i].confirmed;
        CHECK_EQ_INT(strlen(cl_batch_creditor_id(b, cr[i].identity)), 16);
        if (i)
            CHECK(strcmp(cl_batch_creditor_id(b, cr[i - 1].identity),
                         cl_batch_creditor_id(b, cr[i].identity)) < 0);
    }
    CHECK_EQ_INT(confirmed, 29900 + 19900 + 10000 + 800000);
    for (size_t i = 0; i < nr; i++)
        CHECK_MSG(strcmp(cr[roster[i]].name, "杨磊") != 0, "杨磊 on the roster");

    const cl_totals *t = cl_batch_totals(b);
    CHECK(t != NULL);
    if (t) {
        CHECK_EQ_INT(t->claims_by_status[CL_ST_CONFIRMED], 3);
        CHECK_EQ_INT(t->claims_by_status[CL_ST_PARTIAL], 1);
        CHECK_EQ_INT(t->claims_by_status[CL_ST_PENDING_REVIEW], 1);
        CHECK_EQ_INT(t->claims_by_status[CL_ST_DUPLICATE], 1);
        CHECK_EQ_INT(t->declared_by_status[CL_ST_PARTIAL], 25000);
        CHECK_EQ_INT(t->confirmed_by_category[CL_CAT_DEPOSIT], 59800);
        CHECK_EQ_INT(t->confirmed_by_category[CL_CAT_EMPLOYEE], 800000);
        CHECK_EQ_INT(t->claims_by_category[CL_CAT_OTHER], 1);
        CHECK_EQ_INT(t->tier_confirmed[CL_TIER_EMPLOYEE], 800000);
        CHECK_EQ_INT(t->tier_confirmed[CL_TIER_ORDINARY], 59800);
        CHECK_EQ_INT(t->tier_creditors[CL_TIER_ORDINARY], 3);
        CHECK_EQ_INT(t->creditors, 5);
        CHECK_EQ_INT(t->roster, 4);
        CHECK_EQ_INT(t->claims, 6);
    }
    cl_diag d;
    cl_diag_clear(&d);
    cl_source again = cl_source_path(tmp_path("ledger.csv"));
    CHECK_EQ_INT(cl_batch_load_ledger(b, &again, CL_ENC_AUTO, NULL, &d), CL_ERR_USAGE);
    CHECK_EQ_INT(cl_batch_decide(b, &d), CL_ERR_USAGE);
    cl_batch_free(b);
}

static void test_misuse(void)
{
    cl_diag d;
    cl_diag_clear(&d);
    cl_batch_opts o = {test_case(), 1, 0, NULL};
    o.cfg.key_len = 0;
    cl_batch *b = (cl_batch *)1;
    CHECK_EQ_INT(cl_batch_create(&o, &b, &d), CL_ERR_CONFIG);
    CHECK(b == NULL);
    CHECK_MSG(strstr(d.msg, "no creditor key") != NULL, "%s", d.msg);
    o.cfg.key_len = 14;
    CHECK_EQ_INT(cl_batch_create(&o, &b, &d), CL_OK);
    CHECK_EQ_INT(cl_batch_decide(b, &d), CL_ERR_USAGE);   /* no inputs */
    CHECK_MSG(load(b, cl_batch_load_ledger, "ledger.csv", ledger_csv, &d) == CL_OK, "%s", d.msg);
    CHECK_MSG(load(b, cl_batch_load_submissions, "submissions.csv", submissions_csv, &d) == CL_OK,
              "%s", d.msg);
    CHECK_EQ_INT(cl_batch_decide(b, &d), CL_ERR_USAGE);   /* no rule file */
    CHECK_MSG(strstr(d.msg, "no rule file") != NULL, "%s", d.msg);
    cl_batch_free(b);
    cl_batch_free(NULL);
}

/* The library reads case.conf and never makes a key file. */
static void test_case_without_key(void)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/nokey", tmpdir);
    mkdir(dir, 0755);
    char conf[700], key[700];
    snprintf(conf, sizeof conf, "%s/case.conf", dir);
    snprintf(key, sizeof key, "%s/case.key", dir);
    write_file(conf, "acceptance_date = 2018-03-27\ndeclaration_deadline = 2018-06-27\n");
    cl_case c;
    cl_diag d;
    cl_diag_clear(&d);
    CHECK_EQ_INT(cl_case_load(conf, &c, &d), CL_OK);
    CHECK_EQ_INT(c.key_len, 0);
    CHECK(access(key, F_OK) != 0);
    cl_case_release(&c);
}

/* A write callback that keeps what it is given, in chunks, or stops. */
typedef struct collected {
    char *p;
    size_t n;
    int calls, stop_after;
} collected;

static size_t collect(void *user, const void *data, size_t n)
{
    collected *c = user;
    if (c->stop_after && ++c->calls > c->stop_after)
        return 0;
    char *p = realloc(c->p, c->n + n + 1);
    if (!p)
        return 0;
    memcpy(p + c->n, data, n);
    c->p = p;
    c->n += n;
    return n;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        char *nb = realloc(buf, cap + 65536);
        if (!nb)
            break;
        buf = nb;
        size_t k = fread(buf + *len, 1, 65536, f);
        cap += 65536;
        *len += k;
        if (k < 65536)
            break;
    }
    fclose(f);
    return buf;
}

static void test_sinks_and_command(void)
{
    cl_batch *b = decided_batch(2);
    if (!b)
        return;
    cl_diag d;
    cl_diag_clear(&d);
    cl_sink *mem = NULL, *cb = NULL, *stop = NULL;
    CHECK_EQ_INT(cl_sink_memory("creditors", &mem, &d), CL_OK);
    CHECK_EQ_INT(cl_write_table(b, "creditors", CL_AUDIENCE_INTERNAL, mem, &d), CL_OK);
    CHECK_EQ_INT(cl_sink_finish(mem, NULL, &d), CL_OK);
    size_t mlen;
    const char *mbytes = cl_sink_bytes(mem, &mlen);
    CHECK(mlen > 0 && strncmp(mbytes, "creditor_id,id_type,", 20) == 0);

    collected got = {0};
    CHECK_EQ_INT(cl_sink_callback("response body", collect, &got, &cb, &d), CL_OK);
    CHECK_EQ_INT(cl_write_table(b, "creditors", CL_AUDIENCE_INTERNAL, cb, &d), CL_OK);
    CHECK_EQ_INT(cl_sink_finish(cb, NULL, &d), CL_OK);
    CHECK(got.n == mlen && memcmp(got.p, mbytes, mlen) == 0);

    collected none = {0, 0, 0, -1};   /* refuses the first chunk */
    CHECK_EQ_INT(cl_sink_callback("COPY creditors", collect, &none, &stop, &d), CL_OK);
    CHECK_EQ_INT(cl_write_table(b, "creditors", CL_AUDIENCE_INTERNAL, stop, &d), CL_OK);
    CHECK_EQ_INT(cl_sink_finish(stop, NULL, &d), CL_ERR_IO);
    CHECK_MSG(strstr(d.msg, "COPY creditors") != NULL, "%s", d.msg);
    CHECK_EQ_INT(cl_write_table(b, "nope", CL_AUDIENCE_INTERNAL, mem, &d), CL_ERR_USAGE);

    /* the command on the same inputs writes the same creditor list */
    const char *claims = getenv("CL_CLAIMS");
    if (claims) {
        write_file(tmp_path("case.conf"), case_conf);
        char cmd[4096];
        snprintf(cmd, sizeof cmd,
                 "'%s' run --case '%s' --submissions '%s' --ledger '%s' --overrides '%s' "
                 "--out '%s' --no-xlsx --quiet --threads 2",
                 claims, tmp_path("case.conf"), tmp_path("submissions.csv"),
                 tmp_path("ledger.csv"), tmp_path("overrides.csv"), tmp_path("out"));
        CHECK_EQ_INT(system(cmd), 0);
        size_t flen = 0;
        char *file = read_file(tmp_path("out/creditors.csv"), &flen);
        CHECK(file != NULL);
        CHECK_MSG(file && flen == mlen && memcmp(file, mbytes, mlen) == 0,
                  "memory sink (%zu bytes) differs from creditors.csv (%zu bytes)", mlen, flen);
        free(file);
    }
    free(got.p);
    free(none.p);
    cl_sink_free(mem);
    cl_sink_free(cb);
    cl_sink_free(stop);
    cl_batch_free(b);
}

/* The library writes a run's outputs, workbooks included, on its own
 * threads (no child process, no changed zlib): the same CSV bytes as the
 * memory sink, and workbooks that are zip files. */
static void test_library_outputs(void)
{
    cl_batch *b = decided_batch(2);
    if (!b)
        return;
    cl_diag d;
    cl_diag_clear(&d);
    cl_outdir *o = NULL;
    CHECK_EQ_INT(cl_outdir_begin(tmp_path("lib"), &o, &d), CL_OK);
    cl_output_opts oo = {1, 1, NULL};
    CHECK_MSG(cl_write_outputs(b, o, &oo, &d) == CL_OK, "%s", d.msg);
    CHECK_EQ_INT(cl_outdir_commit(o, &d), CL_OK);
    cl_outdir_free(o);
    cl_sink *mem = NULL;
    CHECK_EQ_INT(cl_sink_memory(NULL, &mem, &d), CL_OK);
    CHECK_EQ_INT(cl_write_table(b, "roster", CL_AUDIENCE_INTERNAL, mem, &d), CL_OK);
    CHECK_EQ_INT(cl_sink_finish(mem, NULL, &d), CL_OK);
    size_t mlen, flen = 0;
    const char *mbytes = cl_sink_bytes(mem, &mlen);
    char *file = read_file(tmp_path("lib/roster.csv"), &flen);
    CHECK(file && flen == mlen && memcmp(file, mbytes, mlen) == 0);
    free(file);
    const char *books[] = {"lib/report.xlsx", "lib/claims.xlsx", "lib/public/creditors.xlsx"};
    for (int i = 0; i < 3; i++) {
        char *x = read_file(tmp_path(books[i]), &flen);
        CHECK_MSG(x && flen > 1000 && memcmp(x, "PK\003\004", 4) == 0, "%s", books[i]);
        free(x);
    }
    cl_sink_free(mem);
    cl_batch_free(b);
}

/* Two batches at once on two threads of one process (as in a service):
 * each decides and renders its creditor list; both equal one alone. */
typedef struct worker_arg {
    const char *rules;
    cl_err err;
    char *csv;
    size_t len;
} worker_arg;

static void *batch_worker(void *vp)
{
    worker_arg *w = vp;
    cl_diag d;
    cl_diag_clear(&d);
    cl_batch_opts o = {test_case(), 2, 0, NULL};
    cl_batch *b = NULL;
    cl_sink *mem = NULL;
    char pl[600], ps[600], po[600];   /* tmp_path's buffers are not for threads */
    snprintf(pl, sizeof pl, "%s/ledger.csv", tmpdir);
    snprintf(ps, sizeof ps, "%s/submissions.csv", tmpdir);
    snprintf(po, sizeof po, "%s/overrides.csv", tmpdir);
    cl_source rules = cl_source_path(w->rules);
    cl_source ledger = cl_source_path(pl);
    cl_source subs = cl_source_path(ps);
    cl_source ov = cl_source_path(po);
    if (!(w->err = cl_batch_create(&o, &b, &d)) && !(w->err = cl_batch_add_rules(b, &rules, &d)) &&
        !(w->err = cl_batch_load_ledger(b, &ledger, CL_ENC_AUTO, NULL, &d)) &&
        !(w->err = cl_batch_load_submissions(b, &subs, CL_ENC_AUTO, NULL, &d)) &&
        !(w->err = cl_batch_load_overrides(b, &ov, CL_ENC_AUTO, NULL, &d)) &&
        !(w->err = cl_batch_decide(b, &d)) && !(w->err = cl_sink_memory(NULL, &mem, &d)) &&
        !(w->err = cl_write_table(b, "creditors", CL_AUDIENCE_PUBLIC, mem, &d)) &&
        !(w->err = cl_sink_finish(mem, NULL, &d))) {
        const char *p = cl_sink_bytes(mem, &w->len);
        w->csv = malloc(w->len + 1);
        if (w->csv)
            memcpy(w->csv, p, w->len + 1);
    }
    cl_sink_free(mem);
    cl_batch_free(b);
    return NULL;
}

static void test_concurrent_batches(void)
{
    const char *rules = rules_path();
    worker_arg one = {rules, 0, NULL, 0}, two[2] = {{rules, 0, NULL, 0}, {rules, 0, NULL, 0}};
    batch_worker(&one);
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        CHECK_EQ_INT(pthread_create(&th[i], NULL, batch_worker, &two[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    CHECK_EQ_INT(one.err, CL_OK);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ_INT(two[i].err, CL_OK);
        CHECK(one.csv && two[i].csv && two[i].len == one.len &&
              memcmp(two[i].csv, one.csv, one.len) == 0);
        free(two[i].csv);
    }
    free(one.csv);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cl_test_batch.XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    /* the same inputs as files, for the `claims run` compared with */
    write_file(tmp_path("ledger.csv"), ledger_csv);
    write_file(tmp_path("submissions.csv"), submissions_csv);
    write_file(tmp_path("overrides.csv"), overrides_csv);
    test_stages();
    test_misuse();
    test_case_without_key();
    test_sinks_and_command();
    test_library_outputs();
    test_concurrent_batches();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return cl_test_summary("test_batch");
}
