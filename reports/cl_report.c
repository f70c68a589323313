/* cl_report.c - CSV tables (RFC 4180, UTF-8 without BOM, LF) and JSON
 * documents. Rows are formatted into memory blocks (no stdio per field),
 * in parallel for tables that allow it, and written in row order. */
#include "reports/cl_report.h"
#include "core/cl_alloc.h"
#include "core/cl_scratch.h"

#include <errno.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cl_money.h"
#include "core/cl_time.h"
#include "core/cl_sink.h"

static int is_pii(cl_col_kind k)
{
    return k >= CL_COL_PII_NAME;
}

/* ---- rows formatted into memory ------------------------------------------
 * A table's rows are formatted block by block into a growable buffer that
 * then goes to the file in one write; blocks of a table whose ctx may be
 * copied are formatted by several threads and written in row order. */

typedef struct obuf {
    char *p;
    size_t n, cap;
    int oom;
} obuf;

static int ob_reserve(obuf *o, size_t more)
{
    if (o->n + more <= o->cap)
        return 0;
    size_t cap = o->cap ? o->cap : 1 << 16;
    while (cap < o->n + more)
        cap *= 2;
    char *p = cl_realloc(o->p, cap);
    if (!p) {
        o->oom = 1;
        return -1;
    }
    o->p = p;
    o->cap = cap;
    return 0;
}

static void ob_put(obuf *o, const char *s, size_t n)
{
    if (ob_reserve(o, n) == 0) {
        memcpy(o->p + o->n, s, n);
        o->n += n;
    }
}

static void ob_putc(obuf *o, char c)
{
    if (ob_reserve(o, 1) == 0)
        o->p[o->n++] = c;
}

static void ob_i64(obuf *o, int64_t v)
{
    char b[CL_MONEY_BUFSZ];
    int n = cl_int_format(v, b);
    ob_put(o, b, (size_t)n);
}

static void ob_money(obuf *o, int64_t fen)
{
    char b[CL_MONEY_BUFSZ];
    int n = cl_money_format(fen, b);
    ob_put(o, b, (size_t)n);
}

static void put2(char *o, int v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
}

/* "YYYY-MM-DD[ HH:MM:SS]" without snprintf; same text as cl_time_format and
 * cl_date_format (tested), which handle years outside 0..9999. */
static void put_time(obuf *w, cl_time t, int with_clock)
{
    char b[CL_TIME_BUFSZ];
    int y, m, d, sec;
    cl_time_split(t, &y, &m, &d, &sec);
    if (y < 0 || y > 9999) {
        int n = with_clock ? cl_time_format(t, b) : cl_date_format(t, b);
        ob_put(w, b, (size_t)n);
        return;
    }
    put2(b, y / 100);
    put2(b + 2, y % 100);
    b[4] = '-';
    put2(b + 5, m);
    b[7] = '-';
    put2(b + 8, d);
    if (!with_clock) {
        ob_put(w, b, 10);
        return;
    }
    b[10] = ' ';
    put2(b + 11, sec / 3600);
    b[13] = ':';
    put2(b + 14, sec / 60 % 60);
    b[16] = ':';
    put2(b + 17, sec % 60);
    ob_put(w, b, 19);
}

static int needs_quotes(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ',' || c == '"' || c == '\r' || c == '\n')
            return 1;
    }
    return 0;
}

static void put_field(obuf *w, const char *s, size_t n)
{
    if (!needs_quotes(s, n)) {
        ob_put(w, s, n);
        return;
    }
    ob_putc(w, '"');
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') {
            ob_put(w, s + from, i + 1 - from);   /* up to and with the quote */
            ob_putc(w, '"');
            from = i + 1;
        }
    }
    ob_put(w, s + from, n - from);
    ob_putc(w, '"');
}

/* Writes one cell; returns -1 if masking scratch could not grow. */
static int put_cell(obuf *w, const cl_col *c, const cl_cell *v, cl_audience a, cl_scratch *sc)
{
    switch (c->kind) {
    case CL_COL_INT:
        if (!v->empty)
            ob_i64(w, v->i);
        return 0;
    case CL_COL_MONEY:
        if (!v->empty)
            ob_money(w, v->i);
        return 0;
    case CL_COL_TIME:
    case CL_COL_DATE:
        if (!v->empty && v->i != CL_TIME_NONE)
            put_time(w, v->i, c->kind == CL_COL_TIME);
        return 0;
    default:
        break;
    }
    if (!v->s || v->len == 0)
        return 0;
    if (a == CL_AUDIENCE_PUBLIC && is_pii(c->kind)) {
        char *o = cl_scratch_get(sc, v->len + 16);
        if (!o)
            return -1;
        put_field(w, o, cl_mask(c->kind, v->s, v->len, o));
        return 0;
    }
    put_field(w, v->s, v->len);
    return 0;
}

void cl_table_prefetch(const cl_table *t, size_t r)
{
    if (!t->prefetch)
        return;
    if (r + 16 < t->nrows)
        t->prefetch(t->ctx, r + 16, 0);
    if (r + 8 < t->nrows)
        t->prefetch(t->ctx, r + 8, 1);
}

/* What one thread formats with: its ctx (a copy when the table allows),
 * cells, masking scratch and output buffer. */
typedef struct worker {
    cl_table t;
    void *ctx_copy;
    cl_cell *cells;
    cl_scratch sc;
    obuf out;
} worker;

static int worker_init(worker *k, const cl_table *t, int copy_ctx)
{
    memset(k, 0, sizeof *k);
    k->t = *t;
    k->cells = cl_calloc((size_t)(t->ncols > 0 ? t->ncols : 1), sizeof *k->cells);
    if (copy_ctx && t->ctx_size) {
        if (!(k->ctx_copy = cl_malloc(t->ctx_size)))
            return -1;
        memcpy(k->ctx_copy, t->ctx, t->ctx_size);
        k->t.ctx = k->ctx_copy;
    }
    return k->cells ? 0 : -1;
}

static void worker_free(worker *k)
{
    free(k->ctx_copy);
    free(k->cells);
    free(k->out.p);
    cl_scratch_release(&k->sc);
}

/* Rows [from, to) appended to k->out; -1 when out of memory. */
static int format_rows(worker *k, size_t from, size_t to, cl_audience a)
{
    const cl_table *t = &k->t;
    for (size_t r = from; r < to; r++) {
        cl_table_prefetch(t, r);
        memset(k->cells, 0, (size_t)t->ncols * sizeof *k->cells);
        t->row(t->ctx, r, k->cells);
        int first = 1;
        for (int c = 0; c < t->ncols; c++) {
            if (!t->cols[c].key)
                continue;   /* a workbook-only column */
            if (!first)
                ob_putc(&k->out, ',');
            first = 0;
            if (put_cell(&k->out, &t->cols[c], &k->cells[c], a, &k->sc) != 0)
                return -1;
        }
        ob_putc(&k->out, '\n');
    }
    return k->out.oom ? -1 : 0;
}

#define BLOCK_ROWS 4096

/* Blocks of rows formatted by nt threads, written in row order. */
static int write_parallel(cl_sink *w, const cl_table *t, cl_audience a, int nt)
{
    size_t nblocks = (t->nrows + BLOCK_ROWS - 1) / BLOCK_ROWS;
    int failed = 0;
    #pragma omp parallel num_threads(nt)
    {
        worker k;
        int ok = worker_init(&k, t, 1) == 0;
        #pragma omp for ordered schedule(static, 1)
        for (size_t blk = 0; blk < nblocks; blk++) {
            size_t from = blk * BLOCK_ROWS;
            size_t to = from + BLOCK_ROWS < t->nrows ? from + BLOCK_ROWS : t->nrows;
            k.out.n = 0;
            ok = ok && format_rows(&k, from, to, a) == 0;
            #pragma omp ordered
            {
                if (ok)
                    cl_sink_put(w, k.out.p, k.out.n);
                else {
                    #pragma omp atomic write
                    failed = 1;
                }
            }
        }
        worker_free(&k);
    }
    return failed ? -1 : 0;
}

static int write_sequential(cl_sink *w, const cl_table *t, cl_audience a)
{
    worker k;
    int ok = worker_init(&k, t, 0) == 0;
    for (size_t from = 0; ok && from < t->nrows; from += BLOCK_ROWS) {
        size_t to = from + BLOCK_ROWS < t->nrows ? from + BLOCK_ROWS : t->nrows;
        k.out.n = 0;
        ok = format_rows(&k, from, to, a) == 0;
        if (ok)
            cl_sink_put(w, k.out.p, k.out.n);
    }
    worker_free(&k);
    return ok ? 0 : -1;
}

cl_err cl_report_csv(const char *path, const cl_table *t, cl_audience a, cl_diag *d)
{
    return cl_report_csv_sha256(path, t, a, NULL, d);
}

cl_err cl_report_csv_to(cl_sink *w, const cl_table *t, cl_audience a, int nthreads,
                        cl_diag *d)
{
    obuf head = {0};
    int first = 1;
    for (int c = 0; c < t->ncols; c++) {
        if (!t->cols[c].key)
            continue;   /* a workbook-only column */
        if (!first)
            ob_putc(&head, ',');
        first = 0;
        put_field(&head, t->cols[c].key, strlen(t->cols[c].key));
    }
    ob_putc(&head, '\n');
    if (!head.oom)
        cl_sink_put(w, head.p, head.n);
    free(head.p);
    int nt = omp_in_parallel() ? 1 : nthreads > 0 ? nthreads : omp_get_max_threads();
    int bad = head.oom;
    if (!bad && t->ctx_size && nt > 1 && t->nrows > 2 * BLOCK_ROWS)
        bad = write_parallel(w, t, a, nt);
    else if (!bad)
        bad = write_sequential(w, t, a);
    if (bad)
        return cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", cl_sink_label(w));
    return CL_OK;
}

cl_err cl_report_csv_sha256(const char *path, const cl_table *t, cl_audience a,
                            unsigned char sha256[32], cl_diag *d)
{
    cl_sink *w = NULL;
    cl_err e = cl_sink_file(path, sha256 != NULL, &w, d);
    if (e)
        return e;
    e = cl_report_csv_to(w, t, a, 0, d);
    if (!e)
        e = cl_sink_finish(w, sha256, d);
    cl_sink_free(w);
    return e;
}

cl_err cl_report_json(const char *path, const json_t *doc, cl_diag *d)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return cl_diag_set(d, CL_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    int bad = json_dumpf(doc, f, JSON_SORT_KEYS | JSON_INDENT(2)) != 0;
    bad |= fputc('\n', f) == EOF;
    bad |= fflush(f) != 0;
    int err = errno;
    if (!bad && fsync(fileno(f)) != 0 && errno != EINVAL) {
        bad = 1;
        err = errno;
    }
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    if (bad)
        return cl_diag_set(d, CL_ERR_IO, "%s: write failed: %s", path, strerror(err));
    return CL_OK;
}
