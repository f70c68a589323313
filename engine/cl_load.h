/* cl_load.h - reading a run's inputs into the batch: submissions.csv and
 * ledger.csv parsed in parallel chunks (ledger entries aggregated straight
 * into accounts), overrides.csv; identities interned. */
#ifndef CL_LOAD_H
#define CL_LOAD_H

#include "engine/cl_model.h"
#include "ingest/cl_csv.h"

typedef struct cl_input_facts {
    char path[4096];         /* the source's label */
    char sha256[65];
    uint64_t bytes;
    uint64_t rows;
    const char *encoding;
} cl_input_facts;

/* Each input from a byte source (a file, a memory buffer, a COPY stream);
 * every message and facts->path name the source's label. The path versions
 * below are the same with the path as the label. A missing, unreadable or
 * non-regular file is CL_ERR_INPUT naming it. */
cl_err cl_load_submissions_src(cl_batch *b, const cl_source *src, cl_encoding enc,
                               cl_input_facts *facts, cl_diag *d);
cl_err cl_load_ledger_src(cl_batch *b, const cl_source *src, cl_encoding enc,
                          cl_input_facts *facts, cl_diag *d);
cl_err cl_load_overrides_src(cl_batch *b, const cl_source *src, cl_encoding enc,
                             cl_input_facts *facts, cl_diag *d);

cl_err cl_load_submissions(cl_batch *b, const char *path, cl_encoding enc,
                           cl_input_facts *facts, cl_diag *d);
cl_err cl_load_ledger(cl_batch *b, const char *path, cl_encoding enc,
                      cl_input_facts *facts, cl_diag *d);
cl_err cl_load_overrides(cl_batch *b, const char *path, cl_encoding enc,
                         cl_input_facts *facts, cl_diag *d);

/* The ledger account with this account_ref, or CL_NONE. Thread-safe. */
uint32_t cl_account_find(const cl_batch *b, const char *ref, size_t len);
/* Warms the cache for a later cl_account_find of ref: level 0 its index
 * slot, level 1 (once the slot is in cache) the account record. */
void cl_account_prefetch(const cl_batch *b, const char *ref, size_t len, int level);

/* Numbers the identities (id_type, id_number) in the order claimants first
 * name them, sets each submission's, and each ledger account's holder
 * identity: the claimant identity it equals, CL_FOREIGN when no claimant has
 * it (only employee accounts, listed from the books, get one of their own),
 * or CL_NONE when the account carries none. */
cl_err cl_assign_identities(cl_batch *b);

/* Adds a bad row (file, line, column, reason, raw) to the batch. */
cl_err cl_batch_add_bad(cl_batch *b, const cl_bad_row *r);

#endif
