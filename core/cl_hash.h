/* cl_hash.h - open-addressing hash index from byte strings to uint32 row ids.
 * Keys are borrowed (they must outlive the map: arena strings). */
#ifndef CL_HASH_H
#define CL_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t cl_hash_bytes(const void *p, size_t n);

typedef struct cl_strmap cl_strmap;

cl_strmap *cl_strmap_create(size_t expected);
void cl_strmap_free(cl_strmap *m);
size_t cl_strmap_count(const cl_strmap *m);

/* Inserts key -> val unless the key is present. Returns 1 when inserted,
 * 0 when present (then *existing, if not NULL, is the stored value),
 * -1 when out of memory. */
int cl_strmap_put(cl_strmap *m, const char *key, size_t len, uint32_t val,
                  uint32_t *existing);
/* Overwrites or inserts. Returns 0, or -1 when out of memory. */
int cl_strmap_set(cl_strmap *m, const char *key, size_t len, uint32_t val);
/* Returns 1 and sets *val when found, else 0. */
int cl_strmap_get(const cl_strmap *m, const char *key, size_t len, uint32_t *val);

/* Visits every entry in slot order (not insertion order). */
typedef void (*cl_strmap_visit_fn)(void *ctx, const char *key, size_t len, uint32_t val);
void cl_strmap_each(const cl_strmap *m, cl_strmap_visit_fn fn, void *ctx);

#endif
