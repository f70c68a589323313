/* xlsx_fixture.c - writes the workbooks check_xlsx.py reads back: an internal
 * and a public report (summary with charts, two data sheets), the internal
 * CSV of each data table (the python side's source of truth), a table split
 * past Excel's row limit, and fixture.json describing what to expect.
 * Usage: xlsx_fixture OUTDIR */
#include <stdio.h>
#include <string.h>

#include "core/cl_money.h"
#include "core/cl_time.h"
#include "reports/cl_report.h"

#define NCLAIMS 57

static const char *const names[] = {"张三丰", "李四", "王", "欧阳娜娜", "Alice", "赵钱孙"};
static const char *const statuses[] = {"CONFIRMED", "PENDING_REVIEW", "REJECTED"};

typedef struct claims_ctx {
    char id[32], phone[32], bank[40], sid[16], note[64];
} claims_ctx;

static const cl_col claim_cols[] = {
    {"submission_id", "申报编号", CL_COL_TEXT}, {"name", "姓名", CL_COL_PII_NAME},
    {"id_number", "证件号码", CL_COL_PII_ID},   {"phone", "联系电话", CL_COL_PII_PHONE},
    {"bank_account", "银行账号", CL_COL_PII_BANK}, {"status", "审查结论", CL_COL_TEXT},
    {"declared_total", "申报金额", CL_COL_MONEY}, {"confirmed_total", "确认金额", CL_COL_MONEY},
    {"submitted_at", "申报时间", CL_COL_TIME},   {"due_date", "到期日", CL_COL_DATE},
    {"items", "明细数", CL_COL_INT},             {"note", "备注", CL_COL_TEXT},
};

/* Amounts chosen to stress decimal rendering: cents like .10/.29/.99, the
 * contract maximum 10^11 yuan, and sums of many. */
static int64_t amount(size_t r)
{
    if (r == 0)
        return CL_AMOUNT_MAX_FEN;
    if (r == 1)
        return 1;
    return (int64_t)(r * 7919u % 1000003u) * 100 + (int64_t)(r * 37u % 100u);
}

static void claim_row(void *vctx, size_t r, cl_cell *c)
{
    claims_ctx *x = vctx;
    snprintf(x->sid, sizeof x->sid, "S%05zu", r);
    snprintf(x->id, sizeof x->id, "1101011980%02zu%02zu%03zu%c", r % 12 + 1, r % 28 + 1,
             r % 1000, r % 11 == 0 ? 'X' : (char)('0' + r % 10));
    snprintf(x->phone, sizeof x->phone, "1%02zu%08zu", 30 + r % 60, 12345678 + r * 7);
    snprintf(x->bank, sizeof x->bank, "6222 %04zu %04zu %04zu", 1000 + r, 2000 + r * 3, 3000 + r);
    snprintf(x->note, sizeof x->note, r % 5 == 0 ? "含逗号,和\"引号\"" : "备注%zu", r);
    const char *nm = names[r % 6], *st = statuses[r % 3];
    c[0] = (cl_cell){.s = x->sid, .len = strlen(x->sid)};
    c[1] = (cl_cell){.s = nm, .len = strlen(nm)};
    c[2] = (cl_cell){.s = x->id, .len = strlen(x->id)};
    c[3] = (cl_cell){.s = x->phone, .len = strlen(x->phone)};
    c[4] = (cl_cell){.s = x->bank, .len = strlen(x->bank)};
    c[5] = (cl_cell){.s = st, .len = strlen(st)};
    c[6] = (cl_cell){.i = amount(r)};
    c[7] = (cl_cell){.i = amount(r) / 3, .empty = r % 3 == 2};
    c[8] = (cl_cell){.i = cl_time_make(2024, 1 + (int)(r % 12), 1 + (int)(r % 28), (int)(r % 24),
                                       (int)(r * 7 % 60), (int)(r * 13 % 60))};
    c[9] = (cl_cell){.i = cl_time_make(2025, 6, 30, 0, 0, 0) + (int64_t)r * 86400,
                     .empty = r % 4 == 3};
    c[10] = (cl_cell){.i = (int64_t)r % 9};
    c[11] = (cl_cell){.s = x->note, .len = strlen(x->note)};
}

/* Summary tables: counts and amounts by status. */
static const cl_col status_cols[] = {
    {"status", "审查结论", CL_COL_TEXT}, {"count", "件数", CL_COL_INT},
    {"declared_total", "申报金额", CL_COL_MONEY}};

typedef struct status_ctx {
    int64_t count[3], total[3];
} status_ctx;

static void status_row(void *vctx, size_t r, cl_cell *c)
{
    status_ctx *s = vctx;
    c[0] = (cl_cell){.s = statuses[r], .len = strlen(statuses[r])};
    c[1] = (cl_cell){.i = s->count[r]};
    c[2] = (cl_cell){.i = s->total[r]};
}

static const cl_col creditor_cols[] = {
    {"name", "债权人名称", CL_COL_PII_NAME}, {"id_number", "证件号码", CL_COL_PII_ID},
    {"confirmed_total", "确认债权总额", CL_COL_MONEY}};

static void creditor_row(void *vctx, size_t r, cl_cell *c)
{
    claims_ctx *x = vctx;
    cl_cell all[12];
    claim_row(x, r, all);   /* reuse the claim's name, id and amount */
    c[0] = all[1];
    c[1] = all[2];
    c[2] = all[6];
}

static void big_row(void *ctx, size_t r, cl_cell *c)
{
    c[0].i = (int64_t)r;
}

static int fail(const char *what, const cl_diag *d)
{
    fprintf(stderr, "xlsx_fixture: %s: %s\n", what, d->msg);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: xlsx_fixture OUTDIR\n");
        return 2;
    }
    const char *dir = argv[1];
    char path[1024];
    cl_diag d = {0};
    claims_ctx cx, cx2;
    status_ctx sx = {{0}, {0}};
    for (size_t r = 0; r < NCLAIMS; r++) {
        sx.count[r % 3]++;
        sx.total[r % 3] += amount(r);
    }
    cl_table claims = {"claims", "申报明细", claim_cols, 12, NCLAIMS, claim_row, &cx, NULL, 0, CL_TOTAL_MONEY};
    cl_table creditors = {"creditors", "债权人", creditor_cols, 3, 20, creditor_row, &cx2, NULL, 0, 0};
    cl_table status = {"status", "按结论", status_cols, 3, 3, status_row, &sx, NULL, 0, CL_TOTAL_MONEY | CL_TOTAL_COUNTS};
    cl_summary_block blocks[2] = {{&status, CL_CHART_COLUMN, 1, "件数"},
                                  {&status, CL_CHART_PIE, 2, "申报金额"}};
    const char *hdr[] = {"某某房地产开发有限公司破产清算案", "管理人：某某律师事务所"};
    cl_table sheets[2] = {claims, creditors};
    cl_book book = {"汇总", hdr, 2, blocks, 2, sheets, 2, 1709254800, "案号：(2024)沪03破1号 & 某某公司"};

    static const char *const csvs[] = {"claims.csv", "creditors.csv"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, csvs[i]);
        if (cl_report_csv(path, &sheets[i], CL_AUDIENCE_INTERNAL, &d))
            return fail(path, &d);
    }
    char p_int[1024], p_pub[1024];
    snprintf(p_int, sizeof p_int, "%s/internal.xlsx", dir);
    snprintf(p_pub, sizeof p_pub, "%s/public.xlsx", dir);
    const char *paths[2] = {p_int, p_pub};
    cl_book books[2] = {book, book};
    cl_audience aud[2] = {CL_AUDIENCE_INTERNAL, CL_AUDIENCE_PUBLIC};
    /* Two books at once need their own row contexts. */
    claims_ctx cy, cy2;
    status_ctx sy = sx;
    cl_table claims2 = claims, creditors2 = creditors, status2 = status;
    claims2.ctx = &cy;
    creditors2.ctx = &cy2;
    status2.ctx = &sy;
    cl_summary_block blocks2[2] = {{&status2, CL_CHART_COLUMN, 1, "件数"},
                                   {&status2, CL_CHART_PIE, 2, "申报金额"}};
    cl_table sheets2[2] = {claims2, creditors2};
    books[1].blocks = blocks2;
    books[1].sheets = sheets2;
    if (cl_report_xlsx_many(paths, books, aud, 2, &d))
        return fail("xlsx_many", &d);
    /* The same internal book written alone must be byte-identical. */
    snprintf(path, sizeof path, "%s/internal_again.xlsx", dir);
    if (cl_report_xlsx(path, &book, CL_AUDIENCE_INTERNAL, &d))
        return fail(path, &d);

    static const cl_col big_col[] = {{"n", "序号", CL_COL_INT}};
    cl_table big = {"big", "大表", big_col, 1, 1048577, big_row, NULL, NULL, 0, 0};
    cl_book bigbook = {.sheets = &big, .nsheets = 1};
    snprintf(path, sizeof path, "%s/split.xlsx", dir);
    if (cl_report_xlsx(path, &bigbook, CL_AUDIENCE_INTERNAL, &d))
        return fail(path, &d);

    snprintf(path, sizeof path, "%s/fixture.json", dir);
    json_t *fx = json_pack("{s:[s,s,s], s:[s,s], s:[s,s,s], s:[s,s,s], s:I, s:s}",
                           "sheets", "汇总", "申报明细", "债权人",
                           "header_lines", hdr[0], hdr[1],
                           "statuses", statuses[0], statuses[1], statuses[2],
                           "pii_keys", "id_number", "phone", "bank_account",
                           "created", (json_int_t)book.created,
                           "print_title", book.print_title);
    json_t *titles = json_object();
    for (int i = 0; i < 2; i++) {
        json_t *arr = json_array();
        for (int c = 0; c < sheets[i].ncols; c++) {
            static const char *const kinds[] = {"text", "int", "money", "time", "date",
                                                "name", "id", "phone", "bank"};
            json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "key", sheets[i].cols[c].key,
                                                 "title", sheets[i].cols[c].title, "kind",
                                                 kinds[sheets[i].cols[c].kind]));
        }
        json_object_set_new(titles, sheets[i].title,
                            json_pack("{s:o,s:s,s:i,s:b}", "cols", arr, "csv", csvs[i], "rows",
                                      (json_int_t)sheets[i].nrows,
                                      "totals", sheets[i].totals & CL_TOTAL_MONEY));
    }
    json_object_set_new(fx, "tables", titles);
    cl_err e = cl_report_json(path, fx, &d);
    json_decref(fx);
    if (e)
        return fail(path, &d);
    return 0;
}
