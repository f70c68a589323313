/* cmd_tally.c - `claims tally`: reads meeting.conf, the voting roster and
 * ballots.csv, runs the tally of contract §6 and writes tally.csv,
 * ballots_rejected.csv and tally.xlsx atomically into --out. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cl_error.h"
#include "core/cl_alloc.h"
#include "core/cl_money.h"
#include "core/cl_outdir.h"
#include "core/cl_progress.h"
#include "core/cl_time.h"
#include "engine/cl_meeting.h"
#include "engine/cl_tally.h"
#include "cli/cl_cli.h"
#include "cli/cl_cli_tally.h"
#include "reports/cl_report.h"

static const char help[] =
    "usage: claims tally --roster ROSTER.csv --meeting MEETING.conf --ballots BALLOTS.csv\n"
    "                    --out DIR [--encoding auto|utf-8|gb18030] [--threads N]\n"
    "                    [--no-xlsx] [--progress|--no-progress] [--quiet]\n"
    "\n"
    "Tallies the ballots of a creditors' meeting (contract §6). Each ballot is\n"
    "checked in order and rejected with the first failing reason: NOT_ON_ROSTER,\n"
    "UNKNOWN_RESOLUTION, OUTSIDE_WINDOW (cast_at unparseable or outside\n"
    "[opens_at, closes_at]), INVALID_CHOICE, WRONG_GROUP (reorganization),\n"
    "NO_VOTING_RIGHT; of one creditor's valid ballots per resolution (and group)\n"
    "the latest cast_at counts (tie: greatest ballot_id), the others are SUPERSEDED.\n"
    "Tests, in exact integer arithmetic:\n"
    "  general (Art. 64)        for x 2 > present  and  for_amount x 2 >= base\n"
    "  settlement (Art. 97)     for x 2 > present  and  for_amount x 3 >= base x 2\n"
    "  reorganization (Art. 84) per group: for x 2 > present in the group and\n"
    "                           for_amount x 3 >= group_total x 2; the plan passes\n"
    "                           when every group with members passes\n"
    "base = unsecured_voting of the whole roster (employee and secured amounts are\n"
    "not in it); for_amount = unsecured_voting (group amount) of those voting for.\n"
    "\n"
    "options:\n"
    "  --roster FILE      roster.csv as 'claims run' writes it (creditor_id,\n"
    "                     unsecured_voting, secured_voting, groups, group_<g>, ...)\n"
    "  --meeting FILE     meeting.conf: meeting_id, opens_at, closes_at,\n"
    "                     resolution.<id> = general|settlement|reorganization\n"
    "                     (or 一般/和解/重整)\n"
    "  --ballots FILE     ballots.csv: ballot_id, meeting_id, resolution_id,\n"
    "                     creditor_id, group, choice, cast_at, channel (English or\n"
    "                     Chinese headers)\n"
    "  --out DIR          output directory, replaced atomically on success; it must\n"
    "                     be new, empty, or earlier claims outputs (never an input\n"
    "                     or a folder holding one)\n"
    "  --encoding E       input encoding: auto (default), utf-8, gb18030\n"
    "  --threads N        threads parsing ballots.csv (default: all cores)\n"
    "  --no-xlsx          do not write tally.xlsx\n"
    "  --progress         per-stage progress on stderr (default: when a terminal)\n"
    "  --no-progress      never show progress\n"
    "  --quiet            no summary on stdout\n"
    "  -h, --help         this help\n"
    "\n"
    "outputs in DIR:\n"
    "  tally.csv             resolution_id, type, group, present, for, against,\n"
    "                        abstain, for_amount, base_amount, headcount_pass,\n"
    "                        amount_pass, passed (booleans 1/0), then members,\n"
    "                        against_amount, abstain_amount, headcount_test,\n"
    "                        amount_test, groups, groups_passed. General and\n"
    "                        settlement: one row, group empty. Reorganization: one\n"
    "                        row per group with members, then an overall row with\n"
    "                        group empty whose counts and amounts are the sums over\n"
    "                        its groups and whose passes mean 'every group passed'.\n"
    "  ballots_rejected.csv  ballot_id, reason, line, creditor_id, resolution_id,\n"
    "                        group, choice, cast_at, channel\n"
    "  tally.xlsx            汇总 (meeting and the tests per resolution), 表决结果,\n"
    "                        无效选票\n"
    "\n"
    "From the PostgreSQL store: claims tally --db CONNINFO --case-id ID --meeting\n"
    "MEETING.conf [--meeting-id M] [--out DIR] tallies the current run's roster and\n"
    "the meeting's ballots and publishes the tally (see 'claims tally --db x --help').\n"
    "\n"
    "exit codes: 0 ok (whether or not resolutions pass); 1 bad input (file:line\n"
    "            named, nothing written); 2 usage; 3 internal error (I/O, memory)\n";


enum { OPT_NO_XLSX = 256, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_QUIET };

static const struct option longopts[] = {
    {"roster", required_argument, NULL, 'r'},
    {"meeting", required_argument, NULL, 'm'},
    {"ballots", required_argument, NULL, 'b'},
    {"out", required_argument, NULL, 'O'},
    {"encoding", required_argument, NULL, 'e'},
    {"threads", required_argument, NULL, 't'},
    {"no-xlsx", no_argument, NULL, OPT_NO_XLSX},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* 0 ok, -1 help printed, else an exit code. */
static int parse_args(int argc, char **argv, tally_opts *o)
{
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': o->roster = optarg; break;
        case 'm': o->meeting = optarg; break;
        case 'b': o->ballots = optarg; break;
        case 'O': o->out = optarg; break;
        case 'e':
            if (cl_cli_encoding("tally", optarg, &o->encoding))
                return CL_EXIT_USAGE;
            break;
        case 't': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 1 || v > 1024) {
                cl_cli_error("tally: --threads wants a number from 1 to 1024, not '%s'", optarg);
                return CL_EXIT_USAGE;
            }
            o->threads = (int)v;
            break;
        }
        case OPT_NO_XLSX: o->xlsx = 0; break;
        case OPT_PROGRESS: o->progress = 1; break;
        case OPT_NO_PROGRESS: o->progress = 0; break;
        case OPT_QUIET: o->quiet = 1; break;
        case 'h': fputs(help, stdout); return -1;
        default:
            cl_cli_error("tally: unknown or incomplete option '%s' (see 'claims tally --help')",
                         argv[optind - 1]);
            return CL_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cl_cli_error("tally: unexpected argument '%s'", argv[optind]);
        return CL_EXIT_USAGE;
    }
    const char *missing = !o->roster ? "--roster" : !o->meeting ? "--meeting"
                        : !o->ballots ? "--ballots" : !o->out ? "--out" : NULL;
    if (missing) {
        cl_cli_error("tally: %s is required (see 'claims tally --help')", missing);
        return CL_EXIT_USAGE;
    }
    return 0;
}

/* ---- what the outputs show --------------------------------------------- */

typedef struct tally_view {
    const cl_meeting *m;
    const cl_ballots *b;
    const cl_tally_result *t;
    size_t *rejected;        /* ballot indexes with a reason, file order */
    size_t nrejected;
    char buf[6][256];        /* text cells of the current row */
} tally_view;

static cl_cell text_cell(const char *s)
{
    return (cl_cell){.s = s, .len = s ? strlen(s) : 0};
}

static cl_cell int_cell(int64_t v)
{
    return (cl_cell){.i = v};
}

/* "3 x 2 = 6 > 5" for the headcount test. */
static const char *headcount_text(const cl_tally_row *r, char *buf, size_t n)
{
    snprintf(buf, n, "%lld x 2 = %lld %s %lld", (long long)r->n_for, (long long)r->n_for * 2,
             r->headcount_pass ? ">" : "<=", (long long)r->present);
    return buf;
}

/* "400.00 x 2 = 800.00 >= 800.00" (general) or
 * "200.00 x 3 = 600.00 >= 300.00 x 2 = 600.00" (two thirds). */
static const char *amount_text(const cl_tally_row *r, char *buf, size_t n)
{
    char a[CL_MONEY_BUFSZ], b[CL_MONEY_BUFSZ], a2[48], b2[48];
    cl_money_format(r->for_amount, a);
    cl_money_format(r->base_amount, b);
    int general = r->type == CL_RES_GENERAL;
    /* products as exact decimal text via __int128 */
    __int128 pa = (__int128)r->for_amount * (general ? 2 : 3);
    __int128 pb = (__int128)r->base_amount * (general ? 1 : 2);
    __int128 v[2] = {pa, pb};
    char *out[2] = {a2, b2};
    for (int k = 0; k < 2; k++) {
        char tmp[48];
        int len = 0;
        __int128 x = v[k] < 0 ? -v[k] : v[k];
        int64_t cents = (int64_t)(x % 100);
        x /= 100;
        do {
            tmp[len++] = (char)('0' + (int)(x % 10));
            x /= 10;
        } while (x);
        int o = 0;
        if (v[k] < 0)
            out[k][o++] = '-';
        while (len)
            out[k][o++] = tmp[--len];
        snprintf(out[k] + o, 48 - (size_t)o, ".%02lld", (long long)cents);
    }
    const char *op = r->amount_pass ? ">=" : "<";
    if (general)
        snprintf(buf, n, "%s x 2 = %s %s %s", a, a2, op, b);
    else
        snprintf(buf, n, "%s x 3 = %s %s %s x 2 = %s", a, a2, op, b, b2);
    return buf;
}

static const cl_col tally_cols[] = {
    {"resolution_id", "议案编号", CL_COL_TEXT},
    {"type", "议案类型", CL_COL_TEXT},
    {"group", "表决组", CL_COL_TEXT},
    {"present", "出席人数", CL_COL_INT},
    {"for", "同意人数", CL_COL_INT},
    {"against", "反对人数", CL_COL_INT},
    {"abstain", "弃权人数", CL_COL_INT},
    {"for_amount", "同意债权额", CL_COL_MONEY},
    {"base_amount", "债权总额", CL_COL_MONEY},
    {"headcount_pass", "人数通过", CL_COL_INT},
    {"amount_pass", "金额通过", CL_COL_INT},
    {"passed", "通过", CL_COL_INT},
    {"members", "有表决权人数", CL_COL_INT},
    {"against_amount", "反对债权额", CL_COL_MONEY},
    {"abstain_amount", "弃权债权额", CL_COL_MONEY},
    {"headcount_test", "人数标准", CL_COL_TEXT},
    {"amount_test", "金额标准", CL_COL_TEXT},
    {"groups", "表决组数", CL_COL_INT},
    {"groups_passed", "通过组数", CL_COL_INT},
};
#define N_TALLY_COLS (int)(sizeof tally_cols / sizeof tally_cols[0])

static void tally_row_fn(void *ctx, size_t i, cl_cell *c)
{
    tally_view *v = ctx;
    const cl_tally_row *r = &v->t->rows[i];
    bool overall = r->type == CL_RES_REORGANIZATION && r->group == CL_GROUP_NONE;
    c[0] = text_cell(v->m->resolutions[r->resolution].id);
    c[1] = text_cell(cl_resolution_type_name(r->type));
    c[2] = text_cell(cl_vote_group_name(r->group));
    c[3] = int_cell(r->present);
    c[4] = int_cell(r->n_for);
    c[5] = int_cell(r->n_against);
    c[6] = int_cell(r->n_abstain);
    c[7] = int_cell(r->for_amount);
    c[8] = int_cell(r->base_amount);
    c[9] = int_cell(r->headcount_pass);
    c[10] = int_cell(r->amount_pass);
    c[11] = int_cell(r->passed);
    c[12] = int_cell(r->members);
    c[13] = int_cell(r->against_amount);
    c[14] = int_cell(r->abstain_amount);
    if (overall) {
        snprintf(v->buf[0], sizeof v->buf[0], "every group: %lld of %lld passed",
                 (long long)r->groups_passed, (long long)r->groups);
        c[15] = text_cell(v->buf[0]);
        c[16] = text_cell(v->buf[0]);
    } else {
        c[15] = text_cell(headcount_text(r, v->buf[0], sizeof v->buf[0]));
        c[16] = text_cell(amount_text(r, v->buf[1], sizeof v->buf[1]));
    }
    c[17] = overall ? int_cell(r->groups) : (cl_cell){.empty = 1};
    c[18] = overall ? int_cell(r->groups_passed) : (cl_cell){.empty = 1};
}

static const cl_col rejected_cols[] = {
    {"ballot_id", "选票编号", CL_COL_TEXT},
    {"reason", "无效原因", CL_COL_TEXT},
    {"line", "行号", CL_COL_INT},
    {"creditor_id", "债权人编号", CL_COL_TEXT},
    {"resolution_id", "议案编号", CL_COL_TEXT},
    {"group", "表决组", CL_COL_TEXT},
    {"choice", "表决意见", CL_COL_TEXT},
    {"cast_at", "投票时间", CL_COL_TEXT},
    {"channel", "渠道", CL_COL_TEXT},
};
#define N_REJECTED_COLS (int)(sizeof rejected_cols / sizeof rejected_cols[0])

static void rejected_row_fn(void *ctx, size_t i, cl_cell *c)
{
    tally_view *v = ctx;
    size_t k = v->rejected[i];
    const cl_ballot *b = &v->b->ballots[k];
    const cl_ballot_text *t = &v->b->text[k];
    c[0] = (cl_cell){.s = b->ballot_id, .len = b->ballot_id_len};
    c[1] = text_cell(cl_ballot_reason_name((cl_ballot_reason)v->t->reason[k]));
    c[2] = int_cell((int64_t)t->line);
    c[3] = text_cell(t->creditor_id);
    c[4] = text_cell(t->resolution_id);
    c[5] = text_cell(t->group);
    c[6] = text_cell(t->choice);
    if (b->cast_at != CL_TIME_NONE) {
        cl_time_format(b->cast_at, v->buf[5]);
        c[7] = text_cell(v->buf[5]);
    } else {
        c[7] = text_cell(t->cast_at);
    }
    c[8] = text_cell(t->channel);
}

/* The summary sheet's table: per row the two tests, each fact in a column of
 * its own so that no text runs wider than a column (a long sentence in one
 * cell was cut off by the next column). */
static const cl_col summary_cols[] = {
    {"resolution", "议案", CL_COL_TEXT},
    {"group", "表决组", CL_COL_TEXT},
    {"for", "同意人数", CL_COL_INT},
    {"present", "出席人数", CL_COL_INT},
    {"headcount", "人数标准（过半数）", CL_COL_TEXT},
    {"for_amount", "同意债权额", CL_COL_MONEY},
    {"base_amount", "债权总额", CL_COL_MONEY},
    {"amount_rule", "金额要求", CL_COL_TEXT},
    {"amount", "金额标准", CL_COL_TEXT},
    {"result", "结果", CL_COL_TEXT},
};

static const char *type_title(cl_resolution_type t)
{
    return t == CL_RES_GENERAL      ? "一般决议（第六十四条）"
           : t == CL_RES_SETTLEMENT ? "和解协议（第九十七条）"
                                    : "重整计划（第八十四条）";
}

static void summary_row_fn(void *ctx, size_t i, cl_cell *c)
{
    tally_view *v = ctx;
    const cl_tally_row *r = &v->t->rows[i];
    bool overall = r->type == CL_RES_REORGANIZATION && r->group == CL_GROUP_NONE;
    snprintf(v->buf[2], sizeof v->buf[2], "%s %s", v->m->resolutions[r->resolution].id,
             type_title(r->type));
    c[0] = text_cell(v->buf[2]);
    c[1] = text_cell(overall ? "全部表决组" : r->group >= 0 ? cl_vote_group_title(r->group) : "");
    if (overall) {
        for (int k = 2; k < 9; k++)
            c[k] = (cl_cell){.empty = 1};
        snprintf(v->buf[3], sizeof v->buf[3], "%lld 个表决组中 %lld 个通过",
                 (long long)r->groups, (long long)r->groups_passed);
        c[4] = text_cell(v->buf[3]);
        c[7] = text_cell("各组均通过");
    } else {
        c[2] = int_cell(r->n_for);
        c[3] = int_cell(r->present);
        c[4] = text_cell(headcount_text(r, v->buf[3], sizeof v->buf[3]));
        c[5] = int_cell(r->for_amount);
        c[6] = int_cell(r->base_amount);
        c[7] = text_cell(r->type == CL_RES_GENERAL ? "二分之一以上" : "三分之二以上");
        c[8] = text_cell(amount_text(r, v->buf[4], sizeof v->buf[4]));
    }
    c[9] = text_cell(r->passed ? "通过" : "未通过");
}

/* ---- outputs ------------------------------------------------------------ */

static cl_err write_xlsx(const char *path, tally_view *v, const cl_table *tally,
                         const cl_table *rejected, cl_diag *d)
{
    char l[4][320], o[CL_TIME_BUFSZ], c[CL_TIME_BUFSZ];
    cl_time_format(v->m->opens_at, o);
    cl_time_format(v->m->closes_at, c);
    snprintf(l[0], sizeof l[0], "债权人会议表决结果  会议编号：%s", v->m->meeting_id);
    snprintf(l[1], sizeof l[1], "表决期间：%s 至 %s", o, c);
    snprintf(l[2], sizeof l[2], "选票 %zu 张，计入 %zu 张，无效或被替代 %zu 张", v->b->n,
             v->t->counted, v->nrejected);
    snprintf(l[3], sizeof l[3],
             "人数标准：同意人数 x 2 > 出席人数；金额标准：一般决议 同意额 x 2 >= 无财产担保债权总额，"
             "和解与重整 同意额 x 3 >= 总额 x 2");
    const char *lines[4] = {l[0], l[1], l[2], l[3]};
    cl_table summary = {.name = "summary", .title = "表决概要", .cols = summary_cols,
                        .ncols = (int)(sizeof summary_cols / sizeof summary_cols[0]),
                        .nrows = v->t->nrows, .row = summary_row_fn, .ctx = v};
    cl_summary_block block = {.table = &summary, .chart = CL_CHART_NONE};
    cl_table sheets[2] = {*tally, *rejected};
    cl_book book = {.summary_title = "汇总", .header_lines = lines, .nheader = 4,
                    .blocks = &block, .nblocks = 1, .sheets = sheets, .nsheets = 2};
    return cl_report_xlsx(path, &book, CL_AUDIENCE_INTERNAL, d);
}

static cl_err write_outputs(const tally_opts *o, tally_view *v, cl_diag *d)
{
    cl_outdir *od = NULL;
    cl_table tally = {.name = "tally", .title = "表决结果", .cols = tally_cols,
                      .ncols = N_TALLY_COLS, .nrows = v->t->nrows, .row = tally_row_fn, .ctx = v};
    cl_table rejected = {.name = "ballots_rejected", .title = "无效选票", .cols = rejected_cols,
                         .ncols = N_REJECTED_COLS, .nrows = v->nrejected,
                         .row = rejected_row_fn, .ctx = v};
    cl_err e = cl_outdir_begin_as(o->out, "tally", &od, d);
    if (!e)
        e = cl_report_csv(cl_outdir_path(od, "tally.csv"), &tally, CL_AUDIENCE_INTERNAL, d);
    if (!e)
        e = cl_report_csv(cl_outdir_path(od, "ballots_rejected.csv"), &rejected,
                          CL_AUDIENCE_INTERNAL, d);
    if (!e && o->xlsx)
        e = write_xlsx(cl_outdir_path(od, "tally.xlsx"), v, &tally, &rejected, d);
    if (!e && o->publish)
        e = o->publish(o->publish_user, od, v->t, v->b->n, d);
    if (!e)
        e = cl_outdir_commit(od, d);
    cl_outdir_free(od);
    return e;
}

static bool is_overall(const cl_tally_row *r)
{
    return r->type == CL_RES_REORGANIZATION && r->group == CL_GROUP_NONE;
}

/* The index of a reorganization's overall row, -1 if it has none. */
static long overall_row(const cl_tally_result *t, size_t resolution)
{
    for (size_t i = 0; i < t->nrows; i++)
        if (t->rows[i].resolution == resolution && is_overall(&t->rows[i]))
            return (long)i;
    return -1;
}

/* One vote's two tests: "R1 (general): ..." or, indented under its
 * reorganization plan, "  group secured: ...". */
static void print_test_line(const tally_view *v, const cl_tally_row *r, const char *indent)
{
    char h[128], a[160];
    const char *res = r->passed ? "PASSED" : "FAILED";
    if (r->group >= 0)
        printf("%sgroup %s: %s", indent, cl_vote_group_name(r->group), res);
    else
        printf("%s%s (%s): %s", indent, v->m->resolutions[r->resolution].id,
               cl_resolution_type_name(r->type), res);
    printf("; headcount %s: %s; amount %s: %s\n", headcount_text(r, h, sizeof h),
           r->headcount_pass ? "pass" : "fail", amount_text(r, a, sizeof a),
           r->amount_pass ? "pass" : "fail");
}

static void print_summary(const tally_view *v)
{
    const cl_tally_result *t = v->t;
    printf("meeting %s: %zu ballots, %zu counted, %zu rejected", v->m->meeting_id, v->b->n,
           t->counted, v->nrejected);
    const char *sep = " (";
    for (int r = 1; r < CL_BR_COUNT; r++)
        if (t->by_reason[r]) {
            printf("%s%s %zu", sep, cl_ballot_reason_name((cl_ballot_reason)r), t->by_reason[r]);
            sep = ", ";
        }
    printf("%s\n", *sep == ',' ? ")" : "");
    for (size_t i = 0; i < t->nrows; i++) {
        const cl_tally_row *r = &t->rows[i];
        if (r->group >= 0 && overall_row(t, r->resolution) >= 0)
            continue;   /* printed under its resolution's line */
        if (r->group >= 0 || !is_overall(r)) {
            print_test_line(v, r, "");
            continue;
        }
        printf("%s (reorganization): %s, %lld of %lld groups passed\n",
               v->m->resolutions[r->resolution].id, r->passed ? "PASSED" : "FAILED",
               (long long)r->groups_passed, (long long)r->groups);
        for (size_t k = 0; k < t->nrows; k++)
            if (t->rows[k].resolution == r->resolution && t->rows[k].group >= 0)
                print_test_line(v, &t->rows[k], "  ");
    }
}

static cl_err list_rejected(tally_view *v, cl_diag *d)
{
    size_t n = v->b->n - v->t->counted;
    v->rejected = cl_malloc((n ? n : 1) * sizeof *v->rejected);
    if (!v->rejected)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < v->b->n; i++)
        if (v->t->reason[i] != CL_BR_COUNTED)
            v->rejected[v->nrejected++] = i;
    return CL_OK;
}

cl_err cl_cli_tally_main(const tally_opts *o, cl_progress *p, cl_diag *d)
{
    cl_meeting *m = NULL;
    cl_roster *r = NULL;
    cl_ballots *b = NULL;
    cl_tally_result t = {0};
    tally_view v = {0};
    cl_err e;
    cl_progress_stage(p, "meeting.conf");
    if ((e = cl_meeting_load(o->meeting, &m, d)))
        goto done;
    cl_progress_end(p, "%zu resolutions", m->nresolutions);
    cl_progress_stage(p, "roster");
    cl_source rs = o->roster_src ? *o->roster_src : cl_source_path(o->roster);
    if ((e = cl_roster_load_src(&rs, o->encoding, &r, d)))
        goto done;
    cl_progress_end(p, "%zu creditors", r->n);
    cl_progress_stage(p, "ballots");
    cl_source bs = o->ballots_src ? *o->ballots_src : cl_source_path(o->ballots);
    if ((e = cl_ballots_load_src(&bs, o->encoding, m, r, o->threads, &b, d)))
        goto done;
    cl_progress_end(p, "%zu ballots", b->n);
    cl_progress_stage(p, "tally");
    cl_tally_input in = {.nresolutions = m->nresolutions, .types = m->types,
                         .opens_at = m->opens_at, .closes_at = m->closes_at,
                         .nballots = b->n, .ballots = b->ballots};
    cl_roster_view(r, &in.roster);
    if ((e = cl_tally_run(&in, &t, d)))
        goto done;
    cl_progress_end(p, "%zu counted", t.counted);
    v = (tally_view){.m = m, .b = b, .t = &t};
    if ((e = list_rejected(&v, d)))
        goto done;
    cl_progress_stage(p, "outputs");
    if ((e = write_outputs(o, &v, d)))
        goto done;
    cl_progress_end(p, "%s", o->out);
    if (!o->quiet)
        print_summary(&v);
done:
    free(v.rejected);
    cl_tally_result_free(&t);
    cl_ballots_free(b);
    cl_roster_free(r);
    cl_meeting_free(m);
    return e;
}

/* `claims tally --db ...` tallies from the PostgreSQL store (cmd_tally_db.c). */
static int wants_db(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            break;
        if (!strcmp(argv[i], "--db") || !strncmp(argv[i], "--db=", 5))
            return 1;
    }
    return 0;
}

int cl_cmd_tally(int argc, char **argv)
{
    if (wants_db(argc, argv))
        return cl_cmd_tally_db(argc, argv);
    tally_opts o = {.xlsx = 1, .progress = -1};
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? CL_EXIT_OK : rc;
    cl_progress *p = cl_progress_create(o.progress);
    if (!p) {
        cl_cli_error("tally: out of memory");
        return CL_EXIT_INTERNAL;
    }
    cl_diag d;
    cl_diag_clear(&d);
    const char *inputs[3] = {o.roster, o.meeting, o.ballots};
    cl_err e = cl_outdir_check(o.out, inputs, 3, &d);   /* before any work */
    if (!e)
        e = cl_cli_tally_main(&o, p, &d);
    cl_progress_free(p);
    if (e) {
        cl_cli_error("tally: %s", d.msg[0] ? d.msg : cl_strerror(e));
        return cl_exit_code(e);
    }
    return CL_EXIT_OK;
}
