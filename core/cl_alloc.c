/* cl_alloc.c - the allocation-failure counter of a CL_TORTURE build (see
 * cl_alloc.h). Compiled only with -DCL_TORTURE=ON: test-only process-wide
 * state, never part of a normal build. */
#include "core/cl_alloc.h"

#include <stdatomic.h>

static atomic_long torture_count;
static atomic_long torture_fail_at;

void cl_torture_fail_at(long n)
{
    atomic_store(&torture_count, 0);
    atomic_store(&torture_fail_at, n);
}

long cl_torture_count(void) { return atomic_load(&torture_count); }

/* 1 when this allocation is the one to fail. */
static int torture_fails(void)
{
    long k = atomic_fetch_add(&torture_count, 1) + 1;
    long at = atomic_load(&torture_fail_at);
    return at > 0 && k == at;
}

void *cl_malloc(size_t n) { return torture_fails() ? NULL : malloc(n); }
void *cl_calloc(size_t n, size_t size) { return torture_fails() ? NULL : calloc(n, size); }
void *cl_realloc(void *p, size_t n) { return torture_fails() ? NULL : realloc(p, n); }
char *cl_strdup(const char *s) { return torture_fails() ? NULL : strdup(s); }
char *cl_strndup(const char *s, size_t n) { return torture_fails() ? NULL : strndup(s, n); }
