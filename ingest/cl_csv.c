/* cl_csv.c - loading a CSV source: read the bytes (a file mapped, memory
 * borrowed, a stream read whole: core/cl_source), hash them
 * (SHA-256 for the audit manifest), validate UTF-8 in the same pass, strip a
 * BOM, and convert GB18030 to UTF-8 with iconv when the bytes are not UTF-8
 * or the caller forces it. Header binding and parsing live in
 * cl_csv_parse.c.
 *
 * The bytes come from a cl_source (a file, memory, a stream); messages name
 * its label. Error positions: "LABEL:LINE:COL:" where LINE is the 1-based physical line
 * and COL the 1-based character (code point) position in that line for
 * invalid UTF-8, and the 1-based byte position for bad GB18030 bytes. */
#include "ingest/cl_csv.h"
#include "core/cl_alloc.h"
#include "ingest/cl_csv_plan.h"
#include "ingest/cl_utf8.h"

#include <errno.h>
#include <iconv.h>
#include <openssl/evp.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define HASH_BLOCK ((size_t)1 << 20)   /* hash + validate 1 MiB at a time */

typedef struct csv_priv {
    cl_bytes raw;       /* the source's bytes: a file mapped, memory borrowed,
                           a stream read to its end (core/cl_source) */
    char *utf8_heap;    /* converted text (GB18030 input) */
    /* SHA-256 of the raw bytes, computed by a thread while the file is
     * parsed (large files) or at load (small ones) */
    const unsigned char *hash_src;
    size_t hash_len;
    pthread_t hasher;
    int hashing;        /* the hasher thread is running or unjoined */
    int hash_ok;
    cl_csv_memo memo;   /* the chunk plan (cl_csv_parse.c) */
} csv_priv;

cl_csv_memo *cl_csv_memo_of(const cl_csv_file *f)
{
    return &((csv_priv *)f->priv_)->memo;
}

int cl_encoding_parse(const char *s)
{
    if (!s) return -1;
    if (strcasecmp(s, "auto") == 0) return CL_ENC_AUTO;
    if (strcasecmp(s, "utf-8") == 0 || strcasecmp(s, "utf8") == 0) return CL_ENC_UTF8;
    if (strcasecmp(s, "gb18030") == 0 || strcasecmp(s, "gbk") == 0) return CL_ENC_GB18030;
    return -1;
}

const char *cl_encoding_name(cl_encoding e)
{
    switch (e) {
    case CL_ENC_AUTO: return "auto";
    case CL_ENC_UTF8: return "utf-8";
    case CL_ENC_GB18030: return "gb18030";
    }
    return "unknown";
}

/* ---- UTF-8 validation -------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (n bytes available): 1..4, 0 if
 * invalid, -1 if it is a valid prefix cut off by the end of the buffer. */
static int utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    int len;
    unsigned lo = 0x80, hi = 0xBF;   /* allowed range of the second byte */
    if (c < 0x80) return 1;
    if (c < 0xC2) return 0;
    if (c < 0xE0) len = 2;
    else if (c < 0xF0) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;          /* overlong */
        else if (c == 0xED) hi = 0x9F;     /* surrogates */
    } else if (c < 0xF5) {
        len = 4;
        if (c == 0xF0) lo = 0x90;          /* overlong */
        else if (c == 0xF4) hi = 0x8F;     /* > U+10FFFF */
    } else return 0;
    for (int i = 1; i < len; i++) {
        if ((size_t)i >= n) return -1;
        unsigned b = s[i];
        if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return 0;
    }
    return len;
}

/* Validates s[0..n). Returns how many bytes form complete valid sequences;
 * *bad is set when an invalid sequence starts there (else the rest is a
 * valid prefix cut off at n, to be continued with more bytes). */
static size_t utf8_validate(const unsigned char *s, size_t n, int *bad)
{
    size_t i = 0;
    *bad = 0;
    while (i < n) {
        /* ASCII fast path: up to the next byte with the high bit set */
#ifdef __SSE2__
        while (i + 16 <= n) {
            int m = _mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(const void *)(s + i)));
            if (m) {
                i += (size_t)__builtin_ctz((unsigned)m);
                break;
            }
            i += 16;
        }
#endif
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & UINT64_C(0x8080808080808080)) break;
            i += 8;
        }
        if (i >= n) break;
        unsigned c = s[i];
        if (c < 0x80) { i++; continue; }
        /* the common case in Chinese text: a 3-byte sequence whose lead
         * byte allows any continuation bytes (not E0, overlong; not ED,
         * surrogates) */
        if (c >= 0xE1 && c <= 0xEF && c != 0xED && i + 2 < n &&
            (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80) {
            i += 3;
            continue;
        }
        int k = utf8_seq(s + i, n - i);
        if (k == 0) { *bad = 1; return i; }
        if (k < 0) return i;
        i += (size_t)k;
    }
    return i;
}

/* ---- positions for messages --------------------------------------------- */

static uint64_t line_of(const char *s, size_t off)
{
    uint64_t line = 1;
    const char *p = s, *e = s + off;
    while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) { line++; p++; }
    return line;
}

static size_t line_start(const char *s, size_t off)
{
    while (off > 0 && s[off - 1] != '\n') off--;
    return off;
}

/* 1-based code point position of byte off in its line. */
static size_t char_col(const char *s, size_t off, size_t bom)
{
    size_t ls = line_start(s, off), col = 1;
    if (ls == 0) ls = bom;
    for (size_t i = ls; i < off; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) col++;
    return col;
}

/* ---- bytes no CSV of ours may hold ------------------------------------------ */

/* A NUL byte (a binary or UTF-16 file), a byte-order mark past the start
 * (files concatenated), or a CR not followed by LF (old Mac line endings, or
 * a stray control character the parser would take as field data) anywhere
 * in the decoded data: CL_ERR_CSV naming line and column. CRLF and LF may
 * be mixed. Three passes at memchr speed. */
static cl_err hostile_bytes(const cl_csv_file *f, cl_diag *d)
{
    const char *s = f->data, *e = s + f->len, *p;
    if ((p = memchr(s, '\0', f->len)) != NULL)
        return cl_diag_set(d, CL_ERR_CSV, "%s:%llu:%zu: NUL byte (a binary or UTF-16 file? "
                           "save it as CSV in UTF-8 or GB18030)", f->path,
                           (unsigned long long)line_of(s, (size_t)(p - s)),
                           char_col(s, (size_t)(p - s), 0));
    if ((p = memmem(s, f->len, "\xEF\xBB\xBF", 3)) != NULL)
        return cl_diag_set(d, CL_ERR_CSV, "%s:%llu:%zu: byte-order mark (U+FEFF) in the middle "
                           "of the file (were files joined together? remove it)", f->path,
                           (unsigned long long)line_of(s, (size_t)(p - s)),
                           char_col(s, (size_t)(p - s), 0));
    for (p = s; p < e && (p = memchr(p, '\r', (size_t)(e - p))) != NULL; p++)
        if (p + 1 == e || p[1] != '\n')
            return cl_diag_set(d, CL_ERR_CSV, "%s:%llu:%zu: carriage return (CR) without a line "
                               "feed: old Mac line endings or a stray control character (save "
                               "the file with LF or CRLF line endings)", f->path,
                               (unsigned long long)line_of(s, (size_t)(p - s)),
                               char_col(s, (size_t)(p - s), 0));
    return CL_OK;
}

/* ---- hashing and validation ------------------------------------------------ */

#define HASH_IN_BACKGROUND ((size_t)8 << 20)   /* files above 8 MiB */

static int sha256_of(const unsigned char *s, size_t len, unsigned char out[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int mdlen = 0;
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    for (size_t off = 0; ok && off < len; off += HASH_BLOCK) {
        size_t n = len - off < HASH_BLOCK ? len - off : HASH_BLOCK;
        ok = EVP_DigestUpdate(md, s + off, n) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(md, out, &mdlen) == 1 && mdlen == 32;
    EVP_MD_CTX_free(md);
    return ok;
}

static void *hasher_main(void *arg)
{
    cl_csv_file *f = arg;
    csv_priv *pv = f->priv_;
    pv->hash_ok = sha256_of(pv->hash_src, pv->hash_len, f->sha256);
    return NULL;
}

/* Starts hashing the raw bytes: in a thread of its own for a large file, so
 * that the digest costs no wall time while the file is parsed. */
static cl_err start_hash(cl_csv_file *f, const char *raw, size_t len, cl_diag *d)
{
    csv_priv *pv = f->priv_;
    pv->hash_src = (const unsigned char *)raw;
    pv->hash_len = len;
    if (len >= HASH_IN_BACKGROUND && pthread_create(&pv->hasher, NULL, hasher_main, f) == 0) {
        pv->hashing = 1;
        return CL_OK;
    }
    hasher_main(f);
    return pv->hash_ok ? CL_OK : cl_diag_set(d, CL_ERR_INTERNAL, "%s: SHA-256 failed", f->path);
}

static void join_hash(cl_csv_file *f)
{
    csv_priv *pv = f->priv_;
    if (pv && pv->hashing) {
        pthread_join(pv->hasher, NULL);
        pv->hashing = 0;
    }
}

const unsigned char *cl_csv_sha256(cl_csv_file *f)
{
    join_hash(f);
    return ((csv_priv *)f->priv_)->hash_ok ? f->sha256 : NULL;
}

/* A part's end moved forward past continuation bytes, so that it falls on
 * the start of a character (or the end). */
static size_t char_start_at(const unsigned char *s, size_t len, size_t c)
{
    for (int k = 0; k < 3 && c < len && (s[c] & 0xC0) == 0x80; k++)
        c++;
    return c;
}

/* Validates s[lo, hi) 64 KiB at a time and, while each block is in cache,
 * counts its quotes and newlines. Returns the offset of the first invalid
 * sequence, or SIZE_MAX. */
static size_t validate_part(const unsigned char *s, size_t lo, size_t hi, uint64_t *q,
                            uint64_t *nl)
{
    *q = *nl = 0;
    for (size_t pos = lo; pos < hi;) {
        size_t end = char_start_at(s, hi, pos + 65536 < hi ? pos + 65536 : hi);
        if (!cl_utf8_valid_simd(s + pos, end - pos)) {
            /* or no SIMD: the byte-by-byte validator decides, and says where */
            int bad = 0;
            size_t v = utf8_validate(s + pos, end - pos, &bad);
            if (bad || v < end - pos)
                return pos + v;
        }
        uint64_t bq, bn;
        cl_csv_count_qn((const char *)s + pos, end - pos, &bq, &bn);
        *q += bq;
        *nl += bn;
        pos = end;
    }
    return SIZE_MAX;
}

/* Validates raw as UTF-8. *bad_off is the offset of the first invalid
 * sequence, or SIZE_MAX. The file is cut into the parts the parse will split
 * it into (a cut moves past at most three continuation bytes), validated in
 * parallel; the first bad offset in file order is the answer. The parts'
 * quote and newline counts go to the memo, for the split. */
static void validate_utf8(cl_csv_file *f, const char *raw, size_t len, size_t *bad_off)
{
    const unsigned char *s = (const unsigned char *)raw;
    cl_csv_counts *cc = &cl_csv_memo_of(f)->counts;
    int parts = cl_csv_chunk_count(len, omp_get_max_threads());
    if (parts > CL_CSV_MAX_PARTS)
        parts = CL_CSV_MAX_PARTS;
    size_t cut[CL_CSV_MAX_PARTS + 1], bad_at[CL_CSV_MAX_PARTS];
    uint64_t q[CL_CSV_MAX_PARTS] = {0}, nl[CL_CSV_MAX_PARTS] = {0};
    cut[0] = 0;
    cut[parts] = len;
    for (int i = 1; i < parts; i++) {
        size_t c = char_start_at(s, len, cl_csv_cut_at(len, i, parts));
        cut[i] = c > cut[i - 1] ? c : cut[i - 1];
    }
    #pragma omp parallel for schedule(dynamic, 1) if (parts > 1)
    for (int i = 0; i < parts; i++)
        bad_at[i] = validate_part(s, cut[i], cut[i + 1], &q[i], &nl[i]);
    *bad_off = SIZE_MAX;
    for (int i = 0; i < parts; i++)
        if (bad_at[i] != SIZE_MAX) {
            *bad_off = bad_at[i];
            return;
        }
    /* in data coordinates (past a BOM) */
    size_t bom = len >= 3 && memcmp(raw, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    cc->nparts = 0;
    for (int i = 1; i < parts; i++)
        if (cut[i] <= bom || cut[i] == cut[i - 1])
            return;   /* degenerate parts: the split counts for itself */
    for (int i = 0; i <= parts; i++)
        cc->cut[i] = i == 0 ? 0 : cut[i] - bom;
    memcpy(cc->q, q, (size_t)parts * sizeof *q);
    memcpy(cc->nl, nl, (size_t)parts * sizeof *nl);
    cc->nparts = parts;
}

/* ---- GB18030 ------------------------------------------------------------- */

static cl_err gb18030_to_utf8(cl_csv_file *f, const char *raw, size_t len, int auto_detected,
                              cl_diag *d)
{
    csv_priv *pv = f->priv_;
    /* 2-byte GB -> at most 3 UTF-8 bytes, 4-byte GB -> 4: 1.5x bounds it */
    size_t cap = len + len / 2 + 16, used = 0;
    char *out = cl_malloc(cap);
    char *in = (char *)raw;
    size_t inleft = len;
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (!out || cd == (iconv_t)-1) {
        free(out);
        if (cd != (iconv_t)-1) iconv_close(cd);
        return cl_diag_set(d, out ? CL_ERR_INTERNAL : CL_ERR_NOMEM,
                           "%s: cannot convert from GB18030", f->path);
    }
    while (inleft > 0) {
        char *o = out + used;
        size_t oleft = cap - used;
        size_t r = iconv(cd, &in, &inleft, &o, &oleft);
        used = (size_t)(o - out);
        if (r != (size_t)-1) break;
        if (errno == E2BIG) {
            char *nb = cl_realloc(out, cap * 2);
            if (!nb) { free(out); iconv_close(cd); return cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", f->path); }
            out = nb;
            cap *= 2;
            continue;
        }
        size_t off = (size_t)(in - raw);
        free(out);
        iconv_close(cd);
        return cl_diag_set(d, CL_ERR_ENCODING,
                           "%s:%llu:%zu: %s byte 0x%02X (column in bytes; %s)",
                           f->path, (unsigned long long)line_of(raw, off),
                           off - line_start(raw, off) + 1,
                           errno == EINVAL ? "truncated GB18030 sequence at" : "invalid GB18030",
                           (unsigned)(unsigned char)raw[off],
                           auto_detected ? "the file is not valid UTF-8 either"
                                         : "try --encoding utf-8");
    }
    iconv_close(cd);
    pv->utf8_heap = out;
    f->data = out;
    f->len = used;
    if (used >= 3 && memcmp(out, "\xEF\xBB\xBF", 3) == 0) { f->data += 3; f->len -= 3; }
    return CL_OK;
}

/* ---- public --------------------------------------------------------------- */

cl_err cl_csv_load(const char *path, cl_encoding enc, cl_csv_file **out, cl_diag *d)
{
    cl_source src = cl_source_path(path);
    return cl_csv_load_source(&src, enc, out, d);
}

cl_err cl_csv_load_source(const cl_source *src, cl_encoding enc, cl_csv_file **out, cl_diag *d)
{
    const char *path = cl_source_label(src);
    cl_csv_file *f = cl_calloc(1, sizeof *f);
    const char *raw = NULL;
    size_t len = 0, bad = SIZE_MAX, bom = 0;
    cl_err err;
    *out = NULL;
    if (!f || !(f->priv_ = cl_calloc(1, sizeof(csv_priv))) || !(f->path = cl_strdup(path))) {
        cl_csv_file_free(f);
        return cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", path);
    }
    csv_priv *pv = f->priv_;
    if ((err = cl_source_read_all(src, &pv->raw, d)) != CL_OK) goto fail;
    raw = pv->raw.data;
    len = pv->raw.len;
    f->raw_bytes = len;
    if (len == 0) {
        err = cl_diag_set(d, CL_ERR_CSV, "%s: empty file (no header row)", path);
        goto fail;
    }
    if ((err = start_hash(f, raw, len, d)) != CL_OK) goto fail;
    if (enc != CL_ENC_GB18030) validate_utf8(f, raw, len, &bad);
    if (enc == CL_ENC_UTF8 && bad != SIZE_MAX) {
        if (len >= 3 && memcmp(raw, "\xEF\xBB\xBF", 3) == 0) bom = 3;
        err = cl_diag_set(d, CL_ERR_ENCODING, "%s:%llu:%zu: invalid UTF-8 (try --encoding gb18030)",
                          path, (unsigned long long)line_of(raw, bad), char_col(raw, bad, bom));
        goto fail;
    }
    if (enc == CL_ENC_GB18030 || bad != SIZE_MAX) {
        f->encoding = CL_ENC_GB18030;
        if ((err = gb18030_to_utf8(f, raw, len, enc == CL_ENC_AUTO, d)) != CL_OK) goto fail;
    } else {
        f->encoding = CL_ENC_UTF8;
        f->data = raw;
        f->len = len;
        if (len >= 3 && memcmp(raw, "\xEF\xBB\xBF", 3) == 0) { f->data += 3; f->len -= 3; }
    }
    if (f->len == 0) {
        err = cl_diag_set(d, CL_ERR_CSV, "%s: empty file (no header row)", path);
        goto fail;
    }
    if ((err = hostile_bytes(f, d)) != CL_OK) goto fail;
    *out = f;
    return CL_OK;
fail:
    cl_csv_file_free(f);
    return err;
}

void cl_csv_file_free(cl_csv_file *f)
{
    if (!f) return;
    csv_priv *pv = f->priv_;
    join_hash(f);
    if (pv) {
        cl_bytes_release(&pv->raw);
        free(pv->utf8_heap);
        free(pv->memo.chunks);
        free(pv);
    }
    free(f->path);
    free(f);
}

void cl_csv_release(const cl_csv_file *f, size_t begin, size_t end)
{
    const csv_priv *pv = f ? f->priv_ : NULL;
    if (!pv || !pv->raw.map_ || end <= begin)
        return;
    /* f->data points into the mapping (past a BOM at most) */
    uintptr_t base = (uintptr_t)pv->raw.map_;
    uintptr_t lo = (uintptr_t)(f->data + begin), hi = (uintptr_t)(f->data + end);
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    lo = (lo + page - 1) & ~(page - 1);
    hi &= ~(page - 1);
    if (lo < base || hi <= lo || hi > base + pv->raw.map_len_)
        return;
    (void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
}
