/* cl_outdir.h - atomic output directories: every output of a command is
 * written into a fresh staging directory beside the target, which then
 * replaces the target in one rename (RENAME_EXCHANGE when it exists). A
 * failure or a kill leaves the previous outputs intact and nothing partial.
 * While a run writes, it holds an exclusive flock on "<target>.lock" (a second
 * run into the same target fails at once); holding it, it removes staging
 * directories that a killed run left behind. */
#ifndef CL_OUTDIR_H
#define CL_OUTDIR_H

#include "core/cl_error.h"

typedef struct cl_outdir cl_outdir;

cl_err cl_outdir_begin(const char *target, cl_outdir **out, cl_diag *d);
/* Path of a file inside the staging directory (valid until the next call). */
const char *cl_outdir_path(cl_outdir *o, const char *name);
/* Remembers the SHA-256 of a staged file its writer computed, so that a
 * manifest need not read the file back. 0, or -1 when out of memory. */
int cl_outdir_note_sha256(cl_outdir *o, const char *name, const unsigned char sha256[32]);
/* The noted SHA-256 of a staged file, or NULL. */
const unsigned char *cl_outdir_sha256(const cl_outdir *o, const char *name);
/* fsyncs the staged files and swaps the staging directory into place; the
 * previous outputs are removed in the background until cl_outdir_free. */
cl_err cl_outdir_commit(cl_outdir *o, cl_diag *d);
/* Removes the staging directory (if not committed) and frees. NULL is fine. */
void cl_outdir_free(cl_outdir *o);

#endif
