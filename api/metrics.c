/* metrics.c - GET /metrics in the Prometheus text format: requests by route
 * template and status, and a latency histogram per route. Counters are
 * atomics updated when a request completes; nothing here holds personal
 * data, so the route needs no token (like /v1/health). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"

static const unsigned statuses[API_NSTATUS] = {200, 201, 400, 401, 403, 404, 405, 413, 414,
                                                422, 431, 499, 500, 503, 0};
static const double buckets[API_NBUCKET] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                            0.5, 1, 2.5};

static int status_slot(unsigned st)
{
    for (int i = 0; i < API_NSTATUS - 1; i++)
        if (statuses[i] == st)
            return i;
    return API_NSTATUS - 1;   /* any other */
}

void api_metrics_record(cl_api *a, int route, unsigned status, double seconds)
{
    int r = route >= 0 && (size_t)route < api_nroutes ? route : API_MAX_ROUTES;
    api_route_metrics *m = &a->metrics[r];
    atomic_fetch_add(&m->by_status[status_slot(status)], 1);
    for (int b = 0; b < API_NBUCKET; b++)
        if (seconds <= buckets[b])
            atomic_fetch_add(&m->le[b], 1);
    atomic_fetch_add(&m->count, 1);
    atomic_fetch_add(&m->micros, (unsigned long long)(seconds * 1e6));
}

/* A growing text buffer. */
typedef struct tbuf { char *p; size_t len, cap; int oom; } tbuf;

static void put(tbuf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(tbuf *t, const char *fmt, ...)
{
    va_list ap;
    for (int tries = 0; tries < 2 && !t->oom; tries++) {
        va_start(ap, fmt);
        int n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n >= 0 && t->p && (size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = (t->cap ? t->cap * 2 : 8192) + (size_t)(n > 0 ? n : 0);
        char *p = realloc(t->p, cap);
        if (!p) {
            t->oom = 1;
            return;
        }
        t->p = p;
        t->cap = cap;
    }
}

static void route_lines(tbuf *t, const api_route_metrics *m, const char *method, const char *path)
{
    for (int s = 0; s < API_NSTATUS; s++) {
        unsigned long long n = atomic_load(&m->by_status[s]);
        if (!n)
            continue;
        char st[16];
        if (statuses[s])
            snprintf(st, sizeof st, "%u", statuses[s]);
        else
            strcpy(st, "other");
        put(t, "claims_http_requests_total{method=\"%s\",route=\"%s\",status=\"%s\"} %llu\n",
            method, path, st, n);
    }
}

static void histogram_lines(tbuf *t, const api_route_metrics *m, const char *path)
{
    unsigned long long count = atomic_load(&m->count);
    if (!count)
        return;
    for (int b = 0; b < API_NBUCKET; b++)
        put(t, "claims_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n", path,
            buckets[b], (unsigned long long)atomic_load(&m->le[b]));
    put(t, "claims_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n", path,
        count);
    put(t, "claims_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", path,
        atomic_load(&m->micros) / 1e6);
    put(t, "claims_http_request_duration_seconds_count{route=\"%s\"} %llu\n", path, count);
}

void api_metrics(api_ctx *c, api_reply *r)
{
    tbuf t = {0};
    cl_api *a = c->api;
    put(&t, "# HELP claims_http_requests_total HTTP requests answered, by route template and "
            "status.\n# TYPE claims_http_requests_total counter\n");
    for (size_t i = 0; i < api_nroutes; i++)
        route_lines(&t, &a->metrics[i], api_routes[i].method, api_routes[i].path);
    route_lines(&t, &a->metrics[API_MAX_ROUTES], "-", "-");
    put(&t, "# HELP claims_http_request_duration_seconds Time from the request's headers to its "
            "answer.\n# TYPE claims_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < api_nroutes; i++)
        histogram_lines(&t, &a->metrics[i], api_routes[i].path);
    histogram_lines(&t, &a->metrics[API_MAX_ROUTES], "-");
    api_snap *s = api_snap_get(a);
    put(&t, "# HELP claims_current_run_id The published run being served.\n"
            "# TYPE claims_current_run_id gauge\nclaims_current_run_id %lld\n",
        (long long)(s ? s->run_id : 0));
    api_snap_release(s);
    if (t.oom) {
        free(t.p);
        api_error(r, 500, "internal", "out of memory");
        return;
    }
    r->status = 200;
    r->body = t.p;
    r->len = t.len;
    r->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
