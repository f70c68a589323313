/* run.c - the nightly batch pipeline: load the case, rules and inputs; the
 * decision table of §4 in contract order; §5 aggregation; outputs written
 * to a staging directory with a manifest, then swapped into place. */
#include <limits.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "core/cl_money.h"
#include "core/cl_outdir.h"
#include "core/cl_progress.h"
#include "engine/cl_changes.h"
#include "engine/cl_claim_schema.h"
#include "engine/cl_load.h"
#include "engine/cl_outputs.h"
#include "engine/cl_run.h"
#include "engine/cl_stages.h"
#include "reports/cl_report.h"
#include "rules/cl_rules.h"

#ifndef CL_DEFAULT_RULES
#define CL_DEFAULT_RULES "rules/default.rules"
#endif

const char *cl_default_rules_path(void)
{
    const char *env = getenv("CLAIMS_RULES");
    return env && *env ? env : CL_DEFAULT_RULES;
}

typedef struct run_state {
    cl_batch b;
    cl_progress *prog;
    cl_outdir *out;
    cl_input_facts facts[3];
    int has_overrides;
    int64_t started_ms;
    cl_changes_counts changes;
} run_state;

static void batch_free(cl_batch *b)
{
    free(b->subs);
    free(b->accounts);
    free(b->account_slots);
    free(b->ids);
    free(b->claims);
    free(b->overrides);
    free(b->creditors);
    free(b->roster);
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

/* ------------------------------------------------------------- loading */

static cl_err load_rules(run_state *s, const cl_run_opts *o, cl_diag *d)
{
    cl_batch *b = &s->b;
    cl_rule_const consts[2] = {
        {"acceptance_date", CL_VT_TIME, {CL_V_OK, "", 0, b->cfg.acceptance_at}},
        {"declaration_deadline", CL_VT_TIME, {CL_V_OK, "", 0, b->cfg.deadline_end}},
    };
    cl_rule_env env = {consts, 2, b->cfg.acceptance_day};
    int n = o->nrules > 0 ? o->nrules : 1;
    for (int f = 0; f < n && f < CL_MAX_RULE_FILES; f++) {
        cl_rule_file *rf = &b->rulefiles[f];
        rf->path = o->nrules > 0 ? o->rules[f] : cl_default_rules_path();
        cl_err err = cl_ruleset_load(rf->path, cl_claim_rule_schema(), &env, &rf->rs, d);
        if (err)
            return err;
        b->nrulefiles++;
    }
    return CL_OK;
}

static cl_err check_bad_rows(const cl_batch *b, long max_bad, cl_diag *d)
{
    if (b->nbad == 0 || (long)b->nbad <= max_bad)
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

static cl_err load_inputs(run_state *s, const cl_run_opts *o, cl_diag *d)
{
    cl_batch *b = &s->b;
    cl_err err;
    cl_progress_stage(s->prog, "read case and rules");
    if ((err = cl_case_load(o->case_path, &b->cfg, d)) || (err = load_rules(s, o, d)))
        return err;
    if (b->cfg.key_created)
        fprintf(stderr, "claims: note: no creditor_key in %s; created a random case key in "
                        "case.key beside it (keep it: creditor_id depends on it)\n", o->case_path);
    cl_progress_stage(s->prog, "read ledger");
    if ((err = cl_load_ledger(b, o->ledger, o->encoding, &s->facts[1], d)))
        return err;
    cl_progress_end(s->prog, "%llu entries, %zu accounts", (unsigned long long)b->ledger_rows,
                    b->naccounts);
    cl_progress_stage(s->prog, "read submissions");
    if ((err = cl_load_submissions(b, o->submissions, o->encoding, &s->facts[0], d)))
        return err;
    cl_progress_end(s->prog, "%zu rows", b->nsubs);
    if (o->overrides) {
        cl_progress_stage(s->prog, "read overrides");
        if ((err = cl_load_overrides(b, o->overrides, o->encoding, &s->facts[2], d)))
            return err;
        s->has_overrides = 1;
    }
    return check_bad_rows(b, o->max_bad_rows, d);
}

/* ------------------------------------------------------------ deciding */

typedef cl_err (*stage_fn)(cl_batch *, cl_diag *);

static cl_err decide(run_state *s, cl_diag *d)
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
        cl_progress_stage(s->prog, stages[i].name);
        cl_err err = stages[i].fn(&s->b, d);
        if (err)
            return err;
    }
    cl_progress_end(s->prog, NULL);
    return CL_OK;
}

/* ------------------------------------------------------------ manifest */

static int sha256_file(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    static __thread unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        EVP_DigestUpdate(ctx, buf, n);
    unsigned char md[32];
    EVP_DigestFinal_ex(ctx, md, NULL);
    EVP_MD_CTX_free(ctx);
    fclose(f);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}

static json_t *input_json(const cl_input_facts *f)
{
    return json_pack("{s:s, s:s, s:I, s:I, s:s}", "path", f->path, "sha256", f->sha256,
                     "bytes", (json_int_t)f->bytes, "rows", (json_int_t)f->rows, "encoding",
                     f->encoding ? f->encoding : "");
}

static json_t *money_json(int64_t fen)
{
    char buf[CL_MONEY_BUFSZ];
    cl_money_format(fen, buf);
    return json_string(buf);
}

static json_t *counts_json(const cl_batch *b)
{
    json_t *st = json_object();
    json_t *conf = json_object();
    int64_t count[CL_ST_COUNT] = {0}, cat_conf[CL_CAT_COUNT] = {0};
    for (size_t i = 0; i < b->nclaims; i++) {
        const cl_claim *c = &b->claims[i];
        count[c->status]++;
        if (cl_claim_operative(c))
            cat_conf[c->category] += cl_claim_confirmed(c);
    }
    for (int k = 1; k < CL_ST_COUNT; k++)
        json_object_set_new(st, cl_status_name((cl_status)k), json_integer(count[k]));
    for (int k = 1; k < CL_CAT_COUNT; k++)
        json_object_set_new(conf, cl_category_name((cl_category)k), money_json(cat_conf[k]));
    return json_pack("{s:o, s:o, s:I, s:I, s:I, s:I}", "claims_by_status", st,
                     "confirmed_by_category", conf, "claims", (json_int_t)b->nclaims,
                     "creditors", (json_int_t)b->ncreditors, "roster", (json_int_t)b->nroster,
                     "rejected_rows", (json_int_t)b->nbad);
}

static json_t *outputs_json(cl_outdir *o, int nthreads)
{
    static const char *const files[] = {
        "claims.csv", "changes.csv", "creditors.csv", "roster.csv", "review_queue.csv",
        "overrides_rejected.csv", "rejected_rows.csv", "report.xlsx", "claims.xlsx",
        "public/creditors.csv", "public/creditors.xlsx", "payees.csv",
    };
    enum { N = sizeof files / sizeof files[0] };
    char paths[N][4096], hex[N][65];
    int ok[N];
    for (int i = 0; i < N; i++)
        snprintf(paths[i], sizeof paths[i], "%s", cl_outdir_path(o, files[i]));
    /* digests the writers computed, or read the file back (workbooks) */
    #pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
    for (int i = 0; i < N; i++) {
        const unsigned char *noted = cl_outdir_sha256(o, files[i]);
        if (noted) {
            for (int k = 0; k < 32; k++)
                snprintf(hex[i] + 2 * k, 3, "%02x", noted[k]);
            ok[i] = 1;
        } else {
            ok[i] = sha256_file(paths[i], hex[i]) == 0;
        }
    }
    json_t *out = json_object();
    for (int i = 0; i < N; i++)
        if (ok[i])
            json_object_set_new(out, files[i], json_string(hex[i]));
    return out;
}

static json_t *timings_json(const cl_progress *p)
{
    json_t *arr = json_array();
    for (int i = 0; i < cl_progress_count(p); i++)
        json_array_append_new(arr, json_pack("{s:s, s:I}", "stage", cl_progress_name(p, i), "ms",
                                             (json_int_t)cl_progress_ms(p, i)));
    return arr;
}

static cl_err write_manifest(run_state *s, cl_diag *d)
{
    const cl_batch *b = &s->b;
    char case_sha[65] = "";
    sha256_file(b->cfg.path, case_sha);
    json_t *rules = json_array();
    for (int f = 0; f < b->nrulefiles; f++)
        json_array_append_new(rules, json_pack("{s:s, s:s, s:i}", "path", b->rulefiles[f].path,
                                               "sha256", cl_ruleset_digest(b->rulefiles[f].rs),
                                               "count", b->rulefiles[f].nrules));
    json_t *inputs = json_pack("{s:o, s:o}", "submissions", input_json(&s->facts[0]), "ledger",
                               input_json(&s->facts[1]));
    if (s->has_overrides)
        json_object_set_new(inputs, "overrides", input_json(&s->facts[2]));
    json_t *doc = json_pack(
        "{s:s, s:{s:s, s:s, s:s, s:s}, s:o, s:o, s:o, s:o, s:{s:i, s:o, s:I}}",
        "engine", "claims " CL_VERSION,
        "case", "path", b->cfg.path, "sha256", case_sha, "case_no", b->cfg.case_no, "debtor",
        b->cfg.debtor,
        "inputs", inputs,
        "rules", rules,
        "counts", counts_json(b),
        "outputs", outputs_json(s->out, b->nthreads),
        "run", "threads", b->nthreads, "timings_ms", timings_json(s->prog), "elapsed_ms",
        (json_int_t)(cl_now_ms() - s->started_ms));
    if (!doc)
        return cl_diag_set(d, CL_ERR_INTERNAL, "cannot build manifest.json");
    cl_err err = cl_report_json(cl_outdir_path(s->out, "manifest.json"), doc, d);
    json_decref(doc);
    return err;
}

/* ------------------------------------------------------------- summary */

static void print_summary(const run_state *s, const char *out, FILE *f)
{
    const cl_batch *b = &s->b;
    int64_t count[CL_ST_COUNT] = {0}, conf[CL_CAT_COUNT] = {0};
    int64_t tiers[4] = {0};
    for (size_t i = 0; i < b->nclaims; i++) {
        const cl_claim *c = &b->claims[i];
        count[c->status]++;
        if (cl_claim_operative(c))
            conf[c->category] += cl_claim_confirmed(c);
    }
    for (size_t i = 0; i < b->ncreditors; i++) {
        tiers[0] += b->creditors[i].employee;
        tiers[1] += b->creditors[i].tax;
        tiers[2] += b->creditors[i].ordinary;
        tiers[3] += b->creditors[i].secured;
    }
    char m[CL_MONEY_BUFSZ];
    fprintf(f, "claims run: %s %s\n", b->cfg.case_no, b->cfg.debtor);
    fprintf(f, "  %zu submissions, %llu ledger entries in %zu accounts, %zu overrides\n",
            b->nsubs, (unsigned long long)b->ledger_rows, b->naccounts, b->noverrides);
    fprintf(f, "  claims by status:\n");
    for (int k = 1; k < CL_ST_COUNT; k++)
        fprintf(f, "    %-18s %10lld\n", cl_status_name((cl_status)k), (long long)count[k]);
    fprintf(f, "  confirmed by category (yuan):\n");
    for (int k = 1; k < CL_CAT_COUNT; k++) {
        cl_money_format(conf[k], m);
        fprintf(f, "    %-18s %18s\n", cl_category_name((cl_category)k), m);
    }
    static const char *const tn[4] = {"employee", "tax", "ordinary", "secured"};
    fprintf(f, "  confirmed by tier (yuan):\n");
    for (int k = 0; k < 4; k++) {
        cl_money_format(tiers[k], m);
        fprintf(f, "    %-18s %18s\n", tn[k], m);
    }
    fprintf(f, "  %zu creditors, %zu on the voting roster, %zu rows rejected\n", b->ncreditors,
            b->nroster, b->nbad);
    cl_changes_print(&s->changes, f);
    fprintf(f, "  elapsed %.3f s on %d thread%s; outputs in %s\n",
            (double)(cl_now_ms() - s->started_ms) / 1000.0, b->nthreads,
            b->nthreads == 1 ? "" : "s", out);
}

/* ----------------------------------------------------------------- run */

static cl_err run_all(run_state *s, const cl_run_opts *o, cl_diag *d)
{
    cl_err err;
    if ((err = load_inputs(s, o, d)) ||
        (err = cl_changes_check_shrink(o->out, &s->facts[0], &s->facts[1], o->allow_shrink, d)) ||
        (err = decide(s, d)))
        return err;
    cl_progress_stage(s->prog, "write outputs");
    if ((err = cl_outdir_begin_as(o->out, "run", &s->out, d)))
        return err;
    cl_output_opts oo = {o->xlsx, o->publish};
    if ((err = cl_write_outputs(&s->b, s->out, &oo, d)) ||
        (err = cl_changes_stage(o->out, s->out, &s->changes, d)))
        return err;
    cl_progress_end(s->prog, NULL);
    if ((err = write_manifest(s, d)) || (err = cl_outdir_commit(s->out, d)))
        return err;
    return CL_OK;
}

cl_err cl_run(const cl_run_opts *o, cl_diag *d)
{
    run_state s;
    memset(&s, 0, sizeof s);
    s.started_ms = cl_now_ms();
    s.b.nthreads = o->threads > 0 ? o->threads : omp_get_num_procs();
    omp_set_num_threads(s.b.nthreads);   /* every parallel part follows --threads */
    s.b.arena = cl_arena_create(0);
    s.prog = cl_progress_create(o->progress);
    cl_err err;
    if (!s.b.arena || !s.prog)
        err = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    else
        err = run_all(&s, o, d);
    if (!err && o->summary)
        print_summary(&s, o->out, o->summary);
    batch_free(&s.b);   /* while the previous outputs are being removed */
    cl_outdir_free(s.out);
    cl_progress_free(s.prog);
    return err;
}
