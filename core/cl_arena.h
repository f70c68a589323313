/* cl_arena.h - bump allocator for strings and records; freed all at once. */
#ifndef CL_ARENA_H
#define CL_ARENA_H

#include <stddef.h>

typedef struct cl_arena cl_arena;

cl_arena *cl_arena_create(size_t chunk_size);   /* 0: default (1 MiB) */
void cl_arena_free(cl_arena *a);                /* NULL is fine */
void *cl_arena_alloc(cl_arena *a, size_t n);    /* 16-aligned, NULL on OOM */
char *cl_arena_strndup(cl_arena *a, const char *s, size_t n); /* NUL-terminated */
size_t cl_arena_used(const cl_arena *a);        /* bytes handed out */

#endif
