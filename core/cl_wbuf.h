/* cl_wbuf.h - a fast buffered file writer (large buffer, no stdio per field)
 * used by every text output; files are written to a path the caller picks
 * (inside a cl_outdir staging directory). */
#ifndef CL_WBUF_H
#define CL_WBUF_H

#include <stddef.h>
#include <stdint.h>

#include "core/cl_error.h"

typedef struct cl_wbuf cl_wbuf;

cl_err cl_wbuf_open(const char *path, cl_wbuf **out, cl_diag *d);
/* Same, and the writer keeps a SHA-256 of every byte it writes (for the
 * manifest: no need to read the file back), given by cl_wbuf_close_sha256. */
cl_err cl_wbuf_open_hashed(const char *path, cl_wbuf **out, cl_diag *d);
void cl_wbuf_put(cl_wbuf *w, const char *s, size_t n);
void cl_wbuf_puts(cl_wbuf *w, const char *s);
void cl_wbuf_putc(cl_wbuf *w, char c);
void cl_wbuf_i64(cl_wbuf *w, int64_t v);
void cl_wbuf_money(cl_wbuf *w, int64_t fen);   /* yuan, two decimals */
/* Flushes, fsyncs and closes; reports the first write error. Frees w. */
cl_err cl_wbuf_close(cl_wbuf *w, cl_diag *d);
/* cl_wbuf_close for a hashed writer; sha256 gets the digest on success. */
cl_err cl_wbuf_close_sha256(cl_wbuf *w, unsigned char sha256[32], cl_diag *d);
/* Closes without reporting (error paths). NULL is fine. */
void cl_wbuf_discard(cl_wbuf *w);

#endif
