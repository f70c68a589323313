/* cl_api.h - the HTTP API of claims (docs/API.md): a libmicrohttpd server
 * (its own thread pool, epoll) serving one case of the PostgreSQL store to
 * the court platform, with bearer tokens of five roles; and the token
 * administration `claims token` uses. Layer 5: includes store/ and below. */
#ifndef CL_API_H
#define CL_API_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/cl_error.h"

/* ---- the server */
typedef struct cl_api_conf {
    const char *conninfo;     /* libpq string; must connect as the API role */
    const char *case_id;
    const char *host;         /* IPv4 address to bind, e.g. "127.0.0.1" */
    unsigned port;            /* 0: an ephemeral port (see cl_api_port) */
    unsigned threads;         /* MHD thread pool size, also database connections; 0: 2 */
    size_t max_body;          /* request body bytes; 0: 64 KiB */
    size_t max_header;        /* per-connection memory for URL + headers; 0: 16 KiB */
    unsigned timeout_s;       /* idle connection timeout; 0: 30 s */
    unsigned max_connections; /* concurrent connections; 0: 512 */
    FILE *access_log;         /* JSON lines; NULL: none */
} cl_api_conf;

typedef struct cl_api cl_api;

/* Connects to the database (checking the schema version and that the
 * connecting user is the API role: no superuser, not the owner, cannot
 * update runs), prepares the statements, and starts listening. */
cl_err cl_api_start(const cl_api_conf *conf, cl_api **out, cl_diag *d);
/* The bound TCP port. */
unsigned cl_api_port(const cl_api *a);
/* Stops accepting connections, waits up to drain_ms for the requests in
 * flight to be answered, then stops and frees everything. NULL is fine. */
void cl_api_stop(cl_api *a, unsigned drain_ms);

/* The route table, for `claims serve --routes` and the OpenAPI check:
 * calls fn(user, method, path template, roles as "a,b") for each route. */
void cl_api_routes(void (*fn)(void *user, const char *method, const char *path,
                              const char *roles), void *user);

/* ---- tokens (`claims token`) */
typedef enum cl_api_role {
    CL_ROLE_CREDITOR = 1,
    CL_ROLE_REVIEWER = 2,
    CL_ROLE_JUDGE = 4,
    CL_ROLE_ADMINISTRATOR = 8,
    CL_ROLE_PLATFORM = 16
} cl_api_role;

/* "creditor" ... "platform" -> the role; 0 when unknown. */
int cl_api_role_parse(const char *s);
const char *cl_api_role_name(int role);

typedef struct cl_api_token_spec {
    const char *case_id;
    int role;                       /* cl_api_role */
    const char *creditor_id;        /* creditor: the verified identity, or NULL */
    const char *const *submissions; /* creditor: submission ids that person filed */
    size_t nsubmissions;
    const char *expires;            /* a PostgreSQL timestamptz or interval ("30 days"); NULL: never */
    const char *label;              /* who holds it; NULL */
} cl_api_token_spec;

/* Length of a token: 32 random bytes, base64url without padding. */
#define CL_API_TOKEN_LEN 43

/* Mints a token (OpenSSL RAND_bytes), stores its SHA-256 only, and gives
 * the token (NUL-ended) and its id. */
cl_err cl_api_token_create(const char *conninfo, const cl_api_token_spec *spec,
                           char token[CL_API_TOKEN_LEN + 1], int64_t *token_id, cl_diag *d);
/* Revokes a token by id; an unknown id (or another case's) is CL_ERR_INPUT. */
cl_err cl_api_token_revoke(const char *conninfo, const char *case_id, int64_t token_id,
                           cl_diag *d);
/* Writes the case's tokens (id, role, creditor, submissions, label,
 * created, expires, state) - never a token or its hash. */
cl_err cl_api_token_list(const char *conninfo, const char *case_id, FILE *out, cl_diag *d);

/* ---- request parsing (exposed for the fuzz target) */

/* Finds the route of a method and path; fills the path parameter (the
 * {..} part, NUL-ended, at most cap bytes) and returns the route's index,
 * -1 when no path matches, -2 when the path matches another method only. */
int cl_api_route_find(const char *method, const char *path, char *param, size_t cap);

typedef enum cl_api_ftype { CL_JF_STRING, CL_JF_INT, CL_JF_STRINGS } cl_api_ftype;

/* A field of a JSON body: its name, type, whether required, and limits
 * (strings: max bytes; ints: min..max; string arrays: max items, each at
 * most 64 bytes). */
typedef struct cl_api_field {
    const char *name;
    cl_api_ftype type;
    int required;
    int64_t min, max;
} cl_api_field;

typedef struct cl_api_value {
    int present;
    const char *s;            /* CL_JF_STRING: into the parsed document */
    int64_t i;
    const char **strs;        /* CL_JF_STRINGS: malloc'd array of n */
    size_t n;
} cl_api_value;

/* A parsed body: free with cl_api_body_free. */
typedef struct cl_api_body {
    void *doc;                /* json_t */
    cl_api_value *vals;       /* one per field */
    size_t nvals;
} cl_api_body;

/* Parses a JSON object body strictly: malformed JSON, duplicate keys,
 * unknown fields, wrong types, numbers out of range, missing required
 * fields -> CL_ERR_INPUT with a message naming the field (and line and
 * column of a syntax error). */
cl_err cl_api_body_parse(const char *body, size_t len, const cl_api_field *fields,
                         size_t nfields, cl_api_body *out, cl_diag *d);
void cl_api_body_free(cl_api_body *b);

#endif
