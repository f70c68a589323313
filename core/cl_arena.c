/* cl_arena.c - bump allocator: a list of chunks, no per-object free. */
#include "core/cl_arena.h"
#include "core/cl_alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct chunk {
    struct chunk *next;
    size_t cap, used;
    _Alignas(16) unsigned char data[];
} chunk;

struct cl_arena {
    chunk *head;
    size_t chunk_size;
    size_t total;
};

cl_arena *cl_arena_create(size_t chunk_size)
{
    cl_arena *a = cl_calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->chunk_size = chunk_size ? chunk_size : (size_t)1 << 20;
    return a;
}

void cl_arena_free(cl_arena *a)
{
    if (!a)
        return;
    chunk *c = a->head;
    while (c) {
        chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

static chunk *new_chunk(cl_arena *a, size_t need)
{
    size_t cap = need > a->chunk_size ? need : a->chunk_size;
    chunk *c = cl_malloc(sizeof *c + cap);
    if (!c)
        return NULL;
    c->cap = cap;
    c->used = 0;
    c->next = a->head;
    a->head = c;
    return c;
}

void *cl_arena_alloc(cl_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n == 0)
        n = 16;
    chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        c = new_chunk(a, n);
        if (!c)
            return NULL;
    }
    void *p = c->data + c->used;
    c->used += n;
    a->total += n;
    return p;
}

char *cl_arena_strndup(cl_arena *a, const char *s, size_t n)
{
    char *p = cl_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

size_t cl_arena_used(const cl_arena *a)
{
    return a ? a->total : 0;
}
