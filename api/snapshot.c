/* snapshot.c - the current published run, in memory: its run row, claims,
 * creditors, roster and review queue, read in one REPEATABLE READ
 * transaction into immutable result sets with sorted indexes. Requests take
 * a counted reference; a new publish (NOTIFY claims_run_published, payload
 * the case id, or a change of current_run seen by a poll every few seconds)
 * builds a new snapshot and swaps the pointer, so no request ever sees half
 * of two runs. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api_int.h"

#define POLL_MS 3000

static const char *const load_sql[SN_COUNT] = {
    [SN_RUN] = "SELECT r.run_id, to_char(r.published_at AT TIME ZONE 'UTC',"
        " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), r.engine_version, r.counts::text,"
        " coalesce(r.rules_sha256, ''), coalesce(r.case_sha256, ''), r.inputs::text"
        " FROM claims.current_run c JOIN claims.runs r USING (run_id) WHERE c.case_id = $1",
    [SN_CLAIMS] = "SELECT submission_id, coalesce(creditor_id, ''), status, coalesce(codes, ''),"
        " declared_total::text, confirmed_principal::text, confirmed_interest::text,"
        " confirmed_other::text, confirmed_total::text, voting_amount::text,"
        " coalesce(superseded_by, ''), coalesce(late, ''), coalesce(reasons_zh, ''), category"
        " FROM claims.run_claims WHERE run_id = $1 ORDER BY ord",
    [SN_CREDITORS] = "SELECT creditor_id, id_type, id_number, name, kind, declared_total::text,"
        " confirmed_total::text, pending_total::text, employee::text, tax::text,"
        " ordinary::text, secured::text FROM claims.run_creditors WHERE run_id = $1 ORDER BY ord",
    [SN_ROSTER] = "SELECT creditor_id, name, voting_amount::text, unsecured_voting::text,"
        " secured_voting::text, coalesce(groups, ''), voting_amount"
        " FROM claims.run_roster WHERE run_id = $1 ORDER BY ord",
    [SN_QUEUE] = "SELECT submission_id, status, coalesce(codes, '')"
        " FROM claims.run_review_queue WHERE run_id = $1 ORDER BY ord",
};

void api_snap_release(api_snap *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    for (int i = 0; i < SN_COUNT; i++)
        PQclear(s->res[i]);
    free(s->by_creditor);
    free(s->by_submission);
    free(s->cred_index);
    free(s);
}

api_snap *api_snap_get(cl_api *a)
{
    pthread_mutex_lock(&a->snap_lock);
    api_snap *s = a->snap;
    if (s)
        atomic_fetch_add(&s->refs, 1);
    pthread_mutex_unlock(&a->snap_lock);
    return s;
}

/* qsort_r comparators: row indexes by one column of a result. */
typedef struct col_ref { const PGresult *r; int col; } col_ref;

static int by_col(const void *x, const void *y, void *u)
{
    const col_ref *c = u;
    int i = *(const int *)x, k = *(const int *)y;
    int d = strcmp(PQgetvalue(c->r, i, c->col), PQgetvalue(c->r, k, c->col));
    return d ? d : (i > k) - (i < k);
}

static int *sorted_index(const PGresult *r, int col)
{
    int n = PQntuples(r);
    int *ix = malloc(sizeof *ix * (size_t)(n ? n : 1));
    if (!ix)
        return NULL;
    for (int i = 0; i < n; i++)
        ix[i] = i;
    col_ref c = {r, col};
    qsort_r(ix, (size_t)n, sizeof *ix, by_col, &c);
    return ix;
}

int api_snap_first(const PGresult *r, const int *ix, int col, const char *key)
{
    int lo = 0, hi = PQntuples(r);
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (strcmp(PQgetvalue(r, ix[mid], col), key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static PGresult *load_one(PGconn *c, int which, const char *param)
{
    const char *p[1] = {param};
    PGresult *r = PQexecParams(c, load_sql[which], 1, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        return NULL;
    }
    return r;
}

/* Reads the current run; *snap NULL (CL_OK) when the case has none. */
static cl_err snap_load(PGconn *c, const char *case_id, api_snap **out)
{
    *out = NULL;
    api_snap *s = calloc(1, sizeof *s);
    if (!s)
        return CL_ERR_NOMEM;
    atomic_init(&s->refs, 1);
    cl_err err = CL_ERR_DB;
    PQclear(PQexec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    if (!(s->res[SN_RUN] = load_one(c, SN_RUN, case_id)))
        goto out;
    if (PQntuples(s->res[SN_RUN]) == 0) {
        err = CL_OK;
        goto out;
    }
    s->run_id = strtoll(PQgetvalue(s->res[SN_RUN], 0, 0), NULL, 10);
    const char *run = PQgetvalue(s->res[SN_RUN], 0, 0);
    for (int i = SN_CLAIMS; i < SN_COUNT; i++)
        if (!(s->res[i] = load_one(c, i, run)))
            goto out;
    err = CL_ERR_NOMEM;
    if (!(s->by_creditor = sorted_index(s->res[SN_CLAIMS], 1)) ||
        !(s->by_submission = sorted_index(s->res[SN_CLAIMS], 0)) ||
        !(s->cred_index = sorted_index(s->res[SN_CREDITORS], 0)))
        goto out;
    PQclear(PQexec(c, "COMMIT"));
    *out = s;
    return CL_OK;
out:
    PQclear(PQexec(c, "ROLLBACK"));
    api_snap_release(s);
    return err;
}

static int64_t current_run_id(PGconn *c, const char *case_id)
{
    const char *p[1] = {case_id};
    PGresult *r = PQexecParams(c, "SELECT run_id FROM claims.current_run WHERE case_id = $1", 1,
                               NULL, p, NULL, NULL, 0);
    int64_t id = PQresultStatus(r) == PGRES_TUPLES_OK
        ? (PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0) : -1;
    PQclear(r);
    return id;
}

static void swap_in(cl_api *a, api_snap *s)
{
    pthread_mutex_lock(&a->snap_lock);
    api_snap *old = a->snap;
    a->snap = s;
    pthread_mutex_unlock(&a->snap_lock);
    api_snap_release(old);
}

cl_err api_snap_refresh(cl_api *a, PGconn *c)
{
    int64_t id = current_run_id(c, a->case_id);
    if (id < 0)
        return CL_ERR_DB;
    api_snap *cur = api_snap_get(a);
    int same = (cur ? cur->run_id : 0) == id;
    api_snap_release(cur);
    if (same)
        return CL_OK;
    api_snap *s = NULL;
    cl_err err = snap_load(c, a->case_id, &s);
    if (!err)
        swap_in(a, s);
    return err;
}

/* The watcher thread: LISTEN for publishes, poll as a fallback. */
static int notified(PGconn *c, const char *case_id)
{
    int hit = 0;
    PQconsumeInput(c);
    PGnotify *n;
    while ((n = PQnotifies(c))) {
        hit |= !strcmp(n->extra, case_id);
        PQfreemem(n);
    }
    return hit;
}

static void *watch(void *arg)
{
    cl_api *a = arg;
    PGconn *c = a->watch_conn;
    while (!atomic_load(&a->stopping)) {
        if (PQstatus(c) != CONNECTION_OK) {
            PQreset(c);
            PQclear(PQexec(c, "LISTEN claims_run_published"));
        }
        struct pollfd fds[2] = {{PQsocket(c), POLLIN, 0}, {a->wake[0], POLLIN, 0}};
        poll(fds, 2, POLL_MS);
        if (atomic_load(&a->stopping))
            break;
        notified(c, a->case_id);
        api_snap_refresh(a, c);   /* a notify, or the poll's timeout */
    }
    return NULL;
}

cl_err api_snap_start(cl_api *a, cl_diag *d)
{
    a->watch_conn = PQconnectdb(a->conninfo);
    if (PQstatus(a->watch_conn) != CONNECTION_OK)
        return cl_diag_set(d, CL_ERR_DB, "cannot connect the run watcher");
    PQclear(PQexec(a->watch_conn, "SET client_encoding = 'UTF8'"));
    PGresult *r = PQexec(a->watch_conn, "LISTEN claims_run_published");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok || api_snap_refresh(a, a->watch_conn))
        return cl_diag_set(d, CL_ERR_DB, "cannot read the current run of case '%s'", a->case_id);
    if (pipe(a->wake))
        return cl_diag_set(d, CL_ERR_IO, "cannot create a pipe");
    if (pthread_create(&a->watcher, NULL, watch, a)) {
        close(a->wake[0]);
        close(a->wake[1]);
        a->wake[0] = a->wake[1] = -1;
        return cl_diag_set(d, CL_ERR_INTERNAL, "cannot start the run watcher");
    }
    a->watching = 1;
    return CL_OK;
}

void api_snap_stop(cl_api *a)
{
    atomic_store(&a->stopping, 1);
    if (a->watching) {
        if (write(a->wake[1], "x", 1) < 0) {
            /* the watcher still wakes within POLL_MS */
        }
        pthread_join(a->watcher, NULL);
        a->watching = 0;
    }
    if (a->wake[0] >= 0) {
        close(a->wake[0]);
        close(a->wake[1]);
    }
    PQfinish(a->watch_conn);
    a->watch_conn = NULL;
    swap_in(a, NULL);
}
