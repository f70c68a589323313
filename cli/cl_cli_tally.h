/* cl_cli_tally.h - the tally of `claims tally` as the command runs it, for
 * its two ends: files (cmd_tally.c) and the PostgreSQL store
 * (cmd_tally_db.c: roster and ballots from COPY streams, the outputs
 * published before they replace --out). */
#ifndef CL_CLI_TALLY_H
#define CL_CLI_TALLY_H

#include <stddef.h>

#include "core/cl_outdir.h"
#include "core/cl_source.h"
#include "engine/cl_tally.h"
#include "ingest/cl_csv.h"

struct cl_progress;

typedef struct tally_opts {
    const char *roster, *meeting, *ballots, *out;
    cl_encoding encoding;
    int threads, xlsx, progress, quiet;
    const cl_source *roster_src, *ballots_src;   /* instead of the paths (NULL: the path) */
    /* Called with the staged outputs before they replace out (NULL: none). */
    cl_err (*publish)(void *user, cl_outdir *staged, const cl_tally_result *t,
                      size_t nballots, cl_diag *d);
    void *publish_user;
} tally_opts;

/* Reads, tallies, writes the outputs into o->out (atomically), prints the
 * summary unless quiet. */
cl_err cl_cli_tally_main(const tally_opts *o, struct cl_progress *p, cl_diag *d);

#endif
