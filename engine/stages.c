/* stages.c - the decision table of contract §4, steps 1-10, in order. Each
 * step is one function named after its section; whole-array passes, parallel
 * where rows are independent, results written by row id (deterministic). */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/cl_group.h"
#include "core/cl_alloc.h"
#include "engine/cl_claim_schema.h"
#include "engine/cl_load.h"
#include "engine/cl_stages.h"
#include "rules/cl_rules.h"

static const char *const builtin_codes[CL_C_BUILTIN_COUNT] = {
    "DUPLICATE_ROW", "MATCHED_BY_PHONE", "MATCHED_BY_ID", "NO_BOOK_RECORD", "ID_MISMATCH",
    "ACCOUNT_CONFLICT", "NOTHING_OWED", "EXCEEDS_BOOK", "INTEREST_DISALLOWED",
    "OTHER_DISALLOWED", "MANUAL_CATEGORY", "SECURED_REVIEW", "LISTED_FROM_BOOKS", "LATE",
    "OVERRIDE", "TEMPORARY_AMOUNT",
};

const char *cl_status_name(cl_status s)
{
    static const char *const names[CL_ST_COUNT] = {
        "", "CONFIRMED", "PARTIAL", "PENDING_REVIEW", "REJECTED", "NEEDS_CORRECTION",
        "DUPLICATE", "SUPERSEDED",
    };
    return s < CL_ST_COUNT ? names[s] : "";
}

int64_t cl_claim_confirmed(const cl_claim *c)
{
    return c->conf_p + c->conf_i + c->conf_o;
}

static bool claim_secured(const cl_batch *b, const cl_claim *c)
{
    return c->sub != CL_NONE && b->subs[c->sub].secured == CL_YN_YES;
}

int64_t cl_claim_voting(const cl_batch *b, const cl_claim *c)
{
    if (c->temporary)
        return c->voting;
    if (c->status != CL_ST_CONFIRMED && c->status != CL_ST_PARTIAL)
        return 0;
    if (claim_secured(b, c) || c->category == CL_CAT_EMPLOYEE)
        return 0;
    return cl_claim_confirmed(c);
}

static void set_confirmed(cl_claim *c, int64_t p, int64_t i, int64_t o)
{
    c->conf_p = p;
    c->conf_i = i;
    c->conf_o = o;
}

/* --------------------------------------------------------------- set-up */

static int intern_code(cl_batch *b, const char *name)
{
    for (int i = 0; i < b->ncodes; i++)
        if (!strcmp(b->code_names[i], name))
            return i;
    if (b->ncodes == CL_MAX_CODES)
        return -1;
    b->code_names[b->ncodes] = name;
    return b->ncodes++;
}

/* b->code_order: the code indexes by name, the order reasons are listed in. */
static void sort_codes(cl_batch *b)
{
    int *o = b->code_order;
    for (int i = 0; i < b->ncodes; i++)
        o[i] = i;
    for (int i = 1; i < b->ncodes; i++)
        for (int j = i; j > 0 && strcmp(b->code_names[o[j - 1]], b->code_names[o[j]]) > 0; j--) {
            int t = o[j];
            o[j] = o[j - 1];
            o[j - 1] = t;
        }
}

static cl_err init_codes(cl_batch *b, cl_diag *d)
{
    b->ncodes = 0;
    for (int i = 0; i < CL_C_BUILTIN_COUNT; i++)
        intern_code(b, builtin_codes[i]);
    for (int f = 0; f < b->nrulefiles; f++) {
        cl_rule_file *rf = &b->rulefiles[f];
        rf->nrules = cl_ruleset_count(rf->rs);
        if (rf->nrules > CL_MAX_RULES_PER_FILE)
            return cl_diag_set(d, CL_ERR_RULES, "%s: too many rules (%d; at most %d)", rf->path,
                               rf->nrules, CL_MAX_RULES_PER_FILE);
        for (int r = 0; r < rf->nrules; r++) {
            int c = intern_code(b, cl_ruleset_rule(rf->rs, r)->code);
            if (c < 0)
                return cl_diag_set(d, CL_ERR_RULES, "%s: too many distinct reason codes (at most %d)",
                                   rf->path, CL_MAX_CODES);
            rf->code[r] = (short)c;
        }
    }
    sort_codes(b);
    return CL_OK;
}

cl_err cl_stage_init(cl_batch *b, cl_diag *d)
{
    cl_err err = init_codes(b, d);
    if (err)
        return err;
    b->claims = cl_calloc(b->nsubs + b->naccounts + 1, sizeof *b->claims);
    if (!b->claims)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    if (cl_assign_identities(b))
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    #pragma omp parallel for schedule(static) num_threads(b->nthreads)
    for (size_t i = 0; i < b->nsubs; i++) {
        cl_sub *s = &b->subs[i];
        cl_claim *c = &b->claims[i];
        c->sub = (uint32_t)i;
        c->account = CL_NONE;
        c->superseded_by = CL_NONE;
        c->identity = s->identity;
        c->category = s->category;
        c->declared = s->principal + s->interest + s->other;
    }
    b->nclaims = b->nsubs;
    return CL_OK;
}

/* ------------------------------------------------ §4 step 1: duplicates */

/* Items of the submission_id join: every row's own id, then the id each
 * row amends, then the id each override names. */
static const char *sub_id_item(const cl_batch *b, size_t i)
{
    if (i < b->nsubs)
        return b->subs[i].submission_id;
    if (i < 2 * b->nsubs)
        return b->subs[i - b->nsubs].amends;
    return b->overrides[i - 2 * b->nsubs].submission_id;
}

static bool same_sub_id(const void *ctx, uint32_t x, uint32_t y)
{
    return strcmp(sub_id_item(ctx, x), sub_id_item(ctx, y)) == 0;
}

static uint32_t row_or_none(const cl_batch *b, uint32_t first)
{
    return first < b->nsubs ? first : CL_NONE;
}

/* A row whose submission_id an earlier row has is a DUPLICATE. The same
 * pass finds the row an amendment names (step 3) and the row an override
 * names (step 10): the first row with that id. */
cl_err cl_step1_duplicates(cl_batch *b, cl_diag *d)
{
    size_t n = 2 * b->nsubs + b->noverrides;
    uint64_t *h = cl_malloc((n + 1) * sizeof *h);
    uint32_t *first = cl_malloc((n + 1) * sizeof *first);
    cl_err err = h && first ? CL_OK : CL_ERR_NOMEM;
    if (!err) {
        #pragma omp parallel for schedule(static) num_threads(b->nthreads)
        for (size_t i = 0; i < n; i++) {
            const char *id = sub_id_item(b, i);
            bool amends = i >= b->nsubs && i < 2 * b->nsubs;   /* empty: amends nothing */
            h[i] = !amends || id[0] ? cl_hash_bytes(id, strlen(id)) : 0;
        }
        err = cl_group_first(n, h, same_sub_id, b, b->nthreads, first);
    }
    if (!err) {
        #pragma omp parallel for schedule(static) num_threads(b->nthreads)
        for (size_t i = 0; i < b->nsubs; i++) {
            b->subs[i].amends_row = row_or_none(b, first[b->nsubs + i]);
            if (first[i] == i)
                continue;
            cl_claim *c = &b->claims[i];
            c->status = CL_ST_DUPLICATE;
            c->identity = CL_NONE;
            c->declared = 0;
            cl_codes_add(&c->codes, CL_C_DUPLICATE_ROW);
        }
        for (size_t k = 0; k < b->noverrides; k++)
            b->overrides[k].row = row_or_none(b, first[2 * b->nsubs + k]);
    }
    free(h);
    free(first);
    return err ? cl_diag_set(d, CL_ERR_NOMEM, "out of memory") : CL_OK;
}

/* --------------------------------------------- §4 step 2: field checks */

static bool rule_fired(const cl_rule_file *rf, size_t row, int r)
{
    return (rf->hits[row * (size_t)rf->words + (size_t)(r >> 6)] >> (r & 63)) & 1;
}

static unsigned char *active_mask(const cl_batch *b, bool (*pred)(const cl_claim *))
{
    unsigned char *m = cl_malloc(b->nsubs + 1);
    if (!m)
        return NULL;
    #pragma omp parallel for schedule(static) num_threads(b->nthreads)
    for (size_t i = 0; i < b->nsubs; i++)
        m[i] = pred(&b->claims[i]);
    return m;
}

static bool not_duplicate(const cl_claim *c)
{
    return c->status != CL_ST_DUPLICATE;
}

/* Evaluates one pass of every rule file over the rows pred selects. */
static cl_err run_pass(cl_batch *b, int pass, bool (*pred)(const cl_claim *), cl_diag *d)
{
    if (b->nrulefiles == 0 || b->nsubs == 0)
        return CL_OK;
    unsigned char *m = active_mask(b, pred);
    if (!m)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    cl_err err = CL_OK;
    for (int f = 0; f < b->nrulefiles && !err; f++) {
        cl_rule_file *rf = &b->rulefiles[f];
        err = cl_ruleset_eval(rf->rs, pass, b, b->nsubs, m, rf->hits, b->nthreads, d);
    }
    free(m);
    return err;
}

static cl_err alloc_hits(cl_batch *b, cl_diag *d)
{
    for (int f = 0; f < b->nrulefiles; f++) {
        cl_rule_file *rf = &b->rulefiles[f];
        rf->words = cl_ruleset_words(rf->rs);
        rf->hits = cl_calloc(b->nsubs * (size_t)rf->words + 1, sizeof *rf->hits);
        if (!rf->hits)
            return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    return CL_OK;
}

/* Calls fn for every rule of every file that fired on row i. */
typedef void (*fired_fn)(cl_batch *b, cl_claim *c, const cl_rule_info *ri, int code);

static void each_fired(cl_batch *b, size_t i, fired_fn fn)
{
    for (int f = 0; f < b->nrulefiles; f++) {
        const cl_rule_file *rf = &b->rulefiles[f];
        for (int r = 0; r < rf->nrules; r++)
            if (rule_fired(rf, i, r))
                fn(b, &b->claims[i], cl_ruleset_rule(rf->rs, r), rf->code[r]);
    }
}

static void send_back(cl_batch *b, cl_claim *c, const cl_rule_info *ri, int code)
{
    (void)b;
    if (ri->pass != CL_PASS_FIELDS || ri->status != CL_RULE_NEEDS_CORRECTION)
        return;
    c->status = CL_ST_NEEDS_CORRECTION;
    cl_codes_add(&c->codes, (unsigned)code);
}

cl_err cl_step2_field_checks(cl_batch *b, cl_diag *d)
{
    cl_err err = alloc_hits(b, d);
    if (err || (err = run_pass(b, CL_PASS_FIELDS, not_duplicate, d)))
        return err;
    #pragma omp parallel for schedule(static) num_threads(b->nthreads)
    for (size_t i = 0; i < b->nsubs; i++)
        if (b->claims[i].status != CL_ST_DUPLICATE)
            each_fired(b, i, send_back);
    return CL_OK;
}

/* ----------------------------------------------- §4 step 3: amendments */

cl_err cl_step3_amendments(cl_batch *b, cl_diag *d)
{
    (void)d;
    for (size_t r = 0; r < b->nsubs; r++) {
        const cl_claim *amender = &b->claims[r];
        const cl_sub *s = &b->subs[r];
        if (amender->status == CL_ST_DUPLICATE || amender->status == CL_ST_NEEDS_CORRECTION ||
            !s->amends[0])
            continue;
        uint32_t t = s->amends_row;
        if (t == CL_NONE || t >= r)
            continue;   /* unknown, later row, or itself */
        cl_claim *target = &b->claims[t];
        bool same = b->subs[t].identity == s->identity;
        bool sent_back = target->status == CL_ST_NEEDS_CORRECTION ||
                         (target->status == CL_ST_SUPERSEDED &&
                          target->before_amend == CL_ST_NEEDS_CORRECTION);
        if (!same && !sent_back)
            continue;
        if (target->status != CL_ST_SUPERSEDED)
            target->before_amend = target->status;
        target->status = CL_ST_SUPERSEDED;
        target->superseded_by = (uint32_t)r;
    }
    return CL_OK;
}

/* --------------------------------------------- §4 step 4: book matching */

#define AMBIGUOUS (CL_NONE - 1)

static bool matched_category(int cat)
{
    return cat == CL_CAT_DEPOSIT || cat == CL_CAT_BALANCE || cat == CL_CAT_SUPPLIER ||
           cat == CL_CAT_EMPLOYEE;
}

/* Candidate accounts per category: by phone (deposit and balance only) and
 * by holder identity (dense arrays indexed by identity). Claims and account
 * phones are grouped in one pass (cl_group_first): phone_acct[g] is the
 * account of claim group g's (category, phone), AMBIGUOUS when several
 * accounts share it. */
typedef struct match_index {
    uint32_t *phone_group;   /* per claim: its (category, phone) group, CL_NONE */
    uint32_t *phone_acct;    /* per group (its first claim): account or AMBIGUOUS */
    uint32_t *by_id[CL_CAT_COUNT];
} match_index;

static void match_index_free(match_index *m)
{
    free(m->phone_group);
    free(m->phone_acct);
    for (int c = 0; c < CL_CAT_COUNT; c++)
        free(m->by_id[c]);
}

static void note_unique(uint32_t *slot, uint32_t acct)
{
    if (*slot == CL_NONE)
        *slot = acct;
    else if (*slot != acct)
        *slot = AMBIGUOUS;
}

static bool wants_phone_match(const cl_batch *b, const cl_claim *c)
{
    const cl_sub *s = &b->subs[c->sub];
    return c->status == CL_ST_NONE &&
           (c->category == CL_CAT_DEPOSIT || c->category == CL_CAT_BALANCE) && s->phone_valid;
}

/* Items of the phone join: the claims, then two per account (its deposit
 * and its balance phone). */
static const char *phone_item(const cl_batch *b, size_t i, int *cat)
{
    if (i < b->nsubs) {
        *cat = b->claims[i].category;
        return b->subs[i].phone;
    }
    size_t k = (i - b->nsubs) / 2;
    *cat = (i - b->nsubs) % 2 ? CL_CAT_BALANCE : CL_CAT_DEPOSIT;
    return b->accounts[k].phone;
}

static bool phone_item_keyed(const cl_batch *b, size_t i)
{
    if (i < b->nsubs)
        return wants_phone_match(b, &b->claims[i]);
    int cat;
    const cl_account *a = &b->accounts[(i - b->nsubs) / 2];
    return phone_item(b, i, &cat)[0] && (a->has_cat & (1u << cat));
}

static bool same_phone_item(const void *ctx, uint32_t x, uint32_t y)
{
    int cx, cy;
    const char *px = phone_item(ctx, x, &cx), *py = phone_item(ctx, y, &cy);
    return cx == cy && strcmp(px, py) == 0;
}

static cl_err index_phones(const cl_batch *b, match_index *m)
{
    size_t n = b->nsubs + 2 * b->naccounts;
    uint64_t *h = cl_malloc((n + 1) * sizeof *h);
    uint32_t *first = cl_malloc((n + 1) * sizeof *first);
    m->phone_group = cl_malloc((b->nsubs + 1) * sizeof *m->phone_group);
    m->phone_acct = cl_malloc((b->nsubs + 1) * sizeof *m->phone_acct);
    cl_err err = h && first && m->phone_group && m->phone_acct ? CL_OK : CL_ERR_NOMEM;
    if (!err) {
        #pragma omp parallel for schedule(static) num_threads(b->nthreads)
        for (size_t i = 0; i < n; i++) {
            int cat;
            const char *ph = phone_item(b, i, &cat);
            h[i] = phone_item_keyed(b, i) ? (cl_hash_bytes(ph, strlen(ph)) ^ (uint64_t)cat) | 1 : 0;
            if (i < b->nsubs)
                m->phone_acct[i] = CL_NONE;
        }
        err = cl_group_first(n, h, same_phone_item, b, b->nthreads, first);
    }
    if (!err) {
        #pragma omp parallel num_threads(b->nthreads)
        {
            /* accounts in order: an account phone some claim asks for; each
             * thread owns the groups g with g % threads == t */
            uint32_t t = (uint32_t)omp_get_thread_num(), nt = (uint32_t)omp_get_num_threads();
            #pragma omp for schedule(static)
            for (size_t i = 0; i < b->nsubs; i++)
                m->phone_group[i] = first[i] == CL_GROUP_NONE ? CL_NONE : first[i];
            for (size_t i = b->nsubs; i < n; i++)
                if (first[i] < b->nsubs && first[i] % nt == t)
                    note_unique(&m->phone_acct[first[i]], (uint32_t)((i - b->nsubs) / 2));
        }
    }
    free(h);
    free(first);
    return err;
}

static cl_err build_match_index(const cl_batch *b, match_index *m)
{
    memset(m, 0, sizeof *m);
    for (int cat = CL_CAT_DEPOSIT; cat <= CL_CAT_EMPLOYEE; cat++) {
        m->by_id[cat] = cl_malloc((b->nids + 1) * sizeof *m->by_id[cat]);
        if (!m->by_id[cat])
            return CL_ERR_NOMEM;
        memset(m->by_id[cat], 0xFF, (b->nids + 1) * sizeof *m->by_id[cat]);   /* CL_NONE */
    }
    if (index_phones(b, m))
        return CL_ERR_NOMEM;
    #pragma omp parallel num_threads(b->nthreads)
    {
        /* accounts in order; each thread owns the identities ≡ t */
        uint32_t t = (uint32_t)omp_get_thread_num(), nt = (uint32_t)omp_get_num_threads();
        for (size_t i = 0; i < b->naccounts; i++) {
            const cl_account *a = &b->accounts[i];
            if (a->identity >= b->nids || a->identity % nt != t)
                continue;
            for (int cat = CL_CAT_DEPOSIT; cat <= CL_CAT_EMPLOYEE; cat++)
                if (a->has_cat & (1u << cat))
                    note_unique(&m->by_id[cat][a->identity], (uint32_t)i);
        }
    }
    return CL_OK;
}

static uint32_t unique_or_none(uint32_t v)
{
    return v == AMBIGUOUS ? CL_NONE : v;
}

static void match_one(const cl_batch *b, const match_index *m, cl_claim *c)
{
    const cl_sub *s = &b->subs[c->sub];
    uint32_t acct;
    if (s->account_ref[0] &&
        (acct = cl_account_find(b, s->account_ref, strlen(s->account_ref))) != CL_NONE) {
        c->account = acct;
        return;
    }
    uint32_t g = m->phone_group[c->sub];
    if (g != CL_NONE && (acct = unique_or_none(m->phone_acct[g])) != CL_NONE) {
        c->account = acct;
        cl_codes_add(&c->codes, CL_C_MATCHED_BY_PHONE);
        return;
    }
    if ((acct = unique_or_none(m->by_id[c->category][c->identity])) != CL_NONE) {
        c->account = acct;
        cl_codes_add(&c->codes, CL_C_MATCHED_BY_ID);
    }
}

/* The account a claim names is looked up among millions: its index slot
 * (level 0) and record (level 1) are fetched a few claims ahead. */
static void prefetch_match(const cl_batch *b, size_t i, int level)
{
    if (i >= b->nsubs)
        return;
    const cl_claim *c = &b->claims[i];
    const char *ref = b->subs[i].account_ref;
    if (c->status == CL_ST_NONE && matched_category(c->category) && ref[0])
        cl_account_prefetch(b, ref, strlen(ref), level);
}

cl_err cl_step4_book_matching(cl_batch *b, cl_diag *d)
{
    match_index m;
    if (build_match_index(b, &m)) {
        match_index_free(&m);
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    #pragma omp parallel for schedule(static) num_threads(b->nthreads)
    for (size_t i = 0; i < b->nsubs; i++) {
        prefetch_match(b, i + 16, 0);
        prefetch_match(b, i + 8, 1);
        cl_claim *c = &b->claims[i];
        if (c->status == CL_ST_NONE && matched_category(c->category))
            match_one(b, &m, c);
    }
    match_index_free(&m);
    return CL_OK;
}

/* --------------------------------------------- §4 step 5: supersession */

/* true when a is later than b: submitted_at, then submission_id bytewise */
static bool later(const cl_batch *b, uint32_t x, uint32_t y)
{
    const cl_sub *a = &b->subs[x], *c = &b->subs[y];
    if (a->submitted_at != c->submitted_at)
        return a->submitted_at > c->submitted_at;
    return strcmp(a->submission_id, c->submission_id) > 0;
}

/* Claims group by (identity, category, matched account), or by the
 * account_ref they named when they matched none. */
static bool super_candidate(const cl_claim *c)
{
    return c->status == CL_ST_NONE;
}

static uint64_t super_hash(const cl_batch *b, const cl_claim *c)
{
    uint64_t k = (uint64_t)c->identity << 8 | c->category;
    if (c->account != CL_NONE)
        k ^= cl_hash_bytes(&c->account, sizeof c->account);
    else
        k ^= ~cl_hash_bytes(b->subs[c->sub].account_ref, strlen(b->subs[c->sub].account_ref));
    uint64_t h = cl_hash_bytes(&k, sizeof k);
    return h ? h : 1;
}

static bool same_super_group(const void *ctx, uint32_t x, uint32_t y)
{
    const cl_batch *b = ctx;
    const cl_claim *a = &b->claims[x], *c = &b->claims[y];
    if (a->identity != c->identity || a->category != c->category || a->account != c->account)
        return false;
    return a->account != CL_NONE ||
           strcmp(b->subs[a->sub].account_ref, b->subs[c->sub].account_ref) == 0;
}

/* Groups the rows pred selects with cl_group_first (keyed by hash_fn, equal
 * by eq); first[i] is row i's group (its first row), CL_GROUP_NONE when not
 * selected. */
static cl_err group_claims(const cl_batch *b, bool (*pred)(const cl_claim *),
                           uint64_t (*hash_fn)(const cl_batch *, const cl_claim *),
                           cl_group_eq_fn eq, uint32_t *first)
{
    uint64_t *h = cl_malloc((b->nsubs + 1) * sizeof *h);
    if (!h)
        return CL_ERR_NOMEM;
    #pragma omp parallel for schedule(static) num_threads(b->nthreads)
    for (size_t i = 0; i < b->nsubs; i++)
        h[i] = pred(&b->claims[i]) ? hash_fn(b, &b->claims[i]) : 0;
    cl_err err = cl_group_first(b->nsubs, h, eq, b, b->nthreads, first);
    free(h);
    return err;
}

/* In each group the latest claim (submitted_at, then submission_id) stands;
 * the others are SUPERSEDED by it. */
cl_err cl_step5_supersession(cl_batch *b, cl_diag *d)
{
    uint32_t *first = cl_malloc((b->nsubs + 1) * sizeof *first);
    uint32_t *best = cl_malloc((b->nsubs + 1) * sizeof *best);
    cl_err err = first && best ? group_claims(b, super_candidate, super_hash, same_super_group, first)
                               : CL_ERR_NOMEM;
    if (!err) {
        for (size_t i = 0; i < b->nsubs; i++) {
            uint32_t g = first[i];
            if (g == i)
                best[g] = (uint32_t)i;
            else if (g != CL_GROUP_NONE && later(b, (uint32_t)i, best[g]))
                best[g] = (uint32_t)i;
        }
        #pragma omp parallel for schedule(static) num_threads(b->nthreads)
        for (size_t i = 0; i < b->nsubs; i++) {
            uint32_t g = first[i];
            if (g == CL_GROUP_NONE || best[g] == i)
                continue;
            b->claims[i].status = CL_ST_SUPERSEDED;
            b->claims[i].superseded_by = best[g];
        }
    }
    free(first);
    free(best);
    return err ? cl_diag_set(d, CL_ERR_NOMEM, "out of memory") : CL_OK;
}

/* ----------------------------------------------------- §4 step 6: books */

static int64_t owed(const cl_account *a, int cat)
{
    return a->sum[cat] > 0 ? a->sum[cat] : 0;
}

static void decide_status(cl_claim *c)
{
    int64_t conf = cl_claim_confirmed(c);
    c->status = conf == 0 ? CL_ST_REJECTED : conf == c->declared ? CL_ST_CONFIRMED : CL_ST_PARTIAL;
}

static void confirm_from_books(const cl_batch *b, cl_claim *c)
{
    const cl_sub *s = &b->subs[c->sub];
    int64_t o = owed(&b->accounts[c->account], c->category);
    if (o == 0) {
        c->status = CL_ST_REJECTED;
        cl_codes_add(&c->codes, CL_C_NOTHING_OWED);
        return;
    }
    int64_t p = s->principal < o ? s->principal : o;
    if (s->principal > o)
        cl_codes_add(&c->codes, CL_C_EXCEEDS_BOOK);
    int64_t in = 0, ot = 0;
    if (p > 0 && s->interest > 0) {
        if (b->cfg.interest_allowed & (1u << c->category))
            in = s->interest;
        else
            cl_codes_add(&c->codes, CL_C_INTEREST_DISALLOWED);
    }
    if (p > 0 && s->other > 0) {
        if (b->cfg.other_allowed & (1u << c->category))
            ot = s->other;
        else
            cl_codes_add(&c->codes, CL_C_OTHER_DISALLOWED);
    }
    set_confirmed(c, p, in, ot);
    decide_status(c);
}

static bool books_candidate(const cl_claim *c)
{
    return c->status == CL_ST_NONE && matched_category(c->category);
}

static bool conflict_candidate(const cl_claim *c)
{
    return books_candidate(c) && c->account != CL_NONE &&
           !cl_codes_has(&c->codes, CL_C_ID_MISMATCH);
}

/* Marks claims whose (account, category) is claimed by two or more
 * identities (ID_MISMATCH claims excluded). */
static uint64_t conflict_hash(const cl_batch *b, const cl_claim *c)
{
    (void)b;
    uint64_t k = (uint64_t)c->account << 8 | c->category;
    return cl_hash_bytes(&k, sizeof k);
}

static bool same_account_category(const void *ctx, uint32_t x, uint32_t y)
{
    const cl_batch *b = ctx;
    return b->claims[x].account == b->claims[y].account &&
           b->claims[x].category == b->claims[y].category;
}

static cl_err find_conflicts(cl_batch *b, uint8_t *conflict)
{
    uint32_t *first = cl_malloc((b->nsubs + 1) * sizeof *first);
    uint8_t *multi = cl_calloc(b->nsubs + 1, 1);
    cl_err err = first && multi ? group_claims(b, conflict_candidate, conflict_hash,
                                               same_account_category, first)
                                : CL_ERR_NOMEM;
    if (!err) {
        for (size_t i = 0; i < b->nsubs; i++)
            if (first[i] != CL_GROUP_NONE && b->claims[i].identity != b->claims[first[i]].identity)
                multi[first[i]] = 1;
        #pragma omp parallel for schedule(static) num_threads(b->nthreads)
        for (size_t i = 0; i < b->nsubs; i++)
            if (first[i] != CL_GROUP_NONE)
                conflict[i] = multi[first[i]];
    }
    free(first);
    free(multi);
    return err;
}

cl_err cl_step6_books(cl_batch *b, cl_diag *d)
{
    /* no match; ID mismatch */
    #pragma omp parallel for schedule(static) num_threads(b->nthreads)
    for (size_t i = 0; i < b->nsubs; i++) {
        cl_claim *c = &b->claims[i];
        if (!books_candidate(c))
            continue;
        if (c->account == CL_NONE) {
            c->status = b->subs[i].evidence_count > 0 ? CL_ST_PENDING_REVIEW : CL_ST_REJECTED;
            cl_codes_add(&c->codes, CL_C_NO_BOOK_RECORD);
            continue;
        }
        uint32_t holder = b->accounts[c->account].identity;
        if (holder != CL_NONE && holder != c->identity)
            cl_codes_add(&c->codes, CL_C_ID_MISMATCH);
    }
    uint8_t *conflict = cl_calloc(b->nsubs + 1, 1);
    if (!conflict || find_conflicts(b, conflict)) {
        free(conflict);
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    #pragma omp parallel for schedule(static) num_threads(b->nthreads)
    for (size_t i = 0; i < b->nsubs; i++) {
        cl_claim *c = &b->claims[i];
        if (!books_candidate(c) || c->account == CL_NONE)
            continue;
        if (cl_codes_has(&c->codes, CL_C_ID_MISMATCH)) {
            c->status = CL_ST_PENDING_REVIEW;
        } else if (conflict[i]) {
            c->status = CL_ST_PENDING_REVIEW;
            cl_codes_add(&c->codes, CL_C_ACCOUNT_CONFLICT);
        } else {
            confirm_from_books(b, c);
        }
    }
    free(conflict);
    return CL_OK;
}

/* --------------------------------------------- §4 step 7: manual review */

cl_err cl_step7_manual_review(cl_batch *b, cl_diag *d)
{
    (void)d;
    #pragma omp parallel for schedule(static) num_threads(b->nthreads)
    for (size_t i = 0; i < b->nsubs; i++) {
        cl_claim *c = &b->claims[i];
        if (!cl_claim_operative(c))
            continue;
        if (c->category == CL_CAT_TAX || c->category == CL_CAT_OTHER) {
            c->status = CL_ST_PENDING_REVIEW;
            cl_codes_add(&c->codes, CL_C_MANUAL_CATEGORY);
            set_confirmed(c, 0, 0, 0);
        }
        if (b->subs[i].secured == CL_YN_YES) {
            c->status = CL_ST_PENDING_REVIEW;
            cl_codes_add(&c->codes, CL_C_SECURED_REVIEW);
            set_confirmed(c, 0, 0, 0);
        }
    }
    return CL_OK;
}

/* Case rules: outcomes other than NEEDS_CORRECTION (pass fields), then the
 * "matched" pass; applied to operative submission claims only. A rule's
 * PENDING_REVIEW or REJECTED holds the claim with nothing confirmed (like
 * SECURED_REVIEW); NEEDS_CORRECTION after matching counts as PENDING_REVIEW;
 * FLAG only adds its code. */
static void apply_rule_outcome(cl_batch *b, cl_claim *c, const cl_rule_info *ri, int code)
{
    (void)b;
    if (ri->pass == CL_PASS_FIELDS && ri->status == CL_RULE_NEEDS_CORRECTION)
        return;   /* step 2's */
    cl_codes_add(&c->codes, (unsigned)code);
    if (ri->status == CL_RULE_FLAG)
        return;
    if (ri->status == CL_RULE_REJECTED && c->status != CL_ST_PENDING_REVIEW)
        c->status = CL_ST_REJECTED;
    else
        c->status = CL_ST_PENDING_REVIEW;
    set_confirmed(c, 0, 0, 0);
}

static bool operative_sub(const cl_claim *c)
{
    return cl_claim_operative(c);
}

cl_err cl_step7b_case_rules(cl_batch *b, cl_diag *d)
{
    cl_err err = run_pass(b, CL_PASS_MATCHED, operative_sub, d);
    if (err)
        return err;
    #pragma omp parallel for schedule(static) num_threads(b->nthreads)
    for (size_t i = 0; i < b->nsubs; i++)
        if (cl_claim_operative(&b->claims[i]))
            each_fired(b, i, apply_rule_outcome);
    return CL_OK;
}

/* ------------------------------- §4 step 8: employees listed from books */

cl_err cl_step8_books_employees(cl_batch *b, cl_diag *d)
{
    uint8_t *claimed = cl_calloc(b->naccounts + 1, 1);
    if (!claimed)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    #pragma omp parallel num_threads(b->nthreads)
    {
        #pragma omp for schedule(static)
        for (size_t i = 0; i < b->nsubs; i++) {
            const cl_claim *c = &b->claims[i];
            if (cl_claim_operative(c) && c->category == CL_CAT_EMPLOYEE &&
                c->account != CL_NONE && !cl_codes_has(&c->codes, CL_C_ID_MISMATCH))
                __atomic_store_n(&claimed[c->account], 1, __ATOMIC_RELAXED);
        }
        /* then 2 marks an unclaimed employee account with something owed */
        #pragma omp for schedule(static)
        for (size_t a = 0; a < b->naccounts; a++) {
            const cl_account *acct = &b->accounts[a];
            if ((acct->has_cat & (1u << CL_CAT_EMPLOYEE)) && owed(acct, CL_CAT_EMPLOYEE) != 0 &&
                !claimed[a])
                claimed[a] = 2;
        }
    }
    for (size_t a = 0; a < b->naccounts; a++) {
        if (claimed[a] != 2)
            continue;
        const cl_account *acct = &b->accounts[a];
        int64_t o = owed(acct, CL_CAT_EMPLOYEE);
        cl_claim *c = &b->claims[b->nclaims++];
        memset(c, 0, sizeof *c);
        c->sub = CL_NONE;
        c->account = (uint32_t)a;
        c->superseded_by = CL_NONE;
        c->identity = acct->identity;
        c->category = CL_CAT_EMPLOYEE;
        c->status = CL_ST_CONFIRMED;
        c->declared = o;
        c->conf_p = o;
        cl_codes_add(&c->codes, CL_C_LISTED_FROM_BOOKS);
    }
    free(claimed);
    return CL_OK;
}

/* ------------------------------------------------------ §4 step 9: flags */

/* LATE here; PHONE_INVALID is a rule of rules/default.rules (pass matched),
 * applied by cl_step7b_case_rules to the same operative claims. */
cl_err cl_step9_flags(cl_batch *b, cl_diag *d)
{
    (void)d;
    #pragma omp parallel for schedule(static) num_threads(b->nthreads)
    for (size_t i = 0; i < b->nsubs; i++) {
        cl_claim *c = &b->claims[i];
        if (cl_claim_operative(c) && b->subs[i].submitted_at > b->cfg.deadline_end) {
            c->late = 1;
            cl_codes_add(&c->codes, CL_C_LATE);
        }
    }
    return CL_OK;
}

/* -------------------------------------------------- §4 step 10: overrides */

static const char *check_override(const cl_batch *b, const cl_override *o, const cl_claim *c)
{
    if (o->decision == CL_DEC_INVALID)
        return "UNKNOWN_DECISION";
    if (!cl_claim_operative(c) || c->sub == CL_NONE)
        return "NOT_OPERATIVE";
    if (o->decision == CL_DEC_REJECT)
        return NULL;
    if (o->decision == CL_DEC_TEMPORARY && c->status != CL_ST_PENDING_REVIEW)
        return "NOT_PENDING";
    if (!o->amount_ok || o->amount <= 0 || o->amount > c->declared)
        return "AMOUNT_OUT_OF_RANGE";
    (void)b;
    return NULL;
}

static void apply_override(const cl_batch *b, const cl_override *o, cl_claim *c)
{
    const cl_sub *s = &b->subs[c->sub];
    if (o->decision == CL_DEC_TEMPORARY) {
        c->temporary = 1;
        c->voting = o->amount;
        cl_codes_add(&c->codes, CL_C_TEMPORARY_AMOUNT);
        return;
    }
    c->temporary = 0;
    c->voting = 0;
    cl_codes_add(&c->codes, CL_C_OVERRIDE);
    if (o->decision == CL_DEC_REJECT) {
        set_confirmed(c, 0, 0, 0);
        c->status = CL_ST_REJECTED;
        return;
    }
    int64_t left = o->amount;
    int64_t p = left < s->principal ? left : s->principal;
    left -= p;
    int64_t in = left < s->interest ? left : s->interest;
    left -= in;
    set_confirmed(c, p, in, left);
    c->status = o->amount == c->declared ? CL_ST_CONFIRMED : CL_ST_PARTIAL;
}

cl_err cl_step10_overrides(cl_batch *b, cl_diag *d)
{
    uint32_t *chosen = cl_malloc((b->nsubs + 1) * sizeof *chosen);
    if (!chosen)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < b->nsubs; i++)
        chosen[i] = CL_NONE;
    for (size_t k = 0; k < b->noverrides; k++) {
        cl_override *o = &b->overrides[k];
        uint32_t row = o->row;
        if (row == CL_NONE) {
            o->refused = "UNKNOWN_SUBMISSION";
            continue;
        }
        if (o->decided_at == CL_TIME_NONE) {
            o->refused = "UNPARSEABLE_DECIDED_AT";
            continue;
        }
        uint32_t prev = chosen[row];
        if (prev == CL_NONE || o->decided_at >= b->overrides[prev].decided_at)
            chosen[row] = (uint32_t)k;   /* tie: the later row */
    }
    for (size_t i = 0; i < b->nsubs; i++) {
        if (chosen[i] == CL_NONE)
            continue;
        cl_override *o = &b->overrides[chosen[i]];
        cl_claim *c = &b->claims[i];
        o->refused = check_override(b, o, c);
        if (!o->refused)
            apply_override(b, o, c);
    }
    free(chosen);
    return CL_OK;
}
