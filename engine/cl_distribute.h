/* cl_distribute.h - the distribution of contract §7 (Art. 113): tiers paid
 * in order employee, tax, ordinary; a tier that cannot be paid in full is
 * shared pro rata, floor(remaining × claim / tier_total) in __int128, the
 * leftover fen going one each to the largest remainders ((remaining × claim)
 * mod tier_total, compared exactly; tie: smaller creditor_id bytewise). The
 * shares add up to the amount exactly; the rest is the surplus.
 *
 * Pure arithmetic over arrays of int64 fen; no file is read or written. */
#ifndef CL_DISTRIBUTE_H
#define CL_DISTRIBUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cl_error.h"

typedef enum cl_tier {
    CL_TIER_EMPLOYEE = 0,
    CL_TIER_TAX,
    CL_TIER_ORDINARY,
    CL_TIER_COUNT
} cl_tier;

const char *cl_tier_name(cl_tier t);    /* "employee", "tax", "ordinary" */
const char *cl_tier_title(cl_tier t);   /* 职工债权, 税款债权, 普通债权 */

typedef struct cl_dist_input {
    size_t n;                              /* creditors */
    const char *const *creditor_id;        /* NUL-terminated, distinct */
    const int64_t *claim[CL_TIER_COUNT];   /* fen >= 0 per creditor; NULL = all 0 */
    int64_t amount;                        /* distributable fen >= 0 */
} cl_dist_input;

typedef struct cl_dist_result {
    int64_t *share[CL_TIER_COUNT];   /* per creditor, fen (0 where no claim) */
    int64_t claims_total[CL_TIER_COUNT];
    int64_t paid[CL_TIER_COUNT];
    size_t nclaims[CL_TIER_COUNT];   /* creditors with a claim > 0 in the tier */
    bool paid_in_full[CL_TIER_COUNT];
    int64_t surplus;                 /* amount - sum of paid */
} cl_dist_result;

/* Pays the tiers in order. out is overwritten; free with
 * cl_dist_result_free. CL_ERR_INPUT for a negative claim or amount,
 * CL_ERR_OVERFLOW when a tier total leaves int64, CL_ERR_NOMEM. */
cl_err cl_distribute(const cl_dist_input *in, cl_dist_result *out, cl_diag *d);
void cl_dist_result_free(cl_dist_result *r);

/* One tier: shares avail (0 <= avail <= total) over n claims summing to
 * total > 0, by the largest-remainder rule above; writes share[0..n).
 * Exposed for tests. */
cl_err cl_prorata(size_t n, const int64_t *claim, const char *const *creditor_id,
                  int64_t total, int64_t avail, int64_t *share, cl_diag *d);

#endif
