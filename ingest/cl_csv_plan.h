/* cl_csv_plan.h - internal to ingest/: the chunk plan of a loaded file,
 * remembered so that sizing per-chunk state (cl_csv_plan) and parsing
 * (cl_csv_parse_all) split the body once, not twice. */
#ifndef CL_CSV_PLAN_H
#define CL_CSV_PLAN_H

#include "ingest/cl_csv.h"

#define CL_CSV_MAX_PARTS 64

/* Counts of '"' and '\n' in parts of the data, taken by the UTF-8
 * validation pass so that the split need not read the file again: part i
 * is data[cut[i], cut[i + 1]). */
typedef struct cl_csv_counts {
    int nparts;             /* 0: none taken */
    size_t cut[CL_CSV_MAX_PARTS + 1];
    uint64_t q[CL_CSV_MAX_PARTS], nl[CL_CSV_MAX_PARTS];
} cl_csv_counts;

typedef struct cl_csv_memo {
    cl_csv_chunk *chunks;   /* NULL until a plan is made */
    int n;
    int threads;            /* the plan's key: thread count and body start */
    size_t body;
    cl_csv_counts counts;
} cl_csv_memo;

/* The file's memo (owned by the file, freed with it). */
cl_csv_memo *cl_csv_memo_of(const cl_csv_file *f);

/* Where part i of n (0 <= i <= n) starts in len bytes. Parts shrink
 * linearly, the first n times the size of the last: threads taking parts
 * in order (dynamic scheduling) then finish together, since the parts left
 * at the end are small. */
size_t cl_csv_cut_at(size_t len, int i, int n);

/* How many chunks a body of len bytes is split into for nthreads. */
int cl_csv_chunk_count(size_t len, int nthreads);

/* Counts '"' and '\n' in s[0..n). */
void cl_csv_count_qn(const char *s, size_t n, uint64_t *q, uint64_t *nl);

#endif
