/* store_publish.c - `claims run --db`: what the run reads from the database
 * (the case, its current input batches, its reviewers' decisions) and the
 * publish of a decided run: every output table rendered by the report
 * writers straight into COPY FROM STDIN, the changes against the previous
 * run made by the engine's changes code, the runs row, the pruning of old
 * runs and the switch of the case's current-run pointer, all in ONE
 * transaction (NOTIFY claims_run_published is delivered at its commit). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "core/cl_outdir.h"
#include "core/cl_progress.h"
#include "core/cl_sink.h"
#include "engine/cl_batch.h"
#include "engine/cl_outputs.h"
#include "rules/cl_rules.h"
#include "store/store_int.h"

/* ------------------------------------------------------------ the case */

static char *dup_value(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : strdup(PQgetvalue(res, row, col));
}

static cl_err read_case_row(cl_store *s, const char *case_id, cl_store_case *c, cl_diag *d)
{
    PGresult *res;
    const char *p[1] = {case_id};
    cl_err err = cl_store_query(s,
        "SELECT c.conf, c.conf_sha256, c.conf_path, c.retain_runs, r.run_id,"
        " (SELECT count(*) FROM claims.review_decisions v WHERE v.case_id = c.case_id)"
        " FROM claims.cases c LEFT JOIN claims.current_run r ON r.case_id = c.case_id"
        " WHERE c.case_id = $1", 1, p, &res, "cannot read the case", d);
    if (err)
        return err;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return cl_diag_set(d, CL_ERR_INPUT, "no case '%s' in the database (claims db load)",
                           case_id);
    }
    c->conf = dup_value(res, 0, 0);
    snprintf(c->conf_sha256, sizeof c->conf_sha256, "%s", PQgetvalue(res, 0, 1));
    c->conf_path = dup_value(res, 0, 2);
    c->retain_runs = atoi(PQgetvalue(res, 0, 3));
    c->current_run = PQgetisnull(res, 0, 4) ? 0 : strtoll(PQgetvalue(res, 0, 4), NULL, 10);
    c->reviews = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
    PQclear(res);
    if (!c->conf)
        return cl_diag_set(d, CL_ERR_INPUT, "case '%s' has no case.conf in the database "
                                            "(claims db load --case)", case_id);
    return CL_OK;
}

static cl_err read_case_inputs(cl_store *s, const char *case_id, cl_store_case *c, cl_diag *d)
{
    PGresult *res;
    const char *p[1] = {case_id};
    cl_err err = cl_store_query(s,
        "SELECT b.kind, b.batch_id, b.sha256, b.label, b.rows FROM claims.case_inputs i"
        " JOIN claims.load_batches b ON b.batch_id = i.batch_id WHERE i.case_id = $1",
        1, p, &res, "cannot read the case's inputs", d);
    if (err)
        return err;
    for (int i = 0; i < PQntuples(res); i++) {
        int k = 0;
        while (k < CL_IN_NKINDS && strcmp(cl_input_kind_name((cl_input_kind)k),
                                          PQgetvalue(res, i, 0)))
            k++;
        if (k == CL_IN_NKINDS)
            continue;
        c->in[k].batch_id = strtoll(PQgetvalue(res, i, 1), NULL, 10);
        snprintf(c->in[k].sha256, sizeof c->in[k].sha256, "%s", PQgetvalue(res, i, 2));
        snprintf(c->in[k].label, sizeof c->in[k].label, "db:%s", PQgetvalue(res, i, 3));
        c->in[k].rows = strtoll(PQgetvalue(res, i, 4), NULL, 10);
    }
    PQclear(res);
    return CL_OK;
}

cl_err cl_store_case_get(cl_store *s, const char *case_id, cl_store_case *c, cl_diag *d)
{
    memset(c, 0, sizeof *c);
    snprintf(c->case_id, sizeof c->case_id, "%s", case_id);
    cl_err err = cl_store_schema_check(s, d);
    if (!err)
        err = read_case_row(s, case_id, c, d);
    if (!err)
        err = read_case_inputs(s, case_id, c, d);
    if (!err && (!c->in[CL_IN_SUBMISSIONS].batch_id || !c->in[CL_IN_LEDGER].batch_id))
        err = cl_diag_set(d, CL_ERR_INPUT, "case '%s' has no %s loaded (claims db load)", case_id,
                          c->in[CL_IN_LEDGER].batch_id ? "submissions" : "ledger");
    return err;
}

void cl_store_case_release(cl_store_case *c)
{
    if (!c)
        return;
    free(c->conf);
    free(c->conf_path);
    c->conf = c->conf_path = NULL;
}

cl_err cl_store_only_case(cl_store *s, char id[65], cl_diag *d)
{
    PGresult *res;
    cl_err err = cl_store_schema_check(s, d);
    if (err || (err = cl_store_query(s, "SELECT case_id FROM claims.cases ORDER BY case_id LIMIT 2",
                                     0, NULL, &res, "cannot list the cases", d)))
        return err;
    int n = PQntuples(res);
    if (n == 1)
        snprintf(id, 65, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (n != 1)
        return cl_diag_set(d, CL_ERR_USAGE, n ? "the database holds several cases: name one "
                                                "with --case-id"
                                              : "the database holds no case (claims db load)");
    return CL_OK;
}

/* ------------------------------------------------------- run inputs */

cl_err cl_store_input_open(cl_store *s, const cl_store_case *c, cl_input_kind kind,
                           cl_store_reader **out, cl_diag *d)
{
    *out = NULL;
    char batch[32], sql[2048];
    snprintf(batch, sizeof batch, "%" PRId64, c->in[kind].batch_id);
    if (kind != CL_IN_OVERRIDES) {
        if (!c->in[kind].batch_id || cl_store_raw_sql(kind, batch, sql, sizeof sql) < 0)
            return cl_diag_set(d, CL_ERR_INTERNAL, "no %s to read", cl_input_kind_name(kind));
        return cl_store_copy_lazy(s, sql, c->in[kind].label, 1, out, d);
    }
    /* the loaded overrides file in file order, then the reviewers' decisions
     * recorded in the database in the order they were recorded */
    char *lit = PQescapeLiteral(s->conn, c->case_id, strlen(c->case_id));
    if (!lit)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    snprintf(sql, sizeof sql,
             "COPY (SELECT line, submission_id, decision, amount, reviewer, decided_at, note FROM ("
             " SELECT 0 AS part, line AS pos, line, submission_id, decision, amount, reviewer,"
             " decided_at, note FROM claims.raw_overrides WHERE batch_id = %s"
             " UNION ALL SELECT 1, seq, NULL, submission_id, decision, amount, reviewer,"
             " decided_at, note FROM claims.review_decisions WHERE case_id = %s) o"
             " ORDER BY part, pos) TO STDOUT WITH (FORMAT csv, HEADER)",
             batch, lit);
    PQfreemem(lit);
    return cl_store_copy_lazy(s, sql, c->in[kind].batch_id ? c->in[kind].label
                                                           : "db:review_decisions", 1, out, d);
}

/* ------------------------------------------------------- COPY FROM STDIN */


static const cl_store_out_table cl_store_out_tables[] = {
    {"claims", "claims.run_claims",
     "submission_id,source,creditor_id,name,id_type,id_number,category,account_ref,"
     "matched_account,status,codes,declared_total,confirmed_principal,confirmed_interest,"
     "confirmed_other,confirmed_total,voting_amount,superseded_by,late,submitted_at,line", NULL, NULL},
    {"creditors", "claims.run_creditors",
     "creditor_id,id_type,id_number,name,kind,declared_total,confirmed_total,pending_total,"
     "employee,tax,ordinary,secured,temporary", NULL, NULL},
    {"roster", "claims.run_roster",
     "creditor_id,name,ordinary,secured,employee,tax,temporary,unsecured_voting,secured_voting,"
     "voting_amount,groups,group_secured,group_employee,group_tax,group_ordinary,"
     "group_small_ordinary", NULL, NULL},
    {"review_queue", "claims.run_review_queue",
     "submission_id,status,decision,amount,reviewer,decided_at,note,codes,reasons,reasons_en,"
     "name,id_type,id_number,phone,category,secured,declared_total,temporary_amount,"
     "evidence_count,account_ref,matched_account,book_owed,book_name,book_id_number,"
     "competing_claims,submitted_at,line,cluster", NULL, NULL},
    {"overrides_rejected", "claims.run_overrides_rejected",
     "submission_id,decision,reason,reason_zh,reason_en,related_submission,amount,reviewer,"
     "decided_at,line", NULL, NULL},
    {"rejected_rows", "claims.run_rejected_rows", "file,line,column,reason,raw", NULL, NULL},
    {"changes", "claims.run_changes",
     "claim_key,change,status_before,status_after,confirmed_total_before,confirmed_total_after",
     "submission_id,change,status_from,status_to,confirmed_from,confirmed_to", NULL},
};
enum { N_OUT_TABLES = sizeof cl_store_out_tables / sizeof cl_store_out_tables[0] };

/* The sink's write callback: checks the header line, then gives every
 * record (RFC 4180: a newline inside quotes does not end it) to COPY with
 * "<run_id>,<ord>," before it. */
typedef struct copy_in {
    cl_store *s;
    const cl_store_out_table *t;
    int64_t run_id, ord;
    int state;           /* 0 header, 1 at a record's start, 2 inside one */
    int quoted;
    char header[1024];
    size_t hlen;
    char why[256];       /* why the callback stopped */
} copy_in;

static int put(copy_in *c, const char *p, size_t n)
{
    if (n && PQputCopyData(c->s->conn, p, (int)n) != 1) {
        snprintf(c->why, sizeof c->why, "the database stopped taking rows");
        return -1;
    }
    return 0;
}

static int take_header(copy_in *c, const char **p, const char *e)
{
    const char *nl = memchr(*p, '\n', (size_t)(e - *p));
    size_t k = (size_t)((nl ? nl : e) - *p);
    if (c->hlen + k >= sizeof c->header) {
        snprintf(c->why, sizeof c->why, "header too long");
        return -1;
    }
    memcpy(c->header + c->hlen, *p, k);
    c->hlen += k;
    *p += k;
    if (!nl)
        return 0;
    (*p)++;
    c->header[c->hlen] = '\0';
    if (strcmp(c->header, c->t->header)) {
        snprintf(c->why, sizeof c->why, "its columns are not the table's (%.200s)", c->header);
        return -1;
    }
    c->state = 1;
    return 0;
}

static size_t copy_write(void *user, const void *data, size_t n)
{
    copy_in *c = user;
    const char *p = data, *e = p + n;
    while (p < e) {
        if (c->state == 0) {
            if (take_header(c, &p, e) < 0)
                return 0;
            continue;
        }
        if (c->state == 1) {
            char pre[48];
            int k = snprintf(pre, sizeof pre, "%" PRId64 ",%" PRId64 ",", c->run_id, ++c->ord);
            if (put(c, pre, (size_t)k) < 0)
                return 0;
            c->state = 2;
        }
        const char *q = p;
        while (q < e) {
            char ch = *q++;
            if (ch == '"')
                c->quoted ^= 1;
            else if (ch == '\n' && !c->quoted) {
                c->state = 1;
                break;
            }
        }
        if (put(c, p, (size_t)(q - p)) < 0)
            return 0;
        p = q;
    }
    return n;
}

static cl_err start_copy_in(cl_store *s, const cl_store_out_table *t, cl_diag *d)
{
    const char *cols = t->columns ? t->columns : t->header;
    char sql[2048];
    size_t n = (size_t)snprintf(sql, sizeof sql, "COPY %s (%s, ord", t->table,
                                t->id_col ? t->id_col : "run_id");
    for (const char *p = cols; *p && n < sizeof sql;) {
        size_t k = strcspn(p, ",");
        n += (size_t)snprintf(sql + n, sizeof sql - n, ", \"%.*s\"", (int)k, p);
        p += k + (p[k] == ',');
    }
    if (n < sizeof sql)
        snprintf(sql + n, sizeof sql - n, ") FROM STDIN WITH (FORMAT csv)");
    PGresult *res = PQexec(s->conn, sql);
    cl_err err = PQresultStatus(res) == PGRES_COPY_IN ? CL_OK
               : cl_store_db_error(s, res, d, "cannot start COPY FROM STDIN");
    PQclear(res);
    return err;
}

/* Ends the COPY (aborts it when failed is set); CL_OK when it was taken. */
static cl_err end_copy_in(cl_store *s, const char *table, int failed, cl_diag *d)
{
    cl_err err = CL_OK;
    if (PQputCopyEnd(s->conn, failed ? "claims: the publish stopped" : NULL) != 1)
        err = cl_store_db_error(s, NULL, d, "cannot finish COPY");
    PGresult *res;
    while ((res = PQgetResult(s->conn)) != NULL) {
        if (!failed && !err && PQresultStatus(res) != PGRES_COMMAND_OK) {
            char what[128];
            snprintf(what, sizeof what, "cannot write %s", table);
            err = cl_store_db_error(s, res, d, what);
        }
        PQclear(res);
    }
    return err;
}


/* COPYs what render writes into table t of run run_id. */
cl_err cl_store_copy_table(cl_store *s, const cl_store_out_table *t, int64_t run_id,
                           cl_store_render_fn render, void *user, int64_t *rows, cl_diag *d)
{
    cl_err err = start_copy_in(s, t, d);
    if (err)
        return err;
    copy_in c = {.s = s, .t = t, .run_id = run_id};
    cl_sink *sink = NULL;
    char label[96];
    snprintf(label, sizeof label, "COPY into %s", t->table);
    err = cl_sink_callback(label, copy_write, &c, &sink, d);
    if (!err)
        err = render(user, sink, d);
    if (!err)
        err = cl_sink_finish(sink, NULL, d);
    cl_sink_free(sink);
    if (!err && c.state != 1)
        err = cl_diag_set(d, CL_ERR_INTERNAL, "%s: the rows did not end with a newline", label);
    if (err && c.why[0])
        cl_diag_set(d, err, "%s: %s", label, c.why);
    cl_err end = end_copy_in(s, t->table, err != CL_OK, d);
    if (rows)
        *rows = c.ord;
    return err ? err : end;
}

typedef struct table_job {
    const cl_batch *b;
    const char *name;
} table_job;

static cl_err render_table(void *user, cl_sink *sink, cl_diag *d)
{
    const table_job *j = user;
    return cl_write_table(j->b, j->name, CL_AUDIENCE_INTERNAL, sink, d);
}

typedef struct changes_job {
    const cl_source *before, *after;
    cl_changes_counts *counts;
} changes_job;

static cl_err render_changes(void *user, cl_sink *sink, cl_diag *d)
{
    const changes_job *j = user;
    return cl_changes_to(j->before, j->after, sink, j->counts, d);
}

/* ------------------------------------------------------------ publish */

typedef struct publish {
    cl_store *s;
    const cl_store_publish_opts *o;
    cl_run_result *r;
    cl_store_publish_report *rep;
    int64_t run_id, previous;
    char run_id_s[32];
    char *prev_claims;       /* the previous run's claims, as CSV */
    size_t prev_len;
} publish;

static void step(const publish *p, const char *name)
{
    if (p->o->step)
        p->o->step(p->o->step_user, name);
}

/* Locks the case's publishing and reads its current run (FOR UPDATE: a
 * concurrent publish of the same case waits for this one). */
static cl_err lock_case(publish *p, cl_diag *d)
{
    PGresult *res;
    const char *a[1] = {p->o->c->case_id};
    cl_err err = cl_store_query(p->s, "SELECT pg_advisory_xact_lock(hashtext('claims.publish'),"
                                " hashtext($1))", 1, a, &res, "cannot lock the case", d);
    if (err)
        return err;
    PQclear(res);
    if ((err = cl_store_query(p->s, "SELECT run_id FROM claims.current_run WHERE case_id = $1"
                              " FOR UPDATE", 1, a, &res, "cannot read the current run", d)))
        return err;
    p->previous = PQntuples(res) ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    PQclear(res);
    return CL_OK;
}

static cl_err read_previous_claims(publish *p, cl_diag *d)
{
    if (!p->previous)
        return CL_OK;
    char sql[256], label[64];
    snprintf(sql, sizeof sql, "COPY (SELECT submission_id, matched_account, status,"
             " confirmed_total FROM claims.run_claims WHERE run_id = %" PRId64 " ORDER BY ord)"
             " TO STDOUT WITH (FORMAT csv, HEADER)", p->previous);
    snprintf(label, sizeof label, "db:run %" PRId64 " claims", p->previous);
    cl_store_reader *rd;
    cl_err err = cl_store_copy_open(p->s, sql, label, 0, &rd, d);
    if (err)
        return err;
    cl_source src = cl_store_raw_source(rd);
    err = cl_source_slurp(&src, &p->prev_claims, &p->prev_len, d);
    if (cl_store_raw_error(rd, NULL))
        err = cl_store_raw_error(rd, d);
    cl_store_raw_close(rd);
    return err;
}

static char *file_text(const char *path, size_t *len)
{
    cl_source src = cl_source_path(path);
    char *data = NULL;
    cl_diag ignore;
    if (access(path, F_OK) != 0 || cl_source_slurp(&src, &data, len, &ignore))
        return NULL;
    return data;
}

static json_t *inputs_json(const publish *p)
{
    const cl_store_case *c = p->o->c;
    json_t *a = json_array();
    for (int k = 0; k < CL_IN_NKINDS; k++)
        if (c->in[k].batch_id && k != CL_IN_BALLOTS)
            json_array_append_new(a, json_pack("{s:s, s:I, s:s, s:I, s:s}", "kind",
                                               cl_input_kind_name((cl_input_kind)k), "batch_id",
                                               (json_int_t)c->in[k].batch_id, "sha256",
                                               c->in[k].sha256, "rows",
                                               (json_int_t)c->in[k].rows, "label",
                                               c->in[k].label + 3));
    if (c->reviews)
        json_array_append_new(a, json_pack("{s:s, s:I}", "kind", "review_decisions", "rows",
                                           (json_int_t)c->reviews));
    return a;
}

static json_t *counts_json(const cl_batch *b)
{
    const cl_totals *t = cl_batch_totals(b);
    json_t *o = json_object();
    for (int k = 1; k < CL_ST_COUNT; k++)
        json_object_set_new(o, cl_status_name((cl_status)k),
                            json_integer(t->claims_by_status[k]));
    return o;
}

static json_t *timings_json(const cl_progress *pr)
{
    json_t *o = json_object();
    for (int i = 0; i < cl_progress_count(pr); i++)
        json_object_set_new(o, cl_progress_name(pr, i),
                            json_real((double)cl_progress_ms(pr, i) / 1000.0));
    return o;
}

/* One digest for the rule files: the file's own, or for several the
 * SHA-256 of their digests, one a line. */
static void rules_digest(const cl_batch *b, char out[65])
{
    if (b->nrulefiles == 1) {
        snprintf(out, 65, "%s", cl_ruleset_digest(b->rulefiles[0].rs));
        return;
    }
    char buf[64 * 70] = "";
    size_t n = 0;
    for (int f = 0; f < b->nrulefiles && n < sizeof buf; f++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\n", cl_ruleset_digest(b->rulefiles[f].rs));
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(buf, n < sizeof buf ? n : sizeof buf, md, &mdlen, EVP_sha256(), NULL);
    cl_store_hex32(md, out);
}

static cl_err insert_run(publish *p, cl_diag *d)
{
    const cl_batch *b = p->r->b;
    char prev[32], started[32], threads[16], rules[65];
    snprintf(prev, sizeof prev, "%" PRId64, p->previous);
    snprintf(started, sizeof started, "%" PRId64, p->r->started_ms);
    snprintf(threads, sizeof threads, "%d", b->nthreads);
    rules_digest(b, rules);
    json_t *ij = inputs_json(p);
    char *inputs = json_dumps(ij, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    json_decref(ij);
    json_t *cj = counts_json(b), *tj = timings_json(p->r->prog);
    char *counts = json_dumps(cj, JSON_COMPACT), *timings = json_dumps(tj, JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(cj);
    json_decref(tj);
    size_t mlen = 0, rlen = 0, clen = 0;
    char *manifest = file_text(cl_outdir_path(p->r->staged, "manifest.json"), &mlen);
    char *report = file_text(cl_outdir_path(p->r->staged, "report.xlsx"), &rlen);
    char *claims = file_text(cl_outdir_path(p->r->staged, "claims.xlsx"), &clen);
    const char *v[12] = {p->o->c->case_id, p->previous ? prev : NULL, started,
                         "claims " CL_VERSION, threads, inputs, rules, p->o->c->conf_sha256,
                         counts, timings, manifest, NULL};
    const char *vals[13];
    int lens[13] = {0}, fmts[13] = {0};
    for (int i = 0; i < 11; i++)
        vals[i] = v[i];
    vals[11] = report;
    lens[11] = (int)rlen;
    fmts[11] = 1;
    vals[12] = claims;
    lens[12] = (int)clen;
    fmts[12] = 1;
    cl_err err = CL_OK;
    if (!inputs || !counts || !timings)
        err = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    PGresult *res = err ? NULL : PQexecParams(p->s->conn,
        "INSERT INTO claims.runs (case_id, previous_run_id, started_at, finished_at,"
        " engine_version, threads, inputs, rules_sha256, case_sha256, counts, timings, manifest,"
        " report_xlsx, claims_xlsx) VALUES ($1, $2, to_timestamp($3::double precision / 1000),"
        " clock_timestamp(), $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING run_id",
        13, NULL, vals, lens, fmts, 0);
    if (!err && PQresultStatus(res) != PGRES_TUPLES_OK)
        err = cl_store_db_error(p->s, res, d, "cannot record the run");
    else if (!err) {
        p->run_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        snprintf(p->run_id_s, sizeof p->run_id_s, "%" PRId64, p->run_id);
    }
    PQclear(res);
    free(inputs);
    free(counts);
    free(timings);
    free(manifest);
    free(report);
    free(claims);
    return err;
}

static cl_err copy_outputs(publish *p, cl_diag *d)
{
    cl_err err = CL_OK;
    for (int i = 0; i < N_OUT_TABLES - 1 && !err; i++) {
        table_job j = {p->r->b, cl_store_out_tables[i].name};
        int64_t rows = 0;
        err = cl_store_copy_table(p->s, &cl_store_out_tables[i], p->run_id, render_table, &j, &rows, d);
        if (!err)
            step(p, cl_store_out_tables[i].name);
    }
    if (err)
        return err;
    cl_source before = cl_source_memory("db:previous run's claims", p->prev_claims,
                                        p->prev_len);
    cl_source after = cl_source_path(cl_outdir_path(p->r->staged, "claims.csv"));
    changes_job j = {p->previous ? &before : NULL, &after, &p->rep->changes};
    err = cl_store_copy_table(p->s, &cl_store_out_tables[N_OUT_TABLES - 1], p->run_id, render_changes, &j, NULL, d);
    if (!err)
        step(p, "changes");
    return err;
}

/* The case's runs beyond its retention, oldest first, never the new one nor
 * a run the court confirmed, go with their tables. */
static cl_err prune(publish *p, cl_diag *d)
{
    char keep[16];
    snprintf(keep, sizeof keep, "%d", p->o->retain_runs > 0 ? p->o->retain_runs
                                                             : p->o->c->retain_runs);
    const char *a[3] = {p->o->c->case_id, keep, p->run_id_s};
    PGresult *res;
    cl_err err;
    if (p->o->retain_runs > 0 &&
        (err = cl_store_query(p->s, "UPDATE claims.cases SET retain_runs = $2 WHERE case_id = $1",
                              2, a, &res, "cannot store the retention", d)))
        return err;
    if (p->o->retain_runs > 0)
        PQclear(res);
    err = cl_store_query(p->s,
        "WITH old AS (SELECT run_id FROM claims.runs r WHERE case_id = $1 AND run_id <> $3"
        "  AND NOT EXISTS (SELECT 1 FROM claims.confirmations f WHERE f.run_id = r.run_id)"
        "  AND run_id NOT IN (SELECT run_id FROM claims.runs WHERE case_id = $1"
        "                     ORDER BY run_id DESC LIMIT $2::int)),"
        " a AS (DELETE FROM claims.run_claims WHERE run_id IN (SELECT run_id FROM old)),"
        " b AS (DELETE FROM claims.run_creditors WHERE run_id IN (SELECT run_id FROM old)),"
        " c AS (DELETE FROM claims.run_roster WHERE run_id IN (SELECT run_id FROM old)),"
        " e AS (DELETE FROM claims.run_review_queue WHERE run_id IN (SELECT run_id FROM old)),"
        " f AS (DELETE FROM claims.run_overrides_rejected WHERE run_id IN (SELECT run_id FROM old)),"
        " g AS (DELETE FROM claims.run_rejected_rows WHERE run_id IN (SELECT run_id FROM old)),"
        " h AS (DELETE FROM claims.run_changes WHERE run_id IN (SELECT run_id FROM old))"
        " DELETE FROM claims.runs WHERE run_id IN (SELECT run_id FROM old)",
        3, a, &res, "cannot prune old runs", d);
    if (err)
        return err;
    p->rep->pruned = atoi(PQcmdTuples(res));
    PQclear(res);
    step(p, "prune");
    return CL_OK;
}

static cl_err switch_current(publish *p, cl_diag *d)
{
    const char *a[2] = {p->o->c->case_id, p->run_id_s};
    PGresult *res;
    cl_err err = cl_store_query(p->s,
        "INSERT INTO claims.current_run (case_id, run_id) VALUES ($1, $2)"
        " ON CONFLICT (case_id) DO UPDATE SET run_id = EXCLUDED.run_id, switched_at = now()",
        2, a, &res, "cannot switch the current run", d);
    if (err)
        return err;
    PQclear(res);
    /* delivered to listeners when the transaction commits, never before */
    if ((err = cl_store_query(p->s, "SELECT pg_notify('claims_run_published', $1)", 1, a, &res,
                              "cannot notify", d)))
        return err;
    PQclear(res);
    step(p, "pointer");
    return CL_OK;
}

cl_err cl_store_publish(cl_store *s, const cl_store_publish_opts *o, cl_run_result *r,
                        cl_store_publish_report *rep, cl_diag *d)
{
    memset(rep, 0, sizeof *rep);
    publish p = {.s = s, .o = o, .r = r, .rep = rep};
    if (s->busy)
        return cl_diag_set(d, CL_ERR_INTERNAL, "the store connection is still reading");
    cl_err err = cl_store_exec(s, "BEGIN", "cannot begin the publish", d);
    if (err)
        return err;
    if (!(err = lock_case(&p, d)) && !(err = read_previous_claims(&p, d)) &&
        !(err = insert_run(&p, d))) {
        step(&p, "runs");
        if (!(err = copy_outputs(&p, d)) && !(err = switch_current(&p, d)) &&
            !(err = prune(&p, d))) {
            step(&p, "commit");
            err = cl_store_exec(s, "COMMIT", "cannot commit the publish", d);
        }
    }
    if (err)
        cl_store_rollback(s);
    free(p.prev_claims);
    rep->run_id = err ? 0 : p.run_id;
    rep->previous = p.previous;
    return err;
}
