/* cl_stages.h - the decision table of contract §4, one function per step,
 * called in contract order by the run pipeline, and the aggregation of §5. */
#ifndef CL_STAGES_H
#define CL_STAGES_H

#include "engine/cl_model.h"

/* Prepares claims, identities, code names and the submission index. */
cl_err cl_stage_init(cl_batch *b, cl_diag *d);
cl_err cl_step1_duplicates(cl_batch *b, cl_diag *d);
cl_err cl_step2_field_checks(cl_batch *b, cl_diag *d);     /* rule pass "fields" */
cl_err cl_step3_amendments(cl_batch *b, cl_diag *d);
cl_err cl_step4_book_matching(cl_batch *b, cl_diag *d);
cl_err cl_step5_supersession(cl_batch *b, cl_diag *d);
cl_err cl_step6_books(cl_batch *b, cl_diag *d);
cl_err cl_step7_manual_review(cl_batch *b, cl_diag *d);
/* Rule outcomes other than NEEDS_CORRECTION, and rule pass "matched". */
cl_err cl_step7b_case_rules(cl_batch *b, cl_diag *d);
cl_err cl_step8_books_employees(cl_batch *b, cl_diag *d);
cl_err cl_step9_flags(cl_batch *b, cl_diag *d);
cl_err cl_step10_overrides(cl_batch *b, cl_diag *d);

/* §5: creditor_id for every identity, creditors (sorted by creditor_id), roster. */
cl_err cl_aggregate(cl_batch *b, cl_diag *d);

static inline bool cl_claim_operative(const cl_claim *c)
{
    return c->status != CL_ST_DUPLICATE && c->status != CL_ST_NEEDS_CORRECTION &&
           c->status != CL_ST_SUPERSEDED;
}

/* §5: the creditor_id of one identity (id_number normalized by cl_norm_id)
 * under a case key: what a run derives, for callers outside a run (e.g. the
 * generator's ballots). out gets 16 hex digits. */
cl_err cl_creditor_id(const unsigned char *key, size_t key_len, cl_id_type type,
                      const char *id_number, char out[17], cl_diag *d);

int64_t cl_claim_confirmed(const cl_claim *c);
/* The amount this claim counts for unsecured voting (claims.csv voting_amount). */
int64_t cl_claim_voting(const cl_batch *b, const cl_claim *c);

#endif
