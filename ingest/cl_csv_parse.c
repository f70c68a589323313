/* cl_csv_parse.c - header binding, record parsing and chunking of a loaded
 * CSV file (see cl_csv.h).
 *
 * A record starts at a '\n' where the number of '"' since the body start is
 * even. A physical line without any '"' is a whole record and is split on ','
 * in place (fields point into the file's bytes, no copy; one SSE2 scan finds
 * ',', '\n' and '"'). A record holding quotes is delimited by quote parity;
 * its fields before the first quoted one are split in place and the rest is
 * handed to libcsv (strict RFC 4180), whose dequoted fields are copied into a
 * reusable per-parser buffer. The same
 * parity rule places the chunk boundaries, so a chunked parse yields exactly
 * the records, in order and with the line numbers, of a single-chunk parse. */
#include "ingest/cl_csv.h"
#include "core/cl_alloc.h"
#include "ingest/cl_csv_plan.h"

#include <csv.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define SPLIT_MIN_BODY ((size_t)4 << 20)   /* smaller bodies: one chunk */
#define CHUNK_MIN_BYTES ((size_t)1 << 20)
#define CHUNKS_PER_THREAD 3
#define MAX_CHUNKS 1024

/* ---- byte counting ---------------------------------------------------------- */

void cl_csv_count_qn(const char *s, size_t n, uint64_t *q, uint64_t *nl)
{
    uint64_t cq = 0, cn = 0;
    size_t i = 0;
#ifdef __SSE2__
    const __m128i vq = _mm_set1_epi8('"'), vn = _mm_set1_epi8('\n'), z = _mm_setzero_si128();
    while (i + 16 <= n) {
        __m128i aq = z, an = z;
        size_t lim = n - i > 16 * 255 ? i + 16 * 255 : n;
        for (; i + 16 <= lim; i += 16) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            aq = _mm_sub_epi8(aq, _mm_cmpeq_epi8(x, vq));
            an = _mm_sub_epi8(an, _mm_cmpeq_epi8(x, vn));
        }
        __m128i sq = _mm_sad_epu8(aq, z), sn = _mm_sad_epu8(an, z);
        cq += (uint64_t)_mm_cvtsi128_si64(sq) + (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sq, sq));
        cn += (uint64_t)_mm_cvtsi128_si64(sn) + (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sn, sn));
    }
#endif
    for (; i < n; i++) {
        cq += s[i] == '"';
        cn += s[i] == '\n';
    }
    *q = cq;
    *nl = cn;
}

static uint64_t count_nl(const char *s, size_t n)
{
    uint64_t q, nl;
    cl_csv_count_qn(s, n, &q, &nl);
    return nl;
}

/* ---- the record parser ------------------------------------------------------ */

typedef struct rec_parser {
    const cl_csv_file *f;
    const char *data;
    size_t pos, end;
    uint64_t line;          /* physical line at pos */
    int expect;             /* expected field count, -1: do not check */
    int is_body;            /* errors may name header columns */
    struct csv_parser lp;
    cl_field *fields;
    int nfields, fcap;
    char *buf;              /* dequoted field bytes of a quoted record */
    size_t blen, bcap;
    int oom;
    char errbuf[256];
} rec_parser;

static int no_space(unsigned char c) { (void)c; return 0; }
static int no_term(unsigned char c) { (void)c; return 0; }

static int rp_init(rec_parser *rp, const cl_csv_file *f, int expect, int is_body,
                   size_t begin, size_t end, uint64_t line)
{
    memset(rp, 0, sizeof *rp);
    rp->f = f;
    rp->data = f->data;
    rp->pos = begin;
    rp->end = end;
    rp->line = line;
    rp->expect = expect;
    rp->is_body = is_body;
    rp->fcap = 32;
    rp->bcap = 256;
    rp->fields = cl_malloc((size_t)rp->fcap * sizeof *rp->fields);
    rp->buf = cl_malloc(rp->bcap);
    if (csv_init(&rp->lp, CSV_STRICT | CSV_STRICT_FINI) != 0 || !rp->fields || !rp->buf)
        return -1;
    csv_set_space_func(&rp->lp, no_space);   /* spaces are data (RFC 4180) */
    csv_set_term_func(&rp->lp, no_term);     /* we hand libcsv one record at a time */
    csv_set_blk_size(&rp->lp, 4096);
    return 0;
}

static void rp_free(rec_parser *rp)
{
    csv_free(&rp->lp);
    free(rp->fields);
    free(rp->buf);
}

static int grow_fields(rec_parser *rp)
{
    if (rp->fcap > (1 << 24)) return -1;
    cl_field *nf = cl_realloc(rp->fields, (size_t)rp->fcap * 2 * sizeof *nf);
    if (!nf) return -1;
    rp->fields = nf;
    rp->fcap *= 2;
    return 0;
}

/* libcsv field callback: append the dequoted bytes; pointers are fixed up
 * once the record is complete (the buffer may move while it grows). */
static void on_field(void *s, size_t len, void *data)
{
    rec_parser *rp = data;
    if (rp->oom) return;
    if (rp->nfields == rp->fcap && grow_fields(rp) != 0) { rp->oom = 1; return; }
    if (rp->blen + len > rp->bcap) {
        size_t cap = rp->bcap;
        while (cap < rp->blen + len) cap *= 2;
        char *nb = cl_realloc(rp->buf, cap);
        if (!nb) { rp->oom = 1; return; }
        rp->buf = nb;
        rp->bcap = cap;
    }
    if (len) memcpy(rp->buf + rp->blen, s, len);
    rp->blen += len;
    rp->fields[rp->nfields].p = NULL;
    rp->fields[rp->nfields].len = len;
    rp->nfields++;
}

static void on_row(int c, void *data) { (void)c; (void)data; }

/* Copies header field `idx` (trimmed) of f into out, "" if unavailable. */
static void header_name(const cl_csv_file *f, int idx, char *out, size_t cap);

static void trim_name(const char **pp, size_t *plen);

static void set_row(rec_parser *rp, cl_csv_row *row, uint64_t line, size_t s, size_t e)
{
    row->line = line;
    row->fields = rp->fields;
    row->nfields = rp->nfields;
    row->raw = rp->data + s;
    row->raw_len = e - s;
    row->error = NULL;
    if (rp->expect >= 0 && rp->nfields != rp->expect) {
        /* the last record without a line end: likely a file cut short */
        size_t n = rp->f->len;
        int cut = n > 0 && rp->data[n - 1] != '\n' && e + 1 >= n;
        snprintf(rp->errbuf, sizeof rp->errbuf, "expected %d fields, found %d%s", rp->expect,
                 rp->nfields, cut ? " (the last line has no line end: was the file cut short?)"
                                  : "");
        row->error = rp->errbuf;
    } else if (e - s > CL_CSV_MAX_FIELD) {
        for (int i = 0; i < rp->nfields; i++) {
            if (rp->fields[i].len <= CL_CSV_MAX_FIELD) continue;
            char name[128] = "";
            if (rp->is_body) header_name(rp->f, i, name, sizeof name);
            snprintf(rp->errbuf, sizeof rp->errbuf,
                     "field %d%s%s%s is %zu bytes long, over the limit of %d bytes", i + 1,
                     name[0] ? " (" : "", name, name[0] ? ")" : "", rp->fields[i].len,
                     CL_CSV_MAX_FIELD);
            row->error = rp->errbuf;
            break;
        }
    }
}

/* Appends field data[b..e) as field n. */
static inline int add_field(rec_parser *rp, int n, size_t b, size_t e)
{
    if (n == rp->fcap && grow_fields(rp) != 0) return -1;
    rp->fields[n].p = rp->data + b;
    rp->fields[n].len = e - b;
    return 0;
}

/* Scans the record at s for ',', '\n' and '"' (16 bytes at a time). A line
 * without '"' is split into rp->fields in place: returns 1 with *stop at its
 * '\n' (or the end). When a '"' comes first, returns 0 with the fields
 * before the one holding it in rp->fields and *stop where that field
 * starts. -1: out of memory. */
static int scan_plain(rec_parser *rp, size_t s, size_t *stop)
{
    const char *data = rp->data;
    size_t i = s, fb = s, end = rp->end;
    int n = 0;
#ifdef __SSE2__
    const __m128i vc = _mm_set1_epi8(','), vn = _mm_set1_epi8('\n'), vq = _mm_set1_epi8('"');
    for (; i + 16 <= end; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(data + i));
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vc), _mm_cmpeq_epi8(x, vn)),
                                   _mm_cmpeq_epi8(x, vq));
        unsigned m = (unsigned)_mm_movemask_epi8(hit);
        while (m) {
            size_t pos = i + (size_t)__builtin_ctz(m);
            m &= m - 1;
            if (data[pos] == ',') {
                if (add_field(rp, n++, fb, pos) != 0) return -1;
                fb = pos + 1;
            } else if (data[pos] == '\n') {
                i = pos;
                goto line_end;
            } else {
                rp->nfields = n;
                *stop = fb;
                return 0;
            }
        }
    }
#endif
    for (; i < end; i++) {
        if (data[i] == ',') {
            if (add_field(rp, n++, fb, i) != 0) return -1;
            fb = i + 1;
        } else if (data[i] == '\n') {
            break;
        } else if (data[i] == '"') {
            rp->nfields = n;
            *stop = fb;
            return 0;
        }
    }
#ifdef __SSE2__
line_end:
#endif
    *stop = i;
    size_t e = i;
    if (e > fb && data[e - 1] == '\r') e--;   /* CR of CRLF: not field data */
    if (add_field(rp, n++, fb, e) != 0) return -1;
    rp->nfields = n;
    return 1;
}

/* The opening quote of the quoted field that the last quote at or before off
 * closed (libcsv stops just past it), scanning the record from qf; off when
 * there is none. */
static size_t open_quote_before(const char *p, size_t qf, size_t off)
{
    size_t open = off;
    int inq = 0;
    while (off > qf && p[off] != '"') off--;
    for (size_t i = qf; i < off; i++) {
        if (p[i] != '"') continue;
        if (!inq) { inq = 1; open = i; }
        else if (i + 1 < off && p[i + 1] == '"') i++;
        else inq = 0;
    }
    return inq ? open : SIZE_MAX;
}

/* A quote at off that libcsv refused. When it closes a quoted field that
 * opened on an earlier line, the likely mistake is a quote left open there:
 * the message names the line where the field opened and where the parser
 * gave up. */
static cl_err stray_quote(rec_parser *rp, size_t s, size_t qf, size_t off, cl_diag *d)
{
    char name[128] = "";
    uint64_t line = rp->line + count_nl(rp->data + s, off - s);
    int field = rp->nfields + 1;
    if (rp->is_body) header_name(rp->f, field - 1, name, sizeof name);
    size_t open = rp->lp.quoted ? open_quote_before(rp->data, qf, off) : SIZE_MAX;
    uint64_t open_line = open == SIZE_MAX ? line : rp->line + count_nl(rp->data + s, open - s);
    if (open_line < line)
        return cl_diag_set(d, CL_ERR_CSV,
                           "%s:%llu:%d: field %d%s%s%s: the quoted field opened on this line "
                           "is not closed properly: the parser gave up on line %llu, where a "
                           "quote is followed by text (a closing quote missing on line %llu, "
                           "or a quote inside the field not doubled)",
                           rp->f->path, (unsigned long long)open_line, field, field,
                           name[0] ? " (" : "", name, name[0] ? ")" : "",
                           (unsigned long long)line, (unsigned long long)open_line);
    return cl_diag_set(d, CL_ERR_CSV, "%s:%llu:%d: field %d%s%s%s: %s", rp->f->path,
                       (unsigned long long)line, field, field, name[0] ? " (" : "", name,
                       name[0] ? ")" : "",
                       rp->lp.quoted ? "text after the closing quote of a quoted field"
                                     : "quote inside an unquoted field (quote the whole "
                                       "field and double the quotes inside it)");
}

/* The record at s runs to the end of the input inside quotes: find the line
 * where the unterminated quoted field opened. */
static cl_err unterminated(rec_parser *rp, size_t s, cl_diag *d)
{
    const char *p = rp->data;
    size_t open = s;
    int inq = 0;
    for (size_t i = s; i < rp->end; i++) {
        if (p[i] != '"') continue;
        if (!inq) { inq = 1; open = i; }
        else if (i + 1 < rp->end && p[i + 1] == '"') i++;
        else inq = 0;
    }
    size_t last = rp->end > s && p[rp->end - 1] == '\n' ? rp->end - 1 : rp->end;
    return cl_diag_set(d, CL_ERR_CSV,
                       "%s:%llu: unterminated quoted field (opened on this line; still open "
                       "where the parser gave up, at the end of the input on line %llu)",
                       rp->f->path, (unsigned long long)(rp->line + count_nl(p + s, open - s)),
                       (unsigned long long)(rp->line + count_nl(p + s, last - s)));
}

/* A record holding quotes: delimit it by quote parity and parse it with
 * libcsv from qf, the start of the first field holding a '"' (the fields
 * before it are already in rp->fields). */
static cl_err quoted_record(rec_parser *rp, size_t s, size_t qf, cl_csv_row *row, cl_diag *d)
{
    const char *data = rp->data;
    size_t p = qf, rend, next;
    unsigned par = 0;
    uint64_t nls = 0, q, nl;
    int open_at_eof = 0, nprefix = rp->nfields;
    for (;;) {
        const char *lf = memchr(data + p, '\n', rp->end - p);
        size_t lend = lf ? (size_t)(lf - data) : rp->end;
        cl_csv_count_qn(data + p, lend - p, &q, &nl);
        par ^= (unsigned)(q & 1);
        if (!par || !lf) {
            rend = lend;
            next = lf ? lend + 1 : rp->end;
            open_at_eof = par != 0;
            break;
        }
        nls++;
        p = lend + 1;
    }
    size_t e = rend;
    if (!open_at_eof && e > qf && data[e - 1] == '\r') e--;
    rp->blen = 0;
    size_t k = csv_parse(&rp->lp, data + qf, e - qf, on_field, on_row, rp);
    if (rp->oom || (k < e - qf && csv_error(&rp->lp) != CSV_EPARSE))
        return cl_diag_set(d, CL_ERR_NOMEM, "%s:%llu: out of memory", rp->f->path,
                           (unsigned long long)rp->line);
    if (k < e - qf) return stray_quote(rp, s, qf, qf + k, d);
    if (open_at_eof || csv_fini(&rp->lp, on_field, on_row, rp) != 0) return unterminated(rp, s, d);
    if (rp->oom)
        return cl_diag_set(d, CL_ERR_NOMEM, "%s:%llu: out of memory", rp->f->path,
                           (unsigned long long)rp->line);
    size_t off = 0;
    for (int i = nprefix; i < rp->nfields; i++) {
        rp->fields[i].p = rp->buf + off;
        off += rp->fields[i].len;
    }
    set_row(rp, row, rp->line, s, e);
    rp->line += nls + 1;
    rp->pos = next;
    return CL_OK;
}

/* Next record into row (*got = 1), or *got = 0 at the end of the range. */
static cl_err rp_next(rec_parser *rp, cl_csv_row *row, int *got, cl_diag *d)
{
    *got = 0;
    while (rp->pos < rp->end) {
        size_t s = rp->pos, stop;
        int r = scan_plain(rp, s, &stop);
        if (r < 0)
            return cl_diag_set(d, CL_ERR_NOMEM, "%s:%llu: out of memory", rp->f->path,
                               (unsigned long long)rp->line);
        if (r == 0) {
            cl_err err = quoted_record(rp, s, stop, row, d);
            if (err == CL_OK) *got = 1;
            return err;
        }
        rp->pos = stop < rp->end ? stop + 1 : rp->end;
        const cl_field *last = &rp->fields[rp->nfields - 1];
        if (rp->nfields == 1 && last->len == 0) { rp->line++; continue; }   /* blank line */
        set_row(rp, row, rp->line++, s, (size_t)(last->p + last->len - rp->data));
        *got = 1;
        return CL_OK;
    }
    return CL_OK;
}

/* ---- header ------------------------------------------------------------------- */

/* Strips ASCII spaces/tabs, U+3000 (ideographic space) and U+FEFF (BOM). */
static void trim_name(const char **pp, size_t *plen)
{
    const char *p = *pp;
    size_t n = *plen;
    for (;;) {
        if (n >= 1 && (p[0] == ' ' || p[0] == '\t')) { p++; n--; }
        else if (n >= 3 && (memcmp(p, "\xE3\x80\x80", 3) == 0 || memcmp(p, "\xEF\xBB\xBF", 3) == 0)) { p += 3; n -= 3; }
        else break;
    }
    for (;;) {
        if (n >= 1 && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
        else if (n >= 3 && (memcmp(p + n - 3, "\xE3\x80\x80", 3) == 0 || memcmp(p + n - 3, "\xEF\xBB\xBF", 3) == 0)) n -= 3;
        else break;
    }
    *pp = p;
    *plen = n;
}

/* ASCII case-insensitive equality of p[0..n) and the C string s. */
static int name_eq(const char *p, size_t n, const char *s)
{
    if (!s || strlen(s) != n) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char a = (unsigned char)p[i], b = (unsigned char)s[i];
        if (a >= 'A' && a <= 'Z') a = (unsigned char)(a + 32);
        if (b >= 'A' && b <= 'Z') b = (unsigned char)(b + 32);
        if (a != b) return 0;
    }
    return 1;
}

static void header_name(const cl_csv_file *f, int idx, char *out, size_t cap)
{
    rec_parser rp;
    cl_csv_row row;
    int got = 0;
    out[0] = '\0';
    if (rp_init(&rp, f, -1, 0, 0, f->len, 1) == 0 && rp_next(&rp, &row, &got, NULL) == CL_OK &&
        got && idx >= 0 && idx < row.nfields) {
        const char *p = row.fields[idx].p;
        size_t n = row.fields[idx].len;
        trim_name(&p, &n);
        snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), p);
    }
    rp_free(&rp);
}

static cl_err report_missing(const cl_csv_file *f, const cl_csv_col *spec, int nspec,
                             const int *index, cl_diag *d)
{
    char msg[900];
    size_t len = 0;
    int nmiss = 0;
    for (int j = 0; j < nspec; j++) nmiss += spec[j].required && index[j] < 0;
    if (nmiss == 0) return CL_OK;
    for (int j = 0, k = 0; j < nspec && len < sizeof msg; j++) {
        if (!spec[j].required || index[j] >= 0) continue;
        int w = snprintf(msg + len, sizeof msg - len, "%s'%s'%s%s%s", k++ ? ", " : "",
                         spec[j].name ? spec[j].name : "",
                         spec[j].alias ? " (" : "", spec[j].alias ? spec[j].alias : "",
                         spec[j].alias ? ")" : "");
        if (w < 0) break;
        len += (size_t)w;
    }
    return cl_diag_set(d, CL_ERR_COLUMN, "%s: missing required column%s %s", f->path,
                       nmiss > 1 ? "s" : "", msg);
}

cl_err cl_csv_bind(const cl_csv_file *f, const cl_csv_col *spec, int nspec,
                   cl_csv_header *h, cl_diag *d)
{
    rec_parser rp;
    cl_csv_row row;
    int got = 0;
    cl_err err;
    memset(h, 0, sizeof *h);
    if (rp_init(&rp, f, -1, 0, 0, f->len, 1) != 0) {
        err = cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", f->path);
        goto done;
    }
    if ((err = rp_next(&rp, &row, &got, d)) != CL_OK) goto done;
    if (!got) {
        err = cl_diag_set(d, CL_ERR_CSV, "%s: empty file (no header row)", f->path);
        goto done;
    }
    if (row.nfields > CL_CSV_MAX_COLS) {
        err = cl_diag_set(d, CL_ERR_CSV, "%s:%llu:%d: the header has %d columns, over the limit "
                          "of %d (is this the right file?)", f->path,
                          (unsigned long long)row.line, CL_CSV_MAX_COLS + 1, row.nfields,
                          CL_CSV_MAX_COLS);
        goto done;
    }
    h->ncols = row.nfields;
    h->index = cl_malloc((size_t)(nspec > 0 ? nspec : 1) * sizeof *h->index);
    if (!h->index) {
        err = cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", f->path);
        goto done;
    }
    for (int j = 0; j < nspec; j++) {
        h->index[j] = -1;
        for (int i = 0; i < row.nfields && h->index[j] < 0; i++) {
            const char *p = row.fields[i].p;
            size_t n = row.fields[i].len;
            trim_name(&p, &n);
            if (name_eq(p, n, spec[j].name) || name_eq(p, n, spec[j].alias)) h->index[j] = i;
        }
    }
    if ((err = report_missing(f, spec, nspec, h->index, d)) != CL_OK) goto done;
    h->body_offset = rp.pos;
    h->body_line = rp.line;
done:
    rp_free(&rp);
    if (err != CL_OK) cl_csv_header_free(h);
    return err;
}

void cl_csv_header_free(cl_csv_header *h)
{
    if (!h) return;
    free(h->index);
    h->index = NULL;
}

/* ---- parsing a chunk ------------------------------------------------------------- */

cl_err cl_csv_parse_chunk(const cl_csv_file *f, const cl_csv_header *h,
                          const cl_csv_chunk *c, int chunk_index,
                          cl_csv_row_fn fn, void *ctx, cl_diag *d)
{
    rec_parser rp;
    cl_csv_row row;
    int got = 0;
    cl_err err = CL_OK;
    cl_diag_clear(d);
    if (c->begin > c->end || c->end > f->len)
        return cl_diag_set(d, CL_ERR_INTERNAL, "%s: bad chunk [%zu, %zu)", f->path, c->begin, c->end);
    if (rp_init(&rp, f, h->ncols, 1, c->begin, c->end, c->first_line) != 0) {
        err = cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", f->path);
        goto done;
    }
    while ((err = rp_next(&rp, &row, &got, d)) == CL_OK && got) {
        int r = fn(ctx, chunk_index, &row);
        if (r == 0) continue;
        if (d && d->err != CL_OK) err = d->err;
        else err = cl_diag_set(d, CL_ERR_INPUT, "%s:%llu: parsing stopped by the row handler (code %d)",
                               f->path, (unsigned long long)row.line, r);
        break;
    }
done:
    rp_free(&rp);
    return err;
}

/* ---- chunking ------------------------------------------------------------------------ */

/* First '\n' in [from, to) with even quote parity given `par` at from; the
 * chunk then starts after it. Returns 0 if there is none in the range. */
static int find_boundary(const char *data, size_t from, size_t to, unsigned par, uint64_t line,
                         size_t *start, uint64_t *first_line)
{
    size_t p = from;
    uint64_t q, nl;
    while (p < to) {
        const char *lf = memchr(data + p, '\n', to - p);
        size_t stop = lf ? (size_t)(lf - data) : to;
        cl_csv_count_qn(data + p, stop - p, &q, &nl);
        par ^= (unsigned)(q & 1);
        if (!lf) return 0;
        line++;
        if (!par) {
            *start = stop + 1;
            *first_line = line;
            return 1;
        }
        p = stop + 1;
    }
    return 0;
}

/* The validation pass's counts as the split's parts, when it took n of them
 * and the header lies within the first: b[0] is then the body start and
 * part 0 loses the header's counts. */
static int counted_parts(const cl_csv_file *f, size_t B, int n, size_t *b, uint64_t *q,
                         uint64_t *nl)
{
    const cl_csv_counts *c = &cl_csv_memo_of(f)->counts;
    if (c->nparts != n || c->cut[1] <= B || c->cut[n] != f->len) return 0;
    for (int i = 0; i < n; i++) {
        b[i] = c->cut[i];
        q[i] = c->q[i];
        nl[i] = c->nl[i];
    }
    b[0] = B;
    b[n] = f->len;
    uint64_t hq, hn;
    cl_csv_count_qn(f->data + c->cut[0], B - c->cut[0], &hq, &hn);
    q[0] -= hq;
    nl[0] -= hn;
    return 1;
}

static int split_impl(const cl_csv_file *f, const cl_csv_header *h, int max_chunks,
                      size_t min_body, int nthreads, cl_csv_chunk *out)
{
    size_t B = h->body_offset, E = f->len, len = E > B ? E - B : 0;
    int n = max_chunks < 1 ? 1 : max_chunks > MAX_CHUNKS ? MAX_CHUNKS : max_chunks;
    if (len == 0) return 0;
    if ((size_t)n > len) n = (int)len;
    if (n == 1 || len < min_body) {
        out[0] = (cl_csv_chunk){B, E, h->body_line};
        return 1;
    }
    size_t b[MAX_CHUNKS + 1], s[MAX_CHUNKS + 1];
    uint64_t q[MAX_CHUNKS], nl[MAX_CHUNKS], line[MAX_CHUNKS + 1], fl[MAX_CHUNKS + 1];
    unsigned par[MAX_CHUNKS];
    int found[MAX_CHUNKS + 1];
    int big = len > ((size_t)1 << 22);
    if (!counted_parts(f, B, n, b, q, nl)) {
        for (int i = 0; i <= n; i++) b[i] = B + cl_csv_cut_at(len, i, n);
#pragma omp parallel for schedule(static) num_threads(nthreads) if (big)
        for (int i = 0; i < n; i++) cl_csv_count_qn(f->data + b[i], b[i + 1] - b[i], &q[i], &nl[i]);
    }
    par[0] = 0;
    line[0] = h->body_line;
    for (int i = 1; i < n; i++) {
        par[i] = par[i - 1] ^ (unsigned)(q[i - 1] & 1);
        line[i] = line[i - 1] + nl[i - 1];
    }
#pragma omp parallel for schedule(static) num_threads(nthreads) if (big)
    for (int i = 1; i < n; i++)
        found[i] = find_boundary(f->data, b[i], b[i + 1], par[i], line[i], &s[i], &fl[i]);
    s[0] = B;
    fl[0] = h->body_line;
    s[n] = E;
    fl[n] = 0;
    for (int i = n - 1; i >= 1; i--)
        if (!found[i]) { s[i] = s[i + 1]; fl[i] = fl[i + 1]; }
    int k = 0;
    for (int i = 0; i < n; i++)
        if (s[i] < s[i + 1]) out[k++] = (cl_csv_chunk){s[i], s[i + 1], fl[i]};
    return k;
}

int cl_csv_split_ex(const cl_csv_file *f, const cl_csv_header *h, int max_chunks,
                    size_t min_body, cl_csv_chunk *out)
{
    return split_impl(f, h, max_chunks, min_body, omp_get_max_threads(), out);
}

int cl_csv_split(const cl_csv_file *f, const cl_csv_header *h, int max_chunks, cl_csv_chunk *out)
{
    return cl_csv_split_ex(f, h, max_chunks, SPLIT_MIN_BODY, out);
}

static int resolve_threads(int nthreads)
{
    return nthreads > 0 ? nthreads : omp_get_max_threads();
}

size_t cl_csv_cut_at(size_t len, int i, int n)
{
    /* part k weighs n - k: the parts before i weigh i*n - i*(i-1)/2 of n(n+1)/2 */
    unsigned __int128 before = (unsigned __int128)(unsigned)i * (unsigned)n -
                               (unsigned __int128)(unsigned)i * (unsigned)(i > 0 ? i - 1 : 0) / 2;
    unsigned __int128 total = (unsigned __int128)(unsigned)n * (unsigned)(n + 1) / 2;
    return (size_t)((unsigned __int128)len * before / total);
}

int cl_csv_chunk_count(size_t len, int nthreads)
{
    if (nthreads <= 1 || len < SPLIT_MIN_BODY) return 1;
    size_t m = (size_t)nthreads * CHUNKS_PER_THREAD;
    if (m > len / CHUNK_MIN_BYTES) m = len / CHUNK_MIN_BYTES;
    if (m > MAX_CHUNKS) m = MAX_CHUNKS;
    return m < 1 ? 1 : (int)m;
}

/* How many chunks to ask split_impl for. */
static int max_chunks_for(const cl_csv_file *f, const cl_csv_header *h, int nthreads)
{
    return cl_csv_chunk_count(f->len > h->body_offset ? f->len - h->body_offset : 0, nthreads);
}

/* The chunks for nthreads, split once per file and thread count. NULL when
 * out of memory. */
static const cl_csv_chunk *planned(const cl_csv_file *f, const cl_csv_header *h, int nt, int *n)
{
    cl_csv_memo *m = cl_csv_memo_of(f);
    if (!m->chunks || m->threads != nt || m->body != h->body_offset) {
        cl_csv_chunk *ch = m->chunks ? m->chunks : cl_malloc(MAX_CHUNKS * sizeof *ch);
        if (!ch)
            return NULL;
        m->chunks = ch;
        m->n = split_impl(f, h, max_chunks_for(f, h, nt), SPLIT_MIN_BODY, nt, ch);
        m->threads = nt;
        m->body = h->body_offset;
    }
    *n = m->n;
    return m->chunks;
}

int cl_csv_plan(const cl_csv_file *f, const cl_csv_header *h, int nthreads)
{
    int n = 1;
    return planned(f, h, resolve_threads(nthreads), &n) ? n : -1;
}

cl_err cl_csv_parse_all(const cl_csv_file *f, const cl_csv_header *h, int nthreads,
                        cl_csv_row_fn fn, void *ctx, int *nchunks_out, cl_diag *d)
{
    int nt = resolve_threads(nthreads);
    const cl_csv_chunk *ch;
    cl_diag *dg = NULL;
    cl_err *errs = NULL, err = CL_OK;
    int n = 0;
    if (nchunks_out) *nchunks_out = 0;
    cl_diag_clear(d);
    if (!(ch = planned(f, h, nt, &n))) return cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", f->path);
    if (n == 0) goto done;
    dg = cl_calloc((size_t)n, sizeof *dg);
    errs = cl_calloc((size_t)n, sizeof *errs);
    if (!dg || !errs) {
        err = cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", f->path);
        goto done;
    }
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (n > 1)
    for (int i = 0; i < n; i++) {
        errs[i] = cl_csv_parse_chunk(f, h, &ch[i], i, fn, ctx, &dg[i]);
        cl_csv_release(f, ch[i].begin, ch[i].end);
    }
    for (int i = 0; i < n; i++) {
        if (errs[i] == CL_OK) continue;
        err = errs[i];
        /* a handler that filled the caller's d itself (e.g. out of memory)
         * keeps its message and code */
        if (d && d->err != CL_OK) err = d->err;
        else if (d) *d = dg[i];
        break;
    }
done:
    if (nchunks_out) *nchunks_out = n;
    free(dg);
    free(errs);
    return err;
}
