/* run.c - the nightly batch as a file pipeline on the batch API
 * (cl_batch.h): rules and inputs from files, decide, then the outputs
 * written to a staging directory with a manifest and swapped into place. */
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
#include "engine/cl_batch.h"
#include "engine/cl_changes.h"
#include "engine/cl_outputs.h"
#include "engine/cl_run.h"
#include "reports/cl_report.h"
#include "rules/cl_rules.h"

typedef struct run_state {
    cl_batch *b;
    cl_progress *prog;
    cl_outdir *out;
    cl_input_facts facts[3];
    int has_overrides;
    int64_t started_ms;
    cl_changes_counts changes;
    cl_changes_counts published;   /* the publish step's changes */
    char where[256];
} run_state;

/* ------------------------------------------------------------- loading */

static cl_err load_inputs(run_state *s, const cl_run_opts *o, cl_diag *d)
{
    cl_batch *b = s->b;
    cl_err err;
    cl_progress_stage(s->prog, "read case and rules");
    for (int f = 0; f < o->nrules; f++) {
        cl_source src = cl_source_path(o->rules[f]);
        if ((err = cl_batch_add_rules(b, &src, d)))
            return err;
    }
    cl_progress_stage(s->prog, "read ledger");
    cl_source ledger = o->src[1] ? *o->src[1] : cl_source_path(o->ledger);
    if ((err = cl_batch_load_ledger(b, &ledger, o->encoding, &s->facts[1], d)))
        return err;
    cl_progress_end(s->prog, "%llu entries, %zu accounts", (unsigned long long)b->ledger_rows,
                    b->naccounts);
    cl_progress_stage(s->prog, "read submissions");
    cl_source subs = o->src[0] ? *o->src[0] : cl_source_path(o->submissions);
    if ((err = cl_batch_load_submissions(b, &subs, o->encoding, &s->facts[0], d)))
        return err;
    cl_progress_end(s->prog, "%zu rows", b->nsubs);
    if (o->overrides || o->src[2]) {
        cl_progress_stage(s->prog, "read overrides");
        cl_source ov = o->src[2] ? *o->src[2] : cl_source_path(o->overrides);
        if ((err = cl_batch_load_overrides(b, &ov, o->encoding, &s->facts[2], d)))
            return err;
        s->has_overrides = 1;
    }
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

static json_t *counts_json(const cl_totals *t)
{
    json_t *st = json_object();
    json_t *conf = json_object();
    for (int k = 1; k < CL_ST_COUNT; k++)
        json_object_set_new(st, cl_status_name((cl_status)k),
                            json_integer(t->claims_by_status[k]));
    for (int k = 1; k < CL_CAT_COUNT; k++)
        json_object_set_new(conf, cl_category_name((cl_category)k),
                            money_json(t->confirmed_by_category[k]));
    return json_pack("{s:o, s:o, s:I, s:I, s:I, s:I}", "claims_by_status", st,
                     "confirmed_by_category", conf, "claims", (json_int_t)t->claims,
                     "creditors", (json_int_t)t->creditors, "roster", (json_int_t)t->roster,
                     "rejected_rows", (json_int_t)t->rejected_rows);
}

static json_t *outputs_json(cl_outdir *o, int nthreads)
{
    static const char *const files[] = {
        "claims.csv", "changes.csv", "creditors.csv", "roster.csv", "review_queue.csv",
        "overrides_rejected.csv", "rejected_rows.csv", "report.xlsx", "claims.xlsx",
        "public/creditors.csv", "public/creditors.xlsx", "payees.csv", "probable_duplicates.csv",
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
    const cl_batch *b = s->b;
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
        "counts", counts_json(cl_batch_totals(b)),
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
    const cl_batch *b = s->b;
    const cl_totals *t = cl_batch_totals(b);
    char m[CL_MONEY_BUFSZ];
    fprintf(f, "claims run: %s %s\n", b->cfg.case_no, b->cfg.debtor);
    fprintf(f, "  %zu submissions, %llu ledger entries in %zu accounts, %zu overrides\n",
            b->nsubs, (unsigned long long)b->ledger_rows, b->naccounts, b->noverrides);
    fprintf(f, "  claims by status:\n");
    for (int k = 1; k < CL_ST_COUNT; k++)
        fprintf(f, "    %-18s %10lld\n", cl_status_name((cl_status)k),
                (long long)t->claims_by_status[k]);
    fprintf(f, "  confirmed by category (yuan):\n");
    for (int k = 1; k < CL_CAT_COUNT; k++) {
        cl_money_format(t->confirmed_by_category[k], m);
        fprintf(f, "    %-18s %18s\n", cl_category_name((cl_category)k), m);
    }
    static const char *const tn[4] = {"employee", "tax", "ordinary", "secured"};
    fprintf(f, "  confirmed by tier (yuan):\n");
    for (int k = 0; k < CL_TIER_COUNT; k++) {
        cl_money_format(t->tier_confirmed[k], m);
        fprintf(f, "    %-18s %18s\n", tn[k], m);
    }
    fprintf(f, "  %zu creditors, %zu on the voting roster, %zu rows rejected\n", t->creditors,
            t->roster, t->rejected_rows);
    cl_changes_print(s->where[0] ? &s->published : &s->changes, f);
    fprintf(f, "  elapsed %.3f s on %d thread%s; outputs in %s\n",
            (double)(cl_now_ms() - s->started_ms) / 1000.0, b->nthreads,
            b->nthreads == 1 ? "" : "s", s->where[0] ? s->where : out);
}

/* ----------------------------------------------------------------- run */

static cl_err run_all(run_state *s, const cl_run_opts *o, cl_diag *d)
{
    cl_err err;
    if ((err = load_inputs(s, o, d)) ||
        (err = cl_changes_check_shrink(o->out, &s->facts[0], &s->facts[1], o->allow_shrink, d)) ||
        (err = cl_batch_decide(s->b, d)))
        return err;
    cl_progress_stage(s->prog, "write outputs");
    if ((err = cl_outdir_begin_as(o->out, "run", &s->out, d)))
        return err;
    cl_output_opts oo = {o->xlsx, o->publish, o->write_books};
    if ((err = cl_write_outputs(s->b, s->out, &oo, d)) ||
        (err = cl_changes_stage(o->out, s->out, &s->changes, d)))
        return err;
    cl_progress_end(s->prog, NULL);
    if ((err = write_manifest(s, d)))
        return err;
    if (o->publish_fn) {
        cl_run_result r = {s->b, s->facts, s->has_overrides, s->out, s->prog, s->started_ms,
                           &s->published, ""};
        if ((err = o->publish_fn(o->publish_user, &r, d)))
            return err;
        snprintf(s->where, sizeof s->where, "%s", r.where);
    }
    return cl_outdir_commit(s->out, d);
}

cl_err cl_run(const cl_run_opts *o, cl_diag *d)
{
    run_state s;
    memset(&s, 0, sizeof s);
    s.started_ms = cl_now_ms();
    s.prog = cl_progress_create(o->progress);
    if (!s.prog)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    cl_batch_opts bo = {*o->cfg, o->threads, o->max_bad_rows, s.prog};
    cl_err err = cl_batch_create(&bo, &s.b, d);
    if (!err)
        err = run_all(&s, o, d);
    if (!err && o->summary)
        print_summary(&s, o->out, o->summary);
    cl_batch_free(s.b);   /* while the previous outputs are being removed */
    cl_outdir_free(s.out);
    cl_progress_free(s.prog);
    return err;
}
