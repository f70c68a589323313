/* cl_group.c - first occurrences of equal keys, radix-partitioned by hash
 * (see cl_group.h). Three passes over the items: count per part, scatter
 * (hash, index) pairs into their parts keeping item order, and scan every
 * part with a small open-addressing table of its own. */
#include "core/cl_group.h"
#include "core/cl_alloc.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

typedef struct gitem {
    uint64_t h;
    uint32_t i;
} gitem;

/* About a thousand items per part: a part's table (4-byte slots at most
 * half full) stays within a few KiB of cache. */
static int part_bits(size_t n)
{
    int b = 0;
    while (b < 14 && ((size_t)1024 << b) < n)
        b++;
    return b;
}

typedef struct group_job {
    size_t n;
    const uint64_t *hash;
    cl_group_eq_fn eq;
    const void *ctx;
    uint32_t *first;
    int bits;
    size_t parts;
    size_t *count;     /* [thread][part], then write offsets */
    size_t *start;     /* [part + 1] */
    gitem *items;
    int failed;
} group_job;

static size_t part_of(const group_job *g, uint64_t h)
{
    return g->bits ? (size_t)(h >> (64 - g->bits)) : 0;
}

static void block_of(size_t n, int t, int nt, size_t *lo, size_t *hi)
{
    *lo = (size_t)((unsigned __int128)n * (unsigned)t / (unsigned)nt);
    *hi = (size_t)((unsigned __int128)n * (unsigned)(t + 1) / (unsigned)nt);
}

static void count_block(group_job *g, size_t lo, size_t hi, size_t *count)
{
    for (size_t i = lo; i < hi; i++) {
        if (g->hash[i])
            count[part_of(g, g->hash[i])]++;
        else
            g->first[i] = CL_GROUP_NONE;
    }
}

/* Turns per-thread counts into write offsets: parts in order, and within a
 * part the threads' blocks in order, so every part lists its items in
 * ascending index order. Returns the largest part. */
static size_t place_parts(group_job *g, int nt)
{
    size_t at = 0, largest = 0;
    for (size_t p = 0; p < g->parts; p++) {
        g->start[p] = at;
        for (int t = 0; t < nt; t++) {
            size_t c = g->count[(size_t)t * g->parts + p];
            g->count[(size_t)t * g->parts + p] = at;
            at += c;
        }
        if (at - g->start[p] > largest)
            largest = at - g->start[p];
    }
    g->start[g->parts] = at;
    return largest;
}

static void scatter_block(group_job *g, size_t lo, size_t hi, size_t *off)
{
    for (size_t i = lo; i < hi; i++) {
        uint64_t h = g->hash[i];
        if (h)
            g->items[off[part_of(g, h)]++] = (gitem){h, (uint32_t)i};
    }
}

/* One part, in item order: a key's first item enters the table, later ones
 * find it there. */
static void scan_part(group_job *g, size_t p, uint32_t *table)
{
    const gitem *it = g->items + g->start[p];
    size_t c = g->start[p + 1] - g->start[p], cap = 16;
    while (cap < 2 * c)
        cap <<= 1;
    size_t mask = cap - 1;
    memset(table, 0, cap * sizeof *table);
    for (size_t k = 0; k < c; k++) {
        for (size_t j = it[k].h & mask;; j = (j + 1) & mask) {
            uint32_t v = table[j];
            if (!v) {
                table[j] = (uint32_t)k + 1;
                g->first[it[k].i] = it[k].i;
                break;
            }
            const gitem *o = &it[v - 1];
            if (o->h == it[k].h && g->eq(g->ctx, o->i, it[k].i)) {
                g->first[it[k].i] = o->i;
                break;
            }
        }
    }
}

static void run_threads(group_job *g, int nthreads)
{
    size_t largest = 0;
    #pragma omp parallel num_threads(nthreads)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        size_t lo, hi;
        block_of(g->n, t, nt, &lo, &hi);
        count_block(g, lo, hi, g->count + (size_t)t * g->parts);
        #pragma omp barrier
        #pragma omp single
        largest = place_parts(g, nt);
        scatter_block(g, lo, hi, g->count + (size_t)t * g->parts);
        #pragma omp barrier
        size_t cap = 16;
        while (cap < 2 * largest)
            cap <<= 1;
        uint32_t *table = cl_malloc(cap * sizeof *table);
        if (!table) {
            #pragma omp atomic write
            g->failed = 1;
        }
        #pragma omp for schedule(dynamic, 8)
        for (size_t p = 0; p < g->parts; p++)
            if (table)
                scan_part(g, p, table);
        free(table);
    }
}

cl_err cl_group_first(size_t n, const uint64_t *hash, cl_group_eq_fn eq, const void *ctx,
                      int nthreads, uint32_t *first)
{
    if (n == 0)
        return CL_OK;
    if (n >= UINT32_MAX)
        return CL_ERR_NOMEM;
    int nt = nthreads > 0 ? nthreads : omp_get_max_threads();
    group_job g = {.n = n, .hash = hash, .eq = eq, .ctx = ctx, .first = first};
    g.bits = part_bits(n);
    g.parts = (size_t)1 << g.bits;
    g.count = cl_calloc((size_t)nt * g.parts, sizeof *g.count);
    g.start = cl_malloc((g.parts + 1) * sizeof *g.start);
    g.items = cl_malloc(n * sizeof *g.items);
    cl_err err = CL_ERR_NOMEM;
    if (g.count && g.start && g.items) {
        run_threads(&g, nt);
        err = g.failed ? CL_ERR_NOMEM : CL_OK;
    }
    free(g.count);
    free(g.start);
    free(g.items);
    return err;
}
