/* cl_scratch.h - a growable scratch buffer, reused row after row (for
 * normalized or masked text that is copied out before the next use). */
#ifndef CL_SCRATCH_H
#define CL_SCRATCH_H

#include <stddef.h>

typedef struct cl_scratch {
    char *p;
    size_t cap;
} cl_scratch;

/* A buffer of at least `need` bytes (contents not kept), NULL on OOM. */
char *cl_scratch_get(cl_scratch *s, size_t need);
void cl_scratch_release(cl_scratch *s);   /* frees the buffer; s is reusable */

#endif
