/* linkage.c - probable duplicates and fraud rings (cl_linkage.h): blocking by
 * exact keys (cl_group_first) for shared bank accounts, phones and
 * account_refs; blocking by two partial-ID keys (same folded name, and either
 * the birth-date digits or the digits around them) for ID numbers one
 * substitution or adjacent transposition apart; union-find over identities;
 * a score per cluster from the evidence; strongest first. Hashes are
 * computed in parallel, everything else in row order: the same clusters on
 * any thread count. Reads a decided batch, changes nothing in it. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cl_group.h"
#include "core/cl_hash.h"
#include "engine/cl_linkage.h"
#include "engine/cl_model.h"

#define NONE UINT32_MAX

/* ------------------------------------------------------------- signals */

static const char *const signal_names[CL_LS_COUNT] = {
    "bank", "phone", "account_ref", "id_typo", "id15_18", "name_variant",
};

const char *cl_link_signal_name(cl_link_signal s)
{
    return (unsigned)s < CL_LS_COUNT ? signal_names[s] : "";
}

static int signal_of(const char *p, size_t n, unsigned *set)
{
    while (n && (*p == ' ' || *p == '\t'))
        p++, n--;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (!n)
        return 0;
    if (n == 3 && !memcmp(p, "all", 3)) {
        *set |= CL_LINK_ALL_SIGNALS;
        return 0;
    }
    if (n == 4 && !memcmp(p, "none", 4))
        return 0;
    for (int k = 0; k < CL_LS_COUNT; k++)
        if (strlen(signal_names[k]) == n && !memcmp(signal_names[k], p, n)) {
            *set |= 1u << k;
            return 0;
        }
    return -1;
}

int cl_link_signals_parse(const char *v, unsigned *out)
{
    unsigned set = 0;
    const char *p = v;
    while (*p) {
        size_t n = strcspn(p, ",;");
        const char *fw = strstr(p, "，");
        if (fw && (size_t)(fw - p) < n)
            n = (size_t)(fw - p);
        if (signal_of(p, n, &set) < 0)
            return -1;
        p += n;
        if (!strncmp(p, "，", 3))
            p += 3;
        else if (*p)
            p++;
    }
    *out = set;
    return 0;
}

void cl_link_cluster_id(size_t k, char out[16])
{
    snprintf(out, 16, "PD%06zu", k + 1);
}

/* ------------------------------------------------------------- names
 * Common variant characters (traditional or old forms) and the form they
 * fold to: data, sorted by the variant's code point. */

static const uint32_t variants[][2] = {
    {0x5049, 0x4F1F}, /* 偉伟 */
    {0x5091, 0x6770}, /* 傑杰 */
    {0x5147, 0x51F6}, /* 兇凶 */
    {0x5289, 0x5218}, /* 劉刘 */
    {0x528D, 0x5251}, /* 劍剑 */
    {0x5433, 0x5434}, /* 吳吴 */
    {0x5553, 0x542F}, /* 啓启 */
    {0x5586, 0x54F2}, /* 喆哲 */
    {0x570B, 0x56FD}, /* 國国 */
    {0x5803, 0x5764}, /* 堃坤 */
    {0x5B0C, 0x5A07}, /* 嬌娇 */
    {0x5B6B, 0x5B59}, /* 孫孙 */
    {0x5BF6, 0x5B9D}, /* 寶宝 */
    {0x5CEF, 0x5CF0}, /* 峯峰 */
    {0x5F35, 0x5F20}, /* 張张 */
    {0x5F37, 0x5F3A}, /* 強强 */
    {0x65BC, 0x4E8E}, /* 於于 */
    {0x6649, 0x664B}, /* 晉晋 */
    {0x6771, 0x4E1C}, /* 東东 */
    {0x694A, 0x6768}, /* 楊杨 */
    {0x6DE8, 0x51C0}, /* 淨净 */
    {0x6DE9, 0x51CC}, /* 淩凌 */
    {0x6E6F, 0x6C64}, /* 湯汤 */
    {0x6F54, 0x6D01}, /* 潔洁 */
    {0x6FE4, 0x6D9B}, /* 濤涛 */
    {0x7469, 0x83B9}, /* 瑩莹 */
    {0x76E7, 0x5362}, /* 盧卢 */
    {0x7A4E, 0x9896}, /* 穎颖 */
    {0x7BC4, 0x8303}, /* 範范 */
    {0x7D05, 0x7EA2}, /* 紅红 */
    {0x7DAB, 0x7EBF}, /* 綫线 */
    {0x7F85, 0x7F57}, /* 羅罗 */
    {0x83EF, 0x534E}, /* 華华 */
    {0x8449, 0x53F6}, /* 葉叶 */
    {0x8523, 0x848B}, /* 蔣蒋 */
    {0x856D, 0x8427}, /* 蕭萧 */
    {0x8591, 0x59DC}, /* 薑姜 */
    {0x8607, 0x82CF}, /* 蘇苏 */
    {0x862D, 0x5170}, /* 蘭兰 */
    {0x885B, 0x536B}, /* 衛卫 */
    {0x88CF, 0x91CC}, /* 裏里 */
    {0x8A31, 0x8BB8}, /* 許许 */
    {0x8A8C, 0x5FD7}, /* 誌志 */
    {0x8B1D, 0x8C22}, /* 謝谢 */
    {0x8C50, 0x4E30}, /* 豐丰 */
    {0x8CB4, 0x8D35}, /* 貴贵 */
    {0x8CC8, 0x8D3E}, /* 賈贾 */
    {0x8D99, 0x8D75}, /* 趙赵 */
    {0x8ECD, 0x519B}, /* 軍军 */
    {0x8F1D, 0x8F89}, /* 輝辉 */
    {0x90A8, 0x6751}, /* 邨村 */
    {0x9127, 0x9093}, /* 鄧邓 */
    {0x912D, 0x90D1}, /* 鄭郑 */
    {0x92D2, 0x950B}, /* 鋒锋 */
    {0x9322, 0x94B1}, /* 錢钱 */
    {0x9326, 0x9526}, /* 錦锦 */
    {0x937E, 0x949F}, /* 鍾钟 */
    {0x9418, 0x949F}, /* 鐘钟 */
    {0x9577, 0x957F}, /* 長长 */
    {0x95D5, 0x9619}, /* 闕阙 */
    {0x9673, 0x9648}, /* 陳陈 */
    {0x96F2, 0x4E91}, /* 雲云 */
    {0x975C, 0x9759}, /* 靜静 */
    {0x97D3, 0x97E9}, /* 韓韩 */
    {0x97FB, 0x97F5}, /* 韻韵 */
    {0x98DB, 0x98DE}, /* 飛飞 */
    {0x99AC, 0x9A6C}, /* 馬马 */
    {0x99AE, 0x51AF}, /* 馮冯 */
    {0x9B06, 0x677E}, /* 鬆松 */
    {0x9CF3, 0x51E4}, /* 鳳凤 */
    {0x9D6C, 0x9E4F}, /* 鵬鹏 */
    {0x9E97, 0x4E3D}, /* 麗丽 */
    {0x9EC3, 0x9EC4}, /* 黃黄 */
    {0x9F8D, 0x9F99}, /* 龍龙 */
    {0x9F94, 0x9F9A}, /* 龔龚 */
};
enum { NVARIANTS = sizeof variants / sizeof variants[0] };

static uint32_t fold_cp(uint32_t cp)
{
    size_t lo = 0, hi = NVARIANTS;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (variants[mid][0] == cp)
            return variants[mid][1];
        if (variants[mid][0] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return cp;
}

/* One UTF-8 character at p (n bytes left): its code point and length; a
 * malformed byte is taken as itself. */
static uint32_t utf8_at(const unsigned char *p, size_t n, size_t *len)
{
    if (p[0] < 0x80 || n < 2) {
        *len = 1;
        return p[0];
    }
    if ((p[0] & 0xE0) == 0xC0) {
        *len = 2;
        return ((uint32_t)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
    }
    if ((p[0] & 0xF0) == 0xE0 && n >= 3) {
        *len = 3;
        return ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    }
    if ((p[0] & 0xF8) == 0xF0 && n >= 4) {
        *len = 4;
        return ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
               ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
    }
    *len = 1;
    return p[0];
}

static size_t utf8_put(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static int is_spacing(uint32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == '.' || cp == '-' || cp == 0x00B7 || cp == 0x3000 ||
           cp == 0x30FB || cp == 0x2022 || cp == 0x2027 || cp == 0xFF65;
}

size_t cl_link_fold_name(const char *name, size_t len, char *out)
{
    const unsigned char *p = (const unsigned char *)name;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t cl;
        uint32_t cp = utf8_at(p + i, len - i, &cl);
        i += cl;
        if (is_spacing(cp))
            continue;
        if (cp >= 'a' && cp <= 'z')
            cp -= 32;
        n += utf8_put(fold_cp(cp), out + n);
    }
    out[n] = '\0';
    return n;
}

/* ---------------------------------------------------------- work state */

typedef struct edge {
    uint32_t lo, hi;          /* identities, lo < hi */
    cl_link_evidence ev;
} edge;

typedef struct lk {
    const cl_batch *b;
    unsigned signals;
    int64_t max_shared;
    size_t n;                 /* submission rows */
    uint8_t *use;             /* row takes part (not a DUPLICATE row) */
    uint64_t *h;
    uint32_t *first;
    uint32_t *parent;         /* union-find over identities */
    edge *edges;
    size_t nedges, cap;
    int signal;               /* the exact signal being joined */
    uint8_t *cross;           /* exact signals: root rows with 2+ identities (n) */
    char (*core)[17];         /* ID signals: a row's first 17 ID digits (id_core) */
    uint64_t *nameh;          /* ID signals: hash of the compared name; 0: no ID match */
    uint8_t *from15;          /* ID signals: the row's ID came in the 15-digit form */
} lk;

static int push_edge(lk *x, uint32_t ia, uint32_t ib, const cl_link_evidence *ev)
{
    if (x->nedges == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 1024;
        edge *p = realloc(x->edges, cap * sizeof *p);
        if (!p)
            return -1;
        x->edges = p;
        x->cap = cap;
    }
    edge *e = &x->edges[x->nedges++];
    e->lo = ia < ib ? ia : ib;
    e->hi = ia < ib ? ib : ia;
    e->ev = *ev;
    return 0;
}

static uint32_t find(uint32_t *parent, uint32_t a)
{
    while (parent[a] != a) {
        parent[a] = parent[parent[a]];
        a = parent[a];
    }
    return a;
}

/* The smaller root wins: the forest's roots do not depend on edge order. */
static void unite(uint32_t *parent, uint32_t a, uint32_t b)
{
    a = find(parent, a);
    b = find(parent, b);
    if (a < b)
        parent[b] = a;
    else if (b < a)
        parent[a] = b;
}

/* ------------------------------------------------------- exact signals */

/* A bank account as compared, into buf (64 bytes): spaces and dashes
 * dropped, letters upper-cased; 0 under 8 characters (placeholders like "无"
 * or "0"). */
static size_t bank_key(const cl_sub *s, char *buf)
{
    size_t n = 0;
    for (const char *p = s->bank_account; *p && n < 63; p++)
        if (*p != ' ' && *p != '-')
            buf[n++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 32) : *p;
    buf[n] = '\0';
    return n >= 8 ? n : 0;
}

/* The hash of a row's value for an exact signal; 0: none. */
static const char *exact_value(const cl_sub *s, int signal)
{
    return signal == CL_LS_PHONE ? (s->phone_valid ? s->phone : "") : s->account_ref;
}

static uint64_t exact_hash(const cl_sub *s, int signal)
{
    const char *v = exact_value(s, signal);
    size_t n;
    char buf[64];
    if (signal == CL_LS_BANK) {
        n = bank_key(s, buf);
        v = buf;
    } else {
        n = strlen(v);
    }
    if (!n)
        return 0;
    uint64_t h = cl_hash_bytes(v, n);
    return h ? h : 1;
}

static bool same_exact(const void *ctx, uint32_t a, uint32_t b)
{
    const lk *x = ctx;
    const cl_sub *sa = &x->b->subs[a], *sb = &x->b->subs[b];
    if (x->signal != CL_LS_BANK)
        return !strcmp(exact_value(sa, x->signal), exact_value(sb, x->signal));
    char ka[64], kb[64];
    size_t na = bank_key(sa, ka), nb = bank_key(sb, kb);
    return na == nb && !memcmp(ka, kb, na);
}

typedef struct member {
    uint32_t root, identity, row;
} member;

static int by_member(const void *pa, const void *pb)
{
    const member *a = pa, *b = pb;
    if (a->root != b->root)
        return a->root < b->root ? -1 : 1;
    if (a->identity != b->identity)
        return a->identity < b->identity ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

static int32_t exact_weight(int signal, uint32_t k)
{
    int64_t w = signal == CL_LS_BANK          ? CL_LINK_W_BANK + CL_LINK_W_BANK_STEP * (int64_t)(k - 2)
                : signal == CL_LS_ACCOUNT_REF ? CL_LINK_W_ACCOUNT_REF +
                                                    CL_LINK_W_ACCOUNT_REF_STEP * (int64_t)(k - 2)
                                              : CL_LINK_W_PHONE + CL_LINK_W_PHONE_STEP * (int64_t)(k - 2);
    return (int32_t)(w > 100000 ? 100000 : w);
}

/* One group of rows sharing a value (sorted by identity): its distinct
 * identities, united, and one piece of evidence. */
static int exact_group(lk *x, const member *m, size_t n)
{
    uint32_t k = 1;
    for (size_t i = 1; i < n; i++)
        k += m[i].identity != m[i - 1].identity;
    if (k < 2 || (int64_t)k > x->max_shared)
        return 0;
    uint32_t a = m[0].root;   /* the first row with the value */
    /* b: the first row (in file order) of an identity other than a's */
    uint32_t ida = x->b->subs[a].identity, b = NONE;
    for (size_t i = 0; i < n; i++)
        if (m[i].identity != ida && (b == NONE || m[i].row < b))
            b = m[i].row;
    cl_link_evidence ev = {(uint8_t)x->signal, 0, -1, 0, a, b, k, exact_weight(x->signal, k)};
    for (size_t i = 1; i < n; i++)
        if (m[i].identity != m[0].identity)
            unite(x->parent, m[0].identity, m[i].identity);
    return push_edge(x, x->b->subs[a].identity, x->b->subs[b].identity, &ev);
}

static cl_err exact_signal(lk *x, int signal)
{
    const cl_batch *b = x->b;
    x->signal = signal;
    #pragma omp parallel for schedule(static) num_threads(b->nthreads)
    for (size_t i = 0; i < x->n; i++)
        x->h[i] = x->use[i] ? exact_hash(&b->subs[i], signal) : 0;
    if (cl_group_first(x->n, x->h, same_exact, x, b->nthreads, x->first))
        return CL_ERR_NOMEM;
    /* values held by more than one identity: rare, gathered and sorted */
    uint8_t *cross = x->cross;
    memset(cross, 0, x->n + 1);
    size_t nm = 0;
    for (size_t i = 0; i < x->n; i++) {
        uint32_t r = x->first[i];
        if (r != NONE && r != i && b->subs[r].identity != b->subs[i].identity)
            cross[r] = 1;
    }
    for (size_t i = 0; i < x->n; i++)
        nm += x->first[i] != NONE && cross[x->first[i]];
    member *m = malloc((nm + 1) * sizeof *m);
    cl_err err = m ? CL_OK : CL_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < x->n && !err; i++)
        if (x->first[i] != NONE && cross[x->first[i]])
            m[k++] = (member){x->first[i], b->subs[i].identity, (uint32_t)i};
    if (!err)
        qsort(m, nm, sizeof *m, by_member);
    for (size_t i = 0, j; i < nm && !err; i = j) {
        for (j = i + 1; j < nm && m[j].root == m[i].root; j++)
            ;
        if (exact_group(x, m + i, j - i) < 0)
            err = CL_ERR_NOMEM;
    }
    free(m);
    return err;
}

/* ---------------------------------------------------------- ID signals
 * A PRC ID's first 17 characters (a 15-digit one with "19" put in after
 * the region): the part compared, the check character aside. */

static int id_core(const cl_sub *s, char core[17])
{
    if (s->id_type != CL_IDT_PRC_ID)
        return 0;
    size_t n = strlen(s->id_number);
    if (n == 18) {
        memcpy(core, s->id_number, 17);
    } else if (n == 15) {
        memcpy(core, s->id_number, 6);
        core[6] = '1';
        core[7] = '9';
        memcpy(core + 8, s->id_number + 6, 9);
    } else {
        return 0;
    }
    for (int i = 0; i < 17; i++)
        if (core[i] < '0' || core[i] > '9')
            return 0;
    return 1;
}

/* The name a row is compared by: folded when name_variant is on, else as
 * normalized. 0: no usable name. */
static size_t cmp_name(const lk *x, const cl_sub *s, char *buf, size_t cap)
{
    size_t n = strlen(s->name);
    if (!n || 4 * n + 1 > cap)
        return 0;
    if (!(x->signals & (1u << CL_LS_NAME_VARIANT))) {
        memcpy(buf, s->name, n + 1);
        return n;
    }
    return cl_link_fold_name(s->name, n, buf);
}

/* Once per row: the ID's first 17 digits, the compared name's hash, the
 * 15-digit flag. */
static void id_prepare(lk *x)
{
    const cl_batch *b = x->b;
    #pragma omp parallel for schedule(static) num_threads(b->nthreads)
    for (size_t i = 0; i < x->n; i++) {
        const cl_sub *s = &b->subs[i];
        char name[1024];
        size_t nn;
        x->nameh[i] = 0;
        if (!x->use[i] || !id_core(s, x->core[i]) || !(nn = cmp_name(x, s, name, sizeof name)))
            continue;
        uint64_t h = cl_hash_bytes(name, nn);
        x->nameh[i] = h ? h : 1;
        x->from15[i] = s->id_from15 || strlen(s->id_number) == 15;
    }
}

/* Block key 0: the name and the birth-date digits (core 6..13); key 1: the
 * name and core 0..4 and 15..16. Any one substitution or adjacent
 * transposition leaves one of the two intact. */
static uint64_t block_hash(const lk *x, size_t i, int which)
{
    if (!x->nameh[i])
        return 0;
    char key[16];
    const char *c = x->core[i];
    memcpy(key, &x->nameh[i], 8);
    if (which == 0) {
        memcpy(key + 8, c + 6, 8);
    } else {
        memcpy(key + 8, c, 5);
        memcpy(key + 13, c + 15, 2);
        key[15] = '#';
    }
    uint64_t h = cl_hash_bytes(key, 16);
    return h ? h : 1;
}

static bool same_block(const void *ctx, uint32_t a, uint32_t b)
{
    (void)ctx; (void)a; (void)b;
    return true;   /* candidates only: every pair is verified (id_pair) */
}

/* Whether two cores are at most one substitution or one adjacent
 * transposition apart; *pos the first difference (-1: none). */
static int one_edit(const char *a, const char *b, int *pos, int *transposed)
{
    int d[3], nd = 0;
    for (int i = 0; i < 17; i++)
        if (a[i] != b[i]) {
            if (nd == 2)
                return 0;
            d[nd++] = i;
        }
    *pos = nd ? d[0] : -1;
    *transposed = 0;
    if (nd < 2)
        return 1;
    if (d[1] == d[0] + 1 && a[d[0]] == b[d[1]] && a[d[1]] == b[d[0]]) {
        *transposed = 1;
        return 1;
    }
    return 0;
}

static int id_pair(lk *x, uint32_t i, uint32_t j)
{
    const cl_sub *s = &x->b->subs[i], *t = &x->b->subs[j];
    int pos, tr;
    if (s->identity == t->identity || x->nameh[i] != x->nameh[j] ||
        !one_edit(x->core[i], x->core[j], &pos, &tr))
        return 0;
    char ni[1024], nj[1024];   /* the names themselves, not only their hashes */
    size_t li = cmp_name(x, s, ni, sizeof ni), lj = cmp_name(x, t, nj, sizeof nj);
    if (!li || li != lj || memcmp(ni, nj, li))
        return 0;
    int f = x->from15[i] != x->from15[j];
    int sig = f ? CL_LS_ID15_18 : CL_LS_ID_TYPO;
    if (!(x->signals & (1u << sig)))
        return 0;
    int variant = strcmp(s->name, t->name) != 0;
    int32_t w = variant ? CL_LINK_W_NAME_VARIANT : f ? CL_LINK_W_ID15_18 : CL_LINK_W_ID_TYPO;
    cl_link_evidence ev = {(uint8_t)sig, (uint8_t)variant, (int8_t)pos, (uint8_t)tr, i, j, 2, w};
    unite(x->parent, s->identity, t->identity);
    return push_edge(x, s->identity, t->identity, &ev);
}

static int by_core(const void *pa, const void *pb, void *ctx)
{
    const lk *x = ctx;
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    int c = memcmp(x->core[a], x->core[b], 17);
    return c ? c : (a > b) - (a < b);
}

#define ALL_PAIRS_MAX 64
#define WINDOW 32

/* The rows of one block: every pair when few, else a sorted neighbourhood. */
static int id_block(lk *x, uint32_t *rows, size_t n)
{
    size_t w = n;
    if (n > ALL_PAIRS_MAX) {
        qsort_r(rows, n, sizeof *rows, by_core, x);
        w = WINDOW;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n && j <= i + w; j++)
            if (id_pair(x, rows[i] < rows[j] ? rows[i] : rows[j],
                        rows[i] < rows[j] ? rows[j] : rows[i]) < 0)
                return -1;
    return 0;
}

static cl_err id_signal(lk *x, int which, uint32_t *next, uint32_t *tail, uint32_t *buf)
{
    const cl_batch *b = x->b;
    #pragma omp parallel for schedule(static) num_threads(b->nthreads)
    for (size_t i = 0; i < x->n; i++)
        x->h[i] = block_hash(x, i, which);
    if (cl_group_first(x->n, x->h, same_block, x, b->nthreads, x->first))
        return CL_ERR_NOMEM;
    /* chain the rows of each block in row order: next[], tail[root] */
    for (size_t i = 0; i < x->n; i++) {
        next[i] = NONE;
        uint32_t r = x->first[i];
        if (r == NONE)
            continue;
        if (r != i)
            next[tail[r]] = (uint32_t)i;
        tail[r] = (uint32_t)i;
    }
    for (size_t r = 0; r < x->n; r++) {
        if (x->first[r] != r || next[r] == NONE)
            continue;
        size_t n = 0;
        for (uint32_t k = (uint32_t)r; k != NONE; k = next[k])
            buf[n++] = k;
        if (id_block(x, buf, n) < 0)
            return CL_ERR_NOMEM;
    }
    return CL_OK;
}

/* ------------------------------------------------------------ clusters */

static int by_edge(const void *pa, const void *pb)
{
    const edge *a = pa, *b = pb;
    int ida = a->ev.signal >= CL_LS_ID_TYPO, idb = b->ev.signal >= CL_LS_ID_TYPO;
    if (a->lo != b->lo)
        return a->lo < b->lo ? -1 : 1;
    if (a->hi != b->hi)
        return a->hi < b->hi ? -1 : 1;
    if (ida != idb)
        return ida - idb;
    if (a->ev.signal != b->ev.signal)   /* ID pairs: id15_18 explains more than id_typo */
        return ida ? b->ev.signal - a->ev.signal : a->ev.signal - b->ev.signal;
    if (a->ev.a != b->ev.a)
        return a->ev.a < b->ev.a ? -1 : 1;
    return (a->ev.b > b->ev.b) - (a->ev.b < b->ev.b);
}

/* One ID link per pair of identities (the blocks and further rows of the
 * same identities find it again). */
static void dedupe_edges(lk *x)
{
    if (!x->nedges)
        return;
    qsort(x->edges, x->nedges, sizeof *x->edges, by_edge);
    size_t w = 0;
    for (size_t i = 0; i < x->nedges; i++) {
        const edge *e = &x->edges[i];
        if (w && e->ev.signal >= CL_LS_ID_TYPO && x->edges[w - 1].ev.signal >= CL_LS_ID_TYPO &&
            x->edges[w - 1].lo == e->lo && x->edges[w - 1].hi == e->hi)
            continue;
        x->edges[w++] = *e;
    }
    x->nedges = w;
}

typedef struct cl_rank {
    int64_t score;
    uint32_t first_row, root;
} cl_rank;

static int by_rank(const void *pa, const void *pb)
{
    const cl_rank *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return (a->first_row > b->first_row) - (a->first_row < b->first_row);
}

static int by_weight(const void *pa, const void *pb)
{
    const cl_link_evidence *a = pa, *b = pb;
    if (a->weight != b->weight)
        return a->weight > b->weight ? -1 : 1;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    if (a->b != b->b)
        return a->b < b->b ? -1 : 1;
    return a->signal - b->signal;
}

/* Scores per component, the listed ones ranked, members and evidence laid
 * out by cluster. */
static cl_err assemble(lk *x, cl_linkage *L, int64_t min_score)
{
    const cl_batch *b = x->b;
    size_t nids = b->nids;
    int64_t *score = calloc(nids + 1, sizeof *score);
    uint32_t *slot = malloc((nids + 1) * sizeof *slot);
    uint32_t *firstrow = malloc((nids + 1) * sizeof *firstrow);
    cl_rank *rk = NULL;
    cl_err err = score && slot && firstrow ? CL_OK : CL_ERR_NOMEM;
    size_t nr = 0;
    if (err)
        goto done;
    for (size_t i = 0; i < nids; i++)
        slot[i] = firstrow[i] = NONE;
    for (size_t e = 0; e < x->nedges; e++) {
        uint32_t r = find(x->parent, x->edges[e].lo);
        score[r] += x->edges[e].ev.weight;
    }
    for (size_t i = 0; i < x->n; i++) {
        if (!x->use[i])
            continue;
        uint32_t r = find(x->parent, b->subs[i].identity);
        if (firstrow[r] == NONE)
            firstrow[r] = (uint32_t)i;
    }
    if (!(rk = malloc((nids + 1) * sizeof *rk))) {
        err = CL_ERR_NOMEM;
        goto done;
    }
    for (size_t r = 0; r < nids; r++)
        if (x->parent[r] == r && score[r] > 0 && score[r] >= min_score && firstrow[r] != NONE)
            rk[nr++] = (cl_rank){score[r], firstrow[r], (uint32_t)r};
    qsort(rk, nr, sizeof *rk, by_rank);
    L->nclusters = nr;
    L->clusters = calloc(nr + 1, sizeof *L->clusters);
    L->cluster_of = malloc((x->n + 1) * sizeof *L->cluster_of);
    if (!L->clusters || !L->cluster_of) {
        err = CL_ERR_NOMEM;
        goto done;
    }
    for (size_t k = 0; k < nr; k++) {
        slot[rk[k].root] = (uint32_t)k;
        L->clusters[k].score = rk[k].score;
    }
    /* members: count, offsets, fill in row order */
    size_t nmem = 0, nev = 0;
    for (size_t i = 0; i < x->n; i++) {
        uint32_t k = x->use[i] ? slot[find(x->parent, b->subs[i].identity)] : NONE;
        L->cluster_of[i] = k;
        if (k != NONE) {
            L->clusters[k].nmembers++;
            nmem++;
        }
    }
    for (size_t e = 0; e < x->nedges; e++) {
        uint32_t k = slot[find(x->parent, x->edges[e].lo)];
        if (k != NONE) {
            L->clusters[k].nev++;
            nev++;
        }
    }
    L->members = malloc((nmem + 1) * sizeof *L->members);
    L->ev = malloc((nev + 1) * sizeof *L->ev);
    if (!L->members || !L->ev) {
        err = CL_ERR_NOMEM;
        goto done;
    }
    size_t mo = 0, eo = 0;
    for (size_t k = 0; k < nr; k++) {
        cl_link_cluster *c = &L->clusters[k];
        c->member0 = mo;
        c->ev0 = eo;
        mo += c->nmembers;
        eo += c->nev;
        c->nmembers = c->nev = 0;
    }
    for (size_t i = 0; i < x->n; i++) {
        uint32_t k = L->cluster_of[i];
        if (k == NONE)
            continue;
        cl_link_cluster *c = &L->clusters[k];
        L->members[c->member0 + c->nmembers++] = (uint32_t)i;
    }
    for (size_t e = 0; e < x->nedges; e++) {
        uint32_t k = slot[find(x->parent, x->edges[e].lo)];
        if (k == NONE)
            continue;
        cl_link_cluster *c = &L->clusters[k];
        L->ev[c->ev0 + c->nev++] = x->edges[e].ev;
        c->signals |= 1u << x->edges[e].ev.signal;
        if (x->edges[e].ev.name_variant)
            c->signals |= 1u << CL_LS_NAME_VARIANT;
    }
    /* distinct identities per cluster (firstrow reused as "seen in cluster k") */
    for (size_t i = 0; i < nids; i++)
        firstrow[i] = NONE;
    for (size_t k = 0; k < nr; k++) {
        cl_link_cluster *c = &L->clusters[k];
        qsort(L->ev + c->ev0, c->nev, sizeof *L->ev, by_weight);
        for (size_t m = 0; m < c->nmembers; m++) {
            uint32_t id = b->subs[L->members[c->member0 + m]].identity;
            if (firstrow[id] != k) {
                firstrow[id] = (uint32_t)k;
                c->nidentities++;
            }
        }
    }
done:
    free(score);
    free(slot);
    free(firstrow);
    free(rk);
    return err;
}

/* ---------------------------------------------------------------- build */

static void lk_free(lk *x)
{
    free(x->cross);
    free(x->core);
    free(x->nameh);
    free(x->from15);
    free(x->use);
    free(x->h);
    free(x->first);
    free(x->parent);
    free(x->edges);
}

static cl_err lk_init(lk *x, const cl_batch *b)
{
    memset(x, 0, sizeof *x);
    x->b = b;
    x->n = b->nsubs;
    x->signals = b->cfg.linkage_signals;
    x->max_shared = b->cfg.linkage_max_shared;
    x->use = malloc(x->n + 1);
    x->h = malloc((x->n + 1) * sizeof *x->h);
    x->first = malloc((x->n + 1) * sizeof *x->first);
    x->parent = malloc((b->nids + 1) * sizeof *x->parent);
    x->cross = malloc(x->n + 1);
    if (!x->use || !x->h || !x->first || !x->parent || !x->cross)
        return CL_ERR_NOMEM;
    for (size_t i = 0; i < b->nids; i++)
        x->parent[i] = (uint32_t)i;
    for (size_t i = 0; i < x->n; i++)
        x->use[i] = b->claims[i].status != CL_ST_DUPLICATE && b->subs[i].identity < b->nids;
    return CL_OK;
}

static cl_err id_signals(lk *x)
{
    if (!(x->signals & ((1u << CL_LS_ID_TYPO) | (1u << CL_LS_ID15_18))))
        return CL_OK;
    uint32_t *next = malloc((x->n + 1) * sizeof *next);
    uint32_t *tail = malloc((x->n + 1) * sizeof *tail);
    uint32_t *buf = malloc((x->n + 1) * sizeof *buf);
    x->core = malloc((x->n + 1) * sizeof *x->core);
    x->nameh = malloc((x->n + 1) * sizeof *x->nameh);
    x->from15 = calloc(x->n + 1, 1);
    cl_err err = next && tail && buf && x->core && x->nameh && x->from15 ? CL_OK : CL_ERR_NOMEM;
    if (!err)
        id_prepare(x);
    for (int which = 0; which < 2 && !err; which++)
        err = id_signal(x, which, next, tail, buf);
    free(next);
    free(tail);
    free(buf);
    return err;
}

cl_err cl_linkage_build(const cl_batch *b, cl_linkage **out, cl_diag *d)
{
    *out = NULL;
    if (!b->cfg.linkage)
        return CL_OK;
    lk x;
    cl_linkage *L = calloc(1, sizeof *L);
    cl_err err = L ? lk_init(&x, b) : CL_ERR_NOMEM;
    static const int exact[] = {CL_LS_BANK, CL_LS_PHONE, CL_LS_ACCOUNT_REF};
    for (int k = 0; k < 3 && !err; k++)
        if (b->cfg.linkage_signals & (1u << exact[k]))
            err = exact_signal(&x, exact[k]);
    if (!err)
        err = id_signals(&x);
    if (!err) {
        dedupe_edges(&x);
        L->links = x.nedges;
        L->nsubs = x.n;
        err = assemble(&x, L, b->cfg.linkage_min_score);
    }
    if (L)
        lk_free(&x);
    if (err) {
        cl_linkage_free(L);
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory (probable duplicates)");
    }
    *out = L;
    return CL_OK;
}

void cl_linkage_free(cl_linkage *l)
{
    if (!l)
        return;
    free(l->clusters);
    free(l->members);
    free(l->ev);
    free(l->cluster_of);
    free(l);
}
