/* cl_scratch.c - growable scratch buffers. */
#include "core/cl_scratch.h"
#include "core/cl_alloc.h"

#include <stdlib.h>

char *cl_scratch_get(cl_scratch *s, size_t need)
{
    if (need > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        while (cap < need)
            cap *= 2;
        char *p = cl_realloc(s->p, cap);
        if (!p)
            return NULL;
        s->p = p;
        s->cap = cap;
    }
    return s->p;
}

void cl_scratch_release(cl_scratch *s)
{
    free(s->p);
    s->p = NULL;
    s->cap = 0;
}
