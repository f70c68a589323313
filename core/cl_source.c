/* cl_source.c - byte sources (see cl_source.h): files mapped or read, memory
 * borrowed, streams read to their end; one place that turns "cannot open",
 * "is a directory" and read failures into messages naming the source. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cl_source.h"
#include "core/cl_alloc.h"

cl_source cl_source_path(const char *path)
{
    return (cl_source){.kind = CL_SRC_PATH, .path = path};
}

cl_source cl_source_memory(const char *label, const void *data, size_t len)
{
    return (cl_source){.kind = CL_SRC_MEMORY, .label = label, .data = data, .len = len};
}

cl_source cl_source_stream(const char *label, cl_read_fn fn, void *user)
{
    return (cl_source){.kind = CL_SRC_STREAM, .label = label, .read = fn, .user = user};
}

const char *cl_source_label(const cl_source *s)
{
    if (s->label && *s->label)
        return s->label;
    if (s->kind == CL_SRC_PATH && s->path)
        return s->path;
    return "(input)";
}

/* Appends everything fn yields to a growing heap buffer (NUL-terminated). */
static cl_err read_stream(const char *label, cl_read_fn fn, void *user, char **out,
                          size_t *len, cl_diag *d)
{
    size_t cap = 1 << 16, n = 0;
    char *p = cl_malloc(cap);
    if (!p)
        return cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", label);
    for (;;) {
        if (cap - n < 4096 + 1) {
            char *q = cap <= SIZE_MAX / 2 ? cl_realloc(p, cap * 2) : NULL;
            if (!q) {
                free(p);
                return cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", label);
            }
            p = q;
            cap *= 2;
        }
        errno = 0;
        ssize_t r = fn(user, p + n, cap - n - 1);
        if (r < 0 || (size_t)r > cap - n - 1) {
            int e = errno;
            free(p);
            return cl_diag_set(d, CL_ERR_IO, "%s: read failed%s%s", label, r < 0 && e ? ": " : "",
                               r < 0 && e ? strerror(e) : "");
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    p[n] = '\0';
    *out = p;
    *len = n;
    return CL_OK;
}

static ssize_t fd_read(void *user, void *buf, size_t cap)
{
    int fd = *(int *)user;
    for (;;) {
        ssize_t r = read(fd, buf, cap);
        if (r >= 0 || errno != EINTR)
            return r;
    }
}

/* Opens a path as a regular file; anything else is bad input naming it. */
static cl_err open_regular(const char *label, const char *path, int *fd_out, off_t *size,
                           cl_diag *d)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return cl_diag_set(d, errno == ENOMEM ? CL_ERR_NOMEM : CL_ERR_INPUT,
                           "%s: cannot open: %s", label, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return cl_diag_set(d, CL_ERR_IO, "%s: %s", label, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return cl_diag_set(d, CL_ERR_INPUT, "%s: not a regular file (%s)", label,
                           S_ISDIR(st.st_mode) ? "a directory" : "a device, FIFO or socket");
    }
    *fd_out = fd;
    *size = st.st_size;
    return CL_OK;
}

cl_err cl_source_read_all(const cl_source *s, cl_bytes *out, cl_diag *d)
{
    const char *label = cl_source_label(s);
    memset(out, 0, sizeof *out);
    switch (s->kind) {
    case CL_SRC_MEMORY:
        if (!s->data && s->len)
            return cl_diag_set(d, CL_ERR_INPUT, "%s: no data given", label);
        out->data = s->len ? s->data : "";
        out->len = s->len;
        return CL_OK;
    case CL_SRC_STREAM: {
        if (!s->read)
            return cl_diag_set(d, CL_ERR_INPUT, "%s: no read callback given", label);
        cl_err err = read_stream(label, s->read, s->user, &out->heap_, &out->len, d);
        out->data = out->heap_;
        return err;
    }
    case CL_SRC_PATH:
        break;
    }
    if (!s->path || !*s->path)
        return cl_diag_set(d, CL_ERR_INPUT, "%s: no file name given", label);
    int fd = -1;
    off_t size = 0;
    cl_err err = open_regular(label, s->path, &fd, &size, d);
    if (err)
        return err;
    if (size > 0) {
        void *m = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            (void)madvise(m, (size_t)size, MADV_SEQUENTIAL);
            close(fd);
            out->map_ = m;
            out->map_len_ = (size_t)size;
            out->data = m;
            out->len = (size_t)size;
            return CL_OK;
        }
    }
    err = read_stream(label, fd_read, &fd, &out->heap_, &out->len, d);
    close(fd);
    if (err)
        return err;
    out->data = out->heap_;
    return CL_OK;
}

void cl_bytes_release(cl_bytes *b)
{
    if (!b)
        return;
    if (b->map_)
        munmap(b->map_, b->map_len_);
    free(b->heap_);
    memset(b, 0, sizeof *b);
}

cl_err cl_source_slurp(const cl_source *s, char **data, size_t *len, cl_diag *d)
{
    *data = NULL;
    *len = 0;
    if (s->kind == CL_SRC_STREAM && s->read)   /* already a NUL-terminated heap copy */
        return read_stream(cl_source_label(s), s->read, s->user, data, len, d);
    cl_bytes b;
    cl_err err = cl_source_read_all(s, &b, d);
    if (err)
        return err;
    char *p = cl_malloc(b.len + 1);
    if (!p) {
        cl_bytes_release(&b);
        return cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", cl_source_label(s));
    }
    memcpy(p, b.data, b.len);
    p[b.len] = '\0';
    *data = p;
    *len = b.len;
    cl_bytes_release(&b);
    return CL_OK;
}
