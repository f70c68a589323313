/* batch.c - the batch lifecycle of cl_batch.h: create for a case, rules and
 * inputs from byte sources, the decision table in contract order, totals
 * computed once, accessors, free. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/cl_progress.h"
#include "core/cl_alloc.h"
#include "engine/cl_batch.h"
#include "engine/cl_claim_schema.h"
#include "engine/cl_linkage.h"
#include "engine/cl_outputs.h"
#include "engine/cl_stages.h"
#include "rules/cl_rules.h"

/* ------------------------------------------------------------- threads
 * Ingest and the rule evaluator size their parallel parts by the calling
 * thread's OpenMP setting. A batch sets it to its own thread count for the
 * length of one call and puts the caller's back: nothing leaks out (the
 * setting is per thread, so batches on other threads are not affected). */

static int threads_enter(const cl_batch *b)
{
    int saved = omp_get_max_threads();
    omp_set_num_threads(b->nthreads);
    return saved;
}

static void threads_leave(int saved)
{
    omp_set_num_threads(saved);
}

/* -------------------------------------------------------------- create */

cl_err cl_batch_create(const cl_batch_opts *o, cl_batch **out, cl_diag *d)
{
    *out = NULL;
    if (o->cfg.key_len < 8 || o->cfg.key_len > sizeof o->cfg.key)
        return cl_diag_set(d, CL_ERR_CONFIG, "%s: no creditor key (creditor_key in case.conf, "
                           "or a key of 8 to 64 bytes given with the case)",
                           o->cfg.path ? o->cfg.path : "case");
    cl_batch *b = cl_calloc(1, sizeof *b);
    if (!b)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    b->nthreads = o->nthreads > 0 ? o->nthreads : omp_get_num_procs();
    b->max_bad_rows = o->max_bad_rows;
    b->progress = o->progress;
    b->arena = cl_arena_create(0);
    if (!b->arena || cl_case_copy(&b->cfg, &o->cfg) != CL_OK) {
        cl_batch_free(b);
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    *out = b;
    return CL_OK;
}

void cl_batch_free(cl_batch *b)
{
    if (!b)
        return;
    free(b->subs);
    free(b->accounts);
    free(b->account_slots);
    free(b->ids);
    free(b->claims);
    free(b->overrides);
    free(b->creditors);
    free(b->roster);
    free(b->bad);
    cl_linkage_free(b->linkage);
    for (int f = 0; f < b->nrulefiles; f++) {
        free(b->rulefiles[f].hits);
        cl_ruleset_free(b->rulefiles[f].rs);
    }
    for (int i = 0; i < b->nchunk_arenas; i++)
        cl_arena_free(b->chunk_arenas[i]);
    free(b->chunk_arenas);
    cl_arena_free(b->arena);
    cl_case_release(&b->cfg);
    free(b);
}

/* ------------------------------------------------------------- sources
 * Every input comes as a byte source (a file, a memory buffer, a stream);
 * its label is the name every message gives. */

typedef cl_err (*src_loader)(cl_batch *, const cl_source *, cl_encoding, cl_input_facts *,
                             cl_diag *);

static cl_err load_input(cl_batch *b, const cl_source *src, cl_encoding enc,
                         cl_input_facts *facts, int bit, src_loader fn, cl_diag *d)
{
    static const char *const names[] = {"", "ledger", "submissions", "", "overrides"};
    if (b->decided || (b->loaded & bit))
        return cl_diag_set(d, CL_ERR_USAGE, "%s: the %s input %s", cl_source_label(src),
                           names[bit], b->decided ? "comes too late: the batch is decided"
                                                  : "was loaded already");
    int saved = threads_enter(b);
    cl_err err = fn(b, src, enc, facts, d);
    threads_leave(saved);
    if (!err)
        b->loaded |= bit;
    return err;
}

cl_err cl_batch_load_ledger(cl_batch *b, const cl_source *src, cl_encoding enc,
                            cl_input_facts *facts, cl_diag *d)
{
    return load_input(b, src, enc, facts, 1, cl_load_ledger_src, d);
}

cl_err cl_batch_load_submissions(cl_batch *b, const cl_source *src, cl_encoding enc,
                                 cl_input_facts *facts, cl_diag *d)
{
    return load_input(b, src, enc, facts, 2, cl_load_submissions_src, d);
}

cl_err cl_batch_load_overrides(cl_batch *b, const cl_source *src, cl_encoding enc,
                               cl_input_facts *facts, cl_diag *d)
{
    return load_input(b, src, enc, facts, 4, cl_load_overrides_src, d);
}

cl_err cl_batch_add_rules(cl_batch *b, const cl_source *src, cl_diag *d)
{
    const char *label = cl_source_label(src);
    if (b->decided)
        return cl_diag_set(d, CL_ERR_USAGE, "%s: rules come too late: the batch is decided", label);
    if (b->nrulefiles == CL_MAX_RULE_FILES)
        return cl_diag_set(d, CL_ERR_USAGE, "%s: at most %d rule files", label, CL_MAX_RULE_FILES);
    cl_err err;
    cl_rule_const consts[2] = {
        {"acceptance_date", CL_VT_TIME, {CL_V_OK, "", 0, b->cfg.acceptance_at}},
        {"declaration_deadline", CL_VT_TIME, {CL_V_OK, "", 0, b->cfg.deadline_end}},
    };
    cl_rule_env env = {consts, 2, b->cfg.acceptance_day};
    cl_rule_file *rf = &b->rulefiles[b->nrulefiles];
    if (!(rf->path = cl_arena_strndup(b->arena, label, strlen(label))))
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    if ((err = cl_ruleset_load_source(src, cl_claim_rule_schema(), &env, &rf->rs, d)))
        return err;
    b->nrulefiles++;
    return CL_OK;
}

/* ------------------------------------------------------------- decide */

static cl_err check_inputs(const cl_batch *b, cl_diag *d)
{
    if (b->decided)
        return cl_diag_set(d, CL_ERR_USAGE, "the batch is decided already");
    if (!(b->loaded & 1) || !(b->loaded & 2))
        return cl_diag_set(d, CL_ERR_USAGE, "no %s loaded", !(b->loaded & 1) ? "ledger" : "submissions");
    if (b->nrulefiles == 0)
        return cl_diag_set(d, CL_ERR_USAGE, "no rule file added (the contract's field checks "
                                            "are rules/default.rules)");
    if (b->nbad == 0 || (long)b->nbad <= b->max_bad_rows)
        return CL_OK;
    const cl_bad_row *r = &b->bad[0];
    char where[160] = "";
    if (r->column[0] && r->col)
        snprintf(where, sizeof where, "%u: column %u (%s):", r->col, r->col, r->column);
    else if (r->column[0])
        snprintf(where, sizeof where, " column %s:", r->column);
    return cl_diag_set(d, CL_ERR_INPUT,
                       "%s:%u:%s %s (%zu bad row%s in all; nothing was written; "
                       "--max-bad-rows N skips up to N and lists them in rejected_rows.csv)",
                       r->file, r->line, where, r->reason, b->nbad, b->nbad == 1 ? "" : "s");
}

static int add(int64_t *sum, int64_t v)
{
    return __builtin_add_overflow(*sum, v, sum);
}

static int claim_totals(const cl_batch *b, cl_totals *t)
{
    int over = 0;
    for (size_t i = 0; i < b->nclaims; i++) {
        const cl_claim *c = &b->claims[i];
        int64_t conf = cl_claim_confirmed(c);
        t->claims_by_status[c->status]++;
        over |= add(&t->declared_by_status[c->status], c->declared);
        over |= add(&t->confirmed_by_status[c->status], conf);
        if (!cl_claim_operative(c))
            continue;
        t->claims_by_category[c->category]++;
        over |= add(&t->declared_by_category[c->category], c->declared);
        over |= add(&t->confirmed_by_category[c->category], conf);
    }
    return over;
}

static int creditor_totals(const cl_batch *b, cl_totals *t)
{
    int over = 0;
    for (size_t i = 0; i < b->ncreditors; i++) {
        const cl_creditor *cr = &b->creditors[i];
        const int64_t conf[CL_TIER_COUNT] = {cr->employee, cr->tax, cr->ordinary, cr->secured};
        const int64_t tmp[CL_TIER_COUNT] = {cr->tmp_employee, cr->tmp_tax, cr->tmp_ordinary,
                                            cr->tmp_secured};
        for (int k = 0; k < CL_TIER_COUNT; k++) {
            int64_t both;
            over |= __builtin_add_overflow(conf[k], tmp[k], &both);
            t->tier_creditors[k] += both > 0;
            over |= add(&t->tier_confirmed[k], conf[k]);
            over |= add(&t->tier_temporary[k], tmp[k]);
        }
    }
    return over;
}

static cl_err compute_totals(cl_batch *b, cl_diag *d)
{
    cl_totals *t = &b->totals;
    memset(t, 0, sizeof *t);
    t->claims = b->nclaims;
    t->creditors = b->ncreditors;
    t->roster = b->nroster;
    t->rejected_rows = b->nbad;
    if (claim_totals(b, t) | creditor_totals(b, t))
        return cl_diag_set(d, CL_ERR_INPUT, "the run's totals exceed the range of amounts "
                                            "(int64 fen)");
    return CL_OK;
}

typedef cl_err (*stage_fn)(cl_batch *, cl_diag *);

static cl_err run_stages(cl_batch *b, cl_diag *d)
{
    static const struct {
        const char *name;
        stage_fn fn;
    } stages[] = {
        {"prepare", cl_stage_init},
        {"§4.1 duplicates", cl_step1_duplicates},
        {"§4.2 field checks (rules)", cl_step2_field_checks},
        {"§4.3 amendments", cl_step3_amendments},
        {"§4.4 book matching", cl_step4_book_matching},
        {"§4.5 supersession", cl_step5_supersession},
        {"§4.6 books", cl_step6_books},
        {"§4.7 manual review", cl_step7_manual_review},
        {"§4.9 late flags", cl_step9_flags},
        {"case rules (matched pass)", cl_step7b_case_rules},
        {"§4.8 employees from books", cl_step8_books_employees},
        {"§4.10 overrides", cl_step10_overrides},
        {"§5 creditors and roster", cl_aggregate},
    };
    for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++) {
        cl_progress_stage(b->progress, stages[i].name);
        cl_err err = stages[i].fn(b, d);
        if (err)
            return err;
    }
    cl_progress_end(b->progress, NULL);
    return CL_OK;
}

cl_err cl_batch_decide(cl_batch *b, cl_diag *d)
{
    cl_err err = check_inputs(b, d);
    if (err)
        return err;
    b->decided = 1;   /* even when a stage fails: a half-decided batch is not resumed */
    int saved = threads_enter(b);
    err = run_stages(b, d);
    if (!err)
        err = compute_totals(b, d);
    if (!err && b->cfg.linkage) {
        /* after the decisions, reading them only (engine/cl_linkage.h) */
        cl_progress_stage(b->progress, "probable duplicates");
        err = cl_linkage_build(b, &b->linkage, d);
        cl_progress_end(b->progress, "%zu clusters", b->linkage ? b->linkage->nclusters : 0);
    }
    threads_leave(saved);
    if (!err)
        b->decided = 2;
    return err;
}

const cl_linkage *cl_batch_linkage(const cl_batch *b)
{
    return b->decided == 2 ? b->linkage : NULL;
}

/* ----------------------------------------------------------- accessors */

const cl_totals *cl_batch_totals(const cl_batch *b)
{
    return b->decided == 2 ? &b->totals : NULL;
}

const cl_case *cl_batch_case(const cl_batch *b)
{
    return &b->cfg;
}

const cl_claim *cl_batch_claims(const cl_batch *b, size_t *n)
{
    *n = b->nclaims;
    return b->claims;
}

const cl_creditor *cl_batch_creditors(const cl_batch *b, size_t *n)
{
    *n = b->ncreditors;
    return b->creditors;
}

const uint32_t *cl_batch_roster(const cl_batch *b, size_t *n)
{
    *n = b->nroster;
    return b->roster;
}

const char *cl_batch_creditor_id(const cl_batch *b, uint32_t identity)
{
    return identity < b->nids ? b->ids[identity].creditor_id : "";
}

size_t cl_batch_claim_codes(const cl_batch *b, const cl_claim *c, char *buf, size_t cap)
{
    return cl_codes_join(b, &c->codes, buf, cap);
}
