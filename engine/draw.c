/* draw.c - the verifiable draw of on-site representatives (issue 18): seed,
 * HMAC scores, largest-remainder seats per stratum and the selection in rank
 * order (engine/cl_draw.h; the algorithm is spelled out in docs/DRAW.md). */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "engine/cl_draw.h"

void cl_draw_hex(const unsigned char *p, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
    out[2 * n] = '\0';
}

cl_err cl_draw_seed(const unsigned char roster_sha256[32], const char *beacon, size_t len,
                    unsigned char seed[32], cl_diag *d)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned int n = 0;
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
             EVP_DigestUpdate(c, roster_sha256, 32) && EVP_DigestUpdate(c, beacon, len) &&
             EVP_DigestFinal_ex(c, seed, &n) && n == 32;
    EVP_MD_CTX_free(c);
    return ok ? CL_OK : cl_diag_set(d, CL_ERR_INTERNAL, "draw: SHA-256 failed (OpenSSL)");
}

cl_err cl_draw_score(const unsigned char seed[32], const char *id, size_t len,
                     unsigned char score[32], cl_diag *d)
{
    unsigned int n = 0;
    if (!HMAC(EVP_sha256(), seed, 32, (const unsigned char *)id, len, score, &n) || n != 32)
        return cl_diag_set(d, CL_ERR_INTERNAL, "draw: HMAC-SHA-256 failed (OpenSSL)");
    return CL_OK;
}

/* ---- seats --------------------------------------------------------------- */

/* One round of largest remainder over the strata not yet fixed. */
static void apportion(cl_draw_stratum *s, size_t n, const unsigned char *fixed, size_t count,
                      unsigned __int128 *rem)
{
    unsigned __int128 total = 0;
    int heads = 0;
    for (size_t i = 0; i < n; i++)
        if (!fixed[i])
            total += (unsigned __int128)(s[i].weight > 0 ? s[i].weight : 0);
    if (total == 0) {   /* nothing weighs: seats follow members */
        heads = 1;
        for (size_t i = 0; i < n; i++)
            if (!fixed[i])
                total += s[i].members;
    }
    size_t given = 0;
    for (size_t i = 0; i < n; i++) {
        if (fixed[i])
            continue;
        unsigned __int128 w = heads ? s[i].members : (unsigned __int128)(s[i].weight > 0 ? s[i].weight : 0);
        unsigned __int128 q = (unsigned __int128)count * w;
        s[i].seats = total ? (size_t)(q / total) : 0;
        rem[i] = total ? q % total : 0;
        given += s[i].seats;
    }
    for (; given < count; given++) {   /* the largest remainder gets the next seat */
        size_t best = n;
        for (size_t i = 0; i < n; i++) {
            if (fixed[i] || rem[i] == (unsigned __int128)-1)
                continue;
            if (best == n || rem[i] > rem[best] ||
                (rem[i] == rem[best] && s[i].members > s[best].members))
                best = i;
        }
        if (best == n)
            break;
        s[best].seats++;
        rem[best] = (unsigned __int128)-1;   /* one extra seat each */
    }
}

cl_err cl_draw_seats(cl_draw_stratum *s, size_t n, size_t count, cl_diag *d)
{
    size_t members = 0;
    for (size_t i = 0; i < n; i++)
        members += s[i].members;
    if (count > members)
        return cl_diag_set(d, CL_ERR_INPUT, "draw: --count %zu exceeds the %zu creditors to draw from",
                           count, members);
    unsigned char *fixed = calloc(n ? n : 1, 1);
    unsigned __int128 *rem = calloc(n ? n : 1, sizeof *rem);
    if (!fixed || !rem) {
        free(fixed);
        free(rem);
        return cl_diag_set(d, CL_ERR_NOMEM, "draw: out of memory");
    }
    size_t left = count;
    for (;;) {
        apportion(s, n, fixed, left, rem);
        int over = 0;
        for (size_t i = 0; i < n; i++)
            if (!fixed[i] && s[i].seats > s[i].members) {
                s[i].seats = s[i].members;   /* all of a small stratum */
                fixed[i] = 1;
                left -= s[i].members;
                over = 1;
            }
        if (!over)
            break;
    }
    free(fixed);
    free(rem);
    return CL_OK;
}

/* ---- selection ----------------------------------------------------------- */

typedef struct ranked {
    unsigned char score[32];
    const char *id;
    size_t idx;
} ranked;

static int by_score(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    int c = memcmp(x->score, y->score, 32);
    return c ? c : strcmp(x->id, y->id);
}

cl_err cl_draw_select(const unsigned char seed[32], const char *const *ids, size_t n,
                      const uint32_t *stratum, const cl_draw_stratum *strata, size_t nstrata,
                      size_t *selected, size_t *nselected, unsigned char (*scores)[32],
                      cl_diag *d)
{
    *nselected = 0;
    ranked *r = malloc((n ? n : 1) * sizeof *r);
    size_t *left = calloc(nstrata ? nstrata : 1, sizeof *left);
    cl_err err = CL_OK;
    if (!r || !left) {
        err = cl_diag_set(d, CL_ERR_NOMEM, "draw: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n && !err; i++) {
        r[i].id = ids[i];
        r[i].idx = i;
        err = cl_draw_score(seed, ids[i], strlen(ids[i]), r[i].score, d);
        if (!err && scores)
            memcpy(scores[i], r[i].score, 32);
    }
    if (err)
        goto done;
    qsort(r, n, sizeof *r, by_score);
    size_t want = 0;
    for (size_t k = 0; k < nstrata; k++)
        want += left[k] = strata[k].seats;
    for (size_t i = 0; i < n && *nselected < want; i++) {
        uint32_t k = stratum ? stratum[r[i].idx] : 0;
        if (k >= nstrata || !left[k])
            continue;
        left[k]--;
        selected[(*nselected)++] = r[i].idx;
    }
done:
    free(r);
    free(left);
    return err;
}
