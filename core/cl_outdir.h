/* cl_outdir.h - atomic output directories: every output of a command is
 * written into a fresh staging directory beside the target, which then
 * replaces the target in one rename (RENAME_EXCHANGE when it exists). A
 * failure or a kill leaves the previous outputs intact and nothing partial.
 * While a run writes, it holds an exclusive flock on "<target>.lock" (a second
 * run into the same target fails at once); holding it, it removes staging
 * directories that a killed run left behind, and it removes the lock file
 * when it is done, so that nothing but the outputs stays beside them.
 *
 * A target is only ever replaced when it is absent, an empty directory, or a
 * directory claims wrote: every output directory holds a marker file
 * ".claims-output" naming the command (older run outputs are recognised by a
 * manifest.json whose "engine" starts with "claims"). */
#ifndef CL_OUTDIR_H
#define CL_OUTDIR_H

#include <stddef.h>

#include "core/cl_error.h"

typedef struct cl_outdir cl_outdir;

/* The name of the marker file every output directory holds. */
#define CL_OUTDIR_MARKER ".claims-output"

/* Whether `target` may be replaced by outputs, before any work is done:
 * CL_ERR_INPUT with the reason when it is (or holds) one of the `inputs`
 * (paths of files the command reads; missing ones are skipped), is the folder
 * of an input or any folder above one, is not a directory, holds a case key
 * (case.key), or is a non-empty directory claims did not write. Paths are
 * compared by device and inode, so symbolic links, "..", trailing slashes and
 * relative paths do not matter. Creates nothing. */
cl_err cl_outdir_check(const char *target, const char *const *inputs, size_t ninputs,
                       cl_diag *d);

/* Starts writing outputs of `command` (e.g. "run") into a staging directory
 * for `target`, which is checked again (cl_outdir_check without inputs) once
 * the lock is held; the staging directory gets the marker naming command. A
 * symbolic link as target is followed: the outputs replace the directory it
 * names. */
cl_err cl_outdir_begin_as(const char *target, const char *command, cl_outdir **out,
                          cl_diag *d);
/* cl_outdir_begin_as(target, "claims", ...). */
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
/* Removes the staging directory (if not committed) and the lock file, and
 * frees. NULL is fine. */
void cl_outdir_free(cl_outdir *o);

#endif
