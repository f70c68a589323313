/* cl_wbuf.c - buffered writer over a file descriptor, optionally hashing
 * what it writes (SHA-256, one update per flushed buffer). Writeback to disk
 * is started every few MiB (sync_file_range), so that the fsync at close
 * waits for little. */
#include "core/cl_wbuf.h"
#include "core/cl_alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "core/cl_money.h"

#define WBUF_SIZE (1u << 18)
#define WRITEBACK_STEP ((uint64_t)4 << 20)

struct cl_wbuf {
    int fd;
    int err;          /* first errno seen */
    size_t used;
    char *path;
    EVP_MD_CTX *md;   /* NULL unless hashed */
    uint64_t written; /* bytes written so far */
    uint64_t kicked;  /* of which writeback was started */
    char buf[WBUF_SIZE];
};

static cl_err open_impl(const char *path, int hashed, cl_wbuf **out, cl_diag *d)
{
    *out = NULL;
    cl_wbuf *w = cl_malloc(sizeof *w);
    if (!w)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    w->md = NULL;
    w->path = cl_strdup(path);
    if (!w->path || (hashed && (!(w->md = EVP_MD_CTX_new()) ||
                                EVP_DigestInit_ex(w->md, EVP_sha256(), NULL) != 1))) {
        EVP_MD_CTX_free(w->md);
        free(w->path);
        free(w);
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        cl_err e = cl_diag_set(d, CL_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
        EVP_MD_CTX_free(w->md);
        free(w->path);
        free(w);
        return e;
    }
    w->err = 0;
    w->used = 0;
    w->written = w->kicked = 0;
    *out = w;
    return CL_OK;
}

cl_err cl_wbuf_open(const char *path, cl_wbuf **out, cl_diag *d)
{
    return open_impl(path, 0, out, d);
}

cl_err cl_wbuf_open_hashed(const char *path, cl_wbuf **out, cl_diag *d)
{
    return open_impl(path, 1, out, d);
}

/* Writes s[0..n) to the file (and the digest); errors are kept in w->err. */
static void write_all(cl_wbuf *w, const char *s, size_t n)
{
    if (w->md && !w->err && EVP_DigestUpdate(w->md, s, n) != 1)
        w->err = EIO;
    while (n && !w->err) {
        ssize_t k = write(w->fd, s, n);
        if (k < 0) {
            if (errno != EINTR)
                w->err = errno;
        } else {
            s += k;
            n -= (size_t)k;
            w->written += (uint64_t)k;
        }
    }
    if (w->written - w->kicked >= WRITEBACK_STEP) {
        (void)sync_file_range(w->fd, (off_t)w->kicked, (off_t)(w->written - w->kicked),
                              SYNC_FILE_RANGE_WRITE);   /* advisory: start, do not wait */
        w->kicked = w->written;
    }
}

static void flush(cl_wbuf *w)
{
    write_all(w, w->buf, w->used);
    w->used = 0;
}

void cl_wbuf_put(cl_wbuf *w, const char *s, size_t n)
{
    if (w->used + n > WBUF_SIZE) {
        flush(w);
        if (n > WBUF_SIZE) {
            write_all(w, s, n);
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
    char b[CL_MONEY_BUFSZ];
    int n = cl_int_format(v, b);
    cl_wbuf_put(w, b, (size_t)n);
}

void cl_wbuf_money(cl_wbuf *w, int64_t fen)
{
    char b[CL_MONEY_BUFSZ];
    int n = cl_money_format(fen, b);
    cl_wbuf_put(w, b, (size_t)n);
}

cl_err cl_wbuf_close_sha256(cl_wbuf *w, unsigned char sha256[32], cl_diag *d)
{
    flush(w);
    if (!w->err && fsync(w->fd) != 0 && errno != EINVAL)
        w->err = errno;
    if (close(w->fd) != 0 && !w->err)
        w->err = errno;
    unsigned int mdlen = 0;
    if (!w->err && w->md && sha256 &&
        (EVP_DigestFinal_ex(w->md, sha256, &mdlen) != 1 || mdlen != 32))
        w->err = EIO;
    cl_err e = CL_OK;
    if (w->err)
        e = cl_diag_set(d, CL_ERR_IO, "%s: write failed: %s", w->path, strerror(w->err));
    EVP_MD_CTX_free(w->md);
    free(w->path);
    free(w);
    return e;
}

cl_err cl_wbuf_close(cl_wbuf *w, cl_diag *d)
{
    return cl_wbuf_close_sha256(w, NULL, d);
}

void cl_wbuf_discard(cl_wbuf *w)
{
    if (!w)
        return;
    close(w->fd);
    EVP_MD_CTX_free(w->md);
    free(w->path);
    free(w);
}
