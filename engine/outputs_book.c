/* outputs_book.c - the judges' workbook report.xlsx (汇总 with counts,
 * amounts, a status chart and an amount histogram, 合计 rows and a note on
 * the rows listed from the books; 债权表, 申报明细, 待审核, 表决名册) and the
 * public creditor list (masked, contract §8). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cl_outdir.h"
#include "core/cl_time.h"
#include "engine/cl_stages.h"
#include "reports/cl_report.h"

typedef struct sum_row {
    char label[64];
    int64_t count;
    int64_t a, b;
} sum_row;

typedef struct sum_table {
    sum_row rows[16];
    int n;
} sum_table;

static void sum_row_fn(void *ctx, size_t row, cl_cell *cells)
{
    const sum_table *t = ctx;
    const sum_row *r = &t->rows[row];
    memset(cells, 0, 4 * sizeof *cells);
    cells[0].s = r->label;
    cells[0].len = strlen(r->label);
    cells[1].i = r->count;
    cells[2].i = r->a;
    cells[3].i = r->b;
}

static const cl_col status_cols[] = {
    {"status", "状态", CL_COL_TEXT}, {"claims", "申报笔数", CL_COL_INT},
    {"declared", "申报总额", CL_COL_MONEY}, {"confirmed", "确认总额", CL_COL_MONEY},
};
static const cl_col category_cols[] = {
    {"category", "债权类别", CL_COL_TEXT}, {"claims", "有效申报笔数", CL_COL_INT},
    {"declared", "申报总额", CL_COL_MONEY}, {"confirmed", "确认总额", CL_COL_MONEY},
};
static const cl_col tier_cols[] = {
    {"tier", "清偿顺序", CL_COL_TEXT}, {"creditors", "债权人数", CL_COL_INT},
    {"confirmed", "确认总额", CL_COL_MONEY}, {"temporary", "临时确定额", CL_COL_MONEY},
};
static const cl_col hist_cols[] = {
    {"bucket", "确认金额区间（元）", CL_COL_TEXT}, {"claims", "笔数", CL_COL_INT},
    {"confirmed", "确认总额", CL_COL_MONEY}, {"declared", "申报总额", CL_COL_MONEY},
};

/* The summary tables read the run's totals (cl_batch_decide computed them
 * once); only the histogram of confirmed amounts is the workbook's own. */
static void by_status(const cl_batch *b, sum_table *t)
{
    static const char *const zh[CL_ST_COUNT] = {"", "确认", "部分确认", "待审核", "不予确认",
                                                "待补正", "重复提交", "已被替代"};
    const cl_totals *tot = &b->totals;
    memset(t, 0, sizeof *t);
    for (int st = 1; st < CL_ST_COUNT; st++) {
        sum_row *r = &t->rows[t->n++];
        snprintf(r->label, sizeof r->label, "%s %s", zh[st], cl_status_name((cl_status)st));
        r->count = tot->claims_by_status[st];
        r->a = tot->declared_by_status[st];
        r->b = tot->confirmed_by_status[st];
    }
}

static void by_category(const cl_batch *b, sum_table *t)
{
    static const char *const zh[CL_CAT_COUNT] = {"", "押金", "余额", "货款", "职工债权", "税款", "其他"};
    const cl_totals *tot = &b->totals;
    memset(t, 0, sizeof *t);
    t->n = CL_CAT_COUNT - 1;
    for (int k = 1; k < CL_CAT_COUNT; k++) {
        sum_row *r = &t->rows[k - 1];
        snprintf(r->label, sizeof r->label, "%s %s", zh[k], cl_category_name((cl_category)k));
        r->count = tot->claims_by_category[k];
        r->a = tot->declared_by_category[k];
        r->b = tot->confirmed_by_category[k];
    }
}

static void by_tier(const cl_batch *b, sum_table *t)
{
    static const char *const labels[CL_TIER_COUNT] = {"职工债权 employee", "税款 tax",
                                                      "普通债权 ordinary", "有财产担保 secured"};
    const cl_totals *tot = &b->totals;
    memset(t, 0, sizeof *t);
    t->n = CL_TIER_COUNT;
    for (int k = 0; k < CL_TIER_COUNT; k++) {
        snprintf(t->rows[k].label, sizeof t->rows[k].label, "%s", labels[k]);
        t->rows[k].count = tot->tier_creditors[k];
        t->rows[k].a = tot->tier_confirmed[k];
        t->rows[k].b = tot->tier_temporary[k];
    }
}

static void histogram(const cl_batch *b, sum_table *t)
{
    static const int64_t upper[] = {9900, 19900, 29900, 100000, 1000000, 10000000, INT64_MAX};
    static const char *const labels[] = {"≤ 99", "99 – 199", "199 – 299", "299 – 1,000",
                                         "1,000 – 10,000", "10,000 – 100,000", "> 100,000"};
    memset(t, 0, sizeof *t);
    t->n = 7;
    for (int k = 0; k < 7; k++)
        snprintf(t->rows[k].label, sizeof t->rows[k].label, "%s", labels[k]);
    for (size_t i = 0; i < b->nclaims; i++) {
        const cl_claim *c = &b->claims[i];
        int64_t v = cl_claim_confirmed(c);
        if (!cl_claim_operative(c) || v <= 0)
            continue;
        int k = 0;
        while (v > upper[k])
            k++;
        t->rows[k].count++;
        t->rows[k].a += v;
        t->rows[k].b += c->declared;
    }
}

/* The judges' workbooks, written side by side: report.xlsx (汇总, 债权表,
 * 待审核, 表决名册), claims.xlsx (申报明细, every claim row) and, for
 * --public, public/creditors.xlsx (masked). */
cl_err cl_write_books(const cl_batch *b, const cl_table *claims, const cl_table *creditors,
                      const cl_table *review, const cl_table *roster, const cl_table *dups,
                      cl_outdir *o, int publish, cl_xlsx_many_fn write_books, cl_diag *d)
{
    sum_table st, ct, tt, ht;   /* on the stack: batches on other threads have their own */
    by_status(b, &st);
    by_category(b, &ct);
    by_tier(b, &tt);
    histogram(b, &ht);
    const cl_table small[4] = {
        /* 合计 rows: counts add up except creditors per tier (one creditor
         * may hold claims in several tiers) */
        {"status", "按状态", status_cols, 4, (size_t)st.n, sum_row_fn, &st, NULL, 0,
         CL_TOTAL_MONEY | CL_TOTAL_COUNTS},
        {"category", "按类别", category_cols, 4, (size_t)ct.n, sum_row_fn, &ct, NULL, 0,
         CL_TOTAL_MONEY | CL_TOTAL_COUNTS},
        {"tier", "按清偿顺序", tier_cols, 4, (size_t)tt.n, sum_row_fn, &tt, NULL, 0,
         CL_TOTAL_MONEY},
        {"histogram", "确认金额分布", hist_cols, 4, (size_t)ht.n, sum_row_fn, &ht, NULL, 0,
         CL_TOTAL_MONEY | CL_TOTAL_COUNTS},
    };
    const cl_summary_block blocks[4] = {
        {&small[0], CL_CHART_PIE, 1, "申报按状态 Claims by status"},
        {&small[1], CL_CHART_COLUMN, 3, "确认金额按类别 Confirmed by category"},
        {&small[2], CL_CHART_NONE, 0, NULL},
        {&small[3], CL_CHART_COLUMN, 1, "确认金额分布 Histogram of confirmed amounts"},
    };
    char l0[512], l1[512], l2[256], l3[256], l4[512], p0[512], p1[512], pt[768];
    char acc[CL_TIME_BUFSZ], dl[CL_TIME_BUFSZ];
    cl_date_format(b->cfg.acceptance_at, acc);
    cl_date_format(b->cfg.deadline_end, dl);
    snprintf(l0, sizeof l0, "%s 债权审查汇总", b->cfg.debtor);
    snprintf(l1, sizeof l1, "案号：%s", b->cfg.case_no);
    snprintf(l2, sizeof l2, "受理日期：%s    申报期限届满：%s", acc, dl);
    snprintf(l3, sizeof l3, "申报 %zu 笔，债权人 %zu 名，表决名册 %zu 名（申报明细见 claims.xlsx；claims %s）",
             b->nsubs, b->ncreditors, b->nroster, CL_VERSION);
    size_t from_books = 0;
    for (size_t i = 0; i < b->nclaims; i++)
        from_books += b->claims[i].sub == CL_NONE;
    snprintf(l4, sizeof l4, "注：按状态统计共 %zu 行 = 申报 %zu 笔 + 依职工名册列示 %zu 行"
             "（职工未申报、由管理人依账簿列示，第四十八条）；重复提交和已被替代的申报也各占一行。",
             b->nclaims, b->nsubs, from_books);
    snprintf(pt, sizeof pt, "案号：%s  %s", b->cfg.case_no, b->cfg.debtor);
    snprintf(p0, sizeof p0, "%s 债权人名单（公示）", b->cfg.debtor);
    snprintf(p1, sizeof p1, "案号：%s", b->cfg.case_no);
    const char *header[] = {l0, l1, l2, l3, l4};
    const char *pheader[] = {p0, p1};
    /* 疑似重复 (probable duplicates) only in the internal report, when on */
    const cl_table report_sheets[4] = {*creditors, *review, *roster, dups ? *dups : *roster};
    cl_book books[3] = {
        {"汇总", header, 5, blocks, 4, report_sheets, dups ? 4 : 3, 0, pt},
        {NULL, header, 4, NULL, 0, claims, 1, 0, pt},
        {NULL, pheader, 2, NULL, 0, creditors, 1, 0, pt},
    };
    const cl_audience aud[3] = {CL_AUDIENCE_INTERNAL, CL_AUDIENCE_INTERNAL, CL_AUDIENCE_PUBLIC};
    char paths[3][4096];
    snprintf(paths[0], sizeof paths[0], "%s", cl_outdir_path(o, "report.xlsx"));
    snprintf(paths[1], sizeof paths[1], "%s", cl_outdir_path(o, "claims.xlsx"));
    snprintf(paths[2], sizeof paths[2], "%s", cl_outdir_path(o, "public/creditors.xlsx"));
    const char *pp[3] = {paths[0], paths[1], paths[2]};
    if (!write_books)
        write_books = cl_report_xlsx_many;
    return write_books(pp, books, aud, publish ? 3 : 2, d);
}

/* Public disclosure: the creditor list, masked per §8, as CSV (the XLSX is
 * written with the other workbooks). */
cl_err cl_write_public(const cl_batch *b, const cl_table *creditors, cl_outdir *o, cl_diag *d)
{
    (void)b;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", cl_outdir_path(o, "public"));
    if (mkdir(dir, 0755) != 0)
        return cl_diag_set(d, CL_ERR_IO, "%s: cannot create", dir);
    unsigned char sha[32];
    cl_err err = cl_report_csv_sha256(cl_outdir_path(o, "public/creditors.csv"), creditors,
                                      CL_AUDIENCE_PUBLIC, sha, d);
    if (!err && cl_outdir_note_sha256(o, "public/creditors.csv", sha) < 0)
        err = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    return err;
}
