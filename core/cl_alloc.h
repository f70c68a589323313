/* cl_alloc.h - the project's allocation wrapper. Every allocation made by
 * the project's own code (core, ingest, rules, reports, engine) goes through
 * cl_malloc/cl_calloc/cl_realloc/cl_strdup/cl_strndup, so that a test can make
 * the n-th one fail (allocation-failure injection, curl's "torture" way).
 *
 * In a normal build these are static inline aliases of the libc calls: no
 * cost, no state. Only a build configured with -DCL_TORTURE=ON compiles the
 * counter (core/cl_alloc.c); a test driver then arms it with
 * cl_torture_fail_at(). No environment variable is read by library code. */
#ifndef CL_ALLOC_H
#define CL_ALLOC_H

#include <stdlib.h>
#include <string.h>

#ifdef CL_TORTURE

void *cl_malloc(size_t n);
void *cl_calloc(size_t n, size_t size);
void *cl_realloc(void *p, size_t n);
char *cl_strdup(const char *s);
char *cl_strndup(const char *s, size_t n);

/* Test only: counting restarts at 0, and the n-th allocation from now (1 is
 * the next) returns NULL; 0 counts without failing. Thread safe. */
void cl_torture_fail_at(long n);
/* Test only: allocations counted since the last cl_torture_fail_at(). */
long cl_torture_count(void);

#else

static inline void *cl_malloc(size_t n) { return malloc(n); }
static inline void *cl_calloc(size_t n, size_t size) { return calloc(n, size); }
static inline void *cl_realloc(void *p, size_t n) { return realloc(p, n); }
static inline char *cl_strdup(const char *s) { return strdup(s); }
static inline char *cl_strndup(const char *s, size_t n) { return strndup(s, n); }

#endif

#endif
