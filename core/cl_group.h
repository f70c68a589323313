/* cl_group.h - grouping equal keys in parallel: for n items, each with a
 * key hash and an equality test, which earlier item first had the same key.
 *
 * This is the join behind every "same submission_id", "same identity",
 * "same phone" rule of the decision table. Items are radix-partitioned by
 * hash into parts small enough to stay in cache, and every part is scanned
 * by one thread in item order, so the answer is the same on any thread count
 * and equals that of a sequential pass with one hash table. */
#ifndef CL_GROUP_H
#define CL_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cl_error.h"

#define CL_GROUP_NONE UINT32_MAX

/* Whether items a and b (a < b, equal hashes) have equal keys. */
typedef bool (*cl_group_eq_fn)(const void *ctx, uint32_t a, uint32_t b);

/* hash[i] is item i's key hash, 0 for an item without a key. On success
 * first[i] is the smallest j with hash[j] == hash[i] and eq(ctx, j, i)
 * (first[i] == i for a key's first occurrence), CL_GROUP_NONE for an item
 * without a key. n must be below UINT32_MAX. CL_ERR_NOMEM, or CL_OK. */
cl_err cl_group_first(size_t n, const uint64_t *hash, cl_group_eq_fn eq, const void *ctx,
                      int nthreads, uint32_t *first);

#endif
