/* routes_run.c - the routes that read the current published run from the
 * in-memory snapshot: a creditor's own claims, the review queue, the
 * creditors and the roster; the run's workbook from the database. Personal
 * data is masked by role (reports' cl_mask, contract §8) and every read of
 * it by a judge, reviewer or administrator is written to the access audit. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "reports/cl_report.h"

/* ---- query strings: only the keys a route names, numbers in range */
typedef struct qarg {
    const char *key;
    const char *val;
} qarg;

typedef struct qscan {
    qarg *args;
    int n;
    const char *unknown;
} qscan;

static enum MHD_Result scan_arg(void *u, enum MHD_ValueKind kind, const char *k, const char *v)
{
    qscan *q = u;
    for (int i = 0; i < q->n; i++)
        if (!strcmp(q->args[i].key, k)) {
            q->args[i].val = v ? v : "";
            return MHD_YES;
        }
    q->unknown = k;
    return MHD_NO;
}

static int query(api_ctx *c, api_reply *r, qarg *args, int n)
{
    qscan q = {args, n, NULL};
    MHD_get_connection_values(c->conn, MHD_GET_ARGUMENT_KIND, scan_arg, &q);
    if (q.unknown) {
        api_error(r, 400, "bad_request", "unknown query parameter '%.40s'", q.unknown);
        return -1;
    }
    return 0;
}

static int number_arg(api_reply *r, const char *key, const char *v, long lo, long hi, long dflt,
                      long *out)
{
    if (!v) {
        *out = dflt;
        return 0;
    }
    char *end;
    long x = strtol(v, &end, 10);
    if (!*v || *end || x < lo || x > hi) {
        api_error(r, 400, "bad_request", "query parameter '%s' must be a number from %ld to %ld",
                  key, lo, hi);
        return -1;
    }
    *out = x;
    return 0;
}

/* ---- helpers */
static json_t *amount(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? json_null() : json_string(PQgetvalue(res, row, col));
}

static json_t *codes(const char *s)
{
    json_t *a = json_array();
    while (*s) {
        size_t n = strcspn(s, "|;, ");
        if (n)
            json_array_append_new(a, json_stringn(s, n));
        s += n + (s[n] != '\0');
    }
    return a;
}

static json_t *pii(int full, cl_col_kind kind, const char *s)
{
    if (full)
        return json_string(s);
    size_t len = strlen(s);
    char *buf = malloc(len + 16);
    if (!buf)
        return json_null();
    size_t n = cl_mask(kind, s, len, buf);
    json_t *j = json_stringn(buf, n);
    free(buf);
    return j;
}

/* The access audit row of a read of personal data; 0 when recorded. */
static int audit(api_ctx *c, api_reply *r, const char *creditor_id)
{
    if (c->who.role == CL_ROLE_CREDITOR || c->who.role == CL_ROLE_PLATFORM)
        return 0;
    char tid[24];
    snprintf(tid, sizeof tid, "%lld", (long long)c->who.token_id);
    const char *p[6] = {c->api->case_id, tid, cl_api_role_name(c->who.role),
                        api_routes[c->req->route].path, creditor_id ? creditor_id : "",
                        c->req->id};
    PGresult *res = api_exec(c->db, ST_AUDIT, 6, p, 0);
    if (!res) {
        api_error(r, 503, "unavailable", "the access could not be recorded; try again");
        return -1;
    }
    PQclear(res);
    return 0;
}

static api_snap *snapshot(api_ctx *c, api_reply *r)
{
    api_snap *s = api_snap_get(c->api);
    if (!s)
        api_error(r, 404, "not_found", "case '%s' has no published run yet", c->api->case_id);
    return s;
}

static json_t *claim_json(const PGresult *res, int i)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
        "submission_id", PQgetvalue(res, i, CLM_SUB),
        "category", PQgetvalue(res, i, CLM_CATEGORY),
        "status", PQgetvalue(res, i, CLM_STATUS),
        "codes", codes(PQgetvalue(res, i, CLM_CODES)),
        "declared_total", amount(res, i, CLM_DECLARED),
        "confirmed_principal", amount(res, i, CLM_PRINCIPAL),
        "confirmed_interest", amount(res, i, CLM_INTEREST),
        "confirmed_other", amount(res, i, CLM_OTHER),
        "confirmed_total", amount(res, i, CLM_CONFIRMED),
        "voting_amount", amount(res, i, CLM_VOTING));
    const char *sup = PQgetvalue(res, i, CLM_SUPERSEDED);
    if (*sup)
        json_object_set_new(o, "superseded_by", json_string(sup));
    if (!strcmp(PQgetvalue(res, i, CLM_STATUS), "NEEDS_CORRECTION"))
        json_object_set_new(o, "reasons", json_string(PQgetvalue(res, i, CLM_REASONS)));
    return o;
}

/* GET /v1/me/claims: the claims of the token's identity and of the
 * submission ids it carries, in the run's order. */
void api_me_claims(api_ctx *c, api_reply *r)
{
    if (query(c, r, NULL, 0))
        return;
    api_snap *s = snapshot(c, r);
    if (!s)
        return;
    const PGresult *res = s->res[SN_CLAIMS];
    int n = PQntuples(res);
    char *mine = calloc((size_t)(n ? n : 1), 1);
    if (!mine) {
        api_snap_release(s);
        api_error(r, 500, "internal", "out of memory");
        return;
    }
    if (c->who.creditor_id[0])
        for (int k = api_snap_first(res, s->by_creditor, CLM_CRED, c->who.creditor_id);
             k < n && !strcmp(PQgetvalue(res, s->by_creditor[k], CLM_CRED), c->who.creditor_id); k++)
            mine[s->by_creditor[k]] = 1;
    for (size_t j = 0; j < c->who.nsubmissions; j++)
        for (int k = api_snap_first(res, s->by_submission, CLM_SUB, c->who.submissions[j]);
             k < n && !strcmp(PQgetvalue(res, s->by_submission[k], CLM_SUB), c->who.submissions[j]);
             k++)
            mine[s->by_submission[k]] = 1;
    json_t *list = json_array();
    for (int i = 0; i < n; i++)
        if (mine[i])
            json_array_append_new(list, claim_json(res, i));
    free(mine);
    json_t *o = json_pack("{s:I, s:o}", "run_id", (json_int_t)s->run_id, "claims", list);
    api_snap_release(s);
    api_json(r, 200, o);
}

/* GET /v1/review-queue?code=&limit=&offset= */
void api_review_queue(api_ctx *c, api_reply *r)
{
    qarg q[3] = {{"code", NULL}, {"limit", NULL}, {"offset", NULL}};
    long limit, offset;
    if (query(c, r, q, 3) || number_arg(r, "limit", q[1].val, 1, 1000, 100, &limit) ||
        number_arg(r, "offset", q[2].val, 0, 100000000, 0, &offset))
        return;
    api_snap *s = snapshot(c, r);
    if (!s)
        return;
    const PGresult *res = s->res[SN_QUEUE];
    json_t *items = json_array();
    long total = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        json_t *cs = codes(PQgetvalue(res, i, 2));
        int keep = !q[0].val;
        for (size_t k = 0; !keep && k < json_array_size(cs); k++)
            keep = !strcmp(json_string_value(json_array_get(cs, k)), q[0].val);
        if (keep && total >= offset && total < offset + limit)
            json_array_append_new(items, json_pack("{s:s, s:s, s:O}", "submission_id",
                PQgetvalue(res, i, 0), "status", PQgetvalue(res, i, 1), "codes", cs));
        total += keep;
        json_decref(cs);
    }
    json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:o}", "run_id", (json_int_t)s->run_id,
                          "total", (json_int_t)total, "offset", (json_int_t)offset,
                          "limit", (json_int_t)limit, "items", items);
    api_snap_release(s);
    api_json(r, 200, o);
}

static json_t *creditor_json(const PGresult *res, int i, int full)
{
    const char *idtype = PQgetvalue(res, i, CRD_IDTYPE);
    return json_pack("{s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
        "creditor_id", PQgetvalue(res, i, CRD_ID), "id_type", idtype,
        "id_number", pii(full, CL_COL_PII_ID, PQgetvalue(res, i, CRD_IDNUM)),
        "name", pii(full, CL_COL_PII_NAME, PQgetvalue(res, i, CRD_NAME)),
        "kind", PQgetvalue(res, i, CRD_KIND),
        "declared_total", amount(res, i, CRD_DECLARED),
        "confirmed_total", amount(res, i, CRD_CONFIRMED),
        "pending_total", amount(res, i, CRD_PENDING),
        "employee", amount(res, i, CRD_EMPLOYEE), "tax", amount(res, i, CRD_TAX),
        "ordinary", amount(res, i, CRD_ORDINARY), "secured", amount(res, i, CRD_SECURED));
}

/* GET /v1/creditors?limit=&offset=&kind= (judge, administrator) */
void api_creditors(api_ctx *c, api_reply *r)
{
    qarg q[3] = {{"kind", NULL}, {"limit", NULL}, {"offset", NULL}};
    long limit, offset;
    if (query(c, r, q, 3) || number_arg(r, "limit", q[1].val, 1, 1000, 100, &limit) ||
        number_arg(r, "offset", q[2].val, 0, 100000000, 0, &offset))
        return;
    api_snap *s = snapshot(c, r);
    if (!s)
        return;
    if (audit(c, r, NULL)) {
        api_snap_release(s);
        return;
    }
    const PGresult *res = s->res[SN_CREDITORS];
    json_t *items = json_array();
    long total = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        if (q[0].val && strcmp(PQgetvalue(res, i, CRD_KIND), q[0].val))
            continue;
        if (total >= offset && total < offset + limit)
            json_array_append_new(items, creditor_json(res, i, 1));
        total++;
    }
    json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:o}", "run_id", (json_int_t)s->run_id,
                          "total", (json_int_t)total, "offset", (json_int_t)offset,
                          "limit", (json_int_t)limit, "items", items);
    api_snap_release(s);
    api_json(r, 200, o);
}

/* GET /v1/creditors/{creditor_id}: the creditor and their claims. */
void api_creditor(api_ctx *c, api_reply *r)
{
    if (query(c, r, NULL, 0))
        return;
    api_snap *s = snapshot(c, r);
    if (!s)
        return;
    const char *id = c->req->param;
    const PGresult *cr = s->res[SN_CREDITORS], *cl = s->res[SN_CLAIMS];
    int k = api_snap_first(cr, s->cred_index, CRD_ID, id);
    if (k >= PQntuples(cr) || strcmp(PQgetvalue(cr, s->cred_index[k], CRD_ID), id)) {
        api_snap_release(s);
        api_error(r, 404, "not_found", "no such creditor in the current run");
        return;
    }
    if (audit(c, r, id)) {
        api_snap_release(s);
        return;
    }
    json_t *o = creditor_json(cr, s->cred_index[k], c->who.role != CL_ROLE_REVIEWER), *list = json_array();
    for (int j = api_snap_first(cl, s->by_creditor, CLM_CRED, id);
         j < PQntuples(cl) && !strcmp(PQgetvalue(cl, s->by_creditor[j], CLM_CRED), id); j++)
        json_array_append_new(list, claim_json(cl, s->by_creditor[j]));
    json_object_set_new(o, "claims", list);
    json_object_set_new(o, "run_id", json_integer(s->run_id));
    api_snap_release(s);
    api_json(r, 200, o);
}

/* GET /v1/roster?group=&sort=voting_amount|creditor_id&limit=&offset= */
typedef struct roster_sort { const PGresult *r; int by_amount; } roster_sort;

static int roster_cmp(const void *x, const void *y, void *u)
{
    const roster_sort *s = u;
    int i = *(const int *)x, k = *(const int *)y;
    if (s->by_amount) {
        /* numeric(20,2) text: longer integer part is larger; descending */
        const char *a = PQgetvalue(s->r, i, RST_VOTING), *b = PQgetvalue(s->r, k, RST_VOTING);
        size_t la = strlen(a), lb = strlen(b);
        int d = la != lb ? (la < lb) - (la > lb) : -strcmp(a, b);
        if (d)
            return d;
    }
    int d = strcmp(PQgetvalue(s->r, i, RST_ID), PQgetvalue(s->r, k, RST_ID));
    return d ? d : (i > k) - (i < k);
}

void api_roster(api_ctx *c, api_reply *r)
{
    qarg q[4] = {{"group", NULL}, {"sort", NULL}, {"limit", NULL}, {"offset", NULL}};
    long limit, offset;
    if (query(c, r, q, 4) || number_arg(r, "limit", q[2].val, 1, 1000, 100, &limit) ||
        number_arg(r, "offset", q[3].val, 0, 100000000, 0, &offset))
        return;
    if (q[1].val && strcmp(q[1].val, "voting_amount") && strcmp(q[1].val, "creditor_id")) {
        api_error(r, 400, "bad_request", "query parameter 'sort' must be voting_amount or "
                  "creditor_id");
        return;
    }
    api_snap *s = snapshot(c, r);
    if (!s)
        return;
    const PGresult *res = s->res[SN_ROSTER];
    int n = PQntuples(res), m = 0;
    int *ix = malloc(sizeof *ix * (size_t)(n ? n : 1));
    if (!ix || audit(c, r, NULL)) {
        if (!ix)
            api_error(r, 500, "internal", "out of memory");
        free(ix);
        api_snap_release(s);
        return;
    }
    for (int i = 0; i < n; i++) {
        json_t *gs = codes(PQgetvalue(res, i, RST_GROUPS));
        int keep = !q[0].val;
        for (size_t k = 0; !keep && k < json_array_size(gs); k++)
            keep = !strcmp(json_string_value(json_array_get(gs, k)), q[0].val);
        json_decref(gs);
        if (keep)
            ix[m++] = i;
    }
    roster_sort rs = {res, !q[1].val || !strcmp(q[1].val, "voting_amount")};
    if (q[1].val)
        qsort_r(ix, (size_t)m, sizeof *ix, roster_cmp, &rs);
    json_t *items = json_array();
    for (long k = offset; k < m && k < offset + limit; k++) {
        int i = ix[k];
        json_array_append_new(items, json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}",
            "creditor_id", PQgetvalue(res, i, RST_ID), "name", PQgetvalue(res, i, RST_NAME),
            "voting_amount", amount(res, i, RST_VOTING),
            "unsecured_voting", amount(res, i, RST_UNSECURED),
            "secured_voting", amount(res, i, RST_SECURED),
            "groups", codes(PQgetvalue(res, i, RST_GROUPS))));
    }
    free(ix);
    json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:o}", "run_id", (json_int_t)s->run_id,
                          "total", (json_int_t)m, "offset", (json_int_t)offset,
                          "limit", (json_int_t)limit, "items", items);
    api_snap_release(s);
    api_json(r, 200, o);
}

/* GET /v1/reports/report.xlsx: the current run's workbook, as published. */
void api_report_xlsx(api_ctx *c, api_reply *r)
{
    if (query(c, r, NULL, 0))
        return;
    api_snap *s = snapshot(c, r);
    if (!s)
        return;
    char run[24];
    snprintf(run, sizeof run, "%lld", (long long)s->run_id);
    api_snap_release(s);
    const char *p[1] = {run};
    PGresult *res = api_exec(c->db, ST_REPORT, 1, p, 0);
    if (!res) {
        api_error(r, 503, "unavailable", "the workbook could not be read; try again");
        return;
    }
    if (PQntuples(res) == 0 || PQgetisnull(res, 0, 0)) {
        PQclear(res);
        api_error(r, 404, "not_found", "the current run has no workbook");
        return;
    }
    if (audit(c, r, NULL)) {
        PQclear(res);
        return;
    }
    size_t len = (size_t)PQgetlength(res, 0, 0);
    r->body = malloc(len ? len : 1);
    if (!r->body) {
        PQclear(res);
        api_error(r, 500, "internal", "out of memory");
        return;
    }
    memcpy(r->body, PQgetvalue(res, 0, 0), len);
    PQclear(res);
    r->status = 200;
    r->len = len;
    r->content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
}
