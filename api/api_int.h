/* api_int.h - internal to api/: the server, its database connections, the
 * request being answered, and what the route handlers share. */
#ifndef CL_API_INT_H
#define CL_API_INT_H

#include <libpq-fe.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "api/cl_api.h"

/* ---- database connections: one per server thread, all prepared alike */
typedef struct api_pool api_pool;

/* Opens n connections as the API role and prepares every statement. */
cl_err api_pool_open(const char *conninfo, unsigned n, api_pool **out, cl_diag *d);
void api_pool_close(api_pool *p);
/* Borrows a connection (waits for one); reconnects a broken one. NULL when
 * the database cannot be reached. */
PGconn *api_pool_get(api_pool *p);
void api_pool_put(api_pool *p, PGconn *c);

/* Prepared statements (db.c holds their SQL). */
enum api_stmt {
    ST_CURRENT_RUN_ID,  /* $1 case -> run_id */
    ST_CURRENT_RUN,     /* $1 case -> the current run's row */
    ST_TOKEN,           /* $1 sha256 (binary), $2 case -> the token */
    ST_TOKEN_INSERT,    /* creditor token minted by the platform */
    ST_AUDIT,           /* an access audit row */
    ST_REPORT,          /* $1 run -> report_xlsx (binary) */
    ST_REVIEW,          /* a reviewer's decision */
    ST_COUNT
};
const char *api_stmt_name(enum api_stmt s);

/* Runs a prepared statement with text parameters (lengths NULL) or one
 * binary first parameter (bin_len > 0). The result or NULL (error). */
PGresult *api_exec(PGconn *c, enum api_stmt s, int n, const char *const *params, int bin_len);

/* A libpq message without any connection secret, into buf. */
void api_db_message(const char *conninfo, const char *msg, char *buf, size_t cap);

/* ---- the authenticated caller */
typedef struct api_principal {
    int64_t token_id;
    int role;                 /* cl_api_role; 0: no token */
    char creditor_id[72];
    char label[96];           /* who holds the token ("" if none) */
    char **submissions;
    size_t nsubmissions;
} api_principal;

void api_principal_clear(api_principal *p);

/* Looks the bearer token of a request up: CL_OK and p filled when valid;
 * CL_ERR_INPUT when absent, malformed, unknown, expired or revoked (one
 * answer for all); CL_ERR_DB when the database failed. */
cl_err api_authenticate(PGconn *c, const char *case_id, const char *authorization,
                        api_principal *p);

/* base64url (no padding) of 32 random bytes, and a token's SHA-256. */
cl_err api_token_mint(char token[CL_API_TOKEN_LEN + 1], unsigned char sha[32]);
void api_token_hash(const char *token, size_t len, unsigned char sha[32]);

/* ---- the current run in memory (snapshot.c) */
enum { SN_RUN, SN_CLAIMS, SN_CREDITORS, SN_ROSTER, SN_QUEUE, SN_COUNT };
/* Columns of the result sets (the order of snapshot.c's SELECTs). */
enum { CLM_SUB, CLM_CRED, CLM_STATUS, CLM_CODES, CLM_DECLARED, CLM_PRINCIPAL, CLM_INTEREST,
       CLM_OTHER, CLM_CONFIRMED, CLM_VOTING, CLM_SUPERSEDED, CLM_LATE, CLM_REASONS,
       CLM_CATEGORY };
enum { CRD_ID, CRD_IDTYPE, CRD_IDNUM, CRD_NAME, CRD_KIND, CRD_DECLARED, CRD_CONFIRMED,
       CRD_PENDING, CRD_EMPLOYEE, CRD_TAX, CRD_ORDINARY, CRD_SECURED };
enum { RST_ID, RST_NAME, RST_VOTING, RST_UNSECURED, RST_SECURED, RST_GROUPS, RST_VOTING_NUM };

typedef struct api_snap {
    atomic_int refs;
    int64_t run_id;
    PGresult *res[SN_COUNT];   /* immutable once built */
    int *by_creditor;          /* claims rows sorted by creditor_id */
    int *by_submission;        /* claims rows sorted by submission_id */
    int *cred_index;           /* creditors rows sorted by creditor_id */
} api_snap;

/* A counted reference to the current snapshot (NULL: no published run). */
api_snap *api_snap_get(cl_api *a);
void api_snap_release(api_snap *s);   /* NULL is fine */
/* First position in ix (rows of r sorted by col) whose value is >= key. */
int api_snap_first(const PGresult *r, const int *ix, int col, const char *key);
/* Loads the current run if it is not the snapshot's, and swaps it in. */
cl_err api_snap_refresh(cl_api *a, PGconn *c);
/* The watcher: first load, then LISTEN claims_run_published + a poll. */
cl_err api_snap_start(cl_api *a, cl_diag *d);
void api_snap_stop(cl_api *a);

/* ---- metrics (metrics.c) */
#define API_MAX_ROUTES 32     /* the table's size limit; slot API_MAX_ROUTES: no route */
#define API_NSTATUS 15
#define API_NBUCKET 11
typedef struct api_route_metrics {
    atomic_ullong by_status[API_NSTATUS];
    atomic_ullong le[API_NBUCKET];
    atomic_ullong count, micros;
} api_route_metrics;

void api_metrics_record(cl_api *a, int route, unsigned status, double seconds);

/* ---- the server and one request */
struct cl_api {
    cl_api_conf conf;
    char *conninfo, *case_id;
    struct MHD_Daemon *mhd;
    api_pool *pool;
    unsigned port;
    atomic_int inflight;
    atomic_ullong next_request;
    unsigned boot;            /* random prefix of request ids */
    pthread_mutex_t log_lock;
    pthread_mutex_t snap_lock;
    api_snap *snap;
    PGconn *watch_conn;
    pthread_t watcher;
    int watching;
    int wake[2];
    atomic_int stopping;
    api_route_metrics metrics[API_MAX_ROUTES + 1];
};

typedef struct api_request {
    cl_api *api;
    char id[32];
    int route;                /* index into the route table; -1: none */
    double t0;
    char *body;
    size_t body_len, body_cap;
    int too_large;
    size_t discarded;         /* body bytes dropped past the limit */
    unsigned status;
    char param[80];           /* the {..} part of the path */
} api_request;

/* What a handler gives back: a status and a JSON body (owned) or raw
 * bytes with a content type. */
typedef struct api_reply {
    unsigned status;
    char *body;
    size_t len;
    const char *content_type;
} api_reply;

/* Sets r to {"error":{"code":code,"message":msg}}. */
void api_error(api_reply *r, unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Sets r to a JSON document (stolen reference; NULL is a 500). */
void api_json(api_reply *r, unsigned status, void *json);

typedef struct api_ctx {
    cl_api *api;
    api_request *req;
    struct MHD_Connection *conn;
    PGconn *db;
    api_principal who;
} api_ctx;

typedef void (*api_handler)(api_ctx *c, api_reply *r);

typedef struct api_route {
    const char *method;
    const char *path;         /* a template: at most one {name} segment */
    int roles;                /* cl_api_role bits; 0: no token needed */
    api_handler fn;
} api_route;

extern const api_route api_routes[];
/* routes_run.c: the routes served from the snapshot */
void api_me_claims(api_ctx *c, api_reply *r);
void api_review_queue(api_ctx *c, api_reply *r);
void api_creditors(api_ctx *c, api_reply *r);
void api_creditor(api_ctx *c, api_reply *r);
void api_roster(api_ctx *c, api_reply *r);
void api_report_xlsx(api_ctx *c, api_reply *r);
void api_post_review(api_ctx *c, api_reply *r);   /* routes_review.c */
void api_metrics(api_ctx *c, api_reply *r);       /* metrics.c */
extern const size_t api_nroutes;

#endif
