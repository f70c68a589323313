/* cl_hash.c - open-addressing (linear probing) string -> uint32 index. */
#include "core/cl_hash.h"
#include "core/cl_alloc.h"

#include <stdlib.h>
#include <string.h>

typedef struct slot {
    const char *key;
    uint32_t len;
    uint32_t val;
    uint64_t hash;
} slot;

struct cl_strmap {
    slot *slots;
    size_t mask;   /* capacity - 1, capacity a power of two */
    size_t count;
};

/* 64-bit multiply-mix hash over 8-byte words (wyhash-like mixing). */
static inline uint64_t mix(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint64_t cl_hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xff51afd7ed558ccdull);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = mix(h ^ w, 0xa0761d6478bd642full);
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    h = mix(h ^ w ^ ((uint64_t)n << 56), 0xe7037ed1a0b428dbull);
    return h ? h : 1;
}

static size_t capacity_for(size_t expected)
{
    size_t cap = 16;
    while (cap < expected * 2)
        cap <<= 1;
    return cap;
}

cl_strmap *cl_strmap_create(size_t expected)
{
    cl_strmap *m = cl_calloc(1, sizeof *m);
    if (!m)
        return NULL;
    size_t cap = capacity_for(expected);
    m->slots = cl_calloc(cap, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return NULL;
    }
    m->mask = cap - 1;
    return m;
}

void cl_strmap_free(cl_strmap *m)
{
    if (!m)
        return;
    free(m->slots);
    free(m);
}

size_t cl_strmap_count(const cl_strmap *m)
{
    return m->count;
}

static slot *find_slot(slot *slots, size_t mask, const char *key, size_t len, uint64_t h)
{
    size_t i = h & mask;
    for (;;) {
        slot *s = &slots[i];
        if (!s->hash)
            return s;
        if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0)
            return s;
        i = (i + 1) & mask;
    }
}

static int grow(cl_strmap *m)
{
    size_t cap = (m->mask + 1) * 2;
    slot *ns = cl_calloc(cap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i <= m->mask; i++) {
        slot *s = &m->slots[i];
        if (!s->hash)
            continue;
        size_t j = s->hash & (cap - 1);
        while (ns[j].hash)
            j = (j + 1) & (cap - 1);
        ns[j] = *s;
    }
    free(m->slots);
    m->slots = ns;
    m->mask = cap - 1;
    return 0;
}

static slot *lookup_for_insert(cl_strmap *m, const char *key, size_t len, uint64_t h)
{
    if ((m->count + 1) * 10 > (m->mask + 1) * 7 && grow(m) < 0)
        return NULL;
    return find_slot(m->slots, m->mask, key, len, h);
}

int cl_strmap_put(cl_strmap *m, const char *key, size_t len, uint32_t val, uint32_t *existing)
{
    uint64_t h = cl_hash_bytes(key, len);
    slot *s = lookup_for_insert(m, key, len, h);
    if (!s)
        return -1;
    if (s->hash) {
        if (existing)
            *existing = s->val;
        return 0;
    }
    s->hash = h;
    s->key = key;
    s->len = (uint32_t)len;
    s->val = val;
    m->count++;
    return 1;
}

int cl_strmap_set(cl_strmap *m, const char *key, size_t len, uint32_t val)
{
    uint64_t h = cl_hash_bytes(key, len);
    slot *s = lookup_for_insert(m, key, len, h);
    if (!s)
        return -1;
    if (!s->hash) {
        s->hash = h;
        s->key = key;
        s->len = (uint32_t)len;
        m->count++;
    }
    s->val = val;
    return 0;
}

int cl_strmap_get(const cl_strmap *m, const char *key, size_t len, uint32_t *val)
{
    uint64_t h = cl_hash_bytes(key, len);
    slot *s = find_slot(m->slots, m->mask, key, len, h);
    if (!s->hash)
        return 0;
    if (val)
        *val = s->val;
    return 1;
}

void cl_strmap_each(const cl_strmap *m, cl_strmap_visit_fn fn, void *ctx)
{
    for (size_t i = 0; i <= m->mask; i++)
        if (m->slots[i].hash)
            fn(ctx, m->slots[i].key, m->slots[i].len, m->slots[i].val);
}
