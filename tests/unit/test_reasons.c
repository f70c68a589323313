/* test_reasons.c - the reasons a claim is given (engine/reasons.c) on a
 * real batch: every rule of rules/default.rules has its own message and,
 * on a row built to fail only that rule, fires alone and is told with the
 * row's own values; every built-in code names its values; refused
 * overrides say why and name the row involved; bad placeholders are
 * compile errors. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/cl_claim_schema.h"
#include "engine/cl_load.h"
#include "engine/cl_reasons.h"
#include "engine/cl_run.h"
#include "engine/cl_stages.h"
#include "rules/cl_rules.h"
#include "tests/cl_test.h"

static char dir[] = "/tmp/cl_test_reasons_XXXXXX";

static const char *path_of(const char *name)
{
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static void write_file(const char *name, const char *text)
{
    FILE *f = fopen(path_of(name), "wb");
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
}

/* A PRC ID number for 1980-01-01 with serial n and its right check digit. */
static void prc_id(int n, char out[19])
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    snprintf(out, 19, "44010619800101%03d", n % 1000);
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (out[i] - '0') * w[i];
    out[17] = "10X98765432"[sum % 11];
    out[18] = '\0';
}

/* ---- submission rows as field lists ------------------------------------ */

enum {
    F_SID, F_AT, F_KIND, F_NAME, F_IDT, F_IDN, F_PHONE, F_REF, F_CAT, F_PRIN, F_INT, F_OTHER,
    F_SEC, F_BANK, F_ACCT, F_AMENDS, F_EVID, F_NOTE, NCOLS
};
static const char *const col_names[NCOLS] = {
    "submission_id", "submitted_at", "creditor_kind", "name", "id_type", "id_number", "phone",
    "account_ref", "category", "principal", "interest", "other_amount", "secured", "bank_name",
    "bank_account", "amends", "evidence_count", "note",
};

typedef struct subrow {
    char v[NCOLS][64];
} subrow;

static subrow base_row(int n)
{
    subrow r;
    memset(&r, 0, sizeof r);
    snprintf(r.v[F_SID], 64, "S%03d", n);
    strcpy(r.v[F_AT], "2018-04-03 09:00:51");
    strcpy(r.v[F_KIND], "individual");
    strcpy(r.v[F_NAME], "黄坤英");
    strcpy(r.v[F_IDT], "PRC_ID");
    prc_id(n, r.v[F_IDN]);
    strcpy(r.v[F_PHONE], "18128145680");
    snprintf(r.v[F_REF], 64, "R%03d", n);
    strcpy(r.v[F_CAT], "deposit");
    strcpy(r.v[F_PRIN], "99.00");
    strcpy(r.v[F_EVID], "0");
    return r;
}

static void set(subrow *r, const char *field, const char *value)
{
    for (int c = 0; c < NCOLS; c++)
        if (!strcmp(col_names[c], field))
            snprintf(r->v[c], 64, "%s", value);
}

static const char *get(const subrow *r, const char *field, size_t len)
{
    for (int c = 0; c < NCOLS; c++)
        if (strlen(col_names[c]) == len && !memcmp(col_names[c], field, len))
            return r->v[c];
    return NULL;
}

/* The message with {field} filled from the row as written (the test rows
 * are written in canonical form, so the normalized value is the same). */
static void fill(const char *msg, const subrow *r, int en, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = msg; *p && n + 1 < cap; p++) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        const char *v = close ? get(r, p + 1, (size_t)(close - p - 1)) : NULL;
        if (!v) {
            out[n++] = *p;
            continue;
        }
        if (!*v)
            v = en ? "(empty)" : "（空）";
        n += (size_t)snprintf(out + n, cap - n, "%s", v);
        p = close;
    }
    out[n < cap ? n : cap - 1] = '\0';
}

/* ---- the rule table: one row per rule of default.rules ----------------- */

typedef struct mut {
    const char *rule;
    const char *f1, *v1, *f2, *v2, *f3, *v3;
} mut;

static const mut muts[] = {
    {"name-present", "name", "", 0, 0, 0, 0},
    {"id-type-present", "id_type", "", 0, 0, 0, 0},
    {"id-type-known", "id_type", "驾驶证", 0, 0, 0, 0},
    {"id-number-present", "id_number", "", 0, 0, 0, 0},
    {"prc-id-format", "id_number", "44010619800101001", 0, 0, 0, 0},
    {"prc-id-checksum", "id_number", "440106198001010010", 0, 0, 0, 0},
    {"uscc-checksum", "creditor_kind", "organization", "id_type", "USCC", "id_number",
     "91440101MA59ABCD1E"},
    {"other-id-alnum", "id_type", "PASSPORT", "id_number", "E1234.5678", 0, 0},
    {"creditor-kind-present", "creditor_kind", "", 0, 0, 0, 0},
    {"creditor-kind-known", "creditor_kind", "合伙", 0, 0, 0, 0},
    {"personal-id-needs-individual", "creditor_kind", "organization", 0, 0, 0, 0},
    {"uscc-needs-organization", "id_type", "USCC", "id_number", "91440101MA59ABCD1D", 0, 0},
    {"principal-present", "principal", "", 0, 0, 0, 0},
    {"principal-valid", "principal", "+299", 0, 0, 0, 0},
    {"principal-nonzero", "principal", "0.00", 0, 0, 0, 0},
    {"interest-valid", "interest", "12,34.00", 0, 0, 0, 0},
    {"other-amount-valid", "other_amount", "1.234", 0, 0, 0, 0},
    {"category-present", "category", "", 0, 0, 0, 0},
    {"category-known", "category", "押金2", 0, 0, 0, 0},
    {"submitted-at-present", "submitted_at", "", 0, 0, 0, 0},
    {"submitted-at-valid", "submitted_at", "2018-13-01", 0, 0, 0, 0},
    {"secured-valid", "secured", "maybe", 0, 0, 0, 0},
    {"evidence-count-valid", "evidence_count", "-1", 0, 0, 0, 0},
    {"phone-present", "phone", "", 0, 0, 0, 0},
    {"phone-pattern", "phone", "12345678901", 0, 0, 0, 0},
};
enum { NMUTS = sizeof muts / sizeof muts[0] };

/* ---- the built-in codes' rows (after the rule rows) --------------------- */

enum { B_FIRST = 100 };

typedef struct brow {
    int code;
    const char *sid;          /* the claim's submission_id; NULL: books-listed */
    const char *zh, *en;      /* expected in its reasons */
    const char *not_zh;       /* must not appear (NULL: nothing) */
} brow;

static const brow brows[] = {
    {CL_C_DUPLICATE_ROW, "B01", "申报编号 B01 此前已提交过", "submission_id B01 was submitted before", 0},
    {CL_C_MATCHED_BY_PHONE, "B02", "按手机号码 13800000002 匹配到账户 A02",
     "matched to account A02 by phone 13800000002", 0},
    {CL_C_MATCHED_BY_ID, "B03", "按证件号码匹配到账户 A03", "matched to account A03 by the ID number", 0},
    {CL_C_NO_BOOK_RECORD, "B04", "账户编号 NOPE04", "(2 evidence file(s): manual review)", 0},
    {CL_C_ID_MISMATCH, "B05", "账户 A05 的实名登记人与申报人证件号码不一致",
     "account A05 is held by someone with a different ID number", "440106198001010901"},
    {CL_C_ACCOUNT_CONFLICT, "B06", "账户 A06 的押金另有其他申报人申报",
     "account A06 (deposit) is claimed by other claimants too", 0},
    {CL_C_NOTHING_OWED, "B08", "账户 A08 账面押金欠款为 0 元", "account A08: the books owe nothing", 0},
    {CL_C_EXCEEDS_BOOK, "B09", "申报本金 99.00 元超过账户 A09 账面欠款 50.00 元，按账面金额确认",
     "principal 99.00 exceeds the 50.00 yuan the books of account A09 owe", 0},
    {CL_C_INTEREST_DISALLOWED, "B10", "申报利息 5.00 元不予确认", "interest 5.00: not allowed for deposit", 0},
    {CL_C_OTHER_DISALLOWED, "B11", "申报其他金额 3.00 元不予确认", "other_amount 3.00: not allowed for deposit", 0},
    {CL_C_MANUAL_CATEGORY, "B12", "税款类债权须经管理人人工审核", "tax claims are reviewed by hand", 0},
    {CL_C_SECURED_REVIEW, "B13", "申报有财产担保", "secured Y", 0},
    {CL_C_LISTED_FROM_BOOKS, NULL, "依债务人职工名册（账户 E01）列示，欠款 3000.00 元",
     "account E01, 3000.00 yuan owed", 0},
    {CL_C_LATE, "B15", "申报时间 2018-07-01 10:00:00 晚于申报期限 2018-06-27 23:59:59",
     "submitted_at 2018-07-01 10:00:00 is after the deadline 2018-06-27 23:59:59", 0},
    {CL_C_OVERRIDE, "B16", "管理人审核决定：确认 80.00 元", "a reviewer's decision: 80.00 yuan confirmed", 0},
    {CL_C_TEMPORARY_AMOUNT, "B17", "管理人临时确定表决额 40.00 元", "voting amount temporarily set to 40.00", 0},
};
enum { NBROWS = sizeof brows / sizeof brows[0] };

static void builtin_rows(subrow *rows, int *n)
{
    struct { const char *sid, *ref, *f1, *v1, *f2, *v2; } spec[] = {
        {"B01", "A01", 0, 0, 0, 0}, {"B01", "A01", 0, 0, 0, 0},
        {"B02", "", "phone", "13800000002", 0, 0},
        {"B03", "", "phone", "13800000003", 0, 0},
        {"B04", "NOPE04", "evidence_count", "2", "phone", "13800000004"},
        {"B05", "A05", 0, 0, 0, 0},
        {"B06", "A06", 0, 0, 0, 0}, {"B07", "A06", 0, 0, 0, 0},
        {"B08", "A08", 0, 0, 0, 0}, {"B09", "A09", 0, 0, 0, 0},
        {"B10", "A10", "interest", "5.00", 0, 0}, {"B11", "A11", "other_amount", "3.00", 0, 0},
        {"B12", "", "category", "tax", 0, 0}, {"B13", "A13", "secured", "Y", 0, 0},
        {"B15", "A15", "submitted_at", "2018-07-01 10:00:00", 0, 0},
        {"B16", "", "category", "tax", 0, 0}, {"B17", "", "category", "tax", 0, 0},
        /* supersession: B18 (earlier) is superseded by B19 */
        {"B18", "A18", "submitted_at", "2018-04-01 08:00:00", 0, 0},
        {"B19", "A18", "submitted_at", "2018-04-02 08:00:00", 0, 0},
    };
    for (size_t k = 0; k < sizeof spec / sizeof spec[0]; k++) {
        subrow r = base_row(B_FIRST + (int)k);
        set(&r, "submission_id", spec[k].sid);
        set(&r, "account_ref", spec[k].ref);
        set(&r, "phone", "13900000000");
        if (spec[k].f1)
            set(&r, spec[k].f1, spec[k].v1);
        if (spec[k].f2)
            set(&r, spec[k].f2, spec[k].v2);
        if (!strcmp(spec[k].sid, "B19"))   /* the same claimant as B18 */
            prc_id(B_FIRST + (int)k - 1, r.v[F_IDN]);
        rows[(*n)++] = r;
    }
}

static void write_inputs(const subrow *rows, int n)
{
    FILE *f = fopen(path_of("submissions.csv"), "wb");
    if (!f)
        return;
    for (int c = 0; c < NCOLS; c++)
        fprintf(f, "%s%s", c ? "," : "", col_names[c]);
    fputc('\n', f);
    for (int i = 0; i < n; i++)
        for (int c = 0; c < NCOLS; c++)
            fprintf(f, "\"%s\"%s", rows[i].v[c], c + 1 < NCOLS ? "," : "\n");
    fclose(f);
    char id3[19], id5[19];
    prc_id(B_FIRST + 3, id3);   /* B03's own number: matched by ID */
    char ledger[4096];
    snprintf(ledger, sizeof ledger,
             "entry_id,account_ref,category,amount,booked_at,name,id_type,id_number,phone\n"
             "L01,A01,deposit,99.00,2017-01-01 00:00:00,,,,\n"
             "L02,A02,deposit,99.00,2017-01-01 00:00:00,,,,13800000002\n"
             "L03,A03,deposit,99.00,2017-01-01 00:00:00,黄坤英,PRC_ID,%s,\n"
             "L05,A05,deposit,99.00,2017-01-01 00:00:00,王五,PRC_ID,440106198001010901,\n"
             "L06,A06,deposit,99.00,2017-01-01 00:00:00,,,,\n"
             "L08a,A08,deposit,10.00,2017-01-01 00:00:00,,,,\n"
             "L08b,A08,deposit,-10.00,2017-01-02 00:00:00,,,,\n"
             "L09,A09,deposit,50.00,2017-01-01 00:00:00,,,,\n"
             "L10,A10,deposit,99.00,2017-01-01 00:00:00,,,,\n"
             "L11,A11,deposit,99.00,2017-01-01 00:00:00,,,,\n"
             "L13,A13,deposit,99.00,2017-01-01 00:00:00,,,,\n"
             "L15,A15,deposit,99.00,2017-01-01 00:00:00,,,,\n"
             "L18,A18,deposit,99.00,2017-01-01 00:00:00,,,,\n"
             "E01,E01,employee,3000.00,2017-01-01 00:00:00,李四,PRC_ID,%s,\n",
             id3, (prc_id(999, id5), id5));
    write_file("ledger.csv", ledger);
    write_file("overrides.csv",
               "submission_id,decision,amount,reviewer,decided_at,note\n"
               "B16,confirm,80.00,r1,2018-07-20 09:00:00,\n"
               "B17,temporary,40.00,r1,2018-07-20 09:00:00,\n"
               "B18,confirm,99.00,r1,2018-07-19 09:00:00,an earlier decision (ignored)\n"
               "B18,confirm,99.00,r1,2018-07-20 09:00:00,on the superseded claim\n");
    write_file("case.conf",
               "case_no = (2018)粤01破12号\n"
               "acceptance_date = 2018-03-27\n"
               "declaration_deadline = 2018-06-27\n"
               "creditor_key = test-key-0123456789\n");
}

/* ---- running the stages in-process --------------------------------------- */

static cl_err run_batch(cl_batch *b, cl_diag *d)
{
    memset(b, 0, sizeof *b);
    b->nthreads = 2;
    b->arena = cl_arena_create(0);
    cl_err err = cl_case_load(path_of("case.conf"), &b->cfg, d);
    if (err)
        return err;
    cl_rule_const consts[2] = {
        {"acceptance_date", CL_VT_TIME, {CL_V_OK, "", 0, b->cfg.acceptance_at}},
        {"declaration_deadline", CL_VT_TIME, {CL_V_OK, "", 0, b->cfg.deadline_end}},
    };
    cl_rule_env env = {consts, 2, b->cfg.acceptance_day};
    static char rules[4096];
    const char *src = getenv("CL_SOURCE_DIR");
    snprintf(rules, sizeof rules, "%s/rules/default.rules", src ? src : "..");
    b->rulefiles[0].path = rules;
    if ((err = cl_ruleset_load(b->rulefiles[0].path, cl_claim_rule_schema(), &env,
                               &b->rulefiles[0].rs, d)))
        return err;
    b->nrulefiles = 1;
    cl_input_facts facts[3];
    memset(facts, 0, sizeof facts);
    if ((err = cl_load_ledger(b, path_of("ledger.csv"), CL_ENC_AUTO, &facts[0], d)) ||
        (err = cl_load_submissions(b, path_of("submissions.csv"), CL_ENC_AUTO, &facts[1], d)) ||
        (err = cl_load_overrides(b, path_of("overrides.csv"), CL_ENC_AUTO, &facts[2], d)))
        return err;
    cl_err (*const stages[])(cl_batch *, cl_diag *) = {
        cl_stage_init, cl_step1_duplicates, cl_step2_field_checks, cl_step3_amendments,
        cl_step4_book_matching, cl_step5_supersession, cl_step6_books, cl_step7_manual_review,
        cl_step9_flags, cl_step7b_case_rules, cl_step8_books_employees, cl_step10_overrides,
    };
    for (size_t i = 0; i < sizeof stages / sizeof stages[0] && !err; i++)
        err = stages[i](b, d);
    return err;
}

static void free_batch(cl_batch *b)
{
    free(b->subs);
    free(b->accounts);
    free(b->account_slots);
    free(b->ids);
    free(b->claims);
    free(b->overrides);
    free(b->bad);
    for (int f = 0; f < b->nrulefiles; f++) {
        free(b->rulefiles[f].hits);
        cl_ruleset_free(b->rulefiles[f].rs);
    }
    for (int i = 0; i < b->nchunk_arenas; i++)
        cl_arena_free(b->chunk_arenas[i]);
    free(b->chunk_arenas);
    cl_arena_free(b->arena);
    cl_case_release(&b->cfg);
}

/* The claim of submission_id sid (its last row for the duplicate), or of
 * the books-listed claim when sid is NULL. */
static size_t claim_of(const cl_batch *b, const char *sid)
{
    size_t found = SIZE_MAX;
    for (size_t i = 0; i < b->nclaims; i++) {
        const cl_claim *c = &b->claims[i];
        if (sid ? c->sub != CL_NONE && !strcmp(b->subs[c->sub].submission_id, sid)
                : c->sub == CL_NONE)
            found = i;
    }
    return found;
}

static int fired_count(const cl_batch *b, size_t i, int *which)
{
    const cl_rule_file *rf = &b->rulefiles[0];
    int n = 0;
    for (int r = 0; r < rf->nrules; r++)
        if ((rf->hits[i * (size_t)rf->words + (size_t)(r >> 6)] >> (r & 63)) & 1) {
            *which = r;
            n++;
        }
    return n;
}

static const mut *mut_of(const char *rule)
{
    for (int k = 0; k < NMUTS; k++)
        if (!strcmp(muts[k].rule, rule))
            return &muts[k];
    return NULL;
}

static void test_rules_and_builtins(void)
{
    subrow rows[NMUTS + 32];
    int n = 0;
    for (int k = 0; k < NMUTS; k++) {
        subrow r = base_row(k + 1);
        if (muts[k].f1)
            set(&r, muts[k].f1, muts[k].v1);
        if (muts[k].f2)
            set(&r, muts[k].f2, muts[k].v2);
        if (muts[k].f3)
            set(&r, muts[k].f3, muts[k].v3);
        if (!strcmp(muts[k].rule, "uscc-checksum") || !strcmp(muts[k].rule, "uscc-needs-organization"))
            set(&r, "name", "广州某某贸易有限公司");
        rows[n++] = r;
    }
    builtin_rows(rows, &n);
    write_inputs(rows, n);
    cl_batch b;
    cl_diag d = {0};
    cl_err err = run_batch(&b, &d);
    CHECK_MSG(err == CL_OK, "%s", d.msg);
    if (err) {
        free_batch(&b);
        return;
    }
    CHECK_EQ_INT(b.nbad, 0);
    const cl_ruleset *rs = b.rulefiles[0].rs;
    char got[4096], want[1024];
    /* every rule: its own message, a row, and only it fires there */
    for (int r = 0; r < cl_ruleset_count(rs); r++) {
        const cl_rule_info *ri = cl_ruleset_rule(rs, r);
        for (int q = 0; q < r; q++) {
            CHECK_MSG(strcmp(ri->msg_zh, cl_ruleset_rule(rs, q)->msg_zh), "%s: zh message shared with %s",
                      ri->id, cl_ruleset_rule(rs, q)->id);
            CHECK_MSG(strcmp(ri->msg_en, cl_ruleset_rule(rs, q)->msg_en), "%s: en message shared with %s",
                      ri->id, cl_ruleset_rule(rs, q)->id);
        }
        const mut *m = mut_of(ri->id);
        CHECK_MSG(m != NULL, "rule %s of default.rules has no test row", ri->id);
        if (!m)
            continue;
        size_t ri_row = (size_t)(m - muts);
        int which = -1;
        CHECK_MSG(fired_count(&b, ri_row, &which) == 1 && which == r, "%s: %d rules fired (last %s)",
                  ri->id, fired_count(&b, ri_row, &which), which >= 0 ? cl_ruleset_rule(rs, which)->id : "-");
        for (int en = 0; en < 2; en++) {
            cl_claim_reasons(&b, ri_row, en ? CL_LANG_EN : CL_LANG_ZH, got, sizeof got);
            fill(en ? ri->msg_en : ri->msg_zh, &rows[ri_row], en, want, sizeof want);
            CHECK_MSG(strstr(got, want) != NULL, "%s: reasons \"%s\" lack \"%s\"", ri->id, got, want);
            CHECK_MSG(!strchr(got, '{'), "%s: unfilled placeholder in \"%s\"", ri->id, got);
        }
    }
    /* the two examples */
    cl_claim_reasons(&b, (size_t)(mut_of("prc-id-checksum") - muts), CL_LANG_ZH, got, sizeof got);
    CHECK_EQ_STR(got, "居民身份证号码 440106198001010010 校验位错误或出生日期无效");
    cl_claim_reasons(&b, (size_t)(mut_of("evidence-count-valid") - muts), CL_LANG_EN, got, sizeof got);
    CHECK_EQ_STR(got, "evidence_count -1: must be a whole number, 0 or more");
    /* every built-in code */
    int covered[CL_C_BUILTIN_COUNT] = {0};
    for (int k = 0; k < NBROWS; k++) {
        size_t i = claim_of(&b, brows[k].sid);
        CHECK_MSG(i != SIZE_MAX, "no claim for %s", brows[k].sid ? brows[k].sid : "books");
        if (i == SIZE_MAX)
            continue;
        covered[brows[k].code] = 1;
        CHECK_MSG(cl_codes_has(&b.claims[i].codes, (unsigned)brows[k].code), "%s lacks code %s",
                  brows[k].sid ? brows[k].sid : "books", b.code_names[brows[k].code]);
        cl_claim_reasons(&b, i, CL_LANG_ZH, got, sizeof got);
        CHECK_MSG(strstr(got, brows[k].zh) != NULL, "%s: \"%s\" lacks \"%s\"", b.code_names[brows[k].code],
                  got, brows[k].zh);
        if (brows[k].not_zh)
            CHECK_MSG(!strstr(got, brows[k].not_zh), "%s: \"%s\" shows \"%s\"",
                      b.code_names[brows[k].code], got, brows[k].not_zh);
        cl_claim_reasons(&b, i, CL_LANG_EN, got, sizeof got);
        CHECK_MSG(strstr(got, brows[k].en) != NULL, "%s: \"%s\" lacks \"%s\"", b.code_names[brows[k].code],
                  got, brows[k].en);
    }
    for (int c = 0; c < CL_C_BUILTIN_COUNT; c++)
        CHECK_MSG(covered[c], "built-in code %s has no test row", b.code_names[c]);
    /* a short buffer is cut at a character boundary */
    size_t i = claim_of(&b, "B12");
    char small[8];
    size_t len = cl_claim_reasons(&b, i, CL_LANG_ZH, small, sizeof small);
    CHECK(len == 6 && !strcmp(small, "税款"));
    /* the refused override on the superseded B18 names B19 and the ignored one */
    int refused = 0;
    for (size_t k = 0; k < b.noverrides; k++) {
        const cl_override *o = &b.overrides[k];
        if (!o->refused)
            continue;
        refused++;
        CHECK_EQ_STR(o->submission_id, "B18");
        CHECK_EQ_STR(o->refused, "NOT_OPERATIVE");
        CHECK_EQ_STR(cl_override_related(&b, k), "B19");
        cl_override_refusal(&b, k, CL_LANG_ZH, got, sizeof got);
        CHECK_MSG(strstr(got, "申报 B18 已被申报 B19 替代，审核决定应针对 B19") &&
                      strstr(got, "同一申报另有 1 条较早的决定（首条在第 4 行）"),
                  "%s", got);
        cl_override_refusal(&b, k, CL_LANG_EN, got, sizeof got);
        CHECK_MSG(strstr(got, "submission B18 was superseded by B19: decide B19 instead") &&
                      strstr(got, "1 earlier decision(s) for the same submission (first on line 4)"),
                  "%s", got);
    }
    CHECK_EQ_INT(refused, 1);
    free_batch(&b);
}

/* ---- placeholders are checked when the rules compile ------------------ */

static void test_placeholder_errors(void)
{
    static const struct { const char *msg, *want; } cases[] = {
        {"证件号码 {id_numbr} 错误", "unknown field 'id_numbr' in message placeholder"},
        {"证件号码 {id_number 错误", "placeholder '{' not closed by '}'"},
        {"空的 {} 占位", "placeholder '{' not closed by '}'"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char text[512];
        snprintf(text, sizeof text,
                 "rule r\n  pass fields\n  require present(name)\n  then NEEDS_CORRECTION X_Y\n"
                 "  zh \"%s\"\n  en \"fine {{literal}} {name}\"\nend\n", cases[k].msg);
        write_file("p.rules", text);
        cl_ruleset *rs = NULL;
        cl_diag d = {0};
        CHECK_EQ_INT(cl_ruleset_load(path_of("p.rules"), cl_claim_rule_schema(), NULL, &rs, &d),
                     CL_ERR_RULES);
        CHECK_MSG(strstr(d.msg, cases[k].want) && strstr(d.msg, "p.rules:5:6:"), "%s", d.msg);
        cl_ruleset_free(rs);
    }
    /* braces escaped, a good placeholder: compiles, renders */
    write_file("p.rules", "rule r\n  pass fields\n  require present(name)\n"
                          "  then NEEDS_CORRECTION X_Y\n  zh \"名称 {name} {{x}}\"\n"
                          "  en \"name {name}\"\nend\n");
    cl_ruleset *rs = NULL;
    cl_diag d = {0};
    CHECK_MSG(cl_ruleset_load(path_of("p.rules"), cl_claim_rule_schema(), NULL, &rs, &d) == CL_OK,
              "%s", d.msg);
    cl_ruleset_free(rs);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 3;
    test_placeholder_errors();
    test_rules_and_builtins();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return cl_test_summary("test_reasons");
}
