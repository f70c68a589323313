/* cl_sink.c - output sinks: a file through cl_wbuf, a memory buffer, or a
 * write callback behind a buffer (see cl_sink.h). */
#include "core/cl_sink.h"
#include "core/cl_alloc.h"

#include <stdlib.h>
#include <string.h>

#include "core/cl_wbuf.h"

#define CALLBACK_CHUNK ((size_t)1 << 18)

typedef enum { SINK_FILE, SINK_MEMORY, SINK_CALLBACK } sink_kind;

struct cl_sink {
    sink_kind kind;
    int failed;           /* memory: out of memory; callback: it stopped */
    int finished;
    char *label;
    cl_wbuf *w;           /* SINK_FILE */
    char *buf;            /* SINK_MEMORY (grows), SINK_CALLBACK (one chunk) */
    size_t n, cap;
    cl_write_fn fn;
    void *user;
};

static cl_err make(sink_kind kind, const char *label, cl_sink **out, cl_diag *d)
{
    *out = NULL;
    cl_sink *s = cl_calloc(1, sizeof *s);
    if (!s || !(s->label = cl_strdup(label))) {
        free(s);
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    s->kind = kind;
    *out = s;
    return CL_OK;
}

cl_err cl_sink_file(const char *path, int hashed, cl_sink **out, cl_diag *d)
{
    cl_err e = make(SINK_FILE, path, out, d);
    if (e)
        return e;
    e = hashed ? cl_wbuf_open_hashed(path, &(*out)->w, d) : cl_wbuf_open(path, &(*out)->w, d);
    if (e) {
        cl_sink_free(*out);
        *out = NULL;
    }
    return e;
}

cl_err cl_sink_memory(const char *label, cl_sink **out, cl_diag *d)
{
    return make(SINK_MEMORY, label ? label : "memory", out, d);
}

cl_err cl_sink_callback(const char *label, cl_write_fn fn, void *user, cl_sink **out,
                        cl_diag *d)
{
    cl_err e = make(SINK_CALLBACK, label ? label : "write callback", out, d);
    if (e)
        return e;
    (*out)->fn = fn;
    (*out)->user = user;
    if (!((*out)->buf = cl_malloc(CALLBACK_CHUNK))) {
        cl_sink_free(*out);
        *out = NULL;
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    (*out)->cap = CALLBACK_CHUNK;
    return CL_OK;
}

static void memory_put(cl_sink *s, const void *data, size_t n)
{
    if (s->n + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 1 << 16;
        while (cap < s->n + n + 1)
            cap *= 2;
        char *p = cl_realloc(s->buf, cap);
        if (!p) {
            s->failed = 1;
            return;
        }
        s->buf = p;
        s->cap = cap;
    }
    memcpy(s->buf + s->n, data, n);
    s->n += n;
    s->buf[s->n] = '\0';
}

static void callback_flush(cl_sink *s)
{
    if (s->n && !s->failed && s->fn(s->user, s->buf, s->n) != s->n)
        s->failed = 1;
    s->n = 0;
}

static void callback_put(cl_sink *s, const char *data, size_t n)
{
    while (n && !s->failed) {
        size_t k = s->cap - s->n < n ? s->cap - s->n : n;
        memcpy(s->buf + s->n, data, k);
        s->n += k;
        data += k;
        n -= k;
        if (s->n == s->cap)
            callback_flush(s);
    }
}

void cl_sink_put(cl_sink *s, const void *data, size_t n)
{
    if (s->failed || s->finished || n == 0)
        return;
    switch (s->kind) {
    case SINK_FILE: cl_wbuf_put(s->w, data, n); break;
    case SINK_MEMORY: memory_put(s, data, n); break;
    case SINK_CALLBACK: callback_put(s, data, n); break;
    }
}

cl_err cl_sink_finish(cl_sink *s, unsigned char sha256[32], cl_diag *d)
{
    if (s->finished)
        return cl_diag_set(d, CL_ERR_USAGE, "%s: finished already", s->label);
    s->finished = 1;
    switch (s->kind) {
    case SINK_FILE: {
        cl_wbuf *w = s->w;
        s->w = NULL;
        return cl_wbuf_close_sha256(w, sha256, d);
    }
    case SINK_MEMORY:
        if (s->failed)
            return cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", s->label);
        return CL_OK;
    case SINK_CALLBACK:
        callback_flush(s);
        if (s->failed)
            return cl_diag_set(d, CL_ERR_IO, "%s: the write callback stopped", s->label);
        return CL_OK;
    }
    return CL_OK;
}

const char *cl_sink_bytes(const cl_sink *s, size_t *len)
{
    if (s->kind != SINK_MEMORY) {
        *len = 0;
        return NULL;
    }
    *len = s->n;
    return s->buf ? s->buf : "";
}

const char *cl_sink_label(const cl_sink *s)
{
    return s->label;
}

void cl_sink_free(cl_sink *s)
{
    if (!s)
        return;
    cl_wbuf_discard(s->w);
    free(s->buf);
    free(s->label);
    free(s);
}
