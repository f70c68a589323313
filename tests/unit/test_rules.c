/* test_rules.c - the rule language on the engine's schema (its field
 * names, types, passes and statuses) over a plain array of values: every operator and predicate,
 * regex flags, list files, when/require, pass filtering, the active mask,
 * determinism across thread counts, every compile error with its exact
 * file:line:col text, the check report with carets, the digest, and
 * rules/default.rules against a table of hand-made records. */
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cl_time.h"
#include "engine/cl_claim_schema.h"
#include "rules/cl_rules.h"
#include "tests/cl_test.h"

/* ---- test records: one cl_value per field of the engine's schema ---- */

enum { NF = CL_F_COUNT };

typedef struct rec {
    cl_value v[NF];
} rec;

static void get(const void *data, size_t row, int field, cl_value *out)
{
    *out = ((const rec *)data)[row].v[field];
}

static cl_rule_schema schema;   /* the engine's, with the getter above (set in main) */

static cl_rule_const consts[2];
static cl_rule_env env;

static void setup_env(void)
{
    consts[0] = (cl_rule_const){"acceptance_date", CL_VT_TIME,
                                {CL_V_OK, NULL, 0, cl_time_make(2018, 3, 27, 0, 0, 0)}};
    consts[1] = (cl_rule_const){"declaration_deadline", CL_VT_TIME,
                                {CL_V_OK, NULL, 0, cl_time_make(2018, 6, 27, 23, 59, 59)}};
    env = (cl_rule_env){consts, 2, cl_days_from_civil(2018, 3, 27)};
}

/* value setters */
static void T(rec *r, int f, const char *s)
{
    r->v[f] = (cl_value){*s ? CL_V_OK : CL_V_EMPTY, s, strlen(s), 0};
}
static void I(rec *r, int f, int64_t i)
{
    r->v[f] = (cl_value){CL_V_OK, NULL, 0, i};
}
static void BAD(rec *r, int f, const char *raw)
{
    r->v[f] = (cl_value){CL_V_INVALID, raw, strlen(raw), 0};
}
static void EMPTY(rec *r, int f)
{
    r->v[f] = (cl_value){CL_V_EMPTY, "", 0, 0};
}

/* A valid individual deposit claim. */
static rec base(void)
{
    rec r;
    for (int f = 0; f < NF; f++)
        EMPTY(&r, f);
    T(&r, CL_F_SUBMISSION_ID, "SB1");
    I(&r, CL_F_SUBMITTED_AT, cl_time_make(2018, 4, 3, 9, 0, 51));
    T(&r, CL_F_CREDITOR_KIND, "individual");
    T(&r, CL_F_NAME, "黄坤英");
    T(&r, CL_F_ID_TYPE, "PRC_ID");
    T(&r, CL_F_ID_NUMBER, "440106197803124515");
    T(&r, CL_F_PHONE, "18128145680");
    T(&r, CL_F_CATEGORY, "deposit");
    I(&r, CL_F_PRINCIPAL, 9900);
    I(&r, CL_F_INTEREST, 0);
    I(&r, CL_F_OTHER_AMOUNT, 0);
    I(&r, CL_F_DECLARED_TOTAL, 9900);
    I(&r, CL_F_SECURED, 0);
    T(&r, CL_F_BANK_ACCOUNT, "6217695617414728");
    I(&r, CL_F_EVIDENCE_COUNT, 2);
    T(&r, CL_F_BOOK_NAME, "黄坤英");
    I(&r, CL_F_OWED, 9900);
    I(&r, CL_F_LATE, 0);
    return r;
}

/* ---- files ---- */

static char tmpdir[256];

static const char *write_file(const char *name, const char *text)
{
    static char path[8][512];
    static int k;
    char *p = path[k++ % 8];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "wb");
    if (!f)
        return p;
    fputs(text, f);
    fclose(f);
    return p;
}

static char *rule_text(const char *pass, const char *when, const char *require)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "rule t\npass %s\n%s%s%srequire %s\nthen FLAG C\nzh \"z\"\nen \"e\"\nend\n", pass,
             when ? "when " : "", when ? when : "", when ? "\n" : "", require);
    return buf;
}

/* 1 when the one-rule file fires on r, 0 when not, -1 when it does not load. */
static int fires_in(const char *pass, const char *when, const char *require, const rec *r,
                    int eval_pass)
{
    const char *path = write_file("one.rules", rule_text(pass, when, require));
    cl_ruleset *rs = NULL;
    cl_diag d = {0};
    if (cl_ruleset_load(path, &schema, &env, &rs, &d) != CL_OK) {
        fprintf(stderr, "load failed: %s\n", d.msg);
        return -1;
    }
    uint64_t hits = 0;
    cl_err rc = cl_ruleset_eval(rs, eval_pass, r, 1, NULL, &hits, 1, &d);
    cl_ruleset_free(rs);
    return rc == CL_OK ? (int)(hits & 1) : -1;
}

static int fires_when(const char *when, const char *require, const rec *r)
{
    return fires_in("fields", when, require, r, 0);
}

/* A require-only rule fires when the expression is false: holds() says
 * whether the expression is true on r. */
static int holds(const char *expr, const rec *r)
{
    int f = fires_when(NULL, expr, r);
    return f < 0 ? -1 : !f;
}

/* ---- constructs ---- */

static void test_comparisons(void)
{
    rec r = base();
    /* text */
    CHECK_EQ_INT(holds("name == \"黄坤英\"", &r), 1);
    CHECK_EQ_INT(holds("name != \"黄坤英\"", &r), 0);
    CHECK_EQ_INT(holds("category < \"e\"", &r), 1);
    CHECK_EQ_INT(holds("category > \"e\"", &r), 0);
    CHECK_EQ_INT(holds("category >= \"deposit\"", &r), 1);
    CHECK_EQ_INT(holds("category <= \"deposiT\"", &r), 0);
    /* money: exact yuan literals */
    CHECK_EQ_INT(holds("principal == 99", &r), 1);
    CHECK_EQ_INT(holds("principal == 99.00", &r), 1);
    CHECK_EQ_INT(holds("principal == 99.0", &r), 1);
    CHECK_EQ_INT(holds("principal < 99.01", &r), 1);
    CHECK_EQ_INT(holds("principal <= 98.99", &r), 0);
    CHECK_EQ_INT(holds("principal > 98.99", &r), 1);
    CHECK_EQ_INT(holds("principal >= 99.01", &r), 0);
    CHECK_EQ_INT(holds("principal != 99", &r), 0);
    I(&r, CL_F_PRINCIPAL, 29901);
    CHECK_EQ_INT(holds("principal > 299.00", &r), 1);
    CHECK_EQ_INT(holds("principal > 299.01", &r), 0);
    CHECK_EQ_INT(holds("299.00 < principal", &r), 1);   /* literal on the left: mirrored */
    CHECK_EQ_INT(holds("299.02 <= principal", &r), 0);
    I(&r, CL_F_PRINCIPAL, 100000000000LL * 100);
    CHECK_EQ_INT(holds("principal == 100000000000.00", &r), 1);
    /* int */
    CHECK_EQ_INT(holds("evidence_count == 2", &r), 1);
    CHECK_EQ_INT(holds("evidence_count > 2", &r), 0);
    CHECK_EQ_INT(holds("evidence_count >= -1", &r), 1);
    /* time: literals and constants */
    CHECK_EQ_INT(holds("submitted_at > \"2018-04-03\"", &r), 1);
    CHECK_EQ_INT(holds("submitted_at == \"2018-04-03 09:00:51\"", &r), 1);
    CHECK_EQ_INT(holds("submitted_at < \"2018-04-03 09:00\"", &r), 0);
    CHECK_EQ_INT(holds("submitted_at <= declaration_deadline", &r), 1);
    CHECK_EQ_INT(holds("submitted_at < acceptance_date", &r), 0);
    CHECK_EQ_INT(holds("acceptance_date < submitted_at", &r), 1);
    I(&r, CL_F_SUBMITTED_AT, cl_time_make(2018, 6, 27, 23, 59, 59));
    CHECK_EQ_INT(holds("submitted_at > declaration_deadline", &r), 0);
    I(&r, CL_F_SUBMITTED_AT, cl_time_make(2018, 6, 28, 0, 0, 0));
    CHECK_EQ_INT(holds("submitted_at > declaration_deadline", &r), 1);
    CHECK_EQ_INT(holds("declaration_deadline < \"2018-06-28\"", &r), 1);
    /* bool: literals and a bare bool field */
    CHECK_EQ_INT(holds("secured == false", &r), 1);
    CHECK_EQ_INT(holds("secured", &r), 0);
    CHECK_EQ_INT(holds("not secured", &r), 1);
    CHECK_EQ_INT(holds("true", &r), 1);
    CHECK_EQ_INT(holds("false", &r), 0);
    I(&r, CL_F_SECURED, 1);
    CHECK_EQ_INT(holds("secured == true and secured", &r), 1);
    /* field vs field */
    CHECK_EQ_INT(holds("principal == declared_total", &r), 0);
    I(&r, CL_F_DECLARED_TOTAL, r.v[CL_F_PRINCIPAL].i);
    CHECK_EQ_INT(holds("principal == declared_total", &r), 1);
    CHECK_EQ_INT(fires_in("matched", NULL, "book_name == name", &r, 1), 0);
    T(&r, CL_F_BOOK_NAME, "黄坤");
    CHECK_EQ_INT(fires_in("matched", NULL, "book_name == name", &r, 1), 1);
    CHECK_EQ_INT(fires_in("matched", NULL, "name > book_name", &r, 1), 0);   /* longer > prefix */
}

static void test_states(void)
{
    /* comparisons on a field that is not OK are false, == and != alike */
    rec r = base();
    BAD(&r, CL_F_CATEGORY, "押金x");
    CHECK_EQ_INT(holds("category == \"押金x\"", &r), 0);
    CHECK_EQ_INT(holds("category != \"deposit\"", &r), 0);
    CHECK_EQ_INT(holds("category =~ /x/", &r), 0);
    CHECK_EQ_INT(holds("category !~ /x/", &r), 0);
    CHECK_EQ_INT(holds("category in (\"押金x\")", &r), 0);
    CHECK_EQ_INT(holds("category not in (\"deposit\")", &r), 0);
    CHECK_EQ_INT(holds("not (category == \"deposit\")", &r), 1);
    EMPTY(&r, CL_F_PRINCIPAL);
    CHECK_EQ_INT(holds("principal == 0", &r), 0);
    CHECK_EQ_INT(holds("principal != 0", &r), 0);
    I(&r, CL_F_PRINCIPAL, 100);
    CHECK_EQ_INT(holds("principal == declared_total", &r), 0);
    EMPTY(&r, CL_F_DECLARED_TOTAL);   /* right-hand field not OK */
    CHECK_EQ_INT(holds("principal != declared_total", &r), 0);
    BAD(&r, CL_F_SECURED, "maybe");
    CHECK_EQ_INT(holds("secured", &r), 0);
    CHECK_EQ_INT(holds("not secured", &r), 1);
}

static void test_logic(void)
{
    rec r = base();
    CHECK_EQ_INT(holds("true and false", &r), 0);
    CHECK_EQ_INT(holds("true or false", &r), 1);
    CHECK_EQ_INT(holds("not true or true", &r), 1);
    CHECK_EQ_INT(holds("not (true or true)", &r), 0);
    /* and binds tighter than or */
    CHECK_EQ_INT(holds("true or false and false", &r), 1);
    CHECK_EQ_INT(holds("(true or false) and false", &r), 0);
    CHECK_EQ_INT(holds("not not true", &r), 1);
    CHECK_EQ_INT(holds("category == \"deposit\" and (principal > 98 or name == \"x\")", &r), 1);
    /* when / require: fires iff the condition holds and the check fails */
    CHECK_EQ_INT(fires_when("true", "false", &r), 1);
    CHECK_EQ_INT(fires_when("true", "true", &r), 0);
    CHECK_EQ_INT(fires_when("false", "false", &r), 0);
    CHECK_EQ_INT(fires_when("false", "true", &r), 0);
    CHECK_EQ_INT(fires_when("category == \"deposit\"", "principal <= 299.00", &r), 0);
    I(&r, CL_F_PRINCIPAL, 30000);
    CHECK_EQ_INT(fires_when("category == \"deposit\"", "principal <= 299.00", &r), 1);
    T(&r, CL_F_CATEGORY, "supplier");
    CHECK_EQ_INT(fires_when("category == \"deposit\"", "principal <= 299.00", &r), 0);
}

static void test_regex(void)
{
    rec r = base();
    T(&r, CL_F_NOTE, "Line one\nline TWO");
    CHECK_EQ_INT(holds("phone =~ /^1[3-9][0-9]{9}$/", &r), 1);
    CHECK_EQ_INT(holds("phone !~ /^1[3-9][0-9]{9}$/", &r), 0);
    T(&r, CL_F_PHONE, "1380013800O");
    CHECK_EQ_INT(holds("phone =~ /^1[3-9][0-9]{9}$/", &r), 0);
    CHECK_EQ_INT(holds("phone !~ /^1[3-9][0-9]{9}$/", &r), 1);
    /* flags */
    CHECK_EQ_INT(holds("note =~ /line two/", &r), 0);
    CHECK_EQ_INT(holds("note =~ /line two/i", &r), 1);
    CHECK_EQ_INT(holds("note =~ /^line/", &r), 0);
    CHECK_EQ_INT(holds("note =~ /^line/m", &r), 1);
    CHECK_EQ_INT(holds("note =~ /one.line/", &r), 0);
    CHECK_EQ_INT(holds("note =~ /one.line/s", &r), 1);
    CHECK_EQ_INT(holds("note =~ /L ine \\s one/x", &r), 1);
    CHECK_EQ_INT(holds("note =~ /L ine/", &r), 0);
    CHECK_EQ_INT(holds("note =~ /LINE ONE/im", &r), 1);
    /* UTF and Unicode properties: a code point is one character */
    CHECK_EQ_INT(holds("name =~ /^\\p{Han}{3}$/", &r), 1);
    CHECK_EQ_INT(holds("name =~ /^...$/", &r), 1);
    T(&r, CL_F_NAME, "张三3");
    CHECK_EQ_INT(holds("name =~ /\\p{N}/", &r), 1);
    T(&r, CL_F_NAME, "张三");
    CHECK_EQ_INT(holds("name =~ /\\p{N}/", &r), 0);
    T(&r, CL_F_NAME, "a/b");
    CHECK_EQ_INT(holds("name =~ /a\\/b/", &r), 1);   /* an escaped slash */
    /* an empty field never matches, nor does !~ hold on it */
    EMPTY(&r, CL_F_PHONE);
    CHECK_EQ_INT(holds("phone =~ /^$/", &r), 0);
    CHECK_EQ_INT(holds("phone !~ /x/", &r), 0);
}

static void test_lists(void)
{
    rec r = base();
    CHECK_EQ_INT(holds("category in (\"deposit\", \"balance\")", &r), 1);
    CHECK_EQ_INT(holds("category in (\"tax\")", &r), 0);
    CHECK_EQ_INT(holds("category not in (\"tax\", \"other\")", &r), 1);
    CHECK_EQ_INT(holds("category not in (\"deposit\")", &r), 0);
    CHECK_EQ_INT(holds("principal in (1, 99.00, 299)", &r), 1);
    CHECK_EQ_INT(holds("evidence_count in (0, 1)", &r), 0);
    write_file("ids.txt", "# related parties\n\n  440106197803124515  \r\n"
                          "# 110105199001010029\n91440101MA59ABCD1D\n");
    CHECK_EQ_INT(holds("id_number in \"ids.txt\"", &r), 1);
    CHECK_EQ_INT(holds("id_number not in \"ids.txt\"", &r), 0);
    T(&r, CL_F_ID_NUMBER, "110105199001010029");   /* commented out */
    CHECK_EQ_INT(holds("id_number in \"ids.txt\"", &r), 0);
    T(&r, CL_F_ID_NUMBER, "# related parties");
    CHECK_EQ_INT(holds("id_number in \"ids.txt\"", &r), 0);
    T(&r, CL_F_ID_NUMBER, "91440101MA59ABCD1D");
    CHECK_EQ_INT(holds("id_number in \"ids.txt\"", &r), 1);
    EMPTY(&r, CL_F_ID_NUMBER);
    CHECK_EQ_INT(holds("id_number in \"ids.txt\"", &r), 0);
    CHECK_EQ_INT(holds("id_number not in \"ids.txt\"", &r), 0);
    /* a list file in a subdirectory, relative to the rule file */
    char sub[512];
    snprintf(sub, sizeof sub, "%s/lists", tmpdir);
    mkdir(sub, 0700);
    write_file("lists/banks.txt", "6217695617414728\n");
    CHECK_EQ_INT(holds("bank_account in \"lists/banks.txt\"", &r), 1);
}

static void test_predicates(void)
{
    rec r = base();
    CHECK_EQ_INT(holds("empty(note)", &r), 1);
    CHECK_EQ_INT(holds("empty(name)", &r), 0);
    CHECK_EQ_INT(holds("present(name)", &r), 1);
    CHECK_EQ_INT(holds("present(note)", &r), 0);
    CHECK_EQ_INT(holds("valid(note)", &r), 1);
    r.v[CL_F_NOTE] = (cl_value){CL_V_OK, "", 0, 0};   /* OK but zero length */
    CHECK_EQ_INT(holds("empty(note)", &r), 1);
    CHECK_EQ_INT(holds("present(note)", &r), 0);
    BAD(&r, CL_F_CATEGORY, "???");
    CHECK_EQ_INT(holds("valid(category)", &r), 0);
    CHECK_EQ_INT(holds("empty(category)", &r), 0);
    CHECK_EQ_INT(holds("present(category)", &r), 0);
    I(&r, CL_F_PRINCIPAL, 0);
    CHECK_EQ_INT(holds("present(principal) and valid(principal)", &r), 1);
    CHECK_EQ_INT(holds("prc_id(id_number)", &r), 1);
    T(&r, CL_F_ID_NUMBER, "440106197803124516");
    CHECK_EQ_INT(holds("prc_id(id_number)", &r), 0);
    /* the birth date bound comes from env.max_birth_day (acceptance date) */
    T(&r, CL_F_ID_NUMBER, "440106201901011230");
    CHECK_EQ_INT(holds("prc_id(id_number)", &r), 0);
    int64_t saved = env.max_birth_day;
    env.max_birth_day = INT64_MAX;
    CHECK_EQ_INT(holds("prc_id(id_number)", &r), 1);
    env.max_birth_day = saved;
    T(&r, CL_F_ID_NUMBER, "91440101MA59ABCD1D");
    CHECK_EQ_INT(holds("uscc(id_number)", &r), 1);
    CHECK_EQ_INT(holds("prc_id(id_number)", &r), 0);
    T(&r, CL_F_ID_NUMBER, "91440101MA59ABCD1E");
    CHECK_EQ_INT(holds("uscc(id_number)", &r), 0);
    T(&r, CL_F_BANK_ACCOUNT, "4111111111111111");
    CHECK_EQ_INT(holds("luhn(bank_account)", &r), 1);
    T(&r, CL_F_BANK_ACCOUNT, "4111111111111112");
    CHECK_EQ_INT(holds("luhn(bank_account)", &r), 0);
    EMPTY(&r, CL_F_BANK_ACCOUNT);
    CHECK_EQ_INT(holds("luhn(bank_account)", &r), 0);
}

static cl_ruleset *load_text(const char *name, const char *text)
{
    cl_ruleset *rs = NULL;
    cl_diag d = {0};
    if (cl_ruleset_load(write_file(name, text), &schema, &env, &rs, &d) != CL_OK)
        fprintf(stderr, "load failed: %s\n", d.msg);
    return rs;
}

static const char three_rules[] =
    "# a comment\n"
    "rule a\n  pass fields\n  require present(name)\n  then NEEDS_CORRECTION NAME_MISSING\n"
    "  zh \"债权人名称缺失\"\n  en \"Creditor name is missing\"\nend\n"
    "rule b\n  pass matched\n  require phone =~ /^1[3-9][0-9]{9}$/\n  then FLAG PHONE_INVALID\n"
    "  zh \"手机号码无效\"\n  en \"Phone invalid\"\nend\n"
    "rule c\n  en \"Deposit too big\"\n  zh \"押金过大\"\n  then PENDING_REVIEW SUSPICIOUS_AMOUNT\n"
    "  require principal <= 299.00\n  when category == \"deposit\"\n  pass fields\nend\n";

static void test_passes_and_mask(void)
{
    cl_ruleset *rs = load_text("three.rules", three_rules);
    CHECK(rs != NULL);
    if (!rs)
        return;
    CHECK_EQ_INT(cl_ruleset_count(rs), 3);
    CHECK_EQ_INT(cl_ruleset_words(rs), 1);
    const cl_rule_info *b = cl_ruleset_rule(rs, 1);
    CHECK_EQ_STR(b->id, "b");
    CHECK_EQ_INT(b->pass, 1);
    CHECK_EQ_INT(b->status, 3);
    CHECK_EQ_STR(b->code, "PHONE_INVALID");
    CHECK_EQ_STR(b->msg_zh, "手机号码无效");
    CHECK_EQ_STR(b->msg_en, "Phone invalid");
    CHECK_EQ_INT(b->line, 9);
    const cl_rule_info *c = cl_ruleset_rule(rs, 2);
    CHECK_EQ_INT(c->pass, 0);   /* clauses in any order */
    CHECK_EQ_INT(c->status, 1);
    CHECK(cl_ruleset_rule(rs, 3) == NULL);

    rec r[4];
    for (int k = 0; k < 4; k++)
        r[k] = base();
    EMPTY(&r[0], CL_F_NAME);            /* a */
    T(&r[1], CL_F_PHONE, "123");        /* b */
    I(&r[2], CL_F_PRINCIPAL, 29901);    /* c */
    EMPTY(&r[3], CL_F_NAME);            /* a, but inactive */
    T(&r[3], CL_F_PHONE, "x");
    uint64_t hits[4] = {0};
    unsigned char active[4] = {1, 1, 1, 0};
    cl_diag d = {0};
    CHECK_EQ_INT(cl_ruleset_eval(rs, 0, r, 4, active, hits, 2, &d), CL_OK);
    CHECK_EQ_INT(hits[0], 1);
    CHECK_EQ_INT(hits[1], 0);        /* pass matched not run yet */
    CHECK_EQ_INT(hits[2], 4);
    CHECK_EQ_INT(hits[3], 0);
    CHECK_EQ_INT(cl_ruleset_eval(rs, 1, r, 4, active, hits, 2, &d), CL_OK);
    CHECK_EQ_INT(hits[0], 1);        /* ORed, earlier bits kept */
    CHECK_EQ_INT(hits[1], 2);
    CHECK_EQ_INT(hits[2], 4);
    CHECK_EQ_INT(hits[3], 0);
    memset(hits, 0, sizeof hits);
    CHECK_EQ_INT(cl_ruleset_eval(rs, 1, r, 4, NULL, hits, 0, &d), CL_OK);
    CHECK_EQ_INT(hits[3], 2);        /* NULL mask: every row */
    CHECK_EQ_INT(hits[0], 0);
    CHECK(cl_ruleset_eval(rs, 2, r, 4, NULL, hits, 1, &d) != CL_OK);
    cl_ruleset_free(rs);
}

/* 70 rules: bits beyond the first word land in the second. */
static void test_many_rules(void)
{
    size_t cap = 70 * 160 + 1, used = 0;
    char *text = malloc(cap);
    for (int k = 0; k < 70; k++)
        used += (size_t)snprintf(text + used, cap - used,
                                 "rule r%d pass fields require evidence_count != %d "
                                 "then FLAG C%d zh \"z\" en \"e\" end\n", k, k, k);
    cl_ruleset *rs = load_text("many.rules", text);
    free(text);
    CHECK(rs != NULL);
    if (!rs)
        return;
    CHECK_EQ_INT(cl_ruleset_words(rs), 2);
    rec r[2] = {base(), base()};
    I(&r[0], CL_F_EVIDENCE_COUNT, 3);
    I(&r[1], CL_F_EVIDENCE_COUNT, 66);
    uint64_t hits[4] = {0};
    cl_diag d = {0};
    CHECK_EQ_INT(cl_ruleset_eval(rs, 0, r, 2, NULL, hits, 2, &d), CL_OK);
    CHECK_EQ_INT(hits[0], UINT64_C(1) << 3);
    CHECK_EQ_INT(hits[1], 0);
    CHECK_EQ_INT(hits[2], 0);
    CHECK_EQ_INT(hits[3], UINT64_C(1) << 2);
    cl_ruleset_free(rs);
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

static void test_determinism(void)
{
    enum { N = 100000 };
    static const char *const cats[] = {"deposit", "balance", "supplier", "tax", "??"};
    static char phones[N][12];
    rec *r = malloc(N * sizeof *r);
    uint64_t s = 42;
    size_t expect_c = 0;
    for (size_t k = 0; k < N; k++) {
        r[k] = base();
        int cat = (int)(lcg(&s) % 5);
        if (cat == 4)
            BAD(&r[k], CL_F_CATEGORY, cats[cat]);
        else
            T(&r[k], CL_F_CATEGORY, cats[cat]);
        I(&r[k], CL_F_PRINCIPAL, (int64_t)(lcg(&s) % 60000));
        snprintf(phones[k], sizeof phones[k], "1%010llu", (unsigned long long)(lcg(&s) % 10000000000ULL));
        T(&r[k], CL_F_PHONE, phones[k]);
        if (lcg(&s) % 7 == 0)
            EMPTY(&r[k], CL_F_NAME);
        expect_c += cat == 0 && r[k].v[CL_F_PRINCIPAL].i > 29900;
    }
    cl_ruleset *rs = load_text("three.rules", three_rules);
    uint64_t *h1 = calloc(N, sizeof *h1), *h2 = calloc(N, sizeof *h2);
    cl_diag d = {0};
    for (int p = 0; p < 2 && rs; p++) {
        CHECK_EQ_INT(cl_ruleset_eval(rs, p, r, N, NULL, h1, 1, &d), CL_OK);
        CHECK_EQ_INT(cl_ruleset_eval(rs, p, r, N, NULL, h2, 2, &d), CL_OK);
    }
    CHECK(memcmp(h1, h2, N * sizeof *h1) == 0);
    size_t got_c = 0, got_b = 0, expect_b = 0;
    for (size_t k = 0; k < N; k++) {
        got_c += (h1[k] >> 2) & 1;
        got_b += (h1[k] >> 1) & 1;
        expect_b += !(phones[k][1] >= '3' && phones[k][1] <= '9');
    }
    CHECK_EQ_INT(got_c, expect_c);
    CHECK_EQ_INT(got_b, expect_b);
    CHECK(expect_c > 1000 && expect_b > 1000);
    cl_ruleset_free(rs);
    free(h1);
    free(h2);
    free(r);
}

/* ---- errors ---- */

/* The first error of a rule file, without the "dir/" prefix of its path. */
static const char *load_error(const char *text)
{
    static char msg[2200];
    const char *path = write_file("err.rules", text);
    cl_ruleset *rs = NULL;
    cl_diag d = {0};
    cl_err rc = cl_ruleset_load(path, &schema, &env, &rs, &d);
    cl_ruleset_free(rs);
    if (rc == CL_OK)
        return "(loaded)";
    size_t dl = strlen(tmpdir);
    snprintf(msg, sizeof msg, "%s%s", rc == CL_ERR_RULES ? "" : "(not CL_ERR_RULES) ",
             !strncmp(d.msg, tmpdir, dl) ? d.msg + dl + 1 : d.msg);
    return msg;
}

static const char *req_error(const char *expr)
{
    return load_error(rule_text("fields", NULL, expr));
}

static void test_errors(void)
{
    CHECK_EQ_STR(req_error("nme == \"a\""), "err.rules:3:9: unknown field 'nme'");
    CHECK_EQ_STR(req_error("owed > 0"),
                 "err.rules:3:9: field 'owed' is not available in pass 'fields' "
                 "(first in pass 'matched')");
    CHECK_EQ_STR(req_error("principal =~ /1/"),
                 "err.rules:3:9: a regex match needs a text field; 'principal' is money");
    CHECK_EQ_STR(req_error("principal == \"299\""),
                 "err.rules:3:22: cannot compare money field 'principal' with a string");
    CHECK_EQ_STR(req_error("name == 299"),
                 "err.rules:3:17: cannot compare text field 'name' with a number");
    CHECK_EQ_STR(req_error("name == principal"),
                 "err.rules:3:17: cannot compare text field 'name' with money field 'principal'");
    CHECK_EQ_STR(req_error("submitted_at < interest"),
                 "err.rules:3:24: cannot compare time field 'submitted_at' with money field "
                 "'interest'");
    CHECK_EQ_STR(req_error("principal > 1.234"),
                 "err.rules:3:21: invalid money amount 1.234 (at most two decimals)");
    CHECK_EQ_STR(req_error("principal > 99999999999999999999"),
                 "err.rules:3:21: invalid money amount 99999999999999999999 (out of range)");
    CHECK_EQ_STR(req_error("evidence_count > 1.5"), "err.rules:3:26: invalid integer 1.5");
    CHECK_EQ_STR(req_error("submitted_at < \"2018-02-30\""),
                 "err.rules:3:24: invalid time \"2018-02-30\" (expected \"YYYY-MM-DD\" or "
                 "\"YYYY-MM-DD HH:MM:SS\")");
    CHECK_EQ_STR(req_error("secured < true"),
                 "err.rules:3:17: '<' is not defined for bool field 'secured'");
    CHECK_EQ_STR(req_error("name =~ /ab(c/"),
                 "err.rules:3:22: invalid regex: missing closing parenthesis");
    CHECK_EQ_STR(req_error("name =~ /a{2,1}/"),
                 "err.rules:3:23: invalid regex: numbers out of order in {} quantifier");
    CHECK_EQ_STR(req_error("name =~ /张三(/"),
                 "err.rules:3:21: invalid regex: missing closing parenthesis");
    CHECK_EQ_STR(req_error("name =~ /a/iq"),
                 "err.rules:3:21: unknown regex flag 'q' (allowed: i, x, s, m)");
    CHECK_EQ_STR(req_error("name in \"nope.txt\""),
                 "err.rules:3:17: cannot read list file 'nope.txt': No such file or directory");
    CHECK_EQ_STR(req_error("principal in \"ids.txt\""),
                 "err.rules:3:9: a list file holds text; 'principal' is money");
    CHECK_EQ_STR(req_error("foo(name)"),
                 "err.rules:3:9: unknown predicate 'foo' (known: empty, valid, present, "
                 "prc_id, uscc, luhn)");
    CHECK_EQ_STR(req_error("uscc(principal)"),
                 "err.rules:3:14: uscc() needs a text field; 'principal' is money");
    CHECK_EQ_STR(req_error("name =="), "err.rules:4:1: expected a field or a value, found 'then'");
    CHECK_EQ_STR(req_error("name"),
                 "err.rules:4:1: expected a comparison, '=~', '!~' or 'in' after the operand, "
                 "found 'then'");
    CHECK_EQ_STR(req_error("(name == \"a\""), "err.rules:4:1: expected ')', found 'then'");
    CHECK_EQ_STR(req_error("name = \"a\""),
                 "err.rules:3:14: unexpected '=' (use '==' to compare)");
    CHECK_EQ_STR(req_error("name == \"a"), "err.rules:3:17: unterminated string");
    CHECK_EQ_STR(req_error("\"a\" == \"b\""),
                 "err.rules:3:9: a comparison needs a field or a constant");
    CHECK_EQ_STR(load_error("rule t\npass fields\nrequire true\nthen OK C\nzh \"z\"\nen \"e\"\nend\n"),
                 "err.rules:4:6: unknown status 'OK' (expected one of NEEDS_CORRECTION, "
                 "PENDING_REVIEW, REJECTED, FLAG)");
    CHECK_EQ_STR(load_error("rule t\npass fields\nrequire true\nthen FLAG bad_code\nzh \"z\"\n"
                            "en \"e\"\nend\n"),
                 "err.rules:4:11: reason code 'bad_code' must be UPPER_SNAKE_CASE");
    CHECK_EQ_STR(load_error("rule t\npass fieldz\nrequire true\nthen FLAG C\nzh \"z\"\n"
                            "en \"e\"\nend\n"),
                 "err.rules:2:6: unknown pass 'fieldz' (expected one of fields, matched)");
    CHECK_EQ_STR(load_error("rule t\npass fields\nrequire true\nzh \"z\"\nen \"e\"\nend\n"),
                 "err.rules:1:6: rule 't' has no 'then' clause");
    CHECK_EQ_STR(load_error("rule t\npass fields\nthen FLAG C\nzh \"z\"\nen \"e\"\nend\n"),
                 "err.rules:1:6: rule 't' has no 'require' clause");
    CHECK_EQ_STR(load_error("rule t\nrequire true\nthen FLAG C\nzh \"z\"\nen \"e\"\nend\n"),
                 "err.rules:1:6: rule 't' has no 'pass' clause");
    CHECK_EQ_STR(load_error("rule t\npass fields\nrequire true\nthen FLAG C\nen \"e\"\nend\n"),
                 "err.rules:1:6: rule 't' has no 'zh' clause");
    CHECK_EQ_STR(load_error("rule t\npass fields\nrequire true\nthen FLAG C\nzh \"z\"\nend\n"),
                 "err.rules:1:6: rule 't' has no 'en' clause");
    CHECK_EQ_STR(load_error("rule t\npass fields\nrequire true\nthen FLAG C\nzh \"\"\nen \"e\"\nend\n"),
                 "err.rules:5:4: empty message");
    CHECK_EQ_STR(load_error("rule t\npass fields\nwhen true\nwhen false\nrequire true\n"
                            "then FLAG C\nzh \"z\"\nen \"e\"\nend\n"),
                 "err.rules:4:1: duplicate 'when' clause (first at line 3)");
    char dup[8192];   /* rule_text returns one static buffer: copy, then append */
    snprintf(dup, sizeof dup, "%s", rule_text("fields", NULL, "true"));
    strncat(dup, rule_text("matched", NULL, "true"), sizeof dup - strlen(dup) - 1);
    CHECK_EQ_STR(load_error(dup), "err.rules:8:6: duplicate rule id 't' (first at line 1)");
    CHECK_EQ_STR(load_error("rule t\npass fields\nrequire true\nthen FLAG C\nzh \"z\"\nen \"e\"\n"),
                 "err.rules:7:1: expected 'end' to close rule 't', found end of file");
    CHECK_EQ_STR(load_error("pass fields\n"), "err.rules:1:1: expected 'rule', found 'pass'");
    CHECK_EQ_STR(load_error("rule t\npass fields\nrequire true\nthen FLAG C\nzh \"z\"\n"
                            "en \"e\"\nnote \"x\"\nend\n"),
                 "err.rules:7:1: expected a clause (pass, when, require, then, zh, en) or 'end', "
                 "found 'note'");
    CHECK_EQ_STR(load_error("rule t\npass fields\nrequire true\nthen FLAG C\nzh \"z\" @\n"),
                 "err.rules:5:8: unexpected character '@'");
    CHECK_EQ_STR(load_error("rule 名称检查 pass fields\n"),
                 "err.rules:1:6: unexpected text '名称检查' (names are ASCII; text goes in quotes)");
    CHECK_EQ_STR(load_error("rule t pass fields require name == 张三\n"),
                 "err.rules:1:36: unexpected text '张三' (names are ASCII; text goes in quotes)");
    /* an empty file is a valid, empty rule set */
    CHECK_EQ_STR(load_error("# nothing yet\n"), "(loaded)");
    /* a missing rule file or a directory is bad input naming it (exit 1), not a
     * rule error and not an internal one */
    cl_ruleset *rs = NULL;
    cl_diag d = {0};
    CHECK_EQ_INT(cl_ruleset_load("/nonexistent/x.rules", &schema, &env, &rs, &d), CL_ERR_INPUT);
    CHECK_EQ_STR(d.msg, "/nonexistent/x.rules: cannot open: No such file or directory");
    CHECK(rs == NULL);
    CHECK_EQ_INT(cl_ruleset_load(tmpdir, &schema, &env, &rs, &d), CL_ERR_INPUT);
    CHECK(strstr(d.msg, "not a regular file (a directory)") != NULL);
    CHECK(rs == NULL);

    /* from memory: the same rule, the same error, named by the label */
    const char *text = rule_text("fields", NULL, "nme == \"a\"");
    cl_source m = cl_source_memory("request body", text, strlen(text));
    CHECK_EQ_INT(cl_ruleset_load_source(&m, &schema, &env, &rs, &d), CL_ERR_RULES);
    CHECK_EQ_STR(d.msg, "request body:3:9: unknown field 'nme'");
    CHECK(rs == NULL);
    text = rule_text("fields", NULL, "name == \"a\"");
    m = cl_source_memory("db:rules", text, strlen(text));
    CHECK_EQ_INT(cl_ruleset_load_source(&m, &schema, &env, &rs, &d), CL_OK);
    const char *path = write_file("same.rules", text);
    cl_ruleset *rp = NULL;
    CHECK_EQ_INT(cl_ruleset_load(path, &schema, &env, &rp, &d), CL_OK);
    CHECK(rs && rp && !strcmp(cl_ruleset_digest(rs), cl_ruleset_digest(rp)));
    cl_ruleset_free(rs);
    cl_ruleset_free(rp);
}

static void test_check_report(void)
{
    const char *text =
        "rule first\n"
        "  pass fields\n"
        "  require name ==\n"
        "  then FLAG C zh \"z\" en \"e\"\n"
        "end\n"
        "rule name-ok\n"
        "  pass fields\n"
        "  when name == \"张三\" and nme == \"x\"\n"
        "  require owed > 0\n"
        "  then FLAG C\n"
        "  zh \"债权人\" en \"e\"\n"
        "end\n"
        "rule re\n"
        "\tpass fields\n"
        "\trequire name =~ /(/\n"
        "\tthen FLAG C zh \"z\" en \"e\"\n"
        "end\n";
    const char *path = write_file("check.rules", text);
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    int errors = cl_ruleset_check(path, &schema, &env, f);
    fclose(f);
    CHECK_EQ_INT(errors, 4);
    char expect[4096];
    snprintf(expect, sizeof expect,
             "%s:4:3: error: expected a field or a value, found 'then'\n"
             "  then FLAG C zh \"z\" en \"e\"\n"
             "  ^\n"
             "%s:8:25: error: unknown field 'nme'\n"
             "  when name == \"张三\" and nme == \"x\"\n"
             "                          ^\n"
             "%s:9:11: error: field 'owed' is not available in pass 'fields' (first in pass "
             "'matched')\n"
             "  require owed > 0\n"
             "          ^\n"
             "%s:15:20: error: invalid regex: missing closing parenthesis\n"
             "\trequire name =~ /(/\n"
             "\t                  ^\n",
             path, path, path, path);
    CHECK_MSG(out && !strcmp(out, expect), "got:\n%s\nexpected:\n%s", out ? out : "", expect);
    free(out);
    /* a good file reports nothing */
    f = open_memstream(&out, &n);
    CHECK_EQ_INT(cl_ruleset_check(write_file("good.rules", three_rules), &schema, &env, f), 0);
    fclose(f);
    CHECK_EQ_INT(n, 0);
    free(out);
    /* a missing file is one error */
    f = open_memstream(&out, &n);
    CHECK_EQ_INT(cl_ruleset_check("/nonexistent/x.rules", &schema, &env, f), 1);
    fclose(f);
    CHECK_EQ_STR(out, "/nonexistent/x.rules: error: cannot open: No such file or directory\n");
    free(out);
}

/* ---- digest ---- */

static void sha256_hex(const char *a, const char *b, char hex[65])
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    EVP_DigestUpdate(c, a, strlen(a));
    EVP_DigestUpdate(c, b, strlen(b));
    EVP_DigestFinal_ex(c, md, &len);
    EVP_MD_CTX_free(c);
    for (int k = 0; k < 32; k++)
        sprintf(hex + 2 * k, "%02x", md[k]);
}

static void test_digest(void)
{
    const char *rules = rule_text("fields", NULL, "not (id_number in \"dig.txt\") and "
                                                  "not (name in \"dig.txt\")");
    char text[4096];
    snprintf(text, sizeof text, "%s", rules);
    write_file("dig.txt", "A\nB\n");
    cl_ruleset *rs1 = load_text("dig.rules", text);
    char expect[65];
    sha256_hex(text, "A\nB\n", expect);   /* one list file, read once */
    CHECK(rs1 && !strcmp(cl_ruleset_digest(rs1), expect));
    cl_ruleset *rs2 = load_text("dig.rules", text);
    CHECK(rs2 && !strcmp(cl_ruleset_digest(rs1), cl_ruleset_digest(rs2)));
    write_file("dig.txt", "A\nC\n");
    cl_ruleset *rs3 = load_text("dig.rules", text);
    CHECK(rs3 && strcmp(cl_ruleset_digest(rs1), cl_ruleset_digest(rs3)) != 0);
    sha256_hex(text, "A\nC\n", expect);
    CHECK(rs3 && !strcmp(cl_ruleset_digest(rs3), expect));
    CHECK(rs3 && strlen(cl_ruleset_digest(rs3)) == 64);
    cl_ruleset_free(rs1);
    cl_ruleset_free(rs2);
    cl_ruleset_free(rs3);
}

/* ---- rules/default.rules ---- */

typedef struct drow {
    const char *what;
    void (*mod)(rec *r);
    const char *codes;   /* sorted, ';'-joined */
} drow;

static void m_none(rec *r) { (void)r; }
static void m_name_empty(rec *r) { EMPTY(r, CL_F_NAME); }
static void m_idtype_unknown(rec *r) { BAD(r, CL_F_ID_TYPE, "驾驶证"); }
static void m_idtype_empty(rec *r) { EMPTY(r, CL_F_ID_TYPE); }
static void m_prc_checksum(rec *r) { T(r, CL_F_ID_NUMBER, "440106197803124516"); }
static void m_prc_future_birth(rec *r) { T(r, CL_F_ID_NUMBER, "440106201901011230"); }
static void m_prc_empty(rec *r) { EMPTY(r, CL_F_ID_NUMBER); }
static void m_prc_x(rec *r) { T(r, CL_F_ID_NUMBER, "11010519491231002X"); }
static void org(rec *r)
{
    T(r, CL_F_CREDITOR_KIND, "organization");
    T(r, CL_F_ID_TYPE, "USCC");
    T(r, CL_F_ID_NUMBER, "91440101MA59ABCD1D");
    T(r, CL_F_NAME, "广州某某贸易有限公司");
}
static void m_uscc_ok(rec *r) { org(r); }
static void m_uscc_bad(rec *r) { org(r); T(r, CL_F_ID_NUMBER, "91440101MA59ABCD1E"); }
static void m_uscc_individual(rec *r) { org(r); T(r, CL_F_CREDITOR_KIND, "individual"); }
static void m_prc_org(rec *r) { T(r, CL_F_CREDITOR_KIND, "organization"); }
static void m_passport_ok(rec *r) { T(r, CL_F_ID_TYPE, "PASSPORT"); T(r, CL_F_ID_NUMBER, "E12345678"); }
static void m_passport_bad(rec *r) { T(r, CL_F_ID_TYPE, "PASSPORT"); T(r, CL_F_ID_NUMBER, "E1234-5678"); }
static void m_hkmo_empty(rec *r) { T(r, CL_F_ID_TYPE, "HKMO_PERMIT"); EMPTY(r, CL_F_ID_NUMBER); }
static void m_tw_org(rec *r)
{
    T(r, CL_F_ID_TYPE, "TW_PERMIT");
    T(r, CL_F_ID_NUMBER, "01234567");
    T(r, CL_F_CREDITOR_KIND, "organization");
}
static void m_kind_unknown(rec *r) { BAD(r, CL_F_CREDITOR_KIND, "公司?"); }
static void m_kind_empty_type_unknown(rec *r)
{
    EMPTY(r, CL_F_CREDITOR_KIND);
    BAD(r, CL_F_ID_TYPE, "军官证");
}
static void m_principal_empty(rec *r) { EMPTY(r, CL_F_PRINCIPAL); }
static void m_principal_zero(rec *r) { I(r, CL_F_PRINCIPAL, 0); }
static void m_principal_signed(rec *r) { BAD(r, CL_F_PRINCIPAL, "+299"); }
static void m_interest_bad(rec *r) { BAD(r, CL_F_INTEREST, "12,34.00"); }
static void m_amounts_empty(rec *r) { EMPTY(r, CL_F_INTEREST); EMPTY(r, CL_F_OTHER_AMOUNT); }
static void m_other_bad(rec *r) { BAD(r, CL_F_OTHER_AMOUNT, "1.234"); }
static void m_category_bad(rec *r) { BAD(r, CL_F_CATEGORY, "押金2"); }
static void m_category_empty(rec *r) { EMPTY(r, CL_F_CATEGORY); }
static void m_time_bad(rec *r) { BAD(r, CL_F_SUBMITTED_AT, "2018-13-01"); }
static void m_time_empty(rec *r) { EMPTY(r, CL_F_SUBMITTED_AT); }
static void m_secured_bad(rec *r) { BAD(r, CL_F_SECURED, "maybe"); }
static void m_secured_yes(rec *r) { I(r, CL_F_SECURED, 1); }
static void m_evidence_bad(rec *r) { BAD(r, CL_F_EVIDENCE_COUNT, "-1"); }
static void m_phone_letter(rec *r) { T(r, CL_F_PHONE, "1380013800O"); }
static void m_phone_empty(rec *r) { EMPTY(r, CL_F_PHONE); }
static void m_phone_12(rec *r) { T(r, CL_F_PHONE, "12345678901"); }
static void m_all_bad(rec *r)
{
    EMPTY(r, CL_F_NAME);
    BAD(r, CL_F_ID_TYPE, "x");
    BAD(r, CL_F_CREDITOR_KIND, "y");
    I(r, CL_F_PRINCIPAL, 0);
    BAD(r, CL_F_OTHER_AMOUNT, "z");
    EMPTY(r, CL_F_CATEGORY);
    BAD(r, CL_F_SUBMITTED_AT, "now");
    BAD(r, CL_F_EVIDENCE_COUNT, "some");
    T(r, CL_F_PHONE, "110");
}

static const drow default_table[] = {
    {"valid individual", m_none, ""},
    {"name empty", m_name_empty, "NAME_MISSING"},
    {"id_type unknown", m_idtype_unknown, "ID_INVALID"},
    {"id_type empty", m_idtype_empty, "ID_INVALID"},
    {"PRC_ID checksum", m_prc_checksum, "ID_INVALID"},
    {"PRC_ID born after acceptance", m_prc_future_birth, "ID_INVALID"},
    {"PRC_ID empty number", m_prc_empty, "ID_INVALID"},
    {"PRC_ID with X check", m_prc_x, ""},
    {"USCC organization", m_uscc_ok, ""},
    {"USCC checksum", m_uscc_bad, "ID_INVALID"},
    {"USCC individual", m_uscc_individual, "ID_TYPE_MISMATCH"},
    {"PRC_ID organization", m_prc_org, "ID_TYPE_MISMATCH"},
    {"passport ok", m_passport_ok, ""},
    {"passport with dash", m_passport_bad, "ID_INVALID"},
    {"HKMO permit empty", m_hkmo_empty, "ID_INVALID"},
    {"TW permit organization", m_tw_org, "ID_TYPE_MISMATCH"},
    {"kind unknown", m_kind_unknown, "ID_TYPE_MISMATCH"},
    {"kind empty, type unknown", m_kind_empty_type_unknown, "ID_INVALID;ID_TYPE_MISMATCH"},
    {"principal empty", m_principal_empty, "AMOUNT_INVALID"},
    {"principal zero", m_principal_zero, "AMOUNT_INVALID"},
    {"principal signed", m_principal_signed, "AMOUNT_INVALID"},
    {"interest bad", m_interest_bad, "AMOUNT_INVALID"},
    {"interest, other empty", m_amounts_empty, ""},
    {"other bad", m_other_bad, "AMOUNT_INVALID"},
    {"category unknown", m_category_bad, "CATEGORY_INVALID"},
    {"category empty", m_category_empty, "CATEGORY_INVALID"},
    {"time bad", m_time_bad, "TIME_INVALID"},
    {"time empty", m_time_empty, "TIME_INVALID"},
    {"secured bad", m_secured_bad, "FIELD_INVALID"},
    {"secured yes", m_secured_yes, ""},
    {"evidence bad", m_evidence_bad, "FIELD_INVALID"},
    {"phone with letter O", m_phone_letter, "PHONE_INVALID"},
    {"phone empty", m_phone_empty, "PHONE_INVALID"},
    {"phone 12x", m_phone_12, "PHONE_INVALID"},
    {"everything wrong", m_all_bad,
     "AMOUNT_INVALID;CATEGORY_INVALID;FIELD_INVALID;ID_INVALID;ID_TYPE_MISMATCH;NAME_MISSING;"
     "PHONE_INVALID;TIME_INVALID"},
};

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The codes of the fired rules: unique, sorted, ';'-joined. */
static void codes_of(const cl_ruleset *rs, const uint64_t *bits, char *out, size_t cap)
{
    const char *codes[128];
    int n = 0;
    for (int k = 0; k < cl_ruleset_count(rs) && n < 128; k++)
        if (bits[k / 64] >> (k % 64) & 1)
            codes[n++] = cl_ruleset_rule(rs, k)->code;
    qsort(codes, (size_t)n, sizeof *codes, str_cmp);
    size_t used = 0;
    out[0] = 0;
    for (int k = 0; k < n; k++)
        if (k == 0 || strcmp(codes[k], codes[k - 1]))
            used += (size_t)snprintf(out + used, cap - used, "%s%s", used ? ";" : "", codes[k]);
}

static void test_default_rules(void)
{
    const char *src = getenv("CL_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/rules/default.rules", src ? src : "..");
    cl_ruleset *rs = NULL;
    cl_diag d = {0};
    CHECK_MSG(cl_ruleset_load(path, &schema, &env, &rs, &d) == CL_OK, "%s", d.msg);
    if (!rs)
        return;
    int nrows = (int)(sizeof default_table / sizeof default_table[0]);
    int words = cl_ruleset_words(rs);
    rec *r = malloc((size_t)nrows * sizeof *r);
    uint64_t *hits = calloc((size_t)nrows * (size_t)words, sizeof *hits);
    for (int k = 0; k < nrows; k++) {
        r[k] = base();
        default_table[k].mod(&r[k]);
    }
    CHECK_EQ_INT(cl_ruleset_eval(rs, 0, r, (size_t)nrows, NULL, hits, 2, &d), CL_OK);
    CHECK_EQ_INT(cl_ruleset_eval(rs, 1, r, (size_t)nrows, NULL, hits, 2, &d), CL_OK);
    for (int k = 0; k < nrows; k++) {
        char got[512];
        codes_of(rs, hits + (size_t)k * (size_t)words, got, sizeof got);
        CHECK_MSG(!strcmp(got, default_table[k].codes), "%s: got \"%s\", expected \"%s\"",
                  default_table[k].what, got, default_table[k].codes);
    }
    /* every field check is NEEDS_CORRECTION in pass fields; the phone is a flag */
    for (int k = 0; k < cl_ruleset_count(rs); k++) {
        const cl_rule_info *ri = cl_ruleset_rule(rs, k);
        bool phone = !strcmp(ri->code, "PHONE_INVALID");
        CHECK_EQ_STR(schema.statuses[ri->status], phone ? "FLAG" : "NEEDS_CORRECTION");
        CHECK_EQ_INT(ri->pass, phone ? 1 : 0);
        CHECK(ri->msg_zh[0] && ri->msg_en[0]);
    }
    free(hits);
    free(r);
    cl_ruleset_free(rs);
}

static void test_example_rules(void)
{
    const char *src = getenv("CL_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/rules/examples/case.rules", src ? src : "..");
    cl_ruleset *rs = NULL;
    cl_diag d = {0};
    CHECK_MSG(cl_ruleset_load(path, &schema, &env, &rs, &d) == CL_OK, "%s", d.msg);
    if (!rs)
        return;
    rec r[5];
    for (int k = 0; k < 5; k++) {
        r[k] = base();
        T(&r[k], CL_F_ID_NUMBER, "11010519491231002X");
    }
    T(&r[1], CL_F_ID_NUMBER, "440103198506073323");     /* related party */
    I(&r[2], CL_F_PRINCIPAL, 29901);                    /* deposit over 299 */
    T(&r[3], CL_F_NAME, "张三2号");                     /* digits in the name */
    T(&r[4], CL_F_BOOK_NAME, "张三");                   /* books disagree */
    int words = cl_ruleset_words(rs);
    uint64_t hits[5 * 2] = {0};
    CHECK_EQ_INT(cl_ruleset_eval(rs, 0, r, 5, NULL, hits, 2, &d), CL_OK);
    CHECK_EQ_INT(cl_ruleset_eval(rs, 1, r, 5, NULL, hits, 2, &d), CL_OK);
    static const char *const expect[5] = {"", "RELATED_PARTY", "SUSPICIOUS_AMOUNT",
                                          "BOOK_NAME_DIFFERS;NAME_SUSPICIOUS",
                                          "BOOK_NAME_DIFFERS"};
    for (int k = 0; k < 5; k++) {
        char got[256];
        codes_of(rs, hits + k * words, got, sizeof got);
        CHECK_MSG(!strcmp(got, expect[k]), "row %d: got \"%s\"", k, got);
    }
    cl_ruleset_free(rs);
}

int main(void)
{
    schema = *cl_claim_rule_schema();
    schema.get = get;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_rules.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    setup_env();
    test_comparisons();
    test_states();
    test_logic();
    test_regex();
    test_lists();
    test_predicates();
    test_passes_and_mask();
    test_many_rules();
    test_determinism();
    test_errors();
    test_check_report();
    test_digest();
    test_default_rules();
    test_example_rules();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return cl_test_summary("test_rules");
}
