/* cl_batch.h - the nightly batch as a library: create a batch for one case,
 * add rule files and load the inputs from byte sources (a file, a memory
 * buffer, a stream), decide (the decision table of §4 and the aggregation of
 * §5), read the totals, claims, creditors and roster, free. Nothing here
 * touches process-wide state: no environment, no files but the sources
 * given, no change to the caller's OpenMP settings; several batches may run
 * at once on different threads. `claims run` (engine/run.c) is a file
 * pipeline on top of this. */
#ifndef CL_BATCH_H
#define CL_BATCH_H

#include "core/cl_source.h"
#include "engine/cl_load.h"
#include "engine/cl_model.h"

struct cl_progress;

typedef struct cl_batch_opts {
    cl_case cfg;                  /* the case (contract §1), copied; its key must be set
                                     (creditor_key, or case.key read by the caller) */
    int nthreads;                 /* worker threads for this batch; <= 0: all cores */
    long max_bad_rows;            /* malformed rows that may be skipped (0: none) */
    struct cl_progress *progress; /* stage timings and progress; NULL: none */
} cl_batch_opts;

/* A batch for one case. CL_ERR_CONFIG when the case has no key (8 to 64
 * bytes). On error *out is NULL. */
cl_err cl_batch_create(const cl_batch_opts *o, cl_batch **out, cl_diag *d);

/* Adds a rule file (rules/README.md), applied in the order added; at most
 * CL_MAX_RULE_FILES. The shipped default rule set is not implied: a caller
 * wanting the contract's field checks adds rules/default.rules itself. */
cl_err cl_batch_add_rules(cl_batch *b, const cl_source *src, cl_diag *d);

/* The inputs (contract §2), each at most once and before cl_batch_decide.
 * facts (NULL: not wanted) gets the label, SHA-256, size, rows and encoding. */
cl_err cl_batch_load_ledger(cl_batch *b, const cl_source *src, cl_encoding enc,
                            cl_input_facts *facts, cl_diag *d);
cl_err cl_batch_load_submissions(cl_batch *b, const cl_source *src, cl_encoding enc,
                                 cl_input_facts *facts, cl_diag *d);
cl_err cl_batch_load_overrides(cl_batch *b, const cl_source *src, cl_encoding enc,
                               cl_input_facts *facts, cl_diag *d);

/* Checks the bad rows against max_bad_rows, runs the decision table in
 * contract order and the aggregation, and computes the totals. Needs the
 * ledger, the submissions and at least one rule file; once per batch. */
cl_err cl_batch_decide(cl_batch *b, cl_diag *d);

/* The run's totals, computed once by cl_batch_decide; NULL before. */
const cl_totals *cl_batch_totals(const cl_batch *b);

const cl_case *cl_batch_case(const cl_batch *b);
/* Claims: one per submission row (in file order), then books-listed ones. */
const cl_claim *cl_batch_claims(const cl_batch *b, size_t *n);
/* Creditors, sorted by creditor_id; the roster as indexes into them. */
const cl_creditor *cl_batch_creditors(const cl_batch *b, size_t *n);
const uint32_t *cl_batch_roster(const cl_batch *b, size_t *n);
/* The creditor_id of a claim's or creditor's identity ("" for CL_NONE). */
const char *cl_batch_creditor_id(const cl_batch *b, uint32_t identity);
/* A claim's codes by name, ';'-joined and sorted, into buf. */
size_t cl_batch_claim_codes(const cl_batch *b, const cl_claim *c, char *buf, size_t cap);

/* Probable duplicates (cl_linkage.h), found after the decisions; NULL
 * before, or when the case switches linkage off. */
struct cl_linkage;
const struct cl_linkage *cl_batch_linkage(const cl_batch *b);

void cl_batch_free(cl_batch *b);   /* NULL is fine */

#endif
