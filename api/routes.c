/* routes.c - THE route table of the API (method, path template, roles,
 * handler) and the handlers. docs/openapi.yaml lists exactly these routes
 * (tests/api checks it against `claims serve --routes`). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"

#define ANY_ROLE (CL_ROLE_CREDITOR | CL_ROLE_REVIEWER | CL_ROLE_JUDGE | CL_ROLE_ADMINISTRATOR \
                  | CL_ROLE_PLATFORM)

/* GET /v1/health: up, database reachable, current run id. No token. */
static void health(api_ctx *c, api_reply *r)
{
    json_t *o = json_pack("{s:s, s:s}", "status", "up", "case_id", c->api->case_id);
    PGresult *res = NULL;
    const char *p[1] = {c->api->case_id};
    if (c->db && (res = api_exec(c->db, ST_CURRENT_RUN_ID, 1, p, 0))) {
        json_object_set_new(o, "database", json_string("reachable"));
        json_object_set_new(o, "current_run_id", PQntuples(res)
            ? json_integer(strtoll(PQgetvalue(res, 0, 0), NULL, 10)) : json_null());
        PQclear(res);
        api_json(r, 200, o);
        return;
    }
    json_object_set_new(o, "database", json_string("unreachable"));
    json_object_set_new(o, "current_run_id", json_null());
    api_json(r, 503, o);
}

/* GET /v1/runs/current: run id, when, counts by status, digests. */
static void runs_current(api_ctx *c, api_reply *r)
{
    const char *p[1] = {c->api->case_id};
    PGresult *res = api_exec(c->db, ST_CURRENT_RUN, 1, p, 0);
    if (!res) {
        api_error(r, 503, "unavailable", "the database could not be read; try again");
        return;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        api_error(r, 404, "not_found", "case '%s' has no published run yet", c->api->case_id);
        return;
    }
    json_t *counts = json_loads(PQgetvalue(res, 0, 3), 0, NULL);
    json_t *inputs = json_loads(PQgetvalue(res, 0, 6), 0, NULL);
    json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:o, s:{s:s, s:s, s:o}}",
        "case_id", c->api->case_id,
        "run_id", (json_int_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10),
        "published_at", PQgetvalue(res, 0, 1),
        "engine_version", PQgetvalue(res, 0, 2),
        "counts", counts ? counts : json_object(),
        "digests", "rules_sha256", PQgetvalue(res, 0, 4), "case_sha256", PQgetvalue(res, 0, 5),
        "inputs", inputs ? inputs : json_array());
    PQclear(res);
    api_json(r, 200, o);
}

/* POST /v1/tokens (platform): mints a creditor token after the platform's
 * own identity check. Body: {"creditor_id"?, "submissions"?, "ttl_seconds"?,
 * "label"?}. */
static const cl_api_field token_fields[] = {
    {"creditor_id", CL_JF_STRING, 0, 0, 64},
    {"submissions", CL_JF_STRINGS, 0, 0, 100},
    {"ttl_seconds", CL_JF_INT, 0, 60, 366 * 86400},
    {"label", CL_JF_STRING, 0, 0, 200},
};

static int id_chars_ok(const char *s)
{
    for (; *s; s++)
        if (*s <= ' ' || *s == 0x7f || strchr("\"',\\{}", *s))
            return 0;
    return 1;
}

static void tokens_post(api_ctx *c, api_reply *r)
{
    cl_api_body b;
    cl_diag d;
    cl_diag_clear(&d);
    if (cl_api_body_parse(c->req->body, c->req->body_len, token_fields, 4, &b, &d)) {
        api_error(r, d.err == CL_ERR_NOMEM ? 500 : 400, "bad_request", "%s", d.msg);
        return;
    }
    const cl_api_value *cred = &b.vals[0], *subs = &b.vals[1], *ttl = &b.vals[2];
    int ids_ok = !cred->present || id_chars_ok(cred->s);
    for (size_t i = 0; i < subs->n; i++)
        ids_ok = ids_ok && id_chars_ok(subs->strs[i]);
    if (!cred->present && subs->n == 0) {
        api_error(r, 400, "bad_request", "a creditor token needs 'creditor_id' or 'submissions'");
        goto out;
    }
    if (!ids_ok) {
        api_error(r, 400, "bad_request", "ids may not hold spaces, quotes, commas or braces");
        goto out;
    }
    char token[CL_API_TOKEN_LEN + 1], ttls[24], *arr = NULL;
    unsigned char sha[32];
    size_t cap = 3;
    for (size_t i = 0; i < subs->n; i++)
        cap += strlen(subs->strs[i]) + 3;
    if (api_token_mint(token, sha) || !(arr = malloc(cap))) {
        api_error(r, 500, "internal", "cannot mint a token");
        goto out;
    }
    char *o = arr;
    *o++ = '{';
    for (size_t i = 0; i < subs->n; i++)
        o += sprintf(o, "%s\"%s\"", i ? "," : "", subs->strs[i]);
    strcpy(o, "}");
    snprintf(ttls, sizeof ttls, "%lld", (long long)(ttl->present ? ttl->i : 7 * 86400));
    const char *p[6] = {(const char *)sha, c->api->case_id, cred->present ? cred->s : "", arr,
                        b.vals[3].present ? b.vals[3].s : "platform", ttls};
    PGresult *res = api_exec(c->db, ST_TOKEN_INSERT, 6, p, 32);
    free(arr);
    if (!res) {
        api_error(r, 503, "unavailable", "the token could not be stored; try again");
        goto out;
    }
    json_t *j = json_pack("{s:s, s:I, s:s}", "token", token,
                          "token_id", (json_int_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10),
                          "expires_at", PQgetvalue(res, 0, 1));
    PQclear(res);
    api_json(r, 201, j);
out:
    cl_api_body_free(&b);
}

const api_route api_routes[] = {
    {"GET", "/v1/health", 0, health},
    {"GET", "/v1/runs/current", ANY_ROLE, runs_current},
    {"POST", "/v1/tokens", CL_ROLE_PLATFORM, tokens_post},
    {"GET", "/v1/me/claims", CL_ROLE_CREDITOR, api_me_claims},
    {"GET", "/v1/review-queue", CL_ROLE_REVIEWER | CL_ROLE_ADMINISTRATOR, api_review_queue},
    {"POST", "/v1/reviews", CL_ROLE_REVIEWER | CL_ROLE_ADMINISTRATOR, api_post_review},
    {"GET", "/v1/creditors", CL_ROLE_JUDGE | CL_ROLE_ADMINISTRATOR, api_creditors},
    {"GET", "/v1/creditors/{creditor_id}", CL_ROLE_JUDGE | CL_ROLE_ADMINISTRATOR | CL_ROLE_REVIEWER,
     api_creditor},
    {"GET", "/v1/roster", CL_ROLE_JUDGE | CL_ROLE_ADMINISTRATOR, api_roster},
    {"GET", "/v1/reports/report.xlsx", CL_ROLE_JUDGE | CL_ROLE_ADMINISTRATOR, api_report_xlsx},
    {"GET", "/metrics", 0, api_metrics},
};
const size_t api_nroutes = sizeof api_routes / sizeof api_routes[0];
_Static_assert(sizeof api_routes / sizeof api_routes[0] <= API_MAX_ROUTES,
               "raise API_MAX_ROUTES with the route table");

/* Does one path segment of a template match; copies a {param}. */
static int seg_match(const char *t, size_t tn, const char *s, size_t sn, char *param, size_t cap)
{
    if (tn >= 2 && t[0] == '{' && t[tn - 1] == '}') {
        if (sn == 0 || sn >= cap)
            return 0;
        memcpy(param, s, sn);
        param[sn] = '\0';
        return 1;
    }
    return tn == sn && !memcmp(t, s, sn);
}

static int path_match(const char *tmpl, const char *path, char *param, size_t cap)
{
    while (*tmpl && *path) {
        if (*tmpl != '/' || *path != '/')
            return 0;
        tmpl++, path++;
        size_t tn = strcspn(tmpl, "/"), sn = strcspn(path, "/");
        if (!seg_match(tmpl, tn, path, sn, param, cap))
            return 0;
        tmpl += tn, path += sn;
    }
    return !*tmpl && !*path;
}

int cl_api_route_find(const char *method, const char *path, char *param, size_t cap)
{
    int other = 0;
    if (cap)
        param[0] = '\0';
    for (size_t i = 0; i < api_nroutes; i++) {
        if (!path_match(api_routes[i].path, path, param, cap))
            continue;
        if (!strcmp(api_routes[i].method, method))
            return (int)i;
        other = 1;
    }
    return other ? -2 : -1;
}

void cl_api_routes(void (*fn)(void *, const char *, const char *, const char *), void *user)
{
    for (size_t i = 0; i < api_nroutes; i++) {
        char roles[80] = "";
        for (int b = 1; b <= CL_ROLE_PLATFORM; b <<= 1)
            if (api_routes[i].roles & b)
                snprintf(roles + strlen(roles), sizeof roles - strlen(roles), "%s%s",
                         roles[0] ? "," : "", cl_api_role_name(b));
        fn(user, api_routes[i].method, api_routes[i].path, roles[0] ? roles : "none");
    }
}
