/* store_tally.c - `claims tally --db`: the current run's roster and a
 * meeting's ballots (the loaded ballots file's rows, then the ballots cast
 * on the platform, in the order recorded) read with COPY TO STDOUT, and the
 * tally's tables published with COPY in one transaction together with its
 * tallies row and the switch of the meeting's current tally. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

cl_err cl_store_tally_inputs(cl_store *s, const char *case_id, const char *meeting_id,
                             cl_store_tally_in *in, cl_diag *d)
{
    memset(in, 0, sizeof *in);
    snprintf(in->case_id, sizeof in->case_id, "%s", case_id);
    snprintf(in->meeting_id, sizeof in->meeting_id, "%s", meeting_id);
    PGresult *res;
    const char *p[1] = {case_id};
    cl_err err = cl_store_schema_check(s, d);
    if (err || (err = cl_store_query(s,
        "SELECT c.case_id, r.run_id, b.batch_id, b.label FROM claims.cases c"
        " LEFT JOIN claims.current_run r ON r.case_id = c.case_id"
        " LEFT JOIN claims.case_inputs i ON i.case_id = c.case_id AND i.kind = 'ballots'"
        " LEFT JOIN claims.load_batches b ON b.batch_id = i.batch_id WHERE c.case_id = $1",
        1, p, &res, "cannot read the case", d)))
        return err;
    if (PQntuples(res) == 0)
        err = cl_diag_set(d, CL_ERR_INPUT, "no case '%s' in the database", case_id);
    else if (PQgetisnull(res, 0, 1))
        err = cl_diag_set(d, CL_ERR_INPUT, "case '%s' has no published run yet (claims run "
                          "--db): no roster to tally against", case_id);
    else {
        in->run_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
        if (!PQgetisnull(res, 0, 2)) {
            in->ballots_batch = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
            snprintf(in->ballots_label, sizeof in->ballots_label, "db:%s",
                     PQgetvalue(res, 0, 3));
        } else {
            snprintf(in->ballots_label, sizeof in->ballots_label, "db:ballots");
        }
    }
    PQclear(res);
    return err;
}

cl_err cl_store_tally_roster_open(cl_store *s, const cl_store_tally_in *in,
                                  cl_store_reader **out, cl_diag *d)
{
    char sql[1024], label[64];
    snprintf(sql, sizeof sql,
             "COPY (SELECT creditor_id, name, ordinary, secured, employee, tax, temporary,"
             " unsecured_voting, secured_voting, voting_amount, groups, group_secured,"
             " group_employee, group_tax, group_ordinary, group_small_ordinary"
             " FROM claims.run_roster WHERE run_id = %" PRId64 " ORDER BY ord)"
             " TO STDOUT WITH (FORMAT csv, HEADER)", in->run_id);
    snprintf(label, sizeof label, "db:run %" PRId64 " roster", in->run_id);
    return cl_store_copy_lazy(s, sql, label, 0, out, d);
}

cl_err cl_store_tally_ballots_open(cl_store *s, const cl_store_tally_in *in,
                                   cl_store_reader **out, cl_diag *d)
{
    char *cid = PQescapeLiteral(s->conn, in->case_id, strlen(in->case_id));
    char *mid = PQescapeLiteral(s->conn, in->meeting_id, strlen(in->meeting_id));
    cl_err err = CL_OK;
    if (!cid || !mid) {
        err = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
        goto out;
    }
    char sql[2048];
    static const char cols[] =
        "ballot_id, meeting_id, resolution_id, creditor_id, \"group\", choice, cast_at, channel";
    snprintf(sql, sizeof sql,
             "COPY (SELECT line, %s FROM ("
             " SELECT 0 AS part, line AS pos, line, %s FROM claims.raw_ballots"
             "  WHERE batch_id = %" PRId64 " AND meeting_id = %s"
             " UNION ALL SELECT 1, seq, NULL, %s FROM claims.ballots"
             "  WHERE case_id = %s AND meeting_id = %s) o ORDER BY part, pos)"
             " TO STDOUT WITH (FORMAT csv, HEADER)",
             cols, cols, in->ballots_batch, mid, cols, cid, mid);
    err = cl_store_copy_lazy(s, sql, in->ballots_label, 1, out, d);
out:
    PQfreemem(cid);
    PQfreemem(mid);
    return err;
}

static const cl_store_out_table tally_tables[2] = {
    {"tally", "claims.tally_results",
     "resolution_id,type,group,present,for,against,abstain,for_amount,base_amount,"
     "headcount_pass,amount_pass,passed,members,against_amount,abstain_amount,headcount_test,"
     "amount_test,groups,groups_passed", NULL, "tally_id"},
    {"ballots_rejected", "claims.tally_ballots_rejected",
     "ballot_id,reason,line,creditor_id,resolution_id,group,choice,cast_at,channel", NULL,
     "tally_id"},
};

/* A staged CSV file's bytes, as written, into the COPY sink. */
static cl_err render_file(void *user, cl_sink *sink, cl_diag *d)
{
    cl_source src = cl_source_path(user);
    cl_bytes b;
    cl_err err = cl_source_read_all(&src, &b, d);
    if (err)
        return err;
    cl_sink_put(sink, b.data, b.len);
    cl_bytes_release(&b);
    return CL_OK;
}

static char *slurp_or_null(const char *path, size_t *len)
{
    cl_source src = cl_source_path(path);
    char *data = NULL;
    cl_diag ignore;
    *len = 0;
    if (!path || cl_source_slurp(&src, &data, len, &ignore))
        return NULL;
    return data;
}

static cl_err insert_tally(cl_store *s, const cl_store_tally_opts *o, int64_t *id, cl_diag *d)
{
    size_t xlen = 0;
    char *xlsx = slurp_or_null(o->xlsx_path, &xlen);
    char run[32];
    snprintf(run, sizeof run, "%" PRId64, o->in->run_id);
    const char *vals[7] = {o->in->case_id, o->in->meeting_id, run, o->meeting_conf,
                           "claims " CL_VERSION, o->counts_json, xlsx};
    int lens[7] = {0, 0, 0, 0, 0, 0, (int)xlen}, fmts[7] = {0, 0, 0, 0, 0, 0, 1};
    PGresult *res = PQexecParams(s->conn,
        "INSERT INTO claims.tallies (case_id, meeting_id, run_id, meeting_conf, engine_version,"
        " counts, tally_xlsx) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING tally_id",
        7, NULL, vals, lens, fmts, 0);
    cl_err err = CL_OK;
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        err = cl_store_db_error(s, res, d, "cannot record the tally");
    else
        *id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    free(xlsx);
    return err;
}

static cl_err switch_tally(cl_store *s, const cl_store_tally_opts *o, int64_t id, cl_diag *d)
{
    char tid[32];
    snprintf(tid, sizeof tid, "%" PRId64, id);
    const char *a[3] = {o->in->case_id, o->in->meeting_id, tid};
    PGresult *res;
    cl_err err = cl_store_query(s,
        "INSERT INTO claims.current_tally (case_id, meeting_id, tally_id) VALUES ($1, $2, $3)"
        " ON CONFLICT (case_id, meeting_id) DO UPDATE SET tally_id = EXCLUDED.tally_id,"
        " switched_at = now()", 3, a, &res, "cannot switch the current tally", d);
    if (err)
        return err;
    PQclear(res);
    if ((err = cl_store_query(s, "SELECT pg_notify('claims_tally_published', $1 || ' ' || $2)",
                              2, a, &res, "cannot notify", d)))
        return err;
    PQclear(res);
    return CL_OK;
}

cl_err cl_store_tally_publish(cl_store *s, const cl_store_tally_opts *o, int64_t *tally_id,
                              cl_diag *d)
{
    *tally_id = 0;
    if (s->busy)
        return cl_diag_set(d, CL_ERR_INTERNAL, "the store connection is still reading");
    const char *lock[2] = {o->in->case_id, o->in->meeting_id};
    PGresult *res;
    int64_t id = 0;
    cl_err err = cl_store_exec(s, "BEGIN", "cannot begin the publish", d);
    if (err)
        return err;
    if (!(err = cl_store_query(s, "SELECT pg_advisory_xact_lock(hashtext('claims.tally'),"
                               " hashtext($1 || ' ' || $2))", 2, lock, &res,
                               "cannot lock the meeting", d))) {
        PQclear(res);
        err = insert_tally(s, o, &id, d);
    }
    const char *files[2] = {o->tally_csv_path, o->rejected_csv_path};
    for (int i = 0; i < 2 && !err; i++)
        err = cl_store_copy_table(s, &tally_tables[i], id, render_file, (void *)files[i], NULL,
                                  d);
    if (!err && !(err = switch_tally(s, o, id, d)))
        err = cl_store_exec(s, "COMMIT", "cannot commit the tally", d);
    if (err)
        cl_store_rollback(s);
    else
        *tally_id = id;
    return err;
}
