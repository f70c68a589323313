/* test_reports.c - the reports module: masking (contract §8), CSV quoting and
 * formatting, public masking of every PII column, XLSX determinism and the
 * split past Excel's row limit, JSON layout, and errors on unwritable paths. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <omp.h>

#include "core/cl_money.h"
#include "core/cl_time.h"
#include "reports/cl_report.h"
#include "tests/cl_test.h"

static char tmpdir[256];

static const char *tmp_path(const char *name)
{
    static char buf[4][512];
    static int k;
    char *p = buf[k++ & 3];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    if (p) {
        p[n] = '\0';
        *len = (size_t)n;
    }
    return p;
}

/* ---- masking ------------------------------------------------------------ */

static void check_mask(cl_col_kind k, const char *in, const char *want)
{
    char out[512];
    size_t n = cl_mask(k, in, strlen(in), out);
    CHECK_MSG(n == strlen(want) && memcmp(out, want, n) == 0, "mask(%d, \"%s\") = \"%.*s\", want \"%s\"",
              (int)k, in, (int)n, out, want);
}

static void test_mask(void)
{
    check_mask(CL_COL_PII_NAME, "张三丰", "张**");
    check_mask(CL_COL_PII_NAME, "李", "李**");
    check_mask(CL_COL_PII_NAME, "A", "A**");
    check_mask(CL_COL_PII_NAME, "Alice", "A**");
    check_mask(CL_COL_PII_NAME, "\xF0\xA0\x80\x80" "bc", "\xF0\xA0\x80\x80**");   /* 𠀀 */
    check_mask(CL_COL_PII_NAME, "\xFF\xFE", "***");                               /* malformed */
    check_mask(CL_COL_PII_NAME, "", "");
    check_mask(CL_COL_PII_ID, "110101199003071234", "1101**********1234");
    check_mask(CL_COL_PII_ID, "11010119900307123X", "1101**********123X");
    check_mask(CL_COL_PII_ID, "123456789", "1234*6789");
    check_mask(CL_COL_PII_ID, "12345678", "********");
    check_mask(CL_COL_PII_ID, "AB", "**");
    check_mask(CL_COL_PII_ID, "", "");
    check_mask(CL_COL_PII_PHONE, "13812345678", "138****5678");
    check_mask(CL_COL_PII_PHONE, "12345678", "123*5678");
    check_mask(CL_COL_PII_PHONE, "1234567", "*******");
    check_mask(CL_COL_PII_PHONE, "", "");
    check_mask(CL_COL_PII_BANK, "6222 0212 3456 7890", "************7890");
    check_mask(CL_COL_PII_BANK, "6222021234567890123", "***************0123");
    check_mask(CL_COL_PII_BANK, "12345", "*2345");
    check_mask(CL_COL_PII_BANK, "1234", "****");
    check_mask(CL_COL_PII_BANK, "", "");
    check_mask(CL_COL_TEXT, "张三丰 13812345678", "张三丰 13812345678");
    /* Long values never come back whole. */
    char longid[400], out[420];
    memset(longid, '7', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    size_t n = cl_mask(CL_COL_PII_ID, longid, strlen(longid), out);
    CHECK(n == strlen(longid) && memchr(out, '*', n) != NULL);
}

/* ---- CSV ---------------------------------------------------------------- */

typedef struct row_spec {
    const char *text;
    int64_t count, money, time, date;
    int empty;
    const char *name, *id, *phone, *bank;
} row_spec;

static const cl_col mix_cols[] = {
    {"note", "备注", CL_COL_TEXT},        {"n", "数量", CL_COL_INT},
    {"amount", "金额", CL_COL_MONEY},     {"at", "时间", CL_COL_TIME},
    {"day", "日期", CL_COL_DATE},         {"name", "姓名", CL_COL_PII_NAME},
    {"id_number", "证件号码", CL_COL_PII_ID}, {"phone", "电话", CL_COL_PII_PHONE},
    {"bank_account", "银行账号", CL_COL_PII_BANK},
};

static row_spec mix_rows[6];

static void mix_row(void *ctx, size_t r, cl_cell *c)
{
    const row_spec *s = &((const row_spec *)ctx)[r];
    c[0] = (cl_cell){.s = s->text, .len = s->text ? strlen(s->text) : 0};
    c[1] = (cl_cell){.i = s->count, .empty = s->empty};
    c[2] = (cl_cell){.i = s->money, .empty = s->empty};
    c[3] = (cl_cell){.i = s->time, .empty = s->empty};
    c[4] = (cl_cell){.i = s->date, .empty = s->empty};
    c[5] = (cl_cell){.s = s->name, .len = s->name ? strlen(s->name) : 0};
    c[6] = (cl_cell){.s = s->id, .len = s->id ? strlen(s->id) : 0};
    c[7] = (cl_cell){.s = s->phone, .len = s->phone ? strlen(s->phone) : 0};
    c[8] = (cl_cell){.s = s->bank, .len = s->bank ? strlen(s->bank) : 0};
}

static cl_table mix_table(void)
{
    cl_time t1 = cl_time_make(2024, 3, 1, 9, 5, 7);
    mix_rows[0] = (row_spec){"plain", 3, 29900, t1, t1, 0, "张三丰", "110101199003071234",
                             "13812345678", "6222 0212 3456 7890"};
    mix_rows[1] = (row_spec){"a,b", -7, -5, cl_time_make(1999, 12, 31, 23, 59, 59),
                             cl_time_make(2000, 2, 29, 0, 0, 0), 0, "A", "12345678", "1234567",
                             "1234"};
    mix_rows[2] = (row_spec){"say \"hi\"", 0, 0, 0, 0, 1, "", "", "", ""};
    mix_rows[3] = (row_spec){"line\nbreak", 1, 9999999999999, 0, 0, 0, NULL, NULL, NULL, NULL};
    mix_rows[4] = (row_spec){"cr\rhere", 2, 1, 0, 0, 0, "李四", "11010119800101002X",
                             "13900001111", "6222021234567890123"};
    mix_rows[5] = (row_spec){"", 4, 100, 0, 0, 0, "王", "440301198001010011", "02012345678",
                             "6217 0000 1111 2222 333"};
    return (cl_table){"mix", "混合", mix_cols, 9, 6, mix_row, mix_rows, NULL, 0, 0};
}

static void test_csv_internal(void)
{
    cl_table t = mix_table();
    cl_diag d = {0};
    const char *p = tmp_path("mix.csv");
    CHECK_EQ_INT(cl_report_csv(p, &t, CL_AUDIENCE_INTERNAL, &d), CL_OK);
    size_t n = 0;
    char *got = slurp(p, &n);
    const char *want =
        "note,n,amount,at,day,name,id_number,phone,bank_account\n"
        "plain,3,299.00,2024-03-01 09:05:07,2024-03-01,张三丰,110101199003071234,13812345678,"
        "6222 0212 3456 7890\n"
        "\"a,b\",-7,-0.05,1999-12-31 23:59:59,2000-02-29,A,12345678,1234567,1234\n"
        "\"say \"\"hi\"\"\",,,,,,,,\n"
        "\"line\nbreak\",1,99999999999.99,1970-01-01 00:00:00,1970-01-01,,,,\n"
        "\"cr\rhere\",2,0.01,1970-01-01 00:00:00,1970-01-01,李四,11010119800101002X,13900001111,"
        "6222021234567890123\n"
        ",4,1.00,1970-01-01 00:00:00,1970-01-01,王,440301198001010011,02012345678,"
        "6217 0000 1111 2222 333\n";
    CHECK_MSG(got && strcmp(got, want) == 0, "csv:\n%s", got ? got : "(null)");
    /* Same input, same bytes. */
    const char *p2 = tmp_path("mix2.csv");
    CHECK_EQ_INT(cl_report_csv(p2, &t, CL_AUDIENCE_INTERNAL, &d), CL_OK);
    size_t n2 = 0;
    char *got2 = slurp(p2, &n2);
    CHECK(got && got2 && n == n2 && memcmp(got, got2, n) == 0);
    free(got);
    free(got2);
}

/* A column with a NULL key is the workbook's own (e.g. a Chinese rendering):
 * the CSV has neither its header nor its cells, sequentially or in
 * parallel blocks. */
static const cl_col wb_only_cols[] = {
    {"id", "编号", CL_COL_TEXT}, {NULL, "状态", CL_COL_TEXT}, {"status", "Status", CL_COL_TEXT},
    {NULL, "说明", CL_COL_TEXT},
};

static void wb_only_row(void *ctx, size_t r, cl_cell *c)
{
    (void)ctx;
    c[0] = (cl_cell){.s = r % 2 ? "B" : "A", .len = 1};
    c[1] = (cl_cell){.s = "确认", .len = strlen("确认")};
    c[2] = (cl_cell){.s = "CONFIRMED", .len = 9};
    c[3] = (cl_cell){.s = "x,y", .len = 3};
}

static void test_csv_skips_workbook_only_columns(void)
{
    cl_diag d = {0};
    cl_table t = {"w", "w", wb_only_cols, 4, 2, wb_only_row, NULL, NULL, 0, 0};
    const char *p = tmp_path("wbonly.csv");
    CHECK_EQ_INT(cl_report_csv(p, &t, CL_AUDIENCE_INTERNAL, &d), CL_OK);
    size_t n = 0;
    char *got = slurp(p, &n);
    CHECK_MSG(got && strcmp(got, "id,status\nA,CONFIRMED\nB,CONFIRMED\n") == 0, "csv:\n%s",
              got ? got : "(null)");
    free(got);
    /* many rows: the parallel block writer skips them too */
    t.nrows = 20000;
    t.ctx_size = 1;
    char one = 0;
    t.ctx = &one;
    CHECK_EQ_INT(cl_report_csv(p, &t, CL_AUDIENCE_INTERNAL, &d), CL_OK);
    got = slurp(p, &n);
    CHECK(got && n == strlen("id,status\n") + 20000 * strlen("A,CONFIRMED\n"));
    CHECK(got && !strstr(got, "确认") && !strstr(got, "x,y"));
    free(got);
}

/* A row function whose ctx holds scratch text: the writer formats blocks of
 * rows on several threads, each with its own copy of the ctx. */
typedef struct par_ctx {
    char note[64];
    const row_spec *rows;
} par_ctx;

static void par_row(void *vx, size_t r, cl_cell *c)
{
    par_ctx *x = vx;
    mix_row((void *)x->rows, r % 6, c);
    int n = snprintf(x->note, sizeof x->note, "row %zu: %s", r, x->rows[r % 6].text);
    c[0] = (cl_cell){.s = x->note, .len = (size_t)n};
}

/* Blocks formatted in parallel give the bytes (and digest) of one thread
 * formatting the rows in order, internal and public, on 1 to 4 threads. */
static void test_csv_parallel(void)
{
    cl_table t = mix_table();
    par_ctx x = {"", mix_rows};
    t.row = par_row;
    t.ctx = &x;
    t.nrows = 50000;
    cl_diag d = {0};
    int saved = omp_get_max_threads();
    for (int a = 0; a < 2; a++) {
        cl_audience aud = a ? CL_AUDIENCE_PUBLIC : CL_AUDIENCE_INTERNAL;
        unsigned char want_sha[32], got_sha[32];
        t.ctx_size = 0;   /* the reference: one thread, in order */
        const char *ref = tmp_path("par_ref.csv");
        CHECK_EQ_INT(cl_report_csv_sha256(ref, &t, aud, want_sha, &d), CL_OK);
        size_t nref = 0;
        char *want = slurp(ref, &nref);
        CHECK(want && nref > 50000 * 20);
        t.ctx_size = sizeof x;
        for (int nt = 1; nt <= 4; nt++) {
            omp_set_num_threads(nt);
            const char *p = tmp_path("par.csv");
            CHECK_EQ_INT(cl_report_csv_sha256(p, &t, aud, got_sha, &d), CL_OK);
            size_t n = 0;
            char *got = slurp(p, &n);
            CHECK_MSG(got && want && n == nref && memcmp(got, want, n) == 0,
                      "audience %d, %d threads: bytes differ", a, nt);
            CHECK(memcmp(got_sha, want_sha, 32) == 0);
            free(got);
        }
        free(want);
    }
    omp_set_num_threads(saved);
}

static void test_csv_public(void)
{
    cl_table t = mix_table();
    cl_diag d = {0};
    const char *p = tmp_path("mix_public.csv");
    CHECK_EQ_INT(cl_report_csv(p, &t, CL_AUDIENCE_PUBLIC, &d), CL_OK);
    size_t n = 0;
    char *got = slurp(p, &n);
    CHECK(got != NULL);
    if (!got)
        return;
    /* Every full PII value of the internal data is gone. */
    for (int r = 0; r < 6; r++) {
        const char *v[] = {mix_rows[r].id, mix_rows[r].phone, mix_rows[r].bank};
        for (int k = 0; k < 3; k++)
            if (v[k] && strlen(v[k]) >= 8)   /* shorter ones are fully starred (rows below) */
                CHECK_MSG(!strstr(got, v[k]), "leaked %s", v[k]);
        if (mix_rows[r].name && strlen(mix_rows[r].name) > 3)
            CHECK_MSG(!strstr(got, mix_rows[r].name), "leaked %s", mix_rows[r].name);
    }
    CHECK(strstr(got, "plain,3,299.00,2024-03-01 09:05:07,2024-03-01,张**,1101**********1234,"
                      "138****5678,************7890\n") != NULL);
    CHECK(strstr(got, "-0.05,1999-12-31 23:59:59,2000-02-29,A**,********,*******,****\n") != NULL);
    CHECK(strstr(got, "李**,1101**********002X,139****1111,***************0123\n") != NULL);
    CHECK(strstr(got, "王**,4403**********0011,020****5678,***************2333\n") != NULL);
    free(got);
}

/* The fast CSV time writer agrees with cl_time_format everywhere. */
static const cl_col time_cols[] = {{"at", "时间", CL_COL_TIME}, {"day", "日期", CL_COL_DATE}};

static cl_time time_of(size_t r)
{
    return cl_time_make(1900, 1, 1, 0, 0, 0) + (int64_t)(r * 7919u * 86400u / 997u) +
           (int64_t)(r * 4409u % 86400u) - (r % 5 == 0 ? 86400 * 800000LL : 0);
}

static void time_row(void *ctx, size_t r, cl_cell *c)
{
    c[0] = (cl_cell){.i = time_of(r)};
    c[1] = (cl_cell){.i = time_of(r)};
}

static void test_csv_times(void)
{
    enum { N = 20000 };
    cl_table t = {"t", "t", time_cols, 2, N, time_row, NULL, NULL, 0, 0};
    cl_diag d = {0};
    const char *p = tmp_path("times.csv");
    CHECK_EQ_INT(cl_report_csv(p, &t, CL_AUDIENCE_INTERNAL, &d), CL_OK);
    FILE *f = fopen(p, "r");
    char line[128];
    int bad = 0;
    CHECK(f && fgets(line, sizeof line, f) && strcmp(line, "at,day\n") == 0);
    for (size_t r = 0; f && r < N; r++) {
        char a[CL_TIME_BUFSZ], b[CL_TIME_BUFSZ], want[64];
        cl_time_format(time_of(r), a);
        cl_date_format(time_of(r), b);
        snprintf(want, sizeof want, "%s,%s\n", a, b);
        if (!fgets(line, sizeof line, f) || strcmp(line, want) != 0)
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    if (f)
        fclose(f);
}

/* ---- XLSX --------------------------------------------------------------- */

static int same_file(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    char *pa = slurp(a, &na), *pb = slurp(b, &nb);
    int same = pa && pb && na == nb && memcmp(pa, pb, na) == 0;
    free(pa);
    free(pb);
    return same;
}

static void test_xlsx_deterministic(void)
{
    cl_table t = mix_table();
    cl_table tables[3] = {t, t, t};
    tables[1].title = "混合:二/[x]";   /* illegal characters become '_' */
    tables[2].title = "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三";
    cl_summary_block blk = {&t, CL_CHART_COLUMN, 2, "金额"};
    const char *hdr[] = {"某某公司破产案", "截至 2024-03-01"};
    cl_book b = {"汇总", hdr, 2, &blk, 1, tables, 3, 0, NULL};
    cl_diag d = {0};
    const char *p1 = tmp_path("det1.xlsx"), *p2 = tmp_path("det2.xlsx");
    int nt = omp_get_max_threads();
    omp_set_num_threads(1);
    CHECK_EQ_INT(cl_report_xlsx(p1, &b, CL_AUDIENCE_PUBLIC, &d), CL_OK);
    omp_set_num_threads(nt > 1 ? nt : 2);
    CHECK_EQ_INT(cl_report_xlsx(p2, &b, CL_AUDIENCE_PUBLIC, &d), CL_OK);
    omp_set_num_threads(nt);
    CHECK_MSG(same_file(p1, p2), "xlsx differs across runs/thread counts");
    struct stat st;
    CHECK(stat(p1, &st) == 0 && st.st_size > 1000);
    /* No temporary file is left next to the output. */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | grep -v -e '\\.csv$' -e '\\.xlsx$' -e '\\.json$' "
             "| wc -l) -eq 0", tmpdir);
    CHECK(system(cmd) == 0);
}

typedef struct big_ctx {
    size_t calls;
    size_t out_of_order;
} big_ctx;

static void big_row(void *ctx, size_t r, cl_cell *c)
{
    big_ctx *b = ctx;
    if (r != b->calls)
        b->out_of_order++;
    b->calls++;
    c[0].i = (int64_t)r;
}

static int contains(const char *path, const char *needle)
{
    size_t n = 0;
    char *p = slurp(path, &n);
    int found = p && memmem(p, n, needle, strlen(needle)) != NULL;
    free(p);
    return found;
}

/* A table one row past Excel's limit continues on a second sheet. Zip entry
 * names are stored uncompressed, so the sheet files can be seen directly. */
static void test_xlsx_split(void)
{
    static const cl_col col[] = {{"n", "序号", CL_COL_INT}};
    big_ctx ctx = {0, 0};
    cl_table t = {"big", "大表", col, 1, 1048576, big_row, &ctx, NULL, 0, 0};
    cl_book b = {.sheets = &t, .nsheets = 1};
    cl_diag d = {0};
    const char *p = tmp_path("split.xlsx");
    CHECK_EQ_INT(cl_report_xlsx(p, &b, CL_AUDIENCE_INTERNAL, &d), CL_OK);
    CHECK_EQ_INT(ctx.calls, 1048576);
    CHECK_EQ_INT(ctx.out_of_order, 0);
    CHECK(contains(p, "xl/worksheets/sheet1.xml"));
    CHECK(contains(p, "xl/worksheets/sheet2.xml"));
    CHECK(!contains(p, "xl/worksheets/sheet3.xml"));
    /* Exactly at the limit: one sheet. */
    ctx = (big_ctx){0, 0};
    t.nrows = 1048575;
    CHECK_EQ_INT(cl_report_xlsx(p, &b, CL_AUDIENCE_INTERNAL, &d), CL_OK);
    CHECK_EQ_INT(ctx.calls, 1048575);
    CHECK(contains(p, "xl/worksheets/sheet1.xml"));
    CHECK(!contains(p, "xl/worksheets/sheet2.xml"));
    remove(p);
}

/* ---- JSON and errors ---------------------------------------------------- */

static void test_json(void)
{
    json_t *doc = json_pack("{s:i, s:[i,i], s:s}", "zeta", 1, "alpha", 1, 2, "mid", "中文");
    cl_diag d = {0};
    const char *p = tmp_path("doc.json");
    CHECK_EQ_INT(cl_report_json(p, doc, &d), CL_OK);
    size_t n = 0;
    char *got = slurp(p, &n);
    const char *want = "{\n  \"alpha\": [\n    1,\n    2\n  ],\n  \"mid\": \"中文\",\n"
                       "  \"zeta\": 1\n}\n";
    CHECK_MSG(got && strcmp(got, want) == 0, "json:\n%s", got ? got : "(null)");
    free(got);
    json_decref(doc);
}

static void test_errors(void)
{
    cl_table t = mix_table();
    cl_book b = {.sheets = &t, .nsheets = 1};
    cl_diag d = {0};
    const char *bad = "/nonexistent-dir-cl/x";
    CHECK_EQ_INT(cl_report_csv(bad, &t, CL_AUDIENCE_INTERNAL, &d), CL_ERR_IO);
    CHECK(strstr(d.msg, "/nonexistent-dir-cl/x") != NULL);
    d = (cl_diag){0};
    CHECK_EQ_INT(cl_report_xlsx(bad, &b, CL_AUDIENCE_INTERNAL, &d), CL_ERR_XLSX);
    CHECK(d.msg[0] != '\0');
    json_t *doc = json_object();
    CHECK_EQ_INT(cl_report_json(bad, doc, &d), CL_ERR_IO);
    json_decref(doc);
    /* A directory where the file should be. */
    d = (cl_diag){0};
    CHECK(cl_report_xlsx(tmpdir, &b, CL_AUDIENCE_INTERNAL, &d) == CL_ERR_XLSX);
    CHECK_MSG(strstr(d.msg, "creating output xlsx file") != NULL, "%s", d.msg);
    /* Two data sheets with one name: libxlsxwriter refuses, we report it. */
    cl_table two[2] = {t, t};
    cl_book b2 = {.sheets = two, .nsheets = 2};
    d = (cl_diag){0};
    CHECK_EQ_INT(cl_report_xlsx(tmp_path("dup.xlsx"), &b2, CL_AUDIENCE_INTERNAL, &d), CL_ERR_XLSX);
    CHECK(strstr(d.msg, "混合") != NULL);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cl_test_reports.%d", (int)getpid());
    mkdir(tmpdir, 0700);
    test_mask();
    test_csv_internal();
    test_csv_parallel();
    test_csv_skips_workbook_only_columns();
    test_csv_public();
    test_csv_times();
    test_xlsx_deterministic();
    test_json();
    test_errors();
    test_xlsx_split();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return cl_test_summary("test_reports");
}
