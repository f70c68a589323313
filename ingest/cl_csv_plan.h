/* cl_csv_plan.h - internal to ingest/: the chunk plan of a loaded file,
 * remembered so that sizing per-chunk state (cl_csv_plan) and parsing
 * (cl_csv_parse_all) split the body once, not twice. */
#ifndef CL_CSV_PLAN_H
#define CL_CSV_PLAN_H

#include "ingest/cl_csv.h"

typedef struct cl_csv_memo {
    cl_csv_chunk *chunks;   /* NULL until a plan is made */
    int n;
    int threads;            /* the plan's key: thread count and body start */
    size_t body;
} cl_csv_memo;

/* The file's memo (owned by the file, freed with it). */
cl_csv_memo *cl_csv_memo_of(const cl_csv_file *f);

#endif
