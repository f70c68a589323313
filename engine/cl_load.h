/* cl_load.h - reading a run's inputs into the batch: submissions.csv and
 * ledger.csv parsed in parallel chunks (ledger entries aggregated straight
 * into accounts), overrides.csv; identities interned. */
#ifndef CL_LOAD_H
#define CL_LOAD_H

#include "engine/cl_model.h"
#include "ingest/cl_csv.h"

typedef struct cl_input_facts {
    char path[4096];
    char sha256[65];
    uint64_t bytes;
    uint64_t rows;
    const char *encoding;
} cl_input_facts;

cl_err cl_load_submissions(cl_batch *b, const char *path, cl_encoding enc,
                           cl_input_facts *facts, cl_diag *d);
cl_err cl_load_ledger(cl_batch *b, const char *path, cl_encoding enc,
                      cl_input_facts *facts, cl_diag *d);
cl_err cl_load_overrides(cl_batch *b, const char *path, cl_encoding enc,
                         cl_input_facts *facts, cl_diag *d);

/* Interns (id_type, id_number); returns the identity index or CL_NONE on OOM. */
uint32_t cl_identity_intern(cl_batch *b, uint8_t id_type, const char *id_number);

/* The ledger account with this account_ref, or CL_NONE. Thread-safe. */
uint32_t cl_account_find(const cl_batch *b, const char *ref, size_t len);

/* The identity index of (id_type, id_number), or CL_NONE. Thread-safe. */
uint32_t cl_identity_find(const cl_batch *b, uint8_t id_type, const char *id_number);

/* After the claimants' identities are interned: each ledger account's holder
 * identity becomes the claimant identity it equals, CL_FOREIGN when no
 * claimant has it (only employee accounts, listed from the books, intern
 * theirs), or CL_NONE when the account carries none. */
cl_err cl_resolve_account_identities(cl_batch *b);

/* Adds a bad row (file, line, column, reason, raw) to the batch. */
cl_err cl_batch_add_bad(cl_batch *b, const cl_bad_row *r);

#endif
