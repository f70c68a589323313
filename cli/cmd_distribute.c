/* cmd_distribute.c - `claims distribute`: reads creditors.csv (and, from a
 * run's output folder, its private payees.csv) and a distributable amount,
 * pays the tiers of contract §7 to the fen (engine/cl_distribute.h) and
 * writes distribution.csv, distribution_summary.csv, payments.csv and
 * distribution.xlsx atomically into --out. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cl_alloc.h"
#include "core/cl_error.h"
#include "core/cl_money.h"
#include "core/cl_outdir.h"
#include "core/cl_progress.h"
#include "engine/cl_distribute.h"
#include "engine/cl_distribute_io.h"
#include "cli/cl_cli.h"
#include "ingest/cl_csv.h"
#include "ingest/cl_norm.h"
#include "reports/cl_report.h"

static const char help[] =
    "usage: claims distribute (--run RUN_OUT | --creditors CREDITORS.csv)\n"
    "                         --amount YUAN --out DIR\n"
    "                         [--encoding auto|utf-8|gb18030] [--no-xlsx]\n"
    "                         [--progress|--no-progress] [--quiet]\n"
    "\n"
    "Computes a distribution to the fen (contract §7, Art. 113). The amount pays\n"
    "the tiers in order employee, tax, ordinary, each creditor's confirmed tier\n"
    "amount being its claim (secured claims are paid from their collateral and take\n"
    "no part). A tier that cannot be paid in full is shared pro rata: each claim\n"
    "gets floor(remaining x claim / tier_total), computed in 128-bit integers, and\n"
    "the leftover fen go one each to the largest remainders (tie: smaller\n"
    "creditor_id bytewise). The shares add up to the amount exactly; what exceeds\n"
    "all claims is the surplus.\n"
    "\n"
    "options:\n"
    "  --run DIR          the output folder of a 'claims run': its creditors.csv,\n"
    "                     and its private payees.csv (each creditor's bank name\n"
    "                     and account, from the latest operative claim naming\n"
    "                     one), so that payments.csv is a list one can pay from\n"
    "  --creditors FILE   creditors.csv alone (creditor_id, employee, tax,\n"
    "                     ordinary: confirmed amounts in yuan; name, id_type,\n"
    "                     id_number when present); payments.csv then lacks the\n"
    "                     bank details, and the summary says so\n"
    "  --amount YUAN      the distributable amount, e.g. 1234567.89 or ¥1,234,567.89\n"
    "                     (unsigned, at most two decimals)\n"
    "  --out DIR          output directory, replaced atomically on success; it must\n"
    "                     be new, empty, or earlier claims outputs (never an input\n"
    "                     or a folder holding one)\n"
    "  --encoding E       input encoding: auto (default), utf-8, gb18030\n"
    "  --no-xlsx          do not write distribution.xlsx\n"
    "  --progress         per-stage progress on stderr (default: when a terminal)\n"
    "  --no-progress      never show progress\n"
    "  --quiet            no summary on stdout\n"
    "  -h, --help         this help\n"
    "\n"
    "outputs in DIR:\n"
    "  distribution.csv          creditor_id, tier, claim, share (tier order, then\n"
    "                            creditor_id bytewise; creditors with no claim in a\n"
    "                            tier are not listed for it)\n"
    "  distribution_summary.csv  tier, claims_total, paid, claims, paid_in_full;\n"
    "                            last row 'surplus' (paid = the surplus)\n"
    "  payments.csv              the payment list: creditor_id, name, id_type,\n"
    "                            id_number, bank_name, bank_account, tier,\n"
    "                            tier_zh (职工债权...), amount; one row per share\n"
    "                            > 0 (tier order, then creditor_id), and after each\n"
    "                            tier a 合计 row (empty creditor_id) whose amount is\n"
    "                            the tier's paid in distribution_summary.csv.\n"
    "                            Full ID numbers and accounts: keep it private\n"
    "  distribution.xlsx         汇总, 分配明细, 付款清单\n"
    "\n"
    "exit codes: 0 ok; 1 bad input (file:line:column named, or a bad --amount;\n"
    "            nothing written); 2 usage; 3 internal error (I/O, memory)\n";

typedef struct dist_opts {
    const char *creditors, *amount_text, *out;
    const char *run;          /* a run's output folder: creditors.csv, payees.csv */
    char creditors_buf[4096];
    cl_encoding encoding;
    int xlsx, progress, quiet;
} dist_opts;

enum { OPT_NO_XLSX = 256, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_QUIET };

static const struct option longopts[] = {
    {"creditors", required_argument, NULL, 'c'},
    {"run", required_argument, NULL, 'r'},
    {"amount", required_argument, NULL, 'a'},
    {"out", required_argument, NULL, 'O'},
    {"encoding", required_argument, NULL, 'e'},
    {"no-xlsx", no_argument, NULL, OPT_NO_XLSX},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* 0 ok, -1 help printed, else an exit code. */
static int parse_args(int argc, char **argv, dist_opts *o)
{
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': o->creditors = optarg; break;
        case 'r': o->run = optarg; break;
        case 'a': o->amount_text = optarg; break;
        case 'O': o->out = optarg; break;
        case 'e':
            if (cl_cli_encoding("distribute", optarg, &o->encoding))
                return CL_EXIT_USAGE;
            break;
        case OPT_NO_XLSX: o->xlsx = 0; break;
        case OPT_PROGRESS: o->progress = 1; break;
        case OPT_NO_PROGRESS: o->progress = 0; break;
        case OPT_QUIET: o->quiet = 1; break;
        case 'h': fputs(help, stdout); return -1;
        default:
            cl_cli_error("distribute: unknown or incomplete option '%s' "
                         "(see 'claims distribute --help')",
                         argv[optind - 1]);
            return CL_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cl_cli_error("distribute: unexpected argument '%s'", argv[optind]);
        return CL_EXIT_USAGE;
    }
    if (o->run && o->creditors) {
        cl_cli_error("distribute: --run and --creditors exclude each other (--run reads "
                     "the run's creditors.csv)");
        return CL_EXIT_USAGE;
    }
    if (o->run) {
        if ((size_t)snprintf(o->creditors_buf, sizeof o->creditors_buf, "%s/creditors.csv",
                             o->run) >= sizeof o->creditors_buf) {
            cl_cli_error("distribute: --run path too long");
            return CL_EXIT_USAGE;
        }
        o->creditors = o->creditors_buf;
    }
    const char *missing = !o->creditors ? "--run or --creditors" : !o->amount_text ? "--amount"
                        : !o->out ? "--out" : NULL;
    if (missing) {
        cl_cli_error("distribute: %s is required (see 'claims distribute --help')", missing);
        return CL_EXIT_USAGE;
    }
    return 0;
}

/* ---- payees.csv (a run's private table) --------------------------------- */

static cl_err payees_load(const dist_opts *o, cl_dist_creditors *c, cl_diag *d)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/payees.csv", o->run);
    if (access(path, R_OK) != 0)
        return cl_diag_set(d, CL_ERR_INPUT, "%s: cannot read it (%s); a run's output folder "
                           "holds payees.csv since this version: run 'claims run' again, or "
                           "use --creditors (without bank details)", path, strerror(errno));
    return cl_dist_payees_load(path, o->encoding, c, d);
}

/* ---- outputs ------------------------------------------------------------ */

typedef struct out_row {
    uint8_t tier;
    uint32_t idx;
} out_row;

typedef struct dist_view {
    const cl_dist_creditors *c;
    const cl_dist_result *r;
    int64_t amount;
    out_row *rows;      /* distribution.csv, in output order */
    size_t nrows;
    out_row *pay;       /* payments.csv: shares > 0, idx UINT32_MAX = the tier's 合计 */
    size_t npay;
    size_t npayments;   /* rows of pay that are payments */
    size_t no_bank;     /* payments without a bank account */
    char total[CL_TIER_COUNT][48];
} dist_view;

static int id_cmp(const void *a, const void *b, void *ctx)
{
    char *const *ids = ctx;
    return strcmp(ids[*(const uint32_t *)a], ids[*(const uint32_t *)b]);
}

/* Tier order, then creditor_id bytewise; claims of 0 are not listed. */
static cl_err order_rows(dist_view *v, cl_diag *d)
{
    const cl_dist_creditors *c = v->c;
    uint32_t *perm = malloc((c->n ? c->n : 1) * sizeof *perm);
    v->rows = malloc((c->n * CL_TIER_COUNT + 1) * sizeof *v->rows);
    if (!perm || !v->rows) {
        free(perm);
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < c->n; i++)
        perm[i] = (uint32_t)i;
    qsort_r(perm, c->n, sizeof *perm, id_cmp, c->id);
    for (int t = 0; t < CL_TIER_COUNT; t++)
        for (size_t k = 0; k < c->n; k++)
            if (c->claim[t][perm[k]] > 0)
                v->rows[v->nrows++] = (out_row){(uint8_t)t, perm[k]};
    free(perm);
    return CL_OK;
}

/* The payment list: the shares > 0 in distribution order, a 合计 row after
 * each tier; counts the payees lacking a bank account. */
static cl_err payment_rows(dist_view *v, cl_diag *d)
{
    v->pay = cl_malloc((v->nrows + CL_TIER_COUNT + 1) * sizeof *v->pay);
    if (!v->pay)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    size_t k = 0;
    for (int t = 0; t < CL_TIER_COUNT; t++) {
        size_t first = v->npay;
        for (; k < v->nrows && v->rows[k].tier == t; k++) {
            out_row r = v->rows[k];
            if (v->r->share[t][r.idx] <= 0)
                continue;
            v->pay[v->npay++] = r;
            v->npayments++;
            v->no_bank += !v->c->payee[CL_PAYEE_BANK_ACCOUNT][r.idx];
        }
        if (v->npay > first)
            v->pay[v->npay++] = (out_row){(uint8_t)t, UINT32_MAX};
        snprintf(v->total[t], sizeof v->total[t], "合计 %s / total %s", cl_tier_title((cl_tier)t),
                 cl_tier_name((cl_tier)t));
    }
    return CL_OK;
}

static const cl_col pay_cols[] = {
    {"creditor_id", "债权人编号", CL_COL_TEXT},
    {"name", "债权人名称", CL_COL_PII_NAME},
    {"id_type", "证件类型", CL_COL_TEXT},
    {"id_number", "证件号码", CL_COL_PII_ID},
    {"bank_name", "开户银行", CL_COL_TEXT},
    {"bank_account", "银行账号", CL_COL_PII_BANK},
    {"tier", "tier", CL_COL_TEXT},
    {"tier_zh", "清偿顺序", CL_COL_TEXT},
    {"amount", "分配金额", CL_COL_MONEY},
};
enum { PAY_NCOLS = sizeof pay_cols / sizeof pay_cols[0] };

static cl_cell str_cell(const char *s)
{
    return (cl_cell){.s = s, .len = s ? strlen(s) : 0};
}

static void pay_row_fn(void *ctx, size_t i, cl_cell *cells)
{
    dist_view *v = ctx;
    out_row r = v->pay[i];
    memset(cells, 0, PAY_NCOLS * sizeof *cells);
    cells[6] = str_cell(cl_tier_name((cl_tier)r.tier));
    cells[7] = str_cell(cl_tier_title((cl_tier)r.tier));
    if (r.idx == UINT32_MAX) {
        cells[1] = str_cell(v->total[r.tier]);
        cells[8] = (cl_cell){.i = v->r->paid[r.tier]};
        return;
    }
    cells[0] = str_cell(v->c->id[r.idx]);
    for (int k = 0; k < CL_PAYEE_NFIELDS; k++)
        cells[1 + k] = str_cell(v->c->payee[k][r.idx]);
    cells[8] = (cl_cell){.i = v->r->share[r.tier][r.idx]};
}

static const cl_col dist_cols[] = {
    {"creditor_id", "债权人编号", CL_COL_TEXT},
    {"tier", "清偿顺序", CL_COL_TEXT},
    {"claim", "债权额", CL_COL_MONEY},
    {"share", "分配额", CL_COL_MONEY},
};

static void dist_row_fn(void *ctx, size_t i, cl_cell *cells)
{
    dist_view *v = ctx;
    out_row r = v->rows[i];
    cells[0] = (cl_cell){.s = v->c->id[r.idx], .len = strlen(v->c->id[r.idx])};
    cells[1] = (cl_cell){.s = cl_tier_name(r.tier), .len = strlen(cl_tier_name(r.tier))};
    cells[2] = (cl_cell){.i = v->c->claim[r.tier][r.idx]};
    cells[3] = (cl_cell){.i = v->r->share[r.tier][r.idx]};
}

static const cl_col summary_cols[] = {
    {"tier", "清偿顺序", CL_COL_TEXT},
    {"claims_total", "债权总额", CL_COL_MONEY},
    {"paid", "分配额", CL_COL_MONEY},
    {"claims", "债权人数", CL_COL_INT},
    {"paid_in_full", "全额清偿", CL_COL_INT},
};

static void summary_row_fn(void *ctx, size_t i, cl_cell *cells)
{
    dist_view *v = ctx;
    const char *name = i < CL_TIER_COUNT ? cl_tier_name((cl_tier)i) : "surplus";
    cells[0] = (cl_cell){.s = name, .len = strlen(name)};
    if (i < CL_TIER_COUNT) {
        cells[1] = (cl_cell){.i = v->r->claims_total[i]};
        cells[2] = (cl_cell){.i = v->r->paid[i]};
        cells[3] = (cl_cell){.i = (int64_t)v->r->nclaims[i]};
        cells[4] = (cl_cell){.i = v->r->paid_in_full[i]};
    } else {
        cells[1] = (cl_cell){.i = 0};
        cells[2] = (cl_cell){.i = v->r->surplus};
        cells[3] = (cl_cell){.i = 0};
        cells[4] = (cl_cell){.empty = 1};
    }
}

static cl_err write_outputs(const dist_opts *o, dist_view *v, cl_diag *d)
{
    cl_outdir *od = NULL;
    cl_table dist = {.name = "distribution", .title = "分配明细", .cols = dist_cols,
                     .ncols = 4, .nrows = v->nrows, .row = dist_row_fn, .ctx = v};
    cl_table summary = {.name = "distribution_summary", .title = "分配汇总",
                        .cols = summary_cols, .ncols = 5, .nrows = CL_TIER_COUNT + 1,
                        .row = summary_row_fn, .ctx = v};
    cl_table pay = {.name = "payments", .title = "付款清单", .cols = pay_cols,
                    .ncols = PAY_NCOLS, .nrows = v->npay, .row = pay_row_fn, .ctx = v};
    cl_err e = cl_outdir_begin_as(o->out, "distribute", &od, d);
    if (!e)
        e = cl_report_csv(cl_outdir_path(od, "distribution.csv"), &dist, CL_AUDIENCE_INTERNAL, d);
    if (!e)
        e = cl_report_csv(cl_outdir_path(od, "payments.csv"), &pay, CL_AUDIENCE_INTERNAL, d);
    if (!e)
        e = cl_report_csv(cl_outdir_path(od, "distribution_summary.csv"), &summary,
                          CL_AUDIENCE_INTERNAL, d);
    if (!e && o->xlsx) {
        char l0[128], a[CL_MONEY_BUFSZ];
        cl_money_format(v->amount, a);
        snprintf(l0, sizeof l0, "破产财产分配方案（第一百一十三条）  可分配金额：%s 元", a);
        const char *lines[2] = {l0, "清偿顺序：职工债权、税款债权、普通债权；"
                                    "不足清偿同一顺序时按比例分配，尾差按余数大小逐分分配"};
        cl_summary_block block = {.table = &summary, .chart = CL_CHART_COLUMN, .value_col = 2,
                                  .chart_title = "各顺序分配额"};
        cl_table sheets[2] = {dist, pay};
        cl_book book = {.summary_title = "汇总", .header_lines = lines, .nheader = 2,
                        .blocks = &block, .nblocks = 1, .sheets = sheets, .nsheets = 2};
        e = cl_report_xlsx(cl_outdir_path(od, "distribution.xlsx"), &book, CL_AUDIENCE_INTERNAL,
                           d);
    }
    if (!e)
        e = cl_outdir_commit(od, d);
    cl_outdir_free(od);
    return e;
}

static void print_summary(const dist_view *v, int run)
{
    char a[CL_MONEY_BUFSZ], b[CL_MONEY_BUFSZ];
    cl_money_format(v->amount, a);
    printf("distributable %s yuan over %zu creditors\n", a, v->c->n);
    for (int t = 0; t < CL_TIER_COUNT; t++) {
        cl_money_format(v->r->claims_total[t], a);
        cl_money_format(v->r->paid[t], b);
        printf("  %-9s %zu claims, total %s, paid %s%s\n", cl_tier_name((cl_tier)t),
               v->r->nclaims[t], a, b, v->r->paid_in_full[t] ? " (in full)" : "");
    }
    cl_money_format(v->r->surplus, a);
    printf("  surplus   %s\n", a);
    size_t payees = v->npayments;
    if (!run)
        printf("payments.csv: %zu payments; bank details missing: --creditors carries "
               "none (distribute --run OUT reads them from the run's payees.csv)\n", payees);
    else if (v->no_bank)
        printf("payments.csv: %zu payments; bank details missing for %zu (no operative "
               "claim names a bank account: ask them)\n", payees, v->no_bank);
    else
        printf("payments.csv: %zu payments, each with bank details\n", payees);
}

static cl_err parse_amount_arg(const char *s, int64_t *fen, cl_diag *d)
{
    cl_amount_status st = cl_parse_amount(s, strlen(s), false, fen);
    if (st == CL_AMT_OK)
        return CL_OK;
    return cl_diag_set(d, CL_ERR_INPUT, "--amount '%s': %s", s,
                       st == CL_AMT_SIGNED  ? "must not carry a sign"
                       : st == CL_AMT_RANGE ? "is over 10^11 yuan"
                       : st == CL_AMT_EMPTY ? "is empty"
                                            : "is not an amount in yuan (at most two decimals)");
}

static cl_err distribute_main(const dist_opts *o, cl_progress *p, cl_diag *d)
{
    cl_dist_creditors *c = NULL;
    cl_dist_result r = {0};
    dist_view v = {.r = &r};
    cl_err e;
    if ((e = parse_amount_arg(o->amount_text, &v.amount, d)))
        return e;
    cl_progress_stage(p, "creditors");
    if (o->run && access(o->creditors, R_OK) != 0) {
        e = cl_diag_set(d, CL_ERR_INPUT, "--run %s: cannot read %s (%s); is it the output "
                        "folder of a 'claims run'?", o->run, o->creditors, strerror(errno));
        goto done;
    }
    if ((e = cl_dist_creditors_load(o->creditors, o->encoding, &c, d)))
        goto done;
    v.c = c;
    cl_progress_end(p, "%zu creditors", c->n);
    if (o->run) {
        cl_progress_stage(p, "payees");
        if ((e = payees_load(o, c, d)))
            goto done;
    }
    cl_progress_stage(p, "distribution");
    cl_dist_input in = {.n = c->n, .creditor_id = (const char *const *)c->id, .amount = v.amount};
    for (int t = 0; t < CL_TIER_COUNT; t++)
        in.claim[t] = c->claim[t];
    if ((e = cl_distribute(&in, &r, d)) || (e = order_rows(&v, d)) || (e = payment_rows(&v, d)))
        goto done;
    cl_progress_end(p, "%zu shares", v.nrows);
    cl_progress_stage(p, "outputs");
    if ((e = write_outputs(o, &v, d)))
        goto done;
    cl_progress_end(p, "%s", o->out);
    if (!o->quiet)
        print_summary(&v, o->run != NULL);
done:
    free(v.rows);
    free(v.pay);
    cl_dist_result_free(&r);
    cl_dist_creditors_free(c);
    return e;
}

int cl_cmd_distribute(int argc, char **argv)
{
    dist_opts o = {.xlsx = 1, .progress = -1};
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? CL_EXIT_OK : rc;
    cl_progress *p = cl_progress_create(o.progress);
    if (!p) {
        cl_cli_error("distribute: out of memory");
        return CL_EXIT_INTERNAL;
    }
    cl_diag d;
    cl_diag_clear(&d);
    const char *inputs[1] = {o.creditors};
    cl_err e = cl_outdir_check(o.out, inputs, 1, &d);   /* before any work */
    if (!e)
        e = distribute_main(&o, p, &d);
    cl_progress_free(p);
    if (e) {
        cl_cli_error("distribute: %s", d.msg[0] ? d.msg : cl_strerror(e));
        return cl_exit_code(e);
    }
    return CL_EXIT_OK;
}
