/* db.c - the API's database connections: a small pool (one connection per
 * server thread) whose every statement is prepared at connect time, so that
 * SQL only ever runs as prepared, parameterised statements. */
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "store/cl_store.h"

static const struct {
    const char *name, *sql;
    int nparams;
} stmts[ST_COUNT] = {
    [ST_CURRENT_RUN_ID] = {"cur_id", "SELECT run_id FROM claims.current_run WHERE case_id = $1", 1},
    [ST_CURRENT_RUN] = {"cur_run",
        "SELECT r.run_id, to_char(r.published_at AT TIME ZONE 'UTC',"
        " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), r.engine_version, r.counts::text,"
        " coalesce(r.rules_sha256, ''), coalesce(r.case_sha256, ''), r.inputs::text"
        " FROM claims.current_run c JOIN claims.runs r USING (run_id) WHERE c.case_id = $1", 1},
    [ST_TOKEN] = {"token",
        "SELECT token_id, role, coalesce(creditor_id, ''), array_to_json(submissions)::text,"
        " sha256, revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()),"
        " coalesce(label, '')"
        " FROM claims.api_tokens WHERE sha256 = $1 AND case_id = $2", 2},
    [ST_TOKEN_INSERT] = {"token_ins",
        "INSERT INTO claims.api_tokens (case_id, sha256, role, creditor_id, submissions, label,"
        " expires_at) VALUES ($2, $1, 'creditor', nullif($3, ''), $4::text[], $5,"
        " now() + make_interval(secs => $6::bigint))"
        " RETURNING token_id, to_char(expires_at AT TIME ZONE 'UTC',"
        " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')", 6},
    [ST_AUDIT] = {"audit",
        "INSERT INTO claims.api_access_audit (case_id, token_id, role, route, creditor_id,"
        " request_id) VALUES ($1, $2, $3, $4, nullif($5, ''), $6)", 6},
    [ST_REVIEW] = {"review",
        "INSERT INTO claims.review_decisions (case_id, submission_id, decision, amount, reviewer,"
        " decided_at, note) VALUES ($1, $2, $3, $4, $5, $6, nullif($7, '')) RETURNING seq", 7},
    [ST_REPORT] = {"report", "SELECT report_xlsx FROM claims.runs WHERE run_id = $1::bigint", 1},
};

const char *api_stmt_name(enum api_stmt s)
{
    return stmts[s].name;
}

struct api_pool {
    char *conninfo;
    unsigned n, nfree;
    PGconn **conns;
    PGconn **free;
    pthread_mutex_t lock;
    pthread_cond_t cond;
};

void api_db_message(const char *conninfo, const char *msg, char *buf, size_t cap)
{
    char *password = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
    for (PQconninfoOption *o = opts; o && o->keyword; o++)
        if (!strcmp(o->keyword, "password") && o->val)
            password = o->val;
    snprintf(buf, cap, "%s", msg ? msg : "");
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    cl_store_scrub(buf, cap, password);
    PQconninfoFree(opts);
}

static int prepare_all(PGconn *c)
{
    for (int i = 0; i < ST_COUNT; i++) {
        PGresult *r = PQprepare(c, stmts[i].name, stmts[i].sql, stmts[i].nparams, NULL);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok)
            return 0;
    }
    return 1;
}

static PGconn *connect_one(const char *conninfo, cl_diag *d)
{
    PGconn *c = PQconnectdb(conninfo);
    char msg[512];
    if (PQstatus(c) != CONNECTION_OK) {
        api_db_message(conninfo, PQerrorMessage(c), msg, sizeof msg);
        cl_diag_set(d, CL_ERR_DB, "cannot connect to the database: %s", msg);
        PQfinish(c);
        return NULL;
    }
    PGresult *r = PQexec(c, "SET client_encoding = 'UTF8'; SET TimeZone = 'UTC'");
    PQclear(r);
    if (!prepare_all(c)) {
        api_db_message(conninfo, PQerrorMessage(c), msg, sizeof msg);
        cl_diag_set(d, CL_ERR_DB, "cannot prepare the API's statements: %s", msg);
        PQfinish(c);
        return NULL;
    }
    return c;
}

void api_pool_close(api_pool *p)
{
    if (!p)
        return;
    for (unsigned i = 0; i < p->n; i++)
        PQfinish(p->conns[i]);
    free(p->conns);
    free(p->free);
    free(p->conninfo);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cond);
    free(p);
}

cl_err api_pool_open(const char *conninfo, unsigned n, api_pool **out, cl_diag *d)
{
    *out = NULL;
    api_pool *p = calloc(1, sizeof *p);
    if (!p || !(p->conns = calloc(n, sizeof *p->conns)) || !(p->free = calloc(n, sizeof *p->free))
        || !(p->conninfo = strdup(conninfo))) {
        if (p) {
            free(p->conns);
            free(p->free);
            free(p);
        }
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    for (unsigned i = 0; i < n; i++) {
        if (!(p->conns[i] = connect_one(conninfo, d))) {
            p->n = i;
            api_pool_close(p);
            return CL_ERR_DB;
        }
        p->free[p->nfree++] = p->conns[i];
        p->n = i + 1;
    }
    *out = p;
    return CL_OK;
}

PGconn *api_pool_get(api_pool *p)
{
    pthread_mutex_lock(&p->lock);
    while (p->nfree == 0)
        pthread_cond_wait(&p->cond, &p->lock);
    PGconn *c = p->free[--p->nfree];
    pthread_mutex_unlock(&p->lock);
    if (PQstatus(c) != CONNECTION_OK) {
        PQreset(c);
        if (PQstatus(c) != CONNECTION_OK || !prepare_all(c)) {
            api_pool_put(p, c);
            return NULL;
        }
    }
    return c;
}

void api_pool_put(api_pool *p, PGconn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&p->lock);
    p->free[p->nfree++] = c;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

PGresult *api_exec(PGconn *c, enum api_stmt s, int n, const char *const *params, int bin_len)
{
    int lens[8] = {0}, fmts[8] = {0};
    if (bin_len > 0) {
        lens[0] = bin_len;
        fmts[0] = 1;
    }
    PGresult *r = PQexecPrepared(c, stmts[s].name, n, params, lens, fmts, s == ST_REPORT);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        PQclear(r);
        return NULL;
    }
    return r;
}
