/* outputs.c - the run's tables (contract §10) described for reports/:
 * claims, creditors, roster, review queue, refused overrides, rejected rows,
 * the judges' workbook and the public (masked) creditor list. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cl_money.h"
#include "engine/cl_outputs.h"
#include "core/cl_alloc.h"
#include "engine/cl_outputs_dups.h"
#include "engine/cl_formats.h"
#include "engine/cl_reasons.h"
#include "engine/cl_stages.h"
#include "reports/cl_report.h"
#include "rules/cl_rules.h"

/* ------------------------------------------------------------ reasons */

static const struct {
    const char *zh, *en;
} builtin_reason[CL_C_BUILTIN_COUNT] = {
    {"重复提交的同一申报编号", "the same submission_id was submitted again"},
    {"按手机号匹配到账户", "matched to a ledger account by phone"},
    {"按证件号码匹配到账户", "matched to a ledger account by ID number"},
    {"债务人账簿中无对应记录", "no record in the debtor's books"},
    {"账户实名身份与申报人不一致", "the account's holder is a different person"},
    {"同一账户有多个申报人", "several claimants on one account"},
    {"账面欠款为零", "the books owe nothing"},
    {"申报金额超过账面金额", "declared principal exceeds the books"},
    {"该类别利息不予确认", "interest is not allowed for this category"},
    {"该类别其他款项不予确认", "other amounts are not allowed for this category"},
    {"税款及其他类债权需人工审核", "tax and other claims need manual review"},
    {"有财产担保债权需人工审核", "secured claims need manual review"},
    {"依职工名册列示（第48条）", "listed from the payroll books (Art. 48)"},
    {"逾期申报（第56条）", "declared after the deadline (Art. 56)"},
    {"管理人审核决定", "decided by a reviewer"},
    {"临时确定表决额（第59条）", "amount temporarily determined for voting (Art. 59)"},
};

/* The first rule (in file order) naming this code. */
static const cl_rule_info *rule_of_code(const cl_batch *b, int code)
{
    for (int f = 0; f < b->nrulefiles; f++) {
        const cl_rule_file *rf = &b->rulefiles[f];
        for (int r = 0; r < rf->nrules; r++)
            if (rf->code[r] == code)
                return cl_ruleset_rule(rf->rs, r);
    }
    return NULL;
}

const char *cl_code_reason_zh(const cl_batch *b, int code)
{
    if (code < CL_C_BUILTIN_COUNT)
        return builtin_reason[code].zh;
    const cl_rule_info *ri = rule_of_code(b, code);
    return ri ? ri->msg_zh : "";
}

const char *cl_code_reason_en(const cl_batch *b, int code)
{
    if (code < CL_C_BUILTIN_COUNT)
        return builtin_reason[code].en;
    const cl_rule_info *ri = rule_of_code(b, code);
    return ri ? ri->msg_en : "";
}

/* Code indexes sorted by name (bytewise). */
static void sorted_codes(const cl_batch *b, int *order)
{
    for (int i = 0; i < b->ncodes; i++)
        order[i] = i;
    for (int i = 1; i < b->ncodes; i++)
        for (int j = i; j > 0 && strcmp(b->code_names[order[j - 1]], b->code_names[order[j]]) > 0; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
}

/* Appends sep (when buf is not empty) and item to buf[0..n), NUL-ended.
 * Returns the new length, or SIZE_MAX (buf untouched) when cap is short. */
static size_t append_item(char *buf, size_t cap, size_t n, const char *sep, const char *item)
{
    size_t ls = n ? strlen(sep) : 0, li = strlen(item);
    if (n + ls + li + 1 > cap)
        return SIZE_MAX;
    memcpy(buf + n, sep, ls);
    memcpy(buf + n + ls, item, li + 1);
    return n + ls + li;
}

/* The codes of s by name (order: code indexes sorted by name), ';'-joined. */
static size_t join_codes_in(const cl_batch *b, const int *order, const cl_codeset *s, char *buf,
                            size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < b->ncodes; i++) {
        if (!cl_codes_has(s, (unsigned)order[i]))
            continue;
        size_t m = append_item(buf, cap, n, ";", b->code_names[order[i]]);
        if (m == SIZE_MAX)
            break;
        n = m;
    }
    return n;
}

size_t cl_codes_join(const cl_batch *b, const cl_codeset *s, char *buf, size_t cap)
{
    int order[CL_MAX_CODES];
    sorted_codes(b, order);
    return join_codes_in(b, order, s, buf, cap);
}

/* ------------------------------------------------------------ helpers */

typedef struct ctx {
    const cl_batch *b;
    int order[CL_MAX_CODES];
    char codes[2048];
    char reasons[4096];
    char reasons_zh[4096];
    char extra[4096];
    char note[256];
    int book;              /* set once the CSVs are written: rows for the workbook */
    char cluster[16];
    uint32_t *rows;        /* row selection (review queue, refused overrides) */
    uint32_t *next_conflict;
} ctx;

static void cell_text(cl_cell *c, const char *s)
{
    c->s = s ? s : "";
    c->len = strlen(c->s);
    c->empty = 0;
}

static void cell_int(cl_cell *c, int64_t v)
{
    c->s = NULL;
    c->len = 0;
    c->i = v;
    c->empty = 0;
}

static void cell_blank(cl_cell *c)
{
    memset(c, 0, sizeof *c);
    c->empty = 1;
}

static size_t join_codes(ctx *x, const cl_codeset *s)
{
    return join_codes_in(x->b, x->order, s, x->codes, sizeof x->codes);
}

static const char *sub_id_of(const cl_batch *b, uint32_t row)
{
    return row == CL_NONE ? "" : b->subs[row].submission_id;
}

static const char *creditor_id_of(const cl_batch *b, const cl_claim *c)
{
    if (!cl_claim_operative(c) || c->identity == CL_NONE)
        return "";
    return b->ids[c->identity].creditor_id;
}

/* ------------------------------------------------- Chinese renderings */

/* The workbooks show the contract's English vocabulary in Chinese, with the
 * English in the column beside; the CSVs keep the English (contract §10). */
static const char *zh_at(const char *const *names, int count, int v)
{
    return v > 0 && v < count ? names[v] : "";
}

static const char *status_zh(int st)
{
    static const char *const n[CL_ST_COUNT] = {"", "确认", "部分确认", "待审核", "不予确认",
                                              "待补正", "重复提交", "已被替代"};
    return zh_at(n, CL_ST_COUNT, st);
}

static const char *category_zh(int k)
{
    static const char *const n[CL_CAT_COUNT] = {"", "押金", "余额", "货款", "职工债权", "税款",
                                               "其他"};
    return zh_at(n, CL_CAT_COUNT, k);
}

static const char *id_type_zh(int t)
{
    static const char *const n[CL_IDT_COUNT] = {"", "居民身份证", "护照",
                                               "港澳居民来往内地通行证",
                                               "台湾居民来往大陆通行证", "统一社会信用代码"};
    return zh_at(n, CL_IDT_COUNT, t);
}

static const char *kind_zh(int k)
{
    static const char *const n[CL_KIND_COUNT] = {"", "个人", "单位"};
    return zh_at(n, CL_KIND_COUNT, k);
}

static const char *group_zh(int g)
{
    static const char *const n[CL_G_COUNT] = {"有财产担保债权组", "职工债权组", "税款债权组",
                                             "普通债权组", "小额普通债权组"};
    return g >= 0 && g < CL_G_COUNT ? n[g] : "";
}

/* ------------------------------------------------------------- claims */

/* Columns with a NULL key are the workbook's own (Chinese renderings, a
 * note); see cl_col. */
static const cl_col claim_cols[] = {
    {"submission_id", "申报编号", CL_COL_TEXT},
    {"source", NULL, CL_COL_TEXT},
    {"creditor_id", "债权人编号", CL_COL_TEXT},
    {"name", "债权人名称", CL_COL_PII_NAME},
    {"id_type", NULL, CL_COL_TEXT},
    {"id_number", "证件号码", CL_COL_PII_ID},
    {NULL, "债权类别", CL_COL_TEXT},
    {"category", "Category", CL_COL_TEXT},
    {"account_ref", "申报账户", CL_COL_TEXT},
    {"matched_account", "匹配账户", CL_COL_TEXT},
    {NULL, "状态", CL_COL_TEXT},
    {"status", "Status", CL_COL_TEXT},
    {NULL, "原因", CL_COL_TEXT},
    {"codes", "原因代码 Codes", CL_COL_TEXT},
    {"declared_total", "申报总额", CL_COL_MONEY},
    {"confirmed_principal", NULL, CL_COL_MONEY},
    {"confirmed_interest", NULL, CL_COL_MONEY},
    {"confirmed_other", NULL, CL_COL_MONEY},
    {"confirmed_total", "确认总额", CL_COL_MONEY},
    {"voting_amount", "表决额", CL_COL_MONEY},
    {"superseded_by", "被替代于", CL_COL_TEXT},
    {"late", "逾期申报", CL_COL_INT},
    {"submitted_at", "申报时间", CL_COL_TIME},
    {"line", NULL, CL_COL_INT},
    {NULL, "说明", CL_COL_TEXT},
};
enum { CLAIM_NCOLS = sizeof claim_cols / sizeof claim_cols[0] };

/* The workbook's note on a row: what a DUPLICATE row declared (the CSV
 * blanks it, contract §4 step 1), or that a row comes from the books. */
static const char *claim_note(ctx *x, const cl_claim *c, const cl_sub *s)
{
    if (!s)
        return "依职工名册列示，非申报（第四十八条）";
    if (c->status != CL_ST_DUPLICATE)
        return "";
    char m[CL_MONEY_BUFSZ];
    int64_t v;
    if (__builtin_add_overflow(s->principal, s->interest, &v) ||
        __builtin_add_overflow(v, s->other, &v))
        v = 0;
    cl_money_format(v, m);
    snprintf(x->note, sizeof x->note,
             "重复提交：本行所报 %s 元不计入申报总额，以首次提交的同编号申报为准", m);
    return x->note;
}

static void claim_row(void *vx, size_t row, cl_cell *cells)
{
    ctx *x = vx;
    const cl_batch *b = x->b;
    const cl_claim *c = &b->claims[row];
    const cl_sub *s = c->sub == CL_NONE ? NULL : &b->subs[c->sub];
    const cl_account *a = c->account == CL_NONE ? NULL : &b->accounts[c->account];
    /* a DUPLICATE row: blank in the CSV, what was declared in the workbook */
    bool dup = c->status == CL_ST_DUPLICATE && !x->book;
    bool dup_book = c->status == CL_ST_DUPLICATE && x->book;
    const cl_identity *id = c->identity == CL_NONE ? NULL : &b->ids[c->identity];
    int cat = dup_book ? s->category : c->category;
    cell_text(&cells[0], s ? s->submission_id : "");
    cell_text(&cells[1], s ? "submission" : "books");
    cell_text(&cells[2], creditor_id_of(b, c));
    cell_text(&cells[3], dup ? "" : s ? s->name : a ? a->name : "");
    cell_text(&cells[4], dup || !id ? "" : cl_id_type_name((cl_id_type)id->id_type));
    cell_text(&cells[5], dup_book ? s->id_number : dup || !id ? "" : id->id_number);
    cell_text(&cells[6], dup ? "" : category_zh(cat));
    cell_text(&cells[7], dup ? "" : cl_category_name((cl_category)cat));
    cell_text(&cells[8], dup ? "" : s ? s->account_ref : a ? a->ref : "");
    cell_text(&cells[9], a ? a->ref : "");
    cell_text(&cells[10], status_zh(c->status));
    cell_text(&cells[11], cl_status_name((cl_status)c->status));
    cells[12].s = x->reasons;
    cells[12].len = x->book ? cl_claim_reasons(b, row, CL_LANG_ZH, x->reasons, sizeof x->reasons) : 0;
    cells[12].empty = 0;
    cells[13].s = x->codes;
    cells[13].len = join_codes(x, &c->codes);
    cells[13].empty = 0;
    cell_int(&cells[14], c->declared);
    cell_int(&cells[15], c->conf_p);
    cell_int(&cells[16], c->conf_i);
    cell_int(&cells[17], c->conf_o);
    cell_int(&cells[18], cl_claim_confirmed(c));
    cell_int(&cells[19], cl_claim_voting(b, c));
    cell_text(&cells[20], c->status == CL_ST_SUPERSEDED ? sub_id_of(b, c->superseded_by) : "");
    cell_int(&cells[21], c->late);
    if (s && s->submitted_at != CL_TIME_NONE)
        cell_int(&cells[22], s->submitted_at);
    else
        cell_blank(&cells[22]);
    if (s)
        cell_int(&cells[23], s->line);
    else
        cell_blank(&cells[23]);
    cell_text(&cells[24], x->book ? claim_note(x, c, s) : "");
}

static void prefetch_str(const char *s)
{
    if (s)
        __builtin_prefetch(s);
}

static void claim_prefetch(const void *vx, size_t row, int level)
{
    const cl_batch *b = ((const ctx *)vx)->b;
    const cl_claim *c = &b->claims[row];
    const cl_sub *s = c->sub == CL_NONE ? NULL : &b->subs[c->sub];
    if (level == 0) {
        if (c->identity != CL_NONE)
            __builtin_prefetch(&b->ids[c->identity]);
        if (c->account != CL_NONE)
            __builtin_prefetch(&b->accounts[c->account]);
        if (c->superseded_by != CL_NONE)
            __builtin_prefetch(&b->subs[c->superseded_by]);
        return;
    }
    if (s) {
        prefetch_str(s->submission_id);
        prefetch_str(s->name);
        prefetch_str(s->account_ref);
    }
    if (c->identity != CL_NONE)
        prefetch_str(b->ids[c->identity].id_number);
    if (c->account != CL_NONE)
        prefetch_str(b->accounts[c->account].ref);
    if (c->superseded_by != CL_NONE)
        prefetch_str(b->subs[c->superseded_by].submission_id);
}

/* ---------------------------------------------------------- creditors */

static const cl_col creditor_cols[] = {
    {CL_FMT_CREDITORS_CREDITOR_ID, CL_COL_TEXT},
    {NULL, "证件类型", CL_COL_TEXT},
    {"id_type", "ID type", CL_COL_TEXT},
    {CL_FMT_CREDITORS_ID_NUMBER, CL_COL_PII_ID},
    {CL_FMT_CREDITORS_NAME, CL_COL_PII_NAME},
    {NULL, "债权人类型", CL_COL_TEXT},
    {"kind", "Kind", CL_COL_TEXT},
    {"declared_total", "申报总额", CL_COL_MONEY},
    {"confirmed_total", "确认总额", CL_COL_MONEY},
    {"pending_total", "待审核总额", CL_COL_MONEY},
    {CL_FMT_CREDITORS_EMPLOYEE, CL_COL_MONEY},
    {CL_FMT_CREDITORS_TAX, CL_COL_MONEY},
    {CL_FMT_CREDITORS_ORDINARY, CL_COL_MONEY},
    {"secured", "有财产担保债权", CL_COL_MONEY},
    {"temporary", "临时确定额", CL_COL_MONEY},
};
enum { CREDITOR_NCOLS = sizeof creditor_cols / sizeof creditor_cols[0] };

static void creditor_row(void *vx, size_t row, cl_cell *cells)
{
    ctx *x = vx;
    const cl_creditor *cr = &x->b->creditors[row];
    const cl_identity *id = &x->b->ids[cr->identity];
    cell_text(&cells[0], id->creditor_id);
    cell_text(&cells[1], id_type_zh(id->id_type));
    cell_text(&cells[2], cl_id_type_name((cl_id_type)id->id_type));
    cell_text(&cells[3], id->id_number);
    cell_text(&cells[4], cr->name);
    cell_text(&cells[5], kind_zh(cr->kind));
    cell_text(&cells[6], cl_kind_name((cl_kind)cr->kind));
    cell_int(&cells[7], cr->declared);
    cell_int(&cells[8], cr->confirmed);
    cell_int(&cells[9], cr->pending);
    cell_int(&cells[10], cr->employee);
    cell_int(&cells[11], cr->tax);
    cell_int(&cells[12], cr->ordinary);
    cell_int(&cells[13], cr->secured);
    cell_int(&cells[14], cr->temporary);
}

static void creditor_prefetch(const void *vx, size_t row, int level)
{
    const cl_batch *b = ((const ctx *)vx)->b;
    const cl_creditor *cr = &b->creditors[row];
    if (level == 0) {
        __builtin_prefetch(&b->ids[cr->identity]);
        return;
    }
    prefetch_str(b->ids[cr->identity].id_number);
    prefetch_str(cr->name);
}

/* ------------------------------------------------------------- roster */

static const cl_col roster_cols[] = {
    {CL_FMT_ROSTER_CREDITOR_ID, CL_COL_TEXT},
    {CL_FMT_ROSTER_NAME, CL_COL_PII_NAME},
    {CL_FMT_ROSTER_ORDINARY, CL_COL_MONEY},
    {CL_FMT_ROSTER_SECURED, CL_COL_MONEY},
    {CL_FMT_ROSTER_EMPLOYEE, CL_COL_MONEY},
    {CL_FMT_ROSTER_TAX, CL_COL_MONEY},
    {CL_FMT_ROSTER_TEMPORARY, CL_COL_MONEY},
    {CL_FMT_ROSTER_UNSECURED_VOTING, CL_COL_MONEY},
    {CL_FMT_ROSTER_SECURED_VOTING, CL_COL_MONEY},
    {"voting_amount", NULL, CL_COL_MONEY},
    {NULL, "表决组", CL_COL_TEXT},
    {"groups", "Groups", CL_COL_TEXT},
    {"group_secured", NULL, CL_COL_MONEY},
    {"group_employee", NULL, CL_COL_MONEY},
    {"group_tax", NULL, CL_COL_MONEY},
    {"group_ordinary", NULL, CL_COL_MONEY},
    {"group_small_ordinary", NULL, CL_COL_MONEY},
};
enum { ROSTER_NCOLS = sizeof roster_cols / sizeof roster_cols[0] };

static void roster_row(void *vx, size_t row, cl_cell *cells)
{
    ctx *x = vx;
    const cl_creditor *cr = &x->b->creditors[x->b->roster[row]];
    cell_text(&cells[0], x->b->ids[cr->identity].creditor_id);
    cell_text(&cells[1], cr->name);
    cell_int(&cells[2], cr->ordinary);
    cell_int(&cells[3], cr->secured);
    cell_int(&cells[4], cr->employee);
    cell_int(&cells[5], cr->tax);
    cell_int(&cells[6], cr->temporary);
    cell_int(&cells[7], cr->unsecured_voting);
    cell_int(&cells[8], cr->secured_voting);
    cell_int(&cells[9], cr->unsecured_voting);
    size_t n = 0, nz = 0;
    x->codes[0] = '\0';
    x->reasons[0] = '\0';
    for (int g = 0; g < CL_G_COUNT; g++) {
        if (!(cr->groups & (1u << g)))
            continue;
        size_t m = append_item(x->codes, sizeof x->codes, n, ";", cl_group_name((cl_group)g));
        if (m != SIZE_MAX)
            n = m;
        m = x->book ? append_item(x->reasons, sizeof x->reasons, nz, "；", group_zh(g))
                    : SIZE_MAX;
        if (m != SIZE_MAX)
            nz = m;
    }
    cells[10].s = x->reasons;
    cells[10].len = nz;
    cells[10].empty = 0;
    cells[11].s = x->codes;
    cells[11].len = n;
    cells[11].empty = 0;
    int64_t ord = cr->ordinary + cr->tmp_ordinary;
    cell_int(&cells[12], cr->secured + cr->tmp_secured);
    cell_int(&cells[13], cr->employee + cr->tmp_employee);
    cell_int(&cells[14], cr->tax + cr->tmp_tax);
    cell_int(&cells[15], (cr->groups & (1u << CL_G_ORDINARY)) ? ord : 0);
    cell_int(&cells[16], (cr->groups & (1u << CL_G_SMALL_ORDINARY)) ? ord : 0);
}

static void roster_prefetch(const void *vx, size_t row, int level)
{
    const cl_batch *b = ((const ctx *)vx)->b;
    const cl_creditor *cr = &b->creditors[b->roster[row]];
    if (level == 0)
        __builtin_prefetch(&b->ids[cr->identity]);
    else
        prefetch_str(cr->name);
}

/* ------------------------------------------------------- review queue */

/* The queue is also the reviewer's form: decision, amount, reviewer,
 * decided_at and note are left empty for the reviewer to fill in, and the
 * filled file is read back as overrides (`claims run --overrides
 * review_queue.csv`; rows left undecided are skipped, engine/load.c). */
static const cl_col review_cols[] = {
    {"submission_id", "申报编号", CL_COL_TEXT},
    {NULL, "状态", CL_COL_TEXT},
    {"status", "Status", CL_COL_TEXT},
    {"decision", "决定", CL_COL_TEXT},
    {"amount", "金额", CL_COL_TEXT},
    {"reviewer", "审核人", CL_COL_TEXT},
    {"decided_at", "决定时间", CL_COL_TEXT},
    {"note", "备注", CL_COL_TEXT},
    {"codes", "原因代码 Codes", CL_COL_TEXT},
    {"reasons", "原因说明", CL_COL_TEXT},
    {"reasons_en", "Reasons", CL_COL_TEXT},
    {"name", "债权人名称", CL_COL_PII_NAME},
    {NULL, "证件类型", CL_COL_TEXT},
    {"id_type", "ID type", CL_COL_TEXT},
    {"id_number", "证件号码", CL_COL_PII_ID},
    {"phone", "手机号码", CL_COL_PII_PHONE},
    {NULL, "债权类别", CL_COL_TEXT},
    {"category", "Category", CL_COL_TEXT},
    {"secured", "有财产担保", CL_COL_TEXT},
    {"declared_total", "申报总额", CL_COL_MONEY},
    {"temporary_amount", "临时确定额", CL_COL_MONEY},
    {"evidence_count", "证据数量", CL_COL_INT},
    {"account_ref", "账户编号", CL_COL_TEXT},
    {"matched_account", "匹配账户", CL_COL_TEXT},
    {"book_owed", "账面欠款", CL_COL_MONEY},
    {"book_name", "账户实名", CL_COL_PII_NAME},
    {"book_id_number", "账户证件号码", CL_COL_PII_ID},
    {"competing_claims", "同账户其他申报", CL_COL_TEXT},
    {"submitted_at", "申报时间", CL_COL_TIME},
    {"line", "行号", CL_COL_INT},
    {"cluster", "疑似重复组", CL_COL_TEXT},   /* probable_duplicates.csv; "" when none */
};
enum { REVIEW_NCOLS = sizeof review_cols / sizeof review_cols[0] };

static size_t competing(ctx *x, uint32_t row)
{
    size_t n = 0;
    x->extra[0] = '\0';
    if (!x->next_conflict)
        return 0;
    for (uint32_t k = x->next_conflict[row]; k != row && k != CL_NONE; k = x->next_conflict[k]) {
        size_t m = append_item(x->extra, sizeof x->extra, n, ";", x->b->subs[k].submission_id);
        if (m == SIZE_MAX)
            break;
        n = m;
    }
    return n;
}

static void review_row(void *vx, size_t row, cl_cell *cells)
{
    ctx *x = vx;
    const cl_batch *b = x->b;
    uint32_t i = x->rows[row];
    const cl_claim *c = &b->claims[i];
    const cl_sub *s = &b->subs[c->sub];
    const cl_account *a = c->account == CL_NONE ? NULL : &b->accounts[c->account];
    cell_text(&cells[0], s->submission_id);
    cell_text(&cells[1], status_zh(c->status));
    cell_text(&cells[2], cl_status_name((cl_status)c->status));
    for (int k = 3; k <= 7; k++)
        cell_text(&cells[k], "");   /* the reviewer's: decision .. note */
    cells[8].s = x->codes;
    cells[8].len = join_codes(x, &c->codes);
    cells[8].empty = 0;
    cells[9].s = x->reasons_zh;
    cells[9].len = cl_claim_reasons(b, i, CL_LANG_ZH, x->reasons_zh, sizeof x->reasons_zh);
    cells[9].empty = 0;
    cells[10].s = x->reasons;
    cells[10].len = cl_claim_reasons(b, i, CL_LANG_EN, x->reasons, sizeof x->reasons);
    cells[10].empty = 0;
    cell_text(&cells[11], s->name);
    cell_text(&cells[12], s->id_type ? id_type_zh(s->id_type) : s->raw_id_type);
    cell_text(&cells[13],
              s->id_type ? cl_id_type_name((cl_id_type)s->id_type) : s->raw_id_type);
    cell_text(&cells[14], s->id_number);
    cell_text(&cells[15], s->phone);
    cell_text(&cells[16], s->category ? category_zh(s->category) : s->raw_category);
    cell_text(&cells[17], s->category ? cl_category_name((cl_category)s->category) : s->raw_category);
    cell_text(&cells[18], s->secured == CL_YN_YES ? "Y" : s->secured == CL_YN_NO ? "N" : s->raw_secured);
    cell_int(&cells[19], c->declared);
    if (c->temporary)
        cell_int(&cells[20], c->voting);
    else
        cell_blank(&cells[20]);
    cell_int(&cells[21], s->evidence_count);
    cell_text(&cells[22], s->account_ref);
    cell_text(&cells[23], a ? a->ref : "");
    if (a)
        cell_int(&cells[24], a->sum[c->category] > 0 ? a->sum[c->category] : 0);
    else
        cell_blank(&cells[24]);
    cell_text(&cells[25], a ? a->name : "");
    cell_text(&cells[26], a ? a->id_number : "");
    cells[27].s = x->extra;
    cells[27].len = cl_codes_has(&c->codes, CL_C_ACCOUNT_CONFLICT) ? competing(x, i) : 0;
    cells[27].empty = 0;
    if (s->submitted_at != CL_TIME_NONE)
        cell_int(&cells[28], s->submitted_at);
    else
        cell_blank(&cells[28]);
    cell_int(&cells[29], s->line);
    cell_text(&cells[30], cl_dups_cluster_of(b, i, x->cluster));
}

/* Circular lists of the ACCOUNT_CONFLICT claims sharing (account, category). */
static uint32_t *conflict_rings(const cl_batch *b)
{
    uint32_t *next = cl_malloc((b->nsubs + 1) * sizeof *next);
    cl_strmap *last = cl_strmap_create(64);
    char (*keys)[5] = cl_malloc((b->nsubs + 1) * sizeof *keys);
    if (!next || !last || !keys) {
        free(next);
        free(keys);
        cl_strmap_free(last);
        return NULL;
    }
    for (size_t i = 0; i < b->nsubs; i++) {
        next[i] = CL_NONE;
        const cl_claim *c = &b->claims[i];
        if (!cl_claim_operative(c) || !cl_codes_has(&c->codes, CL_C_ACCOUNT_CONFLICT))
            continue;
        memcpy(keys[i], &c->account, 4);
        keys[i][4] = (char)c->category;
        uint32_t prev;
        if (cl_strmap_get(last, keys[i], 5, &prev)) {
            next[i] = next[prev];   /* insert after prev, keep the ring closed */
            next[prev] = (uint32_t)i;
        } else {
            next[i] = (uint32_t)i;
        }
        cl_strmap_set(last, keys[i], 5, (uint32_t)i);
    }
    cl_strmap_free(last);
    free(keys);
    return next;
}

/* -------------------------------------------------- refused overrides */

static const cl_col refused_cols[] = {
    {"submission_id", "申报编号", CL_COL_TEXT},
    {"decision", "决定", CL_COL_TEXT},
    {"reason", "拒绝原因代码", CL_COL_TEXT},
    {"reason_zh", "拒绝原因", CL_COL_TEXT},
    {"reason_en", "Reason", CL_COL_TEXT},
    {"related_submission", "相关申报", CL_COL_TEXT},
    {"amount", "金额", CL_COL_MONEY},
    {"reviewer", "审核人", CL_COL_TEXT},
    {"decided_at", "决定时间", CL_COL_TIME},
    {"line", "行号", CL_COL_INT},
};
enum { REFUSED_NCOLS = sizeof refused_cols / sizeof refused_cols[0] };

static void refused_row(void *vx, size_t row, cl_cell *cells)
{
    ctx *x = vx;
    size_t k = x->rows[row];
    const cl_override *o = &x->b->overrides[k];
    cell_text(&cells[0], o->submission_id);
    cell_text(&cells[1], o->decision_raw);
    cell_text(&cells[2], o->refused);
    cells[3].s = x->reasons_zh;
    cells[3].len = cl_override_refusal(x->b, k, CL_LANG_ZH, x->reasons_zh, sizeof x->reasons_zh);
    cells[3].empty = 0;
    cells[4].s = x->reasons;
    cells[4].len = cl_override_refusal(x->b, k, CL_LANG_EN, x->reasons, sizeof x->reasons);
    cells[4].empty = 0;
    cell_text(&cells[5], cl_override_related(x->b, k));
    if (o->amount_ok)
        cell_int(&cells[6], o->amount);
    else
        cell_blank(&cells[6]);
    cell_text(&cells[7], o->reviewer);
    if (o->decided_at != CL_TIME_NONE)
        cell_int(&cells[8], o->decided_at);
    else
        cell_blank(&cells[8]);
    cell_int(&cells[9], o->line);
}

/* ------------------------------------------------------ rejected rows */

static const cl_col bad_cols[] = {
    {"file", "文件", CL_COL_TEXT},
    {"line", "行号", CL_COL_INT},
    {"column", "列", CL_COL_TEXT},
    {"reason", "原因", CL_COL_TEXT},
    {"raw", "原始内容", CL_COL_TEXT},
};

static void bad_row(void *vx, size_t row, cl_cell *cells)
{
    ctx *x = vx;
    const cl_bad_row *r = &x->b->bad[row];
    cell_text(&cells[0], r->file);
    cell_int(&cells[1], r->line);
    cell_text(&cells[2], r->column);
    cell_text(&cells[3], r->reason);
    cell_text(&cells[4], r->raw);
}

/* ------------------------------------------------------------ writing */

#define TABLE(nm, ti, cols, n, fn, xx, pf, tot) \
    ((cl_table){(nm), (ti), (cols), (int)(sizeof(cols) / sizeof((cols)[0])), (n), (fn), (xx), (pf), \
                sizeof(ctx), (tot)})

typedef struct tables {
    ctx cx[6];
    cl_table claims, creditors, roster, review, refused, bad;
    cl_table dups;      /* probable duplicates (outputs_dups.c) */
    void *dups_ctx;
} tables;

static cl_err select_rows(const cl_batch *b, ctx *review, ctx *refused)
{
    review->rows = cl_malloc((b->nsubs + 1) * sizeof *review->rows);
    refused->rows = cl_malloc((b->noverrides + 1) * sizeof *refused->rows);
    if (!review->rows || !refused->rows)
        return CL_ERR_NOMEM;
    return CL_OK;
}

static size_t fill_review_rows(const cl_batch *b, uint32_t *rows)
{
    size_t n = 0;
    for (size_t i = 0; i < b->nsubs; i++) {
        uint8_t st = b->claims[i].status;
        if (st == CL_ST_PENDING_REVIEW || st == CL_ST_NEEDS_CORRECTION)
            rows[n++] = (uint32_t)i;
    }
    return n;
}

static size_t fill_refused_rows(const cl_batch *b, uint32_t *rows)
{
    size_t n = 0;
    for (size_t i = 0; i < b->noverrides; i++)
        if (b->overrides[i].refused)
            rows[n++] = (uint32_t)i;
    return n;
}

static cl_err build_tables(const cl_batch *b, tables *t)
{
    memset(t, 0, sizeof *t);
    for (int i = 0; i < 6; i++) {
        t->cx[i].b = b;
        sorted_codes(b, t->cx[i].order);
    }
    if (select_rows(b, &t->cx[3], &t->cx[4]))
        return CL_ERR_NOMEM;
    t->cx[3].next_conflict = conflict_rings(b);
    if (!t->cx[3].next_conflict)
        return CL_ERR_NOMEM;
    size_t nreview = fill_review_rows(b, t->cx[3].rows);
    size_t nrefused = fill_refused_rows(b, t->cx[4].rows);
    t->claims = TABLE("claims", "申报明细", claim_cols, b->nclaims, claim_row, &t->cx[0], claim_prefetch, CL_TOTAL_MONEY);
    t->creditors = TABLE("creditors", "债权表", creditor_cols, b->ncreditors, creditor_row, &t->cx[1], creditor_prefetch, CL_TOTAL_MONEY);
    t->roster = TABLE("roster", "表决名册", roster_cols, b->nroster, roster_row, &t->cx[2], roster_prefetch, CL_TOTAL_MONEY);
    t->review = TABLE("review_queue", "待审核", review_cols, nreview, review_row, &t->cx[3], NULL, CL_TOTAL_MONEY);
    t->refused = TABLE("overrides_rejected", "拒绝的审核决定", refused_cols, nrefused, refused_row, &t->cx[4], NULL, 0);
    t->bad = TABLE("rejected_rows", "无法读取的行", bad_cols, b->nbad, bad_row, &t->cx[5], NULL, 0);
    return cl_dups_table(b, &t->dups, &t->dups_ctx);
}

static void free_tables(tables *t)
{
    free(t->cx[3].rows);
    free(t->cx[4].rows);
    free(t->cx[3].next_conflict);
    free(t->dups_ctx);
}

/* Defined in outputs_book.c: the workbooks and the public list. */
cl_err cl_write_books(const cl_batch *b, const cl_table *claims, const cl_table *creditors,
                      const cl_table *review, const cl_table *roster, const cl_table *dups,
                      cl_outdir *o, int publish, cl_xlsx_many_fn write_books, cl_diag *d);
cl_err cl_write_public(const cl_batch *b, const cl_table *creditors, cl_outdir *o, cl_diag *d);
/* Defined in outputs_payees.c: payees.csv. */
cl_err cl_write_payees(const cl_batch *b, cl_outdir *o, cl_diag *d);

/* probable_duplicates.csv, when the case has linkage on. */
static cl_err write_dups(const cl_batch *b, const cl_table *t, cl_outdir *o, cl_diag *d)
{
    (void)b;
    unsigned char sha[32];
    cl_err err = cl_report_csv_sha256(cl_outdir_path(o, "probable_duplicates.csv"), t,
                                      CL_AUDIENCE_INTERNAL, sha, d);
    if (!err && cl_outdir_note_sha256(o, "probable_duplicates.csv", sha) < 0)
        err = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    return err;
}

static cl_err write_outputs(const cl_batch *b, cl_outdir *o, const cl_output_opts *opts,
                            cl_diag *d)
{
    tables t;
    cl_err err = build_tables(b, &t);
    if (err) {
        free_tables(&t);
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    const struct {
        const cl_table *t;
        const char *file;
    } csvs[] = {
        {&t.claims, "claims.csv"}, {&t.creditors, "creditors.csv"}, {&t.roster, "roster.csv"},
        {&t.review, "review_queue.csv"}, {&t.refused, "overrides_rejected.csv"},
        {&t.bad, "rejected_rows.csv"},
    };
    /* the tables have their own row contexts: write them side by side */
    enum { NCSV = sizeof csvs / sizeof csvs[0] };
    char paths[NCSV][4096];
    unsigned char sha[NCSV][32];
    cl_err errs[NCSV];
    cl_diag diags[NCSV];
    for (int i = 0; i < NCSV; i++)
        snprintf(paths[i], sizeof paths[i], "%s", cl_outdir_path(o, csvs[i].file));
    #pragma omp parallel for schedule(dynamic, 1) num_threads(b->nthreads)
    for (int i = 0; i < NCSV; i++)
        errs[i] = cl_report_csv_sha256(paths[i], csvs[i].t, CL_AUDIENCE_INTERNAL, sha[i],
                                       &diags[i]);
    for (int i = 0; i < NCSV && !err; i++)
        if ((err = errs[i]) && d)
            *d = diags[i];
    for (int i = 0; i < NCSV && !err; i++)
        if (cl_outdir_note_sha256(o, csvs[i].file, sha[i]) < 0)
            err = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    if (!err && b->linkage)
        err = write_dups(b, &t.dups, o, d);   /* reviewers only: never in public/ */
    if (!err)
        err = cl_write_payees(b, o, d);   /* private: never in public/ */
    if (!err && opts->publish)
        err = cl_write_public(b, &t.creditors, o, d);
    for (int i = 0; i < 6; i++)
        t.cx[i].book = 1;   /* the CSVs are written; from here on rows are the workbook's */
    if (!err && opts->xlsx)
        err = cl_write_books(b, &t.claims, &t.creditors, &t.review, &t.roster,
                             b->linkage ? &t.dups : NULL, o, opts->publish, opts->write_books, d);
    free_tables(&t);
    return err;
}

/* The writers size their parallel parts by the calling thread's OpenMP
 * setting: the batch's thread count for this call, the caller's put back. */
cl_err cl_write_outputs(const cl_batch *b, cl_outdir *o, const cl_output_opts *opts, cl_diag *d)
{
    int saved = omp_get_max_threads();
    omp_set_num_threads(b->nthreads);
    cl_err err = write_outputs(b, o, opts, d);
    omp_set_num_threads(saved);
    return err;
}

cl_err cl_write_table(const cl_batch *b, const char *name, cl_audience a, cl_sink *s, cl_diag *d)
{
    if (b->decided != 2)
        return cl_diag_set(d, CL_ERR_USAGE, "%s: the batch is not decided", name);
    tables t;
    cl_err err = build_tables(b, &t);
    if (err) {
        free_tables(&t);
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    const cl_table *all[] = {&t.claims, &t.creditors, &t.roster, &t.review, &t.refused, &t.bad,
                             &t.dups};
    const cl_table *pick = NULL;
    for (size_t i = 0; i < sizeof all / sizeof all[0] && !pick; i++)
        if (!strcmp(all[i]->name, name))
            pick = all[i];
    if (!pick)
        err = cl_diag_set(d, CL_ERR_USAGE, "no table '%s' (claims, creditors, roster, "
                                           "review_queue, overrides_rejected, rejected_rows, "
                                           "probable_duplicates)", name);
    else if (pick == &t.dups && a != CL_AUDIENCE_INTERNAL)
        err = cl_diag_set(d, CL_ERR_USAGE, "probable_duplicates: for reviewers only, never public");
    else
        err = cl_report_csv_to(s, pick, a, b->nthreads, d);
    free_tables(&t);
    return err;
}
