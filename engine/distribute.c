/* distribute.c - contract §7 (Art. 113): tiered, pro-rata distribution to
 * the fen with the largest-remainder rule, in exact integer arithmetic. */
#include "engine/cl_distribute.h"
#include "core/cl_alloc.h"

#include <stdlib.h>
#include <string.h>

#include "core/cl_money.h"

static const char *const tier_names[CL_TIER_COUNT] = {"employee", "tax", "ordinary"};
static const char *const tier_titles[CL_TIER_COUNT] = {"职工债权", "税款债权", "普通债权"};

const char *cl_tier_name(cl_tier t)
{
    return (unsigned)t < CL_TIER_COUNT ? tier_names[t] : "";
}

const char *cl_tier_title(cl_tier t)
{
    return (unsigned)t < CL_TIER_COUNT ? tier_titles[t] : "";
}

/* A claim that may receive one leftover fen. */
typedef struct cand {
    int64_t rem;      /* (avail * claim) mod total, in [0, total) */
    size_t idx;
} cand;

/* Larger remainder first; tie: smaller creditor_id bytewise. */
static int cand_cmp(const void *pa, const void *pb, void *ctx)
{
    const cand *a = pa, *b = pb;
    const char *const *ids = ctx;
    if (a->rem != b->rem)
        return a->rem > b->rem ? -1 : 1;
    int c = strcmp(ids[a->idx], ids[b->idx]);   /* compares as unsigned char */
    if (c)
        return c;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

cl_err cl_prorata(size_t n, const int64_t *claim, const char *const *creditor_id,
                  int64_t total, int64_t avail, int64_t *share, cl_diag *d)
{
    if (total <= 0 || avail < 0 || avail > total)
        return cl_diag_set(d, CL_ERR_INPUT, "prorata: need 0 <= avail <= total, total > 0");
    cand *c = cl_malloc((n ? n : 1) * sizeof *c);
    if (!c)
        return cl_diag_set(d, CL_ERR_NOMEM, "prorata: out of memory");
    size_t nc = 0;
    int64_t given = 0;
    for (size_t i = 0; i < n; i++) {
        if (claim[i] <= 0) {
            share[i] = 0;
            continue;
        }
        __int128 p = (__int128)avail * claim[i];
        share[i] = (int64_t)(p / total);   /* <= avail: fits */
        int64_t rem = (int64_t)(p % total);
        given += share[i];                 /* <= avail: no overflow */
        if (rem > 0)
            c[nc++] = (cand){rem, i};
    }
    /* leftover < number of claims with a remainder (their sum is leftover × total). */
    size_t leftover = (size_t)(avail - given);
    if (leftover > nc) {
        free(c);
        return cl_diag_set(d, CL_ERR_INTERNAL, "prorata: claims do not sum to the tier total");
    }
    if (leftover > 0) {
        qsort_r(c, nc, sizeof *c, cand_cmp, (void *)creditor_id);
        for (size_t k = 0; k < leftover; k++)
            share[c[k].idx]++;
    }
    free(c);
    return CL_OK;
}

static cl_err tier_totals(const cl_dist_input *in, cl_dist_result *out, cl_diag *d)
{
    for (int t = 0; t < CL_TIER_COUNT; t++) {
        if (!in->claim[t])
            continue;
        for (size_t i = 0; i < in->n; i++) {
            int64_t v = in->claim[t][i];
            if (v < 0)
                return cl_diag_set(d, CL_ERR_INPUT, "distribution: negative %s claim of %s",
                                   tier_names[t], in->creditor_id[i]);
            if (!cl_money_add(out->claims_total[t], v, &out->claims_total[t]))
                return cl_diag_set(d, CL_ERR_OVERFLOW, "distribution: %s claims total out of range",
                                   tier_names[t]);
            out->nclaims[t] += v > 0;
        }
    }
    return CL_OK;
}

/* Pays one tier from *remaining. */
static cl_err pay_tier(const cl_dist_input *in, int t, int64_t *remaining, cl_dist_result *out,
                       cl_diag *d)
{
    int64_t total = out->claims_total[t];
    int64_t *share = out->share[t];
    if (total == 0)
        return CL_OK;
    if (*remaining >= total) {
        memcpy(share, in->claim[t], in->n * sizeof *share);
        out->paid[t] = total;
        out->paid_in_full[t] = true;
        *remaining -= total;
        return CL_OK;
    }
    cl_err e = cl_prorata(in->n, in->claim[t], in->creditor_id, total, *remaining, share, d);
    if (e)
        return e;
    out->paid[t] = *remaining;
    *remaining = 0;
    return CL_OK;
}

cl_err cl_distribute(const cl_dist_input *in, cl_dist_result *out, cl_diag *d)
{
    cl_err e = CL_OK;
    memset(out, 0, sizeof *out);
    if (in->amount < 0)
        return cl_diag_set(d, CL_ERR_INPUT, "distribution: negative amount");
    for (int t = 0; t < CL_TIER_COUNT; t++) {
        out->share[t] = cl_calloc(in->n ? in->n : 1, sizeof *out->share[t]);
        if (!out->share[t]) {
            e = cl_diag_set(d, CL_ERR_NOMEM, "distribution: out of memory");
            goto fail;
        }
    }
    if ((e = tier_totals(in, out, d)))
        goto fail;
    int64_t remaining = in->amount;
    for (int t = 0; t < CL_TIER_COUNT; t++) {
        out->paid_in_full[t] = out->claims_total[t] == 0 || remaining >= out->claims_total[t];
        if ((e = pay_tier(in, t, &remaining, out, d)))
            goto fail;
    }
    out->surplus = remaining;
    return CL_OK;
fail:
    cl_dist_result_free(out);
    return e;
}

void cl_dist_result_free(cl_dist_result *r)
{
    if (!r)
        return;
    for (int t = 0; t < CL_TIER_COUNT; t++)
        free(r->share[t]);
    memset(r, 0, sizeof *r);
}
