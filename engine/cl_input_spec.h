/* cl_input_spec.h - the column specs of the input formats (contract §2), for
 * readers of the same formats outside the engine's loaders (the PostgreSQL
 * store's `db load` and its raw tables). One definition per format: these
 * are the very arrays engine/load.c and engine/meeting.c bind. */
#ifndef CL_INPUT_SPEC_H
#define CL_INPUT_SPEC_H

#include "ingest/cl_csv.h"

typedef enum cl_input_kind {
    CL_IN_SUBMISSIONS = 0,
    CL_IN_LEDGER,
    CL_IN_OVERRIDES,
    CL_IN_BALLOTS,
    CL_IN_NKINDS
} cl_input_kind;

/* The spec of a kind and its column count; NULL for an unknown kind. */
const cl_csv_col *cl_input_spec(cl_input_kind kind, int *ncols);
/* "submissions", "ledger", "overrides", "ballots" (NULL if unknown). */
const char *cl_input_kind_name(cl_input_kind kind);

/* The ballots.csv spec (engine/meeting.c). */
const cl_csv_col *cl_ballot_spec(int *ncols);

#endif
