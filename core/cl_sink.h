/* cl_sink.h - where output bytes go, the way curl's write callback works: a
 * file (the buffered, optionally hashing writer cl_wbuf, inside a cl_outdir
 * staging directory), a growable memory buffer (a published run held in a
 * service, a test), or a write callback (a PostgreSQL COPY FROM STDIN, an
 * HTTP response body). Writers (reports/) render to a sink and need not know
 * which. Part of core/: includes nothing above it. */
#ifndef CL_SINK_H
#define CL_SINK_H

#include <stddef.h>

#include "core/cl_error.h"

typedef struct cl_sink cl_sink;

/* Takes n bytes; returns n when it took them all. Anything else stops the
 * writer: the sink reports CL_ERR_IO naming its label. Called with chunks of
 * up to 256 KiB, in order, from one thread at a time. */
typedef size_t (*cl_write_fn)(void *user, const void *data, size_t n);

/* A file created (or truncated) at path; hashed: keep a SHA-256 of it. */
cl_err cl_sink_file(const char *path, int hashed, cl_sink **out, cl_diag *d);
/* A memory buffer; label names it in messages (NULL: "memory"). */
cl_err cl_sink_memory(const char *label, cl_sink **out, cl_diag *d);
/* A write callback, buffered; label names it in messages. */
cl_err cl_sink_callback(const char *label, cl_write_fn fn, void *user, cl_sink **out,
                        cl_diag *d);

/* Appends n bytes. Errors (out of memory, a failed write, a callback that
 * stopped) are kept and reported by cl_sink_finish. */
void cl_sink_put(cl_sink *s, const void *data, size_t n);

/* Flushes: a file is synced and closed, a callback gets the rest. sha256
 * (NULL: not wanted) gets the digest of a hashed file sink. Reports the
 * first error. The sink stays allocated (a memory sink keeps its bytes). */
cl_err cl_sink_finish(cl_sink *s, unsigned char sha256[32], cl_diag *d);

/* A memory sink's bytes (NUL-terminated; len excludes the NUL); NULL for
 * other kinds. Valid until cl_sink_free. */
const char *cl_sink_bytes(const cl_sink *s, size_t *len);

/* The name messages give for this sink (a file's path). */
const char *cl_sink_label(const cl_sink *s);

/* Frees; an unfinished file sink is closed without reporting. NULL is fine. */
void cl_sink_free(cl_sink *s);

#endif
