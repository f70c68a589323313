/* routes_review.c - POST /v1/reviews: a reviewer's decision in the
 * contract's overrides form, checked with the engine's own parsers (the
 * decision word, the amount), for a submission of the current run, stored
 * in claims.review_decisions for the next run to apply (and refuse, with
 * its reason, as from overrides.csv). The reviewer and decided_at are the
 * server's: the token's holder and the time of the request. */
#include <jansson.h>
#include <string.h>
#include <time.h>

#include "api/api_int.h"
#include "ingest/cl_enums.h"
#include "ingest/cl_norm.h"

static const cl_api_field review_fields[] = {
    {"submission_id", CL_JF_STRING, 1, 0, 64},
    {"decision", CL_JF_STRING, 1, 0, 32},
    {"amount", CL_JF_STRING, 0, 0, 32},
    {"note", CL_JF_STRING, 0, 0, 1000},
};

static int known_submission(api_snap *s, const char *sid)
{
    const PGresult *r = s->res[SN_CLAIMS];
    int k = api_snap_first(r, s->by_submission, CLM_SUB, sid);
    return k < PQntuples(r) && !strcmp(PQgetvalue(r, s->by_submission[k], CLM_SUB), sid);
}

/* The decision's checks: 0 when it may be stored, else r is the 422. */
static int check_review(api_ctx *c, api_reply *r, const cl_api_value *v, const char **amount)
{
    cl_decision dec = cl_decision_parse(v[1].s, strlen(v[1].s));
    if (dec == CL_DEC_INVALID) {
        api_error(r, 422, "unprocessable", "decision '%.32s' is not confirm/确认, reject/不予确认 "
                  "or temporary/临时确定", v[1].s);
        return -1;
    }
    *amount = v[2].present ? v[2].s : NULL;
    if (!*amount && dec != CL_DEC_REJECT) {
        api_error(r, 422, "unprocessable", "an amount (yuan, as text) is required for '%s'",
                  v[1].s);
        return -1;
    }
    int64_t fen;
    if (*amount && cl_parse_amount(*amount, strlen(*amount), false, &fen) != CL_AMT_OK) {
        api_error(r, 422, "unprocessable", "amount '%.32s' is not an amount in yuan (at most two "
                  "decimals, no sign, at most 10^11)", *amount);
        return -1;
    }
    if (!*amount)
        *amount = "0";
    api_snap *s = api_snap_get(c->api);
    int known = s && known_submission(s, v[0].s);
    api_snap_release(s);
    if (!known) {
        api_error(r, 422, "unprocessable", "no submission '%.64s' in the current run", v[0].s);
        return -1;
    }
    return 0;
}

void api_post_review(api_ctx *c, api_reply *r)
{
    cl_api_body b;
    cl_diag d;
    cl_diag_clear(&d);
    if (cl_api_body_parse(c->req->body, c->req->body_len, review_fields, 4, &b, &d)) {
        api_error(r, d.err == CL_ERR_NOMEM ? 500 : 400, "bad_request", "%s", d.msg);
        return;
    }
    const char *amount = NULL;
    if (check_review(c, r, b.vals, &amount))
        goto out;
    char reviewer[96], when[32];
    if (c->who.label[0])
        snprintf(reviewer, sizeof reviewer, "%s", c->who.label);
    else
        snprintf(reviewer, sizeof reviewer, "token-%lld", (long long)c->who.token_id);
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    const char *p[7] = {c->api->case_id, b.vals[0].s, b.vals[1].s, amount, reviewer, when,
                        b.vals[3].present ? b.vals[3].s : ""};
    PGresult *res = api_exec(c->db, ST_REVIEW, 7, p, 0);
    if (!res) {
        api_error(r, 503, "unavailable", "the decision could not be stored; try again");
        goto out;
    }
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}",
                          "seq", (json_int_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10),
                          "submission_id", b.vals[0].s, "decision", b.vals[1].s,
                          "amount", amount, "reviewer", reviewer, "decided_at", when);
    PQclear(res);
    api_json(r, 201, o);
out:
    cl_api_body_free(&b);
}
