/* cl_source.h - byte sources: where input bytes come from (a file, a memory
 * buffer, or a read callback such as a PostgreSQL COPY stream or an HTTP
 * request body), and the label every diagnostic names ("submissions.csv",
 * "db:submissions", "request body"). Ingest, the configuration readers and
 * the rule compiler read from a cl_source, so the same diagnostics come out
 * whichever way the bytes arrive. Part of core/: includes nothing above it. */
#ifndef CL_SOURCE_H
#define CL_SOURCE_H

#include <stddef.h>
#include <sys/types.h>

#include "core/cl_error.h"

/* A read callback: fills buf with up to cap bytes; returns the count, 0 at
 * the end, or -1 on failure (the source then reports an I/O error). */
typedef ssize_t (*cl_read_fn)(void *user, void *buf, size_t cap);

typedef enum cl_source_kind {
    CL_SRC_PATH = 0,   /* a regular file, mapped or read */
    CL_SRC_MEMORY,     /* a buffer the caller owns and keeps alive */
    CL_SRC_STREAM      /* a read callback, read to its end */
} cl_source_kind;

typedef struct cl_source {
    cl_source_kind kind;
    const char *label;     /* name in messages; NULL: the path */
    const char *path;      /* CL_SRC_PATH */
    const void *data;      /* CL_SRC_MEMORY */
    size_t len;
    cl_read_fn read;       /* CL_SRC_STREAM */
    void *user;
} cl_source;

/* Constructors (values; nothing to free). */
cl_source cl_source_path(const char *path);
cl_source cl_source_memory(const char *label, const void *data, size_t len);
cl_source cl_source_stream(const char *label, cl_read_fn fn, void *user);

/* The name a message gives for this source. */
const char *cl_source_label(const cl_source *s);

/* The whole content of a source in memory: a file is mapped (or read when it
 * cannot be), a memory source is borrowed, a stream is read to its end. A
 * missing, unreadable or non-regular file (a directory, a FIFO) is
 * CL_ERR_INPUT naming the label; a failing read is CL_ERR_IO. */
typedef struct cl_bytes {
    const char *data;
    size_t len;
    void *map_;            /* private: mmap'd region */
    size_t map_len_;
    char *heap_;           /* private: owned copy */
} cl_bytes;

cl_err cl_source_read_all(const cl_source *s, cl_bytes *out, cl_diag *d);
void cl_bytes_release(cl_bytes *b);   /* tolerates a zeroed or released value */

/* The one read-whole-file helper: *data is a NUL-terminated heap copy of the
 * source (free() it); *len excludes the NUL. */
cl_err cl_source_slurp(const cl_source *s, char **data, size_t *len, cl_diag *d);

#endif
