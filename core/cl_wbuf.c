/* cl_wbuf.c - buffered writer over a file descriptor. */
#include "core/cl_wbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cl_money.h"

#define WBUF_SIZE (1u << 18)

struct cl_wbuf {
    int fd;
    int err;          /* first errno seen */
    size_t used;
    char *path;
    char buf[WBUF_SIZE];
};

cl_err cl_wbuf_open(const char *path, cl_wbuf **out, cl_diag *d)
{
    *out = NULL;
    cl_wbuf *w = malloc(sizeof *w);
    if (!w)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        cl_err e = cl_diag_set(d, CL_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
        free(w);
        return e;
    }
    w->err = 0;
    w->used = 0;
    w->path = strdup(path);
    *out = w;
    return CL_OK;
}

static void flush(cl_wbuf *w)
{
    size_t off = 0;
    while (off < w->used && !w->err) {
        ssize_t n = write(w->fd, w->buf + off, w->used - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            w->err = errno;
        } else {
            off += (size_t)n;
        }
    }
    w->used = 0;
}

void cl_wbuf_put(cl_wbuf *w, const char *s, size_t n)
{
    if (w->used + n > WBUF_SIZE) {
        flush(w);
        if (n > WBUF_SIZE) {
            while (n && !w->err) {
                ssize_t k = write(w->fd, s, n);
                if (k < 0 && errno != EINTR)
                    w->err = errno;
                else if (k > 0) {
                    s += k;
                    n -= (size_t)k;
                }
            }
            return;
        }
    }
    memcpy(w->buf + w->used, s, n);
    w->used += n;
}

void cl_wbuf_puts(cl_wbuf *w, const char *s)
{
    cl_wbuf_put(w, s, strlen(s));
}

void cl_wbuf_putc(cl_wbuf *w, char c)
{
    if (w->used == WBUF_SIZE)
        flush(w);
    w->buf[w->used++] = c;
}

void cl_wbuf_i64(cl_wbuf *w, int64_t v)
{
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[n++] = '-';
    char out[24];
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    cl_wbuf_put(w, out, (size_t)n);
}

void cl_wbuf_money(cl_wbuf *w, int64_t fen)
{
    char b[CL_MONEY_BUFSZ];
    int n = cl_money_format(fen, b);
    cl_wbuf_put(w, b, (size_t)n);
}

cl_err cl_wbuf_close(cl_wbuf *w, cl_diag *d)
{
    flush(w);
    if (!w->err && fsync(w->fd) != 0 && errno != EINVAL)
        w->err = errno;
    if (close(w->fd) != 0 && !w->err)
        w->err = errno;
    cl_err e = CL_OK;
    if (w->err)
        e = cl_diag_set(d, CL_ERR_IO, "%s: write failed: %s", w->path, strerror(w->err));
    free(w->path);
    free(w);
    return e;
}

void cl_wbuf_discard(cl_wbuf *w)
{
    if (!w)
        return;
    close(w->fd);
    free(w->path);
    free(w);
}
