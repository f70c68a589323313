/* cl_report.c - CSV tables (RFC 4180, UTF-8 without BOM, LF) and JSON
 * documents. Each field goes straight into a cl_wbuf: no stdio per field. */
#include "reports/cl_report.h"
#include "core/cl_scratch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cl_money.h"
#include "core/cl_time.h"
#include "core/cl_wbuf.h"

static int is_pii(cl_col_kind k)
{
    return k >= CL_COL_PII_NAME;
}

static void put2(char *o, int v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
}

/* "YYYY-MM-DD[ HH:MM:SS]" without snprintf; same text as cl_time_format and
 * cl_date_format (tested), which handle years outside 0..9999. */
static void put_time(cl_wbuf *w, cl_time t, int with_clock)
{
    char b[CL_TIME_BUFSZ];
    int64_t days = t / 86400, rem = t % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int y, m, d;
    cl_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        int n = with_clock ? cl_time_format(t, b) : cl_date_format(t, b);
        cl_wbuf_put(w, b, (size_t)n);
        return;
    }
    put2(b, y / 100);
    put2(b + 2, y % 100);
    b[4] = '-';
    put2(b + 5, m);
    b[7] = '-';
    put2(b + 8, d);
    if (!with_clock) {
        cl_wbuf_put(w, b, 10);
        return;
    }
    int sec = (int)rem;
    b[10] = ' ';
    put2(b + 11, sec / 3600);
    b[13] = ':';
    put2(b + 14, sec / 60 % 60);
    b[16] = ':';
    put2(b + 17, sec % 60);
    cl_wbuf_put(w, b, 19);
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

static void put_field(cl_wbuf *w, const char *s, size_t n)
{
    if (!needs_quotes(s, n)) {
        cl_wbuf_put(w, s, n);
        return;
    }
    cl_wbuf_putc(w, '"');
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') {
            cl_wbuf_put(w, s + from, i + 1 - from);   /* up to and with the quote */
            cl_wbuf_putc(w, '"');
            from = i + 1;
        }
    }
    cl_wbuf_put(w, s + from, n - from);
    cl_wbuf_putc(w, '"');
}

/* Writes one cell; returns -1 if masking scratch could not grow. */
static int put_cell(cl_wbuf *w, const cl_col *c, const cl_cell *v, cl_audience a,
                    cl_scratch *sc)
{
    switch (c->kind) {
    case CL_COL_INT:
        if (!v->empty)
            cl_wbuf_i64(w, v->i);
        return 0;
    case CL_COL_MONEY:
        if (!v->empty)
            cl_wbuf_money(w, v->i);
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

cl_err cl_report_csv(const char *path, const cl_table *t, cl_audience a, cl_diag *d)
{
    return cl_report_csv_sha256(path, t, a, NULL, d);
}

cl_err cl_report_csv_sha256(const char *path, const cl_table *t, cl_audience a,
                            unsigned char sha256[32], cl_diag *d)
{
    cl_wbuf *w = NULL;
    cl_cell *cells = NULL;
    cl_scratch sc = {NULL, 0};
    cl_err e = sha256 ? cl_wbuf_open_hashed(path, &w, d) : cl_wbuf_open(path, &w, d);
    if (e)
        return e;
    cells = calloc((size_t)(t->ncols > 0 ? t->ncols : 1), sizeof *cells);
    if (!cells) {
        e = cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    for (int c = 0; c < t->ncols; c++) {
        if (c)
            cl_wbuf_putc(w, ',');
        put_field(w, t->cols[c].key, strlen(t->cols[c].key));
    }
    cl_wbuf_putc(w, '\n');
    for (size_t r = 0; r < t->nrows; r++) {
        cl_table_prefetch(t, r);
        memset(cells, 0, (size_t)t->ncols * sizeof *cells);
        t->row(t->ctx, r, cells);
        for (int c = 0; c < t->ncols; c++) {
            if (c)
                cl_wbuf_putc(w, ',');
            if (put_cell(w, &t->cols[c], &cells[c], a, &sc) != 0) {
                e = cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", path);
                goto fail;
            }
        }
        cl_wbuf_putc(w, '\n');
    }
    free(cells);
    cl_scratch_release(&sc);
    return cl_wbuf_close_sha256(w, sha256, d);
fail:
    cl_wbuf_discard(w);
    free(cells);
    cl_scratch_release(&sc);
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
