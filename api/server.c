/* server.c - the HTTP server: libmicrohttpd with its own thread pool and
 * epoll, request limits, the dispatch through the route table (token, role),
 * one error shape, the JSON-lines access log (request id, route template,
 * status, latency - never a URL, a token or personal data), and a stop that
 * drains the requests in flight. */
#include <arpa/inet.h>
#include <jansson.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/api_int.h"
#include "store/cl_store.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void api_error(api_reply *r, unsigned status, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    api_json(r, status, json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg));
}

void api_json(api_reply *r, unsigned status, void *json)
{
    char *s = json ? json_dumps((json_t *)json, JSON_COMPACT) : NULL;
    if (json)
        json_decref((json_t *)json);
    if (!s) {
        static const char oom[] = "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";
        r->status = 500;
        r->body = strdup(oom);
        r->len = r->body ? strlen(oom) : 0;
    } else {
        r->status = status;
        r->body = s;
        r->len = strlen(s);
    }
    r->content_type = "application/json; charset=utf-8";
}

/* ---- the access log */
static const char *log_method(const char *m)
{
    static const char *const known[] = {"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS",
                                        "PATCH"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(m, known[i]))
            return known[i];
    return "OTHER";
}

static void access_log(cl_api *a, const api_request *q, const char *method)
{
    if (!a->conf.access_log)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[40];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    pthread_mutex_lock(&a->log_lock);
    fprintf(a->conf.access_log,
            "{\"ts\":\"%s.%03ldZ\",\"request_id\":\"%s\",\"method\":\"%s\",\"route\":\"%s\","
            "\"status\":%u,\"latency_ms\":%.3f}\n",
            when, ts.tv_nsec / 1000000, q->id, method,
            q->route >= 0 ? api_routes[q->route].path : "-", q->status,
            (now_s() - q->t0) * 1000.0);
    fflush(a->conf.access_log);
    pthread_mutex_unlock(&a->log_lock);
}

/* ---- answering */
static enum MHD_Result send_reply(struct MHD_Connection *conn, api_request *q, api_reply *r)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(r->len, r->body,
                                                                MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(r->body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", r->content_type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Request-Id", q->id);
    if (r->status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
    q->status = r->status;
    enum MHD_Result ok = MHD_queue_response(conn, r->status, resp);
    MHD_destroy_response(resp);
    return ok;
}

/* Token and role of a route that needs them; 0 when the caller may go on. */
static int authorize(api_ctx *c, const api_route *rt, api_reply *r)
{
    if (!rt->roles)
        return 0;
    if (!c->db) {
        api_error(r, 503, "unavailable", "the database cannot be reached; try again");
        return 1;
    }
    const char *h = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, "Authorization");
    cl_err e = api_authenticate(c->db, c->api->case_id, h, &c->who);
    if (e == CL_ERR_DB) {
        api_error(r, 503, "unavailable", "the database cannot be reached; try again");
        return 1;
    }
    if (e) {
        api_error(r, 401, "unauthorized", "a valid bearer token is required "
                  "(Authorization: Bearer <token>); it may have expired or been revoked");
        return 1;
    }
    if (!(rt->roles & c->who.role)) {
        api_error(r, 403, "forbidden", "this route is not open to the %s role",
                  cl_api_role_name(c->who.role));
        return 1;
    }
    return 0;
}

static void dispatch(cl_api *a, struct MHD_Connection *conn, api_request *q, const char *url,
                     const char *method, api_reply *r)
{
    q->route = cl_api_route_find(method, url, q->param, sizeof q->param);
    if (q->route == -1) {
        api_error(r, 404, "not_found", "no such route");
        return;
    }
    if (q->route == -2) {
        q->route = -1;
        api_error(r, 405, "method_not_allowed", "this route does not take %s", log_method(method));
        return;
    }
    if (q->too_large) {
        api_error(r, 413, "payload_too_large", "the body is larger than %zu bytes",
                  a->conf.max_body);
        return;
    }
    const api_route *rt = &api_routes[q->route];
    api_ctx c = {.api = a, .req = q, .conn = conn};
    c.db = api_pool_get(a->pool);
    if (!authorize(&c, rt, r))
        rt->fn(&c, r);
    api_pool_put(a->pool, c.db);
    api_principal_clear(&c.who);
}

static api_request *request_new(cl_api *a)
{
    api_request *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->api = a;
    q->t0 = now_s();
    q->route = -1;
    snprintf(q->id, sizeof q->id, "%08x-%012llx", a->boot,
             (unsigned long long)atomic_fetch_add(&a->next_request, 1));
    atomic_fetch_add(&a->inflight, 1);
    return q;
}

static int body_append(api_request *q, const char *data, size_t n, size_t max)
{
    if (q->too_large || q->body_len + n > max) {
        q->too_large = 1;
        return 0;
    }
    if (q->body_len + n + 1 > q->body_cap) {
        size_t cap = q->body_cap ? q->body_cap * 2 : 1024;
        while (cap < q->body_len + n + 1)
            cap *= 2;
        char *b = realloc(q->body, cap);
        if (!b)
            return -1;
        q->body = b;
        q->body_cap = cap;
    }
    memcpy(q->body + q->body_len, data, n);
    q->body_len += n;
    q->body[q->body_len] = '\0';
    return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls)
{
    cl_api *a = cls;
    api_request *q = *con_cls;
    if (!q) {
        if (!(q = request_new(a)))
            return MHD_NO;
        *con_cls = q;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > a->conf.max_body)
            q->too_large = 1;    /* answered 413 at once; the body is never read */
        else
            return MHD_YES;
    }
    if (*upload_size) {
        /* MHD answers only once the body is in: a body over the limit is
         * discarded as it arrives (the connection is cut if it goes on past
         * 16 times the limit) and answered 413 at its end. */
        if (!q->too_large && body_append(q, upload, *upload_size, a->conf.max_body) < 0)
            return MHD_NO;
        if (q->too_large && (q->discarded += *upload_size) > 16 * a->conf.max_body)
            return MHD_NO;
        *upload_size = 0;
        return MHD_YES;
    }
    api_reply r = {0};
    dispatch(a, conn, q, url, method, &r);
    return send_reply(conn, q, &r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    cl_api *a = cls;
    api_request *q = *con_cls;
    if (!q)
        return;
    if (!q->status)
        q->status = 499;    /* the client went away or timed out before an answer */
    api_metrics_record(a, q->route, q->status, now_s() - q->t0);
    access_log(a, q, q->route >= 0 ? api_routes[q->route].method : "-");
    free(q->body);
    free(q);
    *con_cls = NULL;
    atomic_fetch_sub(&a->inflight, 1);
}

/* ---- starting and stopping */

/* The connecting user must be the API role's: not a superuser, not the
 * owner of the schema's tables, and unable to change a run. */
static cl_err check_role(const cl_api_conf *conf, cl_diag *d)
{
    cl_store *s = NULL;
    cl_err err = cl_store_open(conf->conninfo, &s, d);
    if (err)
        return err;
    if ((err = cl_store_schema_check(s, d))) {
        cl_store_close(s);
        return err;
    }
    cl_store_close(s);
    PGconn *c = PQconnectdb(conf->conninfo);
    PGresult *r = PQexec(c,
        "SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),"
        " pg_has_role(current_user, (SELECT tableowner FROM pg_tables WHERE schemaname = 'claims'"
        " AND tablename = 'runs'), 'USAGE'),"
        " has_table_privilege('claims.runs', 'UPDATE'),"
        " has_table_privilege('claims.api_tokens', 'SELECT')");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        char msg[512];
        api_db_message(conf->conninfo, PQerrorMessage(c), msg, sizeof msg);
        err = cl_diag_set(d, CL_ERR_DB, "cannot check the connecting role: %s", msg);
    } else if (PQgetvalue(r, 0, 0)[0] == 't' || PQgetvalue(r, 0, 1)[0] == 't' ||
               PQgetvalue(r, 0, 2)[0] == 't') {
        err = cl_diag_set(d, CL_ERR_CONFIG,
                          "the service must connect as a member of the API role (claims_api), "
                          "never as a superuser or the schema's owner or engine: this user can "
                          "change published runs");
    } else if (PQgetvalue(r, 0, 3)[0] != 't') {
        err = cl_diag_set(d, CL_ERR_CONFIG, "this user cannot read claims.api_tokens: connect as "
                          "a member of the API role and run 'claims db init' to grant it");
    }
    PQclear(r);
    PQfinish(c);
    return err;
}

static cl_err check_case(cl_api *a, cl_diag *d)
{
    PGconn *c = api_pool_get(a->pool);
    const char *p[1] = {a->case_id};
    PGresult *r = c ? PQexecParams(c, "SELECT 1 FROM claims.cases WHERE case_id = $1", 1, NULL,
                                   p, NULL, NULL, 0) : NULL;
    cl_err err = CL_OK;
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        err = cl_diag_set(d, CL_ERR_DB, "cannot read the cases");
    else if (PQntuples(r) == 0)
        err = cl_diag_set(d, CL_ERR_INPUT, "unknown case '%s' (load it with 'claims db load')",
                          a->case_id);
    PQclear(r);
    api_pool_put(a->pool, c);
    return err;
}

static void api_free(cl_api *a)
{
    api_snap_stop(a);
    pthread_mutex_destroy(&a->snap_lock);
    api_pool_close(a->pool);
    pthread_mutex_destroy(&a->log_lock);
    free(a->conninfo);
    free(a->case_id);
    free(a);
}

static cl_err listen_on(cl_api *a, cl_diag *d)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)a->conf.port)};
    if (inet_pton(AF_INET, a->conf.host, &sa.sin_addr) != 1)
        return cl_diag_set(d, CL_ERR_USAGE, "--listen: '%s' is not an IPv4 address", a->conf.host);
    a->mhd = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC, 0, NULL, NULL,
        on_request, a,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, a->conf.threads,
        MHD_OPTION_CONNECTION_LIMIT, a->conf.max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, a->conf.timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, a->conf.max_header,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, a,
        MHD_OPTION_END);
    if (!a->mhd)
        return cl_diag_set(d, CL_ERR_IO, "cannot listen on %s:%u (in use, or not an address of "
                           "this host)", a->conf.host, a->conf.port);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(a->mhd, MHD_DAEMON_INFO_BIND_PORT);
    a->port = info ? info->port : a->conf.port;
    return CL_OK;
}

cl_err cl_api_start(const cl_api_conf *conf, cl_api **out, cl_diag *d)
{
    *out = NULL;
    if (!conf->case_id || !cl_store_case_id_ok(conf->case_id))
        return cl_diag_set(d, CL_ERR_USAGE, "a case id (1-64 of A-Z a-z 0-9 . _ -) is required");
    cl_err err = check_role(conf, d);
    if (err)
        return err;
    cl_api *a = calloc(1, sizeof *a);
    if (!a || !(a->conninfo = strdup(conf->conninfo)) || !(a->case_id = strdup(conf->case_id))) {
        if (a)
            free(a->conninfo);
        free(a);
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    pthread_mutex_init(&a->log_lock, NULL);
    pthread_mutex_init(&a->snap_lock, NULL);
    a->wake[0] = a->wake[1] = -1;
    a->conf = *conf;
    a->conf.threads = conf->threads ? conf->threads : 2;
    a->conf.max_body = conf->max_body ? conf->max_body : 64 * 1024;
    a->conf.max_header = conf->max_header ? conf->max_header : 16 * 1024;
    a->conf.timeout_s = conf->timeout_s ? conf->timeout_s : 30;
    a->conf.max_connections = conf->max_connections ? conf->max_connections : 512;
    if (RAND_bytes((unsigned char *)&a->boot, sizeof a->boot) != 1)
        a->boot = (unsigned)getpid();
    if ((err = api_pool_open(conf->conninfo, a->conf.threads, &a->pool, d)) ||
        (err = check_case(a, d)) || (err = api_snap_start(a, d)) ||
        (err = listen_on(a, d))) {
        api_free(a);
        return err;
    }
    *out = a;
    return CL_OK;
}

unsigned cl_api_port(const cl_api *a)
{
    return a->port;
}

void cl_api_stop(cl_api *a, unsigned drain_ms)
{
    if (!a)
        return;
    MHD_socket fd = MHD_quiesce_daemon(a->mhd);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    for (unsigned waited = 0; atomic_load(&a->inflight) > 0 && waited < drain_ms; waited += 10)
        usleep(10000);
    MHD_stop_daemon(a->mhd);
    api_free(a);
}
