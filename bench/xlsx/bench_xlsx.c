/* bench_xlsx.c - times cl_report_csv and cl_report_xlsx on a claims-like
 * table (18 columns, rows generated from the row index), median of 3 runs;
 * also one workbook with two big sheets at 1 and 2 threads, and two
 * workbooks at once through cl_report_xlsx_many. Usage:
 *   bench_xlsx [rows=1000000] [outdir=/tmp] */
#include <inttypes.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cl_time.h"
#include "reports/cl_report.h"

typedef struct gen {
    char buf[8][64];
} gen;

static const char *const statuses[] = {"CONFIRMED", "PENDING_REVIEW", "REJECTED",
                                       "NEEDS_CORRECTION"};
static const char *const categories[] = {"ordinary", "employee", "tax", "secured"};

static void claims_row(void *ctx, size_t r, cl_cell *c)
{
    gen *g = ctx;
    uint64_t h = (uint64_t)r * 0x9E3779B97F4A7C15ull;
    int n;
    n = snprintf(g->buf[0], 64, "S%08zu", r);
    c[0] = (cl_cell){.s = g->buf[0], .len = (size_t)n};
    c[1] = (cl_cell){.s = r % 10 ? "submission" : "books", .len = r % 10 ? 10 : 5};
    n = snprintf(g->buf[1], 64, "C%07zu", r / 2);
    c[2] = (cl_cell){.s = g->buf[1], .len = (size_t)n};
    c[3] = (cl_cell){.s = "身份证", .len = strlen("身份证")};
    n = snprintf(g->buf[2], 64, "11010119%02d%02d%02d%04d", (int)(h % 60) + 40,
                 (int)(h >> 8) % 12 + 1, (int)(h >> 16) % 28 + 1, (int)(r % 10000));
    c[4] = (cl_cell){.s = g->buf[2], .len = (size_t)n};
    const char *cat = categories[h >> 40 & 3];
    c[5] = (cl_cell){.s = cat, .len = strlen(cat)};
    n = snprintf(g->buf[3], 64, "ACC%09" PRIu64, h % 1000000000u);
    c[6] = (cl_cell){.s = g->buf[3], .len = (size_t)n};
    c[7] = (cl_cell){.s = g->buf[3], .len = r % 3 ? (size_t)n : 0};
    const char *st = statuses[h >> 44 & 3];
    c[8] = (cl_cell){.s = st, .len = strlen(st)};
    c[9] = (cl_cell){.s = "D01;M02", .len = r % 4 ? 0 : 7};
    int64_t amt = (int64_t)(h % 100000000u) + 29900;
    c[10] = (cl_cell){.i = amt};
    c[11] = (cl_cell){.i = amt - amt / 10};
    c[12] = (cl_cell){.i = amt / 10};
    c[13] = (cl_cell){.i = 0};
    c[14] = (cl_cell){.i = amt};
    c[15] = (cl_cell){.i = amt};
    c[16] = (cl_cell){.i = cl_time_make(2024, 3, 1, 9, 0, 0) + (int64_t)(r % 5000000)};
    c[17] = (cl_cell){.i = (int64_t)(r % 7 == 0)};
}

static const cl_col claims_cols[] = {
    {"submission_id", "申报编号", CL_COL_TEXT},   {"source", "来源", CL_COL_TEXT},
    {"creditor_id", "债权人编号", CL_COL_TEXT},   {"id_type", "证件类型", CL_COL_TEXT},
    {"id_number", "证件号码", CL_COL_PII_ID},     {"category", "债权性质", CL_COL_TEXT},
    {"account_ref", "账户", CL_COL_TEXT},         {"matched_account", "匹配账户", CL_COL_TEXT},
    {"status", "审查结论", CL_COL_TEXT},          {"codes", "代码", CL_COL_TEXT},
    {"declared_total", "申报金额", CL_COL_MONEY}, {"confirmed_principal", "确认本金", CL_COL_MONEY},
    {"confirmed_interest", "确认利息", CL_COL_MONEY}, {"confirmed_other", "确认其他", CL_COL_MONEY},
    {"confirmed_total", "确认总额", CL_COL_MONEY}, {"voting_amount", "表决额", CL_COL_MONEY},
    {"submitted_at", "申报时间", CL_COL_TIME},    {"late", "逾期", CL_COL_INT},
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef cl_err (*run_fn)(void *arg, cl_diag *d);

static double median3(const char *what, run_fn fn, void *arg)
{
    double t[3];
    for (int i = 0; i < 3; i++) {
        cl_diag d = {0};
        double t0 = now();
        if (fn(arg, &d)) {
            fprintf(stderr, "%s: %s\n", what, d.msg);
            exit(1);
        }
        t[i] = now() - t0;
    }
    qsort(t, 3, sizeof t[0], cmp_d);
    printf("%-44s median %.3f s (min %.3f, max %.3f)\n", what, t[1], t[0], t[2]);
    fflush(stdout);
    return t[1];
}

typedef struct args {
    char path[512], path2[512];
    cl_table t;
    cl_book b, b2;
} args;

static cl_err run_csv(void *p, cl_diag *d)
{
    args *a = p;
    return cl_report_csv(a->path, &a->t, CL_AUDIENCE_INTERNAL, d);
}

static cl_err run_xlsx(void *p, cl_diag *d)
{
    args *a = p;
    return cl_report_xlsx(a->path, &a->b, CL_AUDIENCE_INTERNAL, d);
}

static cl_err run_many(void *p, cl_diag *d)
{
    args *a = p;
    const char *paths[2] = {a->path, a->path2};
    cl_book books[2] = {a->b, a->b2};
    cl_audience aud[2] = {CL_AUDIENCE_INTERNAL, CL_AUDIENCE_PUBLIC};
    return cl_report_xlsx_many(paths, books, aud, 2, d);
}

int main(int argc, char **argv)
{
    size_t rows = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    gen g1, g2;
    args a;
    memset(&a, 0, sizeof a);
    a.t = (cl_table){"claims", "申报明细", claims_cols, 18, rows, claims_row, &g1, NULL, 0, 0};
    cl_table half = {"claims2", "申报明细二", claims_cols, 18, rows / 2, claims_row, &g2, NULL, 0, 0};
    cl_table two[2] = {a.t, half};
    printf("rows %zu x 18 columns, %d threads available\n", rows, omp_get_max_threads());

    snprintf(a.path, sizeof a.path, "%s/bench_claims.csv", dir);
    median3("csv 1 table", run_csv, &a);

    snprintf(a.path, sizeof a.path, "%s/bench_claims.xlsx", dir);
    a.b = (cl_book){.sheets = &a.t, .nsheets = 1};
    median3("xlsx 1 sheet", run_xlsx, &a);

    a.b = (cl_book){.sheets = two, .nsheets = 2};
    int maxt = omp_get_max_threads();
    omp_set_num_threads(1);
    median3("xlsx 2 sheets (1 + 0.5 rows), 1 thread", run_xlsx, &a);
    omp_set_num_threads(maxt);
    median3("xlsx 2 sheets (1 + 0.5 rows), all threads", run_xlsx, &a);

    a.b = (cl_book){.sheets = &a.t, .nsheets = 1};
    a.b2 = (cl_book){.sheets = &half, .nsheets = 1};
    snprintf(a.path2, sizeof a.path2, "%s/bench_claims_public.xlsx", dir);
    median3("xlsx_many 2 books (1 + 0.5 rows)", run_many, &a);
    remove(a.path2);
    snprintf(a.path, sizeof a.path, "%s/bench_claims.csv", dir);
    remove(a.path);
    snprintf(a.path, sizeof a.path, "%s/bench_claims.xlsx", dir);
    remove(a.path);
    return 0;
}
