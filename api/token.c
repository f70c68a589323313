/* token.c - bearer tokens: 32 random bytes (OpenSSL RAND_bytes) written as
 * base64url; only their SHA-256 is stored. Checking a request's token,
 * comparing in constant time; and `claims token create|revoke|list`. */
#include <ctype.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static const char *const role_names[] = {"creditor", "reviewer", "judge", "administrator",
                                         "platform"};

int cl_api_role_parse(const char *s)
{
    for (int i = 0; i < 5; i++)
        if (s && !strcmp(s, role_names[i]))
            return 1 << i;
    return 0;
}

const char *cl_api_role_name(int role)
{
    for (int i = 0; i < 5; i++)
        if (role == 1 << i)
            return role_names[i];
    return "none";
}

cl_err api_token_mint(char token[CL_API_TOKEN_LEN + 1], unsigned char sha[32])
{
    unsigned char raw[33] = {0};
    if (RAND_bytes(raw, 32) != 1)
        return CL_ERR_INTERNAL;
    size_t o = 0;
    for (size_t i = 0; i < 33 && o < CL_API_TOKEN_LEN; i += 3) {
        unsigned v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | raw[i + 2];
        for (int k = 18; k >= 0 && o < CL_API_TOKEN_LEN; k -= 6)
            token[o++] = b64url[(v >> k) & 63];
    }
    token[CL_API_TOKEN_LEN] = '\0';
    OPENSSL_cleanse(raw, sizeof raw);
    api_token_hash(token, CL_API_TOKEN_LEN, sha);
    return CL_OK;
}

void api_token_hash(const char *token, size_t len, unsigned char sha[32])
{
    unsigned int n = 0;
    EVP_Digest(token, len, sha, &n, EVP_sha256(), NULL);
}

void api_principal_clear(api_principal *p)
{
    for (size_t i = 0; i < p->nsubmissions; i++)
        free(p->submissions[i]);
    free(p->submissions);
    memset(p, 0, sizeof *p);
}

/* "Bearer <43 base64url characters>" -> the token; NULL otherwise. */
static const char *bearer(const char *h)
{
    if (!h || strncasecmp(h, "Bearer ", 7))
        return NULL;
    h += 7;
    while (*h == ' ')
        h++;
    size_t n = strlen(h);
    if (n != CL_API_TOKEN_LEN)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!strchr(b64url, h[i]) || !h[i])
            return NULL;
    return h;
}

static void take_submissions(const char *json, api_principal *p)
{
    json_t *a = json_loads(json, 0, NULL);
    size_t n = json_array_size(a);
    p->submissions = n ? calloc(n, sizeof *p->submissions) : NULL;
    for (size_t i = 0; p->submissions && i < n; i++) {
        const char *s = json_string_value(json_array_get(a, i));
        if (s && (p->submissions[p->nsubmissions] = strdup(s)))
            p->nsubmissions++;
    }
    json_decref(a);
}

cl_err api_authenticate(PGconn *c, const char *case_id, const char *authorization,
                        api_principal *p)
{
    memset(p, 0, sizeof *p);
    const char *tok = bearer(authorization);
    if (!tok)
        return CL_ERR_INPUT;
    unsigned char sha[32];
    api_token_hash(tok, CL_API_TOKEN_LEN, sha);
    const char *params[2] = {(const char *)sha, case_id};
    PGresult *r = api_exec(c, ST_TOKEN, 2, params, 32);
    if (!r)
        return CL_ERR_DB;
    cl_err err = CL_ERR_INPUT;
    if (PQntuples(r) == 1 && PQgetlength(r, 0, 4) >= 2) {
        /* the stored hash as text bytea (\x..): compare in constant time */
        unsigned char stored[32] = {0};
        size_t len = 0;
        unsigned char *raw = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 4), &len);
        if (raw && len == 32)
            memcpy(stored, raw, 32);
        PQfreemem(raw);
        int same = CRYPTO_memcmp(stored, sha, 32) == 0;
        int live = PQgetvalue(r, 0, 5)[0] == 't';
        if (same && live) {
            p->token_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
            p->role = cl_api_role_parse(PQgetvalue(r, 0, 1));
            snprintf(p->creditor_id, sizeof p->creditor_id, "%s", PQgetvalue(r, 0, 2));
            snprintf(p->label, sizeof p->label, "%s", PQgetvalue(r, 0, 6));
            take_submissions(PQgetvalue(r, 0, 3), p);
            err = p->role ? CL_OK : CL_ERR_INPUT;
        }
    }
    PQclear(r);
    return err;
}

/* ---- claims token */

static PGconn *admin_connect(const char *conninfo, cl_diag *d)
{
    PGconn *c = PQconnectdb(conninfo ? conninfo : "");
    if (PQstatus(c) != CONNECTION_OK) {
        char msg[512];
        api_db_message(conninfo ? conninfo : "", PQerrorMessage(c), msg, sizeof msg);
        cl_diag_set(d, CL_ERR_DB, "cannot connect to the database: %s", msg);
        PQfinish(c);
        return NULL;
    }
    PQclear(PQexec(c, "SET client_encoding = 'UTF8'; SET TimeZone = 'UTC'"));
    return c;
}

static cl_err db_fail(PGconn *c, const char *conninfo, PGresult *r, const char *what, cl_diag *d)
{
    char msg[512];
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    api_db_message(conninfo ? conninfo : "", r ? PQresultErrorMessage(r) : PQerrorMessage(c), msg,
                   sizeof msg);
    /* 22xxx data exceptions, 23xxx constraint violations: the caller's input */
    cl_err e = state && (!strncmp(state, "22", 2) || !strncmp(state, "23", 2)) ? CL_ERR_INPUT
                                                                               : CL_ERR_DB;
    return cl_diag_set(d, e, "%s: %s", what, msg);
}

/* {"a","b"} as a PostgreSQL array literal, each element quoted. */
static char *array_literal(const char *const *v, size_t n)
{
    size_t cap = 3;
    for (size_t i = 0; i < n; i++)
        cap += 2 * strlen(v[i]) + 3;
    char *s = malloc(cap), *o = s;
    if (!s)
        return NULL;
    *o++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *o++ = ',';
        *o++ = '"';
        for (const char *c = v[i]; *c; c++) {
            if (*c == '"' || *c == '\\')
                *o++ = '\\';
            *o++ = *c;
        }
        *o++ = '"';
    }
    *o++ = '}';
    *o = '\0';
    return s;
}

/* An id a token may carry: 1-64 printable ASCII, no space, quote or comma. */
static int id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isgraph((unsigned char)s[i]) || strchr("\"',\\{}", s[i]))
            return 0;
    return 1;
}

static cl_err check_spec(const cl_api_token_spec *s, cl_diag *d)
{
    if (!s->role)
        return cl_diag_set(d, CL_ERR_USAGE, "a role is required");
    int cred = s->role == CL_ROLE_CREDITOR;
    if (cred && !s->creditor_id && s->nsubmissions == 0)
        return cl_diag_set(d, CL_ERR_USAGE,
                           "a creditor token needs --creditor-id or at least one --submission");
    if (!cred && (s->creditor_id || s->nsubmissions))
        return cl_diag_set(d, CL_ERR_USAGE,
                           "--creditor-id and --submission are for creditor tokens only");
    if (s->creditor_id && !id_ok(s->creditor_id))
        return cl_diag_set(d, CL_ERR_INPUT, "creditor id '%.64s' is not 1-64 printable "
                           "characters without spaces or quotes", s->creditor_id);
    for (size_t i = 0; i < s->nsubmissions; i++)
        if (!id_ok(s->submissions[i]))
            return cl_diag_set(d, CL_ERR_INPUT, "submission id '%.64s' is not 1-64 printable "
                               "characters without spaces or quotes", s->submissions[i]);
    return CL_OK;
}

/* Expiry: an absolute timestamp, or an interval from now ("30 days"). */
static const char create_sql[] =
    "INSERT INTO claims.api_tokens (case_id, sha256, role, creditor_id, submissions, label,"
    " expires_at) SELECT $1, $2, $3, $4, $5::text[], $6, CASE WHEN $7::text IS NULL THEN NULL"
    " WHEN $7 ~ '^[0-9]{4}-' THEN $7::timestamptz ELSE now() + $7::interval END"
    " WHERE EXISTS (SELECT 1 FROM claims.cases WHERE case_id = $1) RETURNING token_id";

cl_err cl_api_token_create(const char *conninfo, const cl_api_token_spec *spec,
                           char token[CL_API_TOKEN_LEN + 1], int64_t *token_id, cl_diag *d)
{
    cl_err err = check_spec(spec, d);
    if (err)
        return err;
    unsigned char sha[32];
    if (api_token_mint(token, sha))
        return cl_diag_set(d, CL_ERR_INTERNAL, "the random generator failed");
    PGconn *c = admin_connect(conninfo, d);
    if (!c)
        return CL_ERR_DB;
    char *subs = array_literal(spec->submissions, spec->nsubmissions);
    const char *p[7] = {spec->case_id, (const char *)sha, cl_api_role_name(spec->role),
                        spec->creditor_id, subs, spec->label, spec->expires};
    int lens[7] = {0, 32, 0, 0, 0, 0, 0}, fmts[7] = {0, 1, 0, 0, 0, 0, 0};
    PGresult *r = PQexecParams(c, create_sql, 7, NULL, p, lens, fmts, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        err = db_fail(c, conninfo, r, "cannot create the token", d);
    else if (PQntuples(r) != 1)
        err = cl_diag_set(d, CL_ERR_INPUT, "unknown case '%s' (load it with 'claims db load')",
                          spec->case_id);
    else
        *token_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    free(subs);
    PQfinish(c);
    if (err)
        OPENSSL_cleanse(token, CL_API_TOKEN_LEN);
    return err;
}

cl_err cl_api_token_revoke(const char *conninfo, const char *case_id, int64_t token_id,
                           cl_diag *d)
{
    PGconn *c = admin_connect(conninfo, d);
    if (!c)
        return CL_ERR_DB;
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)token_id);
    const char *p[2] = {case_id, id};
    PGresult *r = PQexecParams(c,
        "UPDATE claims.api_tokens SET revoked_at = coalesce(revoked_at, now())"
        " WHERE case_id = $1 AND token_id = $2::bigint RETURNING token_id", 2, NULL, p, NULL, NULL, 0);
    cl_err err = CL_OK;
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        err = db_fail(c, conninfo, r, "cannot revoke the token", d);
    else if (PQntuples(r) != 1)
        err = cl_diag_set(d, CL_ERR_INPUT, "no token %lld in case '%s'", (long long)token_id,
                          case_id);
    PQclear(r);
    PQfinish(c);
    return err;
}

cl_err cl_api_token_list(const char *conninfo, const char *case_id, FILE *out, cl_diag *d)
{
    PGconn *c = admin_connect(conninfo, d);
    if (!c)
        return CL_ERR_DB;
    const char *p[1] = {case_id};
    PGresult *r = PQexecParams(c,
        "SELECT token_id, role, coalesce(creditor_id, '-'),"
        " coalesce(nullif(array_to_string(submissions, ','), ''), '-'), coalesce(label, '-'),"
        " to_char(created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        " coalesce(to_char(expires_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'never'),"
        " CASE WHEN revoked_at IS NOT NULL THEN 'revoked' WHEN expires_at <= now() THEN 'expired'"
        " ELSE 'active' END FROM claims.api_tokens WHERE case_id = $1 ORDER BY token_id",
        1, NULL, p, NULL, NULL, 0);
    cl_err err = CL_OK;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        err = db_fail(c, conninfo, r, "cannot list the tokens", d);
    } else {
        fprintf(out, "token_id\trole\tcreditor_id\tsubmissions\tlabel\tcreated\texpires\tstate\n");
        for (int i = 0; i < PQntuples(r); i++)
            for (int k = 0; k < 8; k++)
                fprintf(out, "%s%c", PQgetvalue(r, i, k), k == 7 ? '\n' : '\t');
    }
    PQclear(r);
    PQfinish(c);
    return err;
}
