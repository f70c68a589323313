/* aggregate.c - contract §5: creditor_id (keyed HMAC-SHA-256 of the identity,
 * never a plain hash of the ID number), creditors by tier, and the voting
 * roster with its reorganization groups. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/cl_money.h"
#include "core/cl_alloc.h"
#include "engine/cl_stages.h"

const char *cl_group_name(cl_group g)
{
    static const char *const names[CL_G_COUNT] = {"secured", "employee", "tax", "ordinary",
                                                  "small_ordinary"};
    return g < CL_G_COUNT ? names[g] : "";
}

/* creditor_id = first 8 bytes (16 hex) of HMAC-SHA-256(case key,
 * "<ID_TYPE>:<id_number>"). Stable across runs and thread counts for one
 * case key; without the key it reveals nothing of the ID number. The key
 * schedule (inner and outer padded blocks) is hashed once; each identity
 * then costs two SHA-256 context copies. */
typedef struct hmac_key {
    EVP_MD_CTX *inner, *outer;
} hmac_key;

static int hmac_key_init(hmac_key *k, const unsigned char *key, size_t len)
{
    unsigned char block[64] = {0}, pad[64];
    if (len > sizeof block) {
        unsigned int n = 0;
        EVP_Digest(key, len, block, &n, EVP_sha256(), NULL);
    } else {
        memcpy(block, key, len);
    }
    k->inner = EVP_MD_CTX_new();
    k->outer = EVP_MD_CTX_new();
    if (!k->inner || !k->outer)
        return -1;
    for (int i = 0; i < 64; i++)
        pad[i] = block[i] ^ 0x36;
    if (!EVP_DigestInit_ex(k->inner, EVP_sha256(), NULL) || !EVP_DigestUpdate(k->inner, pad, 64))
        return -1;
    for (int i = 0; i < 64; i++)
        pad[i] = block[i] ^ 0x5c;
    if (!EVP_DigestInit_ex(k->outer, EVP_sha256(), NULL) || !EVP_DigestUpdate(k->outer, pad, 64))
        return -1;
    return 0;
}

static void hmac_key_free(hmac_key *k)
{
    EVP_MD_CTX_free(k->inner);
    EVP_MD_CTX_free(k->outer);
}

static int derive_creditor_id(const hmac_key *k, EVP_MD_CTX *work, const cl_identity *id,
                              char out[17])
{
    char msg[512];
    int n = snprintf(msg, sizeof msg, "%s:%s", cl_id_type_name((cl_id_type)id->id_type),
                     id->id_number);
    if (n < 0 || (size_t)n >= sizeof msg)
        n = (int)sizeof msg - 1;
    unsigned char ih[32], mac[32];
    if (!EVP_MD_CTX_copy_ex(work, k->inner) || !EVP_DigestUpdate(work, msg, (size_t)n) ||
        !EVP_DigestFinal_ex(work, ih, NULL) || !EVP_MD_CTX_copy_ex(work, k->outer) ||
        !EVP_DigestUpdate(work, ih, sizeof ih) || !EVP_DigestFinal_ex(work, mac, NULL))
        return -1;
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++) {
        out[2 * i] = hex[mac[i] >> 4];
        out[2 * i + 1] = hex[mac[i] & 15];
    }
    out[16] = '\0';
    return 0;
}

cl_err cl_creditor_id(const unsigned char *key, size_t key_len, cl_id_type type,
                      const char *id_number, char out[17], cl_diag *d)
{
    hmac_key k = {NULL, NULL};
    EVP_MD_CTX *work = EVP_MD_CTX_new();
    cl_identity id = {(uint8_t)type, id_number, {0}};
    int failed = !work || hmac_key_init(&k, key, key_len) < 0 ||
                 derive_creditor_id(&k, work, &id, out) < 0;
    EVP_MD_CTX_free(work);
    hmac_key_free(&k);
    return failed ? cl_diag_set(d, CL_ERR_INTERNAL, "SHA-256 failed deriving creditor_id") : CL_OK;
}

/* creditor_id for the identities ids[0..n), in parallel. */
static cl_err derive_ids(cl_batch *b, const uint32_t *ids, size_t n, cl_diag *d)
{
    hmac_key k = {NULL, NULL};
    int failed = 0;
    if (hmac_key_init(&k, b->cfg.key, b->cfg.key_len) < 0)
        failed = 1;
    #pragma omp parallel num_threads(b->nthreads) if (!failed)
    {
        EVP_MD_CTX *work = EVP_MD_CTX_new();
        #pragma omp for schedule(static)
        for (size_t i = 0; i < n; i++) {
            cl_identity *id = &b->ids[ids[i]];
            if (!work || derive_creditor_id(&k, work, id, id->creditor_id) < 0) {
                #pragma omp atomic write
                failed = 1;
            }
        }
        EVP_MD_CTX_free(work);
    }
    hmac_key_free(&k);
    return failed ? cl_diag_set(d, CL_ERR_INTERNAL, "SHA-256 failed deriving creditor_id") : CL_OK;
}

typedef enum tier { T_SECURED, T_EMPLOYEE, T_TAX, T_ORDINARY } tier;

static tier claim_tier(const cl_batch *b, const cl_claim *c)
{
    if (c->sub != CL_NONE && b->subs[c->sub].secured == CL_YN_YES)
        return T_SECURED;
    if (c->category == CL_CAT_EMPLOYEE)
        return T_EMPLOYEE;
    if (c->category == CL_CAT_TAX)
        return T_TAX;
    return T_ORDINARY;
}

static bool add(int64_t *acc, int64_t v)
{
    return cl_money_add(*acc, v, acc);
}

static bool add_claim(const cl_batch *b, const cl_claim *c, cl_creditor *cr)
{
    int64_t conf = cl_claim_confirmed(c);
    bool ok = add(&cr->declared, c->declared) && add(&cr->confirmed, conf);
    if (c->status == CL_ST_PENDING_REVIEW)
        ok = ok && add(&cr->pending, c->declared);
    tier t = claim_tier(b, c);
    int64_t *conf_tier[] = {&cr->secured, &cr->employee, &cr->tax, &cr->ordinary};
    int64_t *tmp_tier[] = {&cr->tmp_secured, &cr->tmp_employee, &cr->tmp_tax, &cr->tmp_ordinary};
    if (c->status == CL_ST_CONFIRMED || c->status == CL_ST_PARTIAL)
        ok = ok && add(conf_tier[t], conf);
    if (c->temporary)
        ok = ok && add(tmp_tier[t], c->voting) && add(&cr->temporary, c->voting);
    return ok;
}

/* The creditor's name and kind: from its latest operative submission, else
 * from the books. */
static void name_from(const cl_batch *b, const cl_claim *c, cl_creditor *cr, uint32_t *best_sub)
{
    if (c->sub == CL_NONE) {
        if (!cr->name) {
            const cl_account *a = &b->accounts[c->account];
            cr->name = a->name;
            cr->kind = a->id_type == CL_IDT_USCC ? CL_KIND_ORGANIZATION : CL_KIND_INDIVIDUAL;
        }
        return;
    }
    const cl_sub *s = &b->subs[c->sub];
    if (*best_sub != CL_NONE) {
        const cl_sub *p = &b->subs[*best_sub];
        if (p->submitted_at > s->submitted_at ||
            (p->submitted_at == s->submitted_at && strcmp(p->submission_id, s->submission_id) > 0))
            return;
    }
    *best_sub = c->sub;
    cr->name = s->name;
    cr->kind = s->kind;
}

static void finish_creditor(const cl_case *cfg, cl_creditor *cr)
{
    int64_t ord = cr->ordinary + cr->tmp_ordinary;
    cr->unsecured_voting = ord + cr->tax + cr->tmp_tax;
    cr->secured_voting = cr->secured + cr->tmp_secured;
    cr->groups = 0;
    if (cr->secured_voting > 0)
        cr->groups |= 1u << CL_G_SECURED;
    if (cr->employee + cr->tmp_employee > 0)
        cr->groups |= 1u << CL_G_EMPLOYEE;
    if (cr->tax + cr->tmp_tax > 0)
        cr->groups |= 1u << CL_G_TAX;
    if (ord > 0) {
        bool small = cfg->small_claim_threshold >= 0 && ord <= cfg->small_claim_threshold;
        cr->groups |= 1u << (small ? CL_G_SMALL_ORDINARY : CL_G_ORDINARY);
    }
}

/* Sort key: creditor_id is 16 lowercase hex digits, so its bytewise order
 * is the order of the 64-bit number it spells. */
typedef struct keyed {
    uint64_t key;
    uint32_t idx;
} keyed;

static uint64_t hex64(const char *h)
{
    uint64_t v = 0;
    for (int i = 0; i < 16; i++)
        v = v << 4 | (uint64_t)(h[i] <= '9' ? h[i] - '0' : h[i] - 'a' + 10);
    return v;
}

/* Stable LSD radix sort by key, 16 bits a pass. */
static int radix_sort(keyed *k, size_t n)
{
    keyed *tmp = cl_malloc((n + 1) * sizeof *tmp);
    size_t *count = cl_malloc(((size_t)1 << 16) * sizeof *count);
    if (!tmp || !count) {
        free(tmp);
        free(count);
        return -1;
    }
    for (int shift = 0; shift < 64; shift += 16) {
        memset(count, 0, ((size_t)1 << 16) * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(k[i].key >> shift) & 0xFFFF]++;
        size_t at = 0;
        for (size_t v = 0; v < ((size_t)1 << 16); v++) {
            size_t c = count[v];
            count[v] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[count[(k[i].key >> shift) & 0xFFFF]++] = k[i];
        keyed *t = k;
        k = tmp;
        tmp = t;
    }
    free(tmp);   /* after four passes the sorted keys are back in the caller's array */
    free(count);
    return 0;
}

/* Accumulates every operative claim into its identity's creditor, in claim
 * order. Threads split the identities (each scans all claims and takes its
 * own), so no two threads touch one creditor. */
static bool accumulate(cl_batch *b, cl_creditor *by_id, uint32_t *best)
{
    int overflow = 0;
    #pragma omp parallel num_threads(b->nthreads)
    {
        uint32_t t = (uint32_t)omp_get_thread_num(), nt = (uint32_t)omp_get_num_threads();
        for (size_t i = 0; i < b->nclaims; i++) {
            const cl_claim *c = &b->claims[i];
            if (!cl_claim_operative(c) || c->identity == CL_NONE || c->identity % nt != t)
                continue;
            cl_creditor *cr = &by_id[c->identity];
            if (!add_claim(b, c, cr)) {
                #pragma omp atomic write
                overflow = 1;
            }
            name_from(b, c, cr, &best[c->identity]);
        }
    }
    return !overflow;
}

/* The creditors' identities in the order of their first operative claim. */
static size_t creditor_order(const cl_batch *b, uint32_t *order)
{
    uint8_t *seen = cl_calloc(b->nids + 1, 1);
    size_t n = 0;
    if (!seen)
        return SIZE_MAX;
    for (size_t i = 0; i < b->nclaims; i++) {
        const cl_claim *c = &b->claims[i];
        if (cl_claim_operative(c) && c->identity != CL_NONE && !seen[c->identity]) {
            seen[c->identity] = 1;
            order[n++] = c->identity;
        }
    }
    free(seen);
    return n;
}

/* Creditors sorted by creditor_id (ties, which a 64-bit id makes all but
 * impossible, in the order of their first claim). */
static cl_err sort_into_place(cl_batch *b, const cl_creditor *by_id, const uint32_t *order,
                              size_t n)
{
    keyed *k = cl_malloc((n + 1) * sizeof *k);
    b->creditors = cl_malloc((n + 1) * sizeof *b->creditors);
    if (!k || !b->creditors) {
        free(k);
        return CL_ERR_NOMEM;
    }
    #pragma omp parallel for schedule(static) num_threads(b->nthreads)
    for (size_t i = 0; i < n; i++) {
        k[i].key = hex64(b->ids[order[i]].creditor_id);
        k[i].idx = order[i];
    }
    if (radix_sort(k, n) < 0) {
        free(k);
        return CL_ERR_NOMEM;
    }
    #pragma omp parallel for schedule(static) num_threads(b->nthreads)
    for (size_t i = 0; i < n; i++)
        b->creditors[i] = by_id[k[i].idx];
    b->ncreditors = n;
    free(k);
    return CL_OK;
}

static cl_err build_creditors(cl_batch *b, cl_diag *d)
{
    cl_creditor *by_id = cl_calloc(b->nids + 1, sizeof *by_id);
    uint32_t *best = cl_malloc((b->nids + 1) * sizeof *best);
    uint32_t *order = cl_malloc((b->nids + 1) * sizeof *order);
    cl_err err = CL_OK;
    size_t n = 0;
    if (!by_id || !best || !order)
        goto oom;
    #pragma omp parallel for schedule(static) num_threads(b->nthreads)
    for (size_t i = 0; i < b->nids; i++) {
        best[i] = CL_NONE;
        by_id[i].identity = (uint32_t)i;
    }
    if (!accumulate(b, by_id, best)) {
        err = cl_diag_set(d, CL_ERR_OVERFLOW, "a creditor's total is out of range");
        goto done;
    }
    if ((n = creditor_order(b, order)) == SIZE_MAX)
        goto oom;
    #pragma omp parallel for schedule(static) num_threads(b->nthreads)
    for (size_t i = 0; i < n; i++) {
        cl_creditor *cr = &by_id[order[i]];
        if (!cr->name)
            cr->name = "";
        finish_creditor(&b->cfg, cr);
    }
    if ((err = derive_ids(b, order, n, d)))
        goto done;
    if (sort_into_place(b, by_id, order, n))
        goto oom;
    goto done;
oom:
    err = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
done:
    free(by_id);
    free(best);
    free(order);
    return err;
}

static cl_err build_roster(cl_batch *b, cl_diag *d)
{
    b->roster = cl_malloc((b->ncreditors + 1) * sizeof *b->roster);
    if (!b->roster)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    b->nroster = 0;
    for (size_t i = 0; i < b->ncreditors; i++) {
        const cl_creditor *cr = &b->creditors[i];
        if (cr->unsecured_voting > 0 || cr->secured_voting > 0 ||
            cr->employee + cr->tmp_employee > 0)
            b->roster[b->nroster++] = (uint32_t)i;
    }
    return CL_OK;
}

cl_err cl_aggregate(cl_batch *b, cl_diag *d)
{
    cl_err err = build_creditors(b, d);
    if (err)
        return err;
    return build_roster(b, d);
}
