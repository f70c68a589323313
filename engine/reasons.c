/* reasons.c - reason texts (cl_reasons.h): rule messages filled from the
 * row they fired on, built-in codes rendered with the claim's own values,
 * and refusals of overrides naming the rows involved. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/cl_money.h"
#include "core/cl_time.h"
#include "engine/cl_claim_schema.h"
#include "engine/cl_outputs.h"
#include "engine/cl_reasons.h"
#include "engine/cl_stages.h"
#include "rules/cl_rules.h"

/* ------------------------------------------------------------ buffers */

typedef struct out {
    char *buf;
    size_t cap, len;
} out;

static void put(out *o, const char *s, size_t n)
{
    if (o->len + 1 >= o->cap)
        return;
    if (n > o->cap - 1 - o->len) {
        n = o->cap - 1 - o->len;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void putf(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(out *o, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1;
    while (len && (size_t)n >= sizeof tmp && ((unsigned char)tmp[len] & 0xC0) == 0x80)
        len--;
    put(o, tmp, len);
}

static void sep(out *o, cl_lang lang)
{
    if (o->len)
        put(o, lang == CL_LANG_ZH ? "；" : "; ", lang == CL_LANG_ZH ? strlen("；") : 2);
}

typedef struct money_s {
    char s[CL_MONEY_BUFSZ];
} money_s;

static money_s yuan(int64_t fen)
{
    money_s m;
    cl_money_format(fen, m.s);
    return m;
}

static const char *cat_zh(int cat)
{
    static const char *const n[CL_CAT_COUNT] = {"", "押金", "余额", "货款", "职工债权", "税款", "其他"};
    return cat > 0 && cat < CL_CAT_COUNT ? n[cat] : "";
}

static const char *status_zh(int st)
{
    static const char *const n[CL_ST_COUNT] = {"", "已确认", "部分确认", "待审核", "不予确认",
                                               "需补正", "重复提交", "已被替代"};
    return st > 0 && st < CL_ST_COUNT ? n[st] : "";
}

static const char *empty_or(const char *s, cl_lang lang)
{
    return s && s[0] ? s : lang == CL_LANG_ZH ? "（空）" : "(empty)";
}

/* ------------------------------------------------------ built-in codes */

typedef struct claim_view {
    const cl_batch *b;
    const cl_claim *c;
    const cl_sub *s;          /* NULL for books-listed */
    const cl_account *a;      /* NULL when unmatched */
    cl_lang lang;
} claim_view;

static int64_t owed_of(const claim_view *v)
{
    return v->a && v->a->sum[v->c->category] > 0 ? v->a->sum[v->c->category] : 0;
}

static void no_book_record(out *o, const claim_view *v)
{
    const cl_sub *s = v->s;
    bool zh = v->lang == CL_LANG_ZH;
    if (zh)
        putf(o, "债务人账簿中没有这笔%s债权的记录：账户编号 %s、手机号码 %s、证件号码均未找到对应账户",
             cat_zh(v->c->category), empty_or(s->account_ref, v->lang), empty_or(s->phone, v->lang));
    else
        putf(o, "no %s record in the debtor's books: account_ref %s, phone %s and the ID number "
             "match no account", cl_category_name((cl_category)v->c->category),
             empty_or(s->account_ref, v->lang), empty_or(s->phone, v->lang));
    if (s->evidence_count > 0)
        putf(o, zh ? "（附证据 %d 份" : " (%d evidence file(s)", (int)s->evidence_count);
    else
        putf(o, zh ? "（未附证据" : " (no evidence");
    if (v->c->status == CL_ST_REJECTED)
        putf(o, zh ? "，不予确认）" : ": not confirmed)");
    else if (v->c->status == CL_ST_PENDING_REVIEW)
        putf(o, zh ? "，转人工审核）" : ": manual review)");
    else
        putf(o, zh ? "）" : ")");
}

static bool confirmed_now(const cl_claim *c)
{
    return c->status == CL_ST_CONFIRMED || c->status == CL_ST_PARTIAL;
}

static void late(out *o, const claim_view *v)
{
    char t[CL_TIME_BUFSZ], dl[CL_TIME_BUFSZ];
    cl_time_format(v->s->submitted_at, t);
    cl_time_format(v->b->cfg.deadline_end, dl);
    putf(o, v->lang == CL_LANG_ZH ? "申报时间 %s 晚于申报期限 %s，为补充申报（第56条）"
                                  : "submitted_at %s is after the deadline %s: a late claim (Art. 56)",
         t, dl);
}

static void override_done(out *o, const claim_view *v)
{
    bool zh = v->lang == CL_LANG_ZH;
    if (v->c->status == CL_ST_REJECTED)
        putf(o, zh ? "管理人审核决定：不予确认" : "a reviewer's decision: rejected");
    else
        putf(o, zh ? "管理人审核决定：确认 %s 元" : "a reviewer's decision: %s yuan confirmed",
             yuan(cl_claim_confirmed(v->c)).s);
}

static void builtin_reason(out *o, const claim_view *v, int code)
{
    bool zh = v->lang == CL_LANG_ZH;
    const cl_sub *s = v->s;
    const char *ref = v->a ? v->a->ref : "";
    const char *cz = cat_zh(v->c->category), *ce = cl_category_name((cl_category)v->c->category);
    switch (code) {
    case CL_C_DUPLICATE_ROW:
        putf(o, zh ? "申报编号 %s 此前已提交过，本行为重复提交，不予处理"
                   : "submission_id %s was submitted before: this row is a duplicate and is ignored",
             s ? s->submission_id : "");
        break;
    case CL_C_MATCHED_BY_PHONE:
        putf(o, zh ? "按手机号码 %s 匹配到账户 %s" : "matched to account %s by phone %s",
             zh ? (s ? s->phone : "") : ref, zh ? ref : (s ? s->phone : ""));
        break;
    case CL_C_MATCHED_BY_ID:
        putf(o, zh ? "按证件号码匹配到账户 %s" : "matched to account %s by the ID number", ref);
        break;
    case CL_C_NO_BOOK_RECORD:
        if (s)
            no_book_record(o, v);
        break;
    case CL_C_ID_MISMATCH:
        /* never the holder's own ID number: the claimant is not entitled to it */
        putf(o, zh ? "账户 %s 的实名登记人与申报人证件号码不一致，需人工核实"
                   : "account %s is held by someone with a different ID number: manual check", ref);
        break;
    case CL_C_ACCOUNT_CONFLICT:
        putf(o, zh ? "账户 %s 的%s另有其他申报人申报，需人工审核"
                   : "account %s (%s) is claimed by other claimants too: manual review",
             ref, zh ? cz : ce);
        break;
    case CL_C_NOTHING_OWED:
        putf(o, zh ? "账户 %s 账面%s欠款为 0 元" : "account %s: the books owe nothing for %s", ref,
             zh ? cz : ce);
        break;
    case CL_C_EXCEEDS_BOOK:
        putf(o, zh ? "申报本金 %s 元超过账户 %s 账面欠款 %s 元"
                   : "principal %1$s exceeds the %3$s yuan the books of account %2$s owe",
             yuan(s ? s->principal : 0).s, ref, yuan(owed_of(v)).s);
        if (confirmed_now(v->c))
            putf(o, zh ? "，按账面金额确认" : ": the books' amount is confirmed");
        break;
    case CL_C_INTEREST_DISALLOWED:
        putf(o, zh ? "本案%s债权不确认利息，申报利息 %s 元不予确认"
                   : "interest %2$s: not allowed for %1$s claims in this case",
             zh ? cz : ce, yuan(s ? s->interest : 0).s);
        break;
    case CL_C_OTHER_DISALLOWED:
        putf(o, zh ? "本案%s债权不确认其他款项，申报其他金额 %s 元不予确认"
                   : "other_amount %2$s: not allowed for %1$s claims in this case",
             zh ? cz : ce, yuan(s ? s->other : 0).s);
        break;
    case CL_C_MANUAL_CATEGORY:
        putf(o, zh ? "%s类债权须经管理人人工审核" : "%s claims are reviewed by hand", zh ? cz : ce);
        break;
    case CL_C_SECURED_REVIEW:
        putf(o, zh ? "申报有财产担保，须经管理人人工审核" : "secured Y: secured claims are reviewed by hand");
        break;
    case CL_C_LISTED_FROM_BOOKS:
        putf(o, zh ? "依债务人职工名册（账户 %s）列示，欠款 %s 元，无需申报（第48条）"
                   : "listed from the payroll books (account %s, %s yuan owed; Art. 48)",
             ref, yuan(owed_of(v)).s);
        break;
    case CL_C_LATE:
        if (s)
            late(o, v);
        break;
    case CL_C_OVERRIDE:
        override_done(o, v);
        break;
    case CL_C_TEMPORARY_AMOUNT:
        putf(o, zh ? "管理人临时确定表决额 %s 元（第59条）"
                   : "voting amount temporarily set to %s yuan (Art. 59)", yuan(v->c->voting).s);
        break;
    default:
        break;
    }
}

/* -------------------------------------------------------- rule reasons */

static bool fired(const cl_rule_file *rf, size_t row, int r)
{
    return (rf->hits[row * (size_t)rf->words + (size_t)(r >> 6)] >> (r & 63)) & 1;
}

/* Every rule naming `code` that fired on the claim's row, in file order. */
static void rule_reasons(out *o, const claim_view *v, int code)
{
    const cl_batch *b = v->b;
    size_t row = v->c->sub;
    char msg[1024];
    for (int f = 0; f < b->nrulefiles; f++) {
        const cl_rule_file *rf = &b->rulefiles[f];
        for (int r = 0; r < rf->nrules; r++) {
            if (rf->code[r] != code || !rf->hits || !fired(rf, row, r))
                continue;
            const cl_rule_info *ri = cl_ruleset_rule(rf->rs, r);
            size_t n = cl_rule_message(v->lang == CL_LANG_ZH ? ri->msg_zh : ri->msg_en,
                                       cl_claim_rule_schema(), b, row, v->lang == CL_LANG_EN,
                                       msg, sizeof msg);
            sep(o, v->lang);
            put(o, msg, n);
        }
    }
}

size_t cl_claim_reasons(const cl_batch *b, size_t claim, cl_lang lang, char *buf, size_t cap)
{
    out o = {buf, cap, 0};
    if (!cap)
        return 0;
    buf[0] = '\0';
    if (claim >= b->nclaims)
        return 0;
    const cl_claim *c = &b->claims[claim];
    claim_view v = {b, c, c->sub == CL_NONE ? NULL : &b->subs[c->sub],
                    c->account == CL_NONE ? NULL : &b->accounts[c->account], lang};
    for (int i = 0; i < b->ncodes; i++) {
        int code = b->code_order[i];
        if (!cl_codes_has(&c->codes, (unsigned)code))
            continue;
        if (code < CL_C_BUILTIN_COUNT) {
            sep(&o, lang);
            builtin_reason(&o, &v, code);
        } else if (v.s) {
            rule_reasons(&o, &v, code);
        }
    }
    return o.len;
}

/* ------------------------------------------------- refused overrides */

/* The other overrides of the same submission, ignored because o is later. */
static size_t ignored_before(const cl_batch *b, const cl_override *o, uint32_t *first_line)
{
    size_t n = 0;
    *first_line = 0;
    for (size_t k = 0; k < b->noverrides; k++) {
        const cl_override *e = &b->overrides[k];
        if (e == o || e->row != o->row || e->refused || e->decided_at == CL_TIME_NONE)
            continue;
        if (!n++ || e->line < *first_line)
            *first_line = e->line;
    }
    return n;
}

static void not_operative(out *o, const cl_batch *b, const cl_override *ov, cl_lang lang)
{
    bool zh = lang == CL_LANG_ZH;
    const cl_claim *c = &b->claims[ov->row];
    if (c->status == CL_ST_SUPERSEDED && c->superseded_by != CL_NONE) {
        const char *by = b->subs[c->superseded_by].submission_id;
        putf(o, zh ? "申报 %s 已被申报 %s 替代，审核决定应针对 %s"
                   : "submission %s was superseded by %s: decide %s instead",
             ov->submission_id, by, by);
    } else if (c->status == CL_ST_NEEDS_CORRECTION) {
        char codes[512];
        cl_codes_join(b, &c->codes, codes, sizeof codes);
        putf(o, zh ? "申报 %s 须由债权人补正（%s），补正前不能作出审核决定"
                   : "submission %s must first be corrected by the creditor (%s)",
             ov->submission_id, codes);
    } else {
        putf(o, zh ? "申报 %s 的状态为%s，不能作出审核决定" : "submission %s is %s: it cannot be decided",
             ov->submission_id, zh ? status_zh(c->status) : cl_status_name((cl_status)c->status));
    }
}

static void refusal(out *o, const cl_batch *b, const cl_override *ov, cl_lang lang)
{
    bool zh = lang == CL_LANG_ZH;
    const char *r = ov->refused;
    const cl_claim *c = ov->row == CL_NONE ? NULL : &b->claims[ov->row];
    if (!strcmp(r, "UNKNOWN_SUBMISSION"))
        putf(o, zh ? "申报编号 %s 不在本次申报数据中" : "submission_id %s is not among the submissions",
             empty_or(ov->submission_id, lang));
    else if (!strcmp(r, "UNPARSEABLE_DECIDED_AT"))
        putf(o, zh ? "决定时间缺失或无法识别（应为 YYYY-MM-DD HH:MM:SS），本条决定不予采用"
                   : "decided_at is missing or not a time (YYYY-MM-DD HH:MM:SS): decision not used");
    else if (!strcmp(r, "UNKNOWN_DECISION"))
        putf(o, zh ? "决定“%s”无法识别（应为 confirm 确认、reject 不予确认或 temporary 临时确定表决额）"
                   : "decision '%s' is unknown (expected confirm, reject or temporary)",
             ov->decision_raw);
    else if (!strcmp(r, "NOT_OPERATIVE") && c)
        not_operative(o, b, ov, lang);
    else if (!strcmp(r, "NOT_PENDING") && c)
        putf(o, zh ? "临时确定表决额只适用于待审核的申报，申报 %s 的状态为%s"
                   : "a temporary amount is only for a pending claim; submission %s is %s",
             ov->submission_id, zh ? status_zh(c->status) : cl_status_name((cl_status)c->status));
    else if (!strcmp(r, "AMOUNT_OUT_OF_RANGE") && c && !ov->amount_ok)
        putf(o, zh ? "金额缺失或格式无效（应为大于 0、不超过申报总额 %s 元的金额）"
                   : "amount is missing or malformed (expected more than 0, at most the declared %s)",
             yuan(c->declared).s);
    else if (!strcmp(r, "AMOUNT_OUT_OF_RANGE") && c)
        putf(o, zh ? "金额 %s 元超出范围：应大于 0 且不超过申报总额 %s 元"
                   : "amount %s is out of range: more than 0 and at most the declared %s",
             yuan(ov->amount).s, yuan(c->declared).s);
    else
        put(o, r, strlen(r));
}

size_t cl_override_refusal(const cl_batch *b, size_t k, cl_lang lang, char *buf, size_t cap)
{
    out o = {buf, cap, 0};
    if (!cap)
        return 0;
    buf[0] = '\0';
    if (k >= b->noverrides || !b->overrides[k].refused)
        return 0;
    const cl_override *ov = &b->overrides[k];
    refusal(&o, b, ov, lang);
    uint32_t line = 0;
    size_t n = ov->row == CL_NONE ? 0 : ignored_before(b, ov, &line);
    if (n)
        putf(&o, lang == CL_LANG_ZH
                     ? "；同一申报另有 %zu 条较早的决定（首条在第 %u 行）因本条决定时间最晚而未被采用，申报保持原状"
                     : "; %zu earlier decision(s) for the same submission (first on line %u) are ignored "
                       "because this one is the latest: the claim is left as it was",
             n, (unsigned)line);
    return o.len;
}

const char *cl_override_related(const cl_batch *b, size_t k)
{
    if (k >= b->noverrides)
        return "";
    const cl_override *ov = &b->overrides[k];
    if (!ov->refused || ov->row == CL_NONE || strcmp(ov->refused, "NOT_OPERATIVE"))
        return "";
    const cl_claim *c = &b->claims[ov->row];
    return c->status == CL_ST_SUPERSEDED && c->superseded_by != CL_NONE
               ? b->subs[c->superseded_by].submission_id
               : "";
}
