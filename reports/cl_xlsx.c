/* cl_xlsx.c - XLSX workbooks through libxlsxwriter in constant-memory mode:
 * a summary sheet (header lines, small tables, charts) and one data sheet per
 * table (frozen bold header, autofilter, CJK-aware widths, money as numbers,
 * times as date cells), split past Excel's row limit.
 *
 * Data sheets of one workbook are written in parallel, one thread per table
 * (and cl_report_xlsx_many writes whole workbooks in parallel, on threads).
 * That is safe in constant-memory mode because each worksheet streams rows to
 * its own temporary file, strings are inline (no shared string table), and
 * the only shared state a cell write touches - a format's lazily assigned XF
 * index in the workbook's hash table (lxw_format_get_xf_index) - is assigned
 * up front, in a fixed order, before any thread starts. Everything else
 * (adding sheets, charts, closing and zipping) happens on the calling thread.
 * Output is byte-identical across runs and thread counts (the creation date
 * is fixed, see cl_book.created). */
#include "reports/cl_report.h"
#include "core/cl_alloc.h"
#include "core/cl_path.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>
#include <pthread.h>
#include <xlsxwriter.h>

#include "core/cl_money.h"
#include "core/cl_scratch.h"
#include "core/cl_time.h"

#define XLSX_MAX_DATA_ROWS ((size_t)1048575)   /* 1,048,576 rows less the header */
#define XLSX_WIDTH_ROWS 1000                   /* rows sampled for column widths */
#define XLSX_SHEETNAME_MAX 31                  /* characters */
#define XLSX_FIXED_CREATED 315532800           /* 1980-01-01T00:00:00Z */
#define CHART_ROW_STRIDE 17                    /* a default chart is ~15 rows tall */

typedef struct formats {
    lxw_format *bold, *title, *money, *time, *date;
    lxw_format *head_num;      /* header of a numeric column: bold, right-aligned */
    lxw_format *total_money;   /* a 合计 cell: bold money */
    lxw_format *text;          /* "@": typed input stays text */
} formats;

#define TOTAL_LABEL "合计"
#define PAPER_A4 9


/* One table written to one or more sheets by one thread. */
typedef struct job {
    const cl_table *t;
    lxw_worksheet **ws;
    char **names;
    int nparts;
    cl_diag diag;
} job;


/* The one place a double touches money, as a rendering boundary: Excel cells
 * hold IEEE doubles. (double)fen is exact since |fen| < 2^53, and the division
 * by 100.0 is correctly rounded, so the result is the double nearest to the
 * decimal fen/100. That decimal has at most 15 significant digits, so it is
 * the shortest decimal reading back to this double: Excel, openpyxl and
 * libxlsxwriter's "%.16G" text all give the exact amount to the fen. */
static double fen_to_double(int64_t fen)
{
    return (double)fen / 100.0;
}

/* ---- text measurement --------------------------------------------------- */

static size_t u8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (s[0] < 0x80 || n < 2) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xF0 && n >= 4) {
        *cp = (uint32_t)(s[0] & 7) << 18 | (uint32_t)(s[1] & 63) << 12 |
              (uint32_t)(s[2] & 63) << 6 | (s[3] & 63);
        return 4;
    }
    if (s[0] >= 0xE0 && n >= 3) {
        *cp = (uint32_t)(s[0] & 15) << 12 | (uint32_t)(s[1] & 63) << 6 | (s[2] & 63);
        return 3;
    }
    *cp = (uint32_t)(s[0] & 31) << 6 | (s[1] & 63);
    return 2;
}

static int wide(uint32_t c)
{
    return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) ||
           (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
           (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x20000 && c <= 0x3FFFD);
}

/* Display width: CJK (and full-width) characters 2, others 1. */
static int display_width(const char *s, size_t n)
{
    int w = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += u8_next((const unsigned char *)s + i, n - i, &cp);
        w += wide(cp) ? 2 : 1;
        if (w > 1000)
            break;
    }
    return w;
}

static int digits(int64_t v)
{
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int n = v < 0;
    do {
        n++;
        u /= 10;
    } while (u);
    return n;
}

/* ---- cells -------------------------------------------------------------- */

static void to_lxw(cl_time t, int with_clock, lxw_datetime *dt)
{
    int y, m, d, sec;
    cl_time_split(t, &y, &m, &d, &sec);
    memset(dt, 0, sizeof *dt);
    dt->year = y;
    dt->month = m;
    dt->day = d;
    if (with_clock) {
        dt->hour = sec / 3600;
        dt->min = sec / 60 % 60;
        dt->sec = sec % 60;
    }
}

/* Writes one cell and widens *width by its rendered text. */
static lxw_error write_cell(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const cl_col *col,
                            const cl_cell *v, cl_audience a, const formats *f, cl_scratch *sc,
                            int *width)
{
    int w = 0;
    lxw_error err = LXW_NO_ERROR;
    switch (col->kind) {
    case CL_COL_INT:
        if (v->empty)
            return LXW_NO_ERROR;
        err = worksheet_write_number(ws, r, c, (double)v->i, NULL);
        w = digits(v->i);
        break;
    case CL_COL_MONEY:
        if (v->empty)
            return LXW_NO_ERROR;
        err = worksheet_write_number(ws, r, c, fen_to_double(v->i), f->money);
        w = digits(v->i / 100) + digits(v->i / 100) / 3 + 4;   /* ¥, commas, .00 */
        break;
    case CL_COL_TIME:
    case CL_COL_DATE: {
        if (v->empty || v->i == CL_TIME_NONE)
            return LXW_NO_ERROR;
        lxw_datetime dt;
        int clock = col->kind == CL_COL_TIME;
        to_lxw(v->i, clock, &dt);
        if (dt.year < 1900 || dt.year > 9999)
            return LXW_NO_ERROR;     /* Excel has no such date */
        err = worksheet_write_datetime(ws, r, c, &dt, clock ? f->time : f->date);
        w = clock ? 19 : 10;
        break;
    }
    default: {
        if (!v->s || v->len == 0)
            return LXW_NO_ERROR;
        char *o = cl_scratch_get(sc, v->len + 17);
        if (!o)
            return LXW_ERROR_MEMORY_MALLOC_FAILED;
        size_t n = v->len;
        if (a == CL_AUDIENCE_PUBLIC && col->kind >= CL_COL_PII_NAME)
            n = cl_mask(col->kind, v->s, v->len, o);
        else
            memcpy(o, v->s, n);
        o[n] = '\0';
        err = worksheet_write_string(ws, r, c, o, NULL);
        w = display_width(o, n);
        break;
    }
    }
    if (w > *width)
        *width = w;
    return err;
}

/* The workbook shows the columns that have a title, in order; a column with
 * a NULL title is CSV-only (cl_report.h). */
static int shown_columns(const cl_table *t, int *shown)
{
    int n = 0;
    for (int c = 0; c < t->ncols; c++)
        if (t->cols[c].title)
            shown[n++] = c;
    return n;
}

/* Numbers, amounts and dates sit right in their cells; so do their headers. */
static int right_aligned(cl_col_kind k)
{
    return k == CL_COL_INT || k == CL_COL_MONEY || k == CL_COL_TIME || k == CL_COL_DATE;
}

static lxw_error write_header(lxw_worksheet *ws, lxw_row_t r, const cl_table *t,
                              const int *shown, int nshown, const formats *f, int *widths)
{
    for (int c = 0; c < nshown; c++) {
        const char *title = t->cols[shown[c]].title;
        lxw_format *fm = right_aligned(t->cols[shown[c]].kind) ? f->head_num : f->bold;
        lxw_error err = worksheet_write_string(ws, r, (lxw_col_t)c, title, fm);
        if (err)
            return err;
        int w = display_width(title, strlen(title)) + 2;   /* + filter button */
        if (w > widths[c])
            widths[c] = w;
    }
    return LXW_NO_ERROR;
}

/* Column widths; text columns of a data sheet (col_format non-NULL) also get
 * the text format "@", so that what a reader types into an empty cell - a
 * reviewer's 决定时间 "2018-06-01 10:00" - stays text and survives a
 * save-as-CSV unchanged instead of becoming a locale-formatted date. */
static lxw_error set_widths(lxw_worksheet *ws, const int *widths, int ncols,
                            const cl_table *t, const int *shown, lxw_format *text)
{
    for (int c = 0; c < ncols; c++) {
        int w = widths[c] + 2;
        w = w < 6 ? 6 : w > 60 ? 60 : w;
        lxw_format *fm = t && !right_aligned(t->cols[shown[c]].kind) ? text : NULL;
        lxw_error err = worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, w, fm);
        if (err)
            return err;
    }
    return LXW_NO_ERROR;
}

/* ---- totals ------------------------------------------------------------- */

/* Running exact sums of a table's money columns (fen) and, when asked, its
 * count columns; a column whose sum would overflow is marked and left blank
 * in the 合计 row. */
typedef struct totals {
    int64_t *sum;
    unsigned char *overflow;
    int counts;
} totals;

static int summed(const totals *tt, cl_col_kind k)
{
    return k == CL_COL_MONEY || (tt->counts && k == CL_COL_INT);
}

static void totals_add(totals *tt, const cl_table *t, const int *shown, int nc,
                       const cl_cell *cells)
{
    for (int c = 0; c < nc; c++) {
        const cl_cell *v = &cells[shown[c]];
        if (!summed(tt, t->cols[shown[c]].kind) || v->empty)
            continue;
        if (__builtin_add_overflow(tt->sum[c], v->i, &tt->sum[c]))
            tt->overflow[c] = 1;
    }
}

/* The 合计 row at row r: the label in the first non-money column (the first
 * column when every column is money), the sums under the money columns. */
static lxw_error write_totals(lxw_worksheet *ws, lxw_row_t r, const cl_table *t,
                              const int *shown, int nc, const totals *tt, const formats *f)
{
    int label = -1;
    for (int c = 0; c < nc && label < 0; c++)
        if (!summed(tt, t->cols[shown[c]].kind))
            label = c;
    lxw_error err = LXW_NO_ERROR;
    for (int c = 0; !err && c < nc; c++) {
        cl_col_kind k = t->cols[shown[c]].kind;
        if (c == label)
            err = worksheet_write_string(ws, r, (lxw_col_t)c, TOTAL_LABEL, f->bold);
        else if (summed(tt, k) && !tt->overflow[c])
            err = k == CL_COL_MONEY
                      ? worksheet_write_number(ws, r, (lxw_col_t)c, fen_to_double(tt->sum[c]),
                                               f->total_money)
                      : worksheet_write_number(ws, r, (lxw_col_t)c, (double)tt->sum[c], f->bold);
    }
    return err;
}

/* ---- printing ------------------------------------------------------------ */

/* A header/footer section: '&' doubled (it starts a code), cut at a UTF-8
 * boundary to stay inside Excel's 255-character limit with the codes. */
static void hf_text(const char *s, char *out, size_t outsz)
{
    size_t o = 0;
    for (size_t i = 0; s && s[i] && o + 8 < outsz && o < 180;) {
        uint32_t cp;
        size_t k = u8_next((const unsigned char *)s + i, strlen(s + i), &cp);
        if (s[i] == '&')
            out[o++] = '&';
        memcpy(out + o, s + i, k);
        o += k;
        i += k;
    }
    out[o] = '\0';
}

/* A4 landscape, one page wide (as many tall as the rows need; 0 = auto),
 * the page header: the book's title left, the sheet's name right; the
 * footer: page m of n. */
static lxw_error print_setup(lxw_worksheet *ws, const cl_book *b, uint16_t tall)
{
    const char *title = b->print_title ? b->print_title
                        : b->nheader > 0 ? b->header_lines[0] : "";
    char esc[256], head[320];
    hf_text(title, esc, sizeof esc);
    snprintf(head, sizeof head, "&L%s&R&A", esc);
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, PAPER_A4);
    worksheet_set_margins(ws, 0.4, 0.4, 0.6, 0.6);
    worksheet_fit_to_pages(ws, 1, tall);
    lxw_error err = worksheet_set_header(ws, head);
    if (!err)
        err = worksheet_set_footer(ws, "&C第 &P 页，共 &N 页");
    return err;
}

/* ---- data sheets -------------------------------------------------------- */

static size_t parts_of(const cl_table *t)
{
    return t->nrows ? (t->nrows + XLSX_MAX_DATA_ROWS - 1) / XLSX_MAX_DATA_ROWS : 1;
}

/* An Excel sheet name: no []:*?/\, no leading/trailing apostrophe, at most
 * 31 characters including the " (k)" suffix of continuation sheets. */
static void sheet_name(const char *title, int part, char *out, size_t outsz)
{
    char suffix[16] = "";
    if (part > 1)
        snprintf(suffix, sizeof suffix, " (%d)", part);
    int room = XLSX_SHEETNAME_MAX - (int)strlen(suffix);
    if (!title || !*title)
        title = "Sheet";
    size_t o = 0, n = strlen(title);
    int chars = 0;
    for (size_t i = 0; i < n && chars < room;) {
        uint32_t cp;
        size_t k = u8_next((const unsigned char *)title + i, n - i, &cp);
        if (o + k + sizeof suffix >= outsz)
            break;
        if (k == 1 && strchr("[]:*?/\\", title[i]))
            out[o++] = '_';
        else if (k == 1 && title[i] == '\'' && (o == 0 || i + 1 == n))
            out[o++] = '_';
        else {
            memcpy(out + o, title + i, k);
            o += k;
        }
        i += k;
        chars++;
    }
    out[o] = '\0';
    strcat(out, suffix);
}

static void job_fail(job *jb, const char *where, size_t row, int col, lxw_error err)
{
    cl_diag_set(&jb->diag, CL_ERR_XLSX, "%s:%zu:%d: %s", where, row + 1, col + 1,
                lxw_strerror(err));
}

/* Writes a table to its sheets; rows are requested in order, once each. */
static void write_table(job *jb, cl_audience a, const formats *f)
{
    const cl_table *t = jb->t;
    int nall = t->ncols;
    cl_cell *cells = cl_calloc((size_t)(nall > 0 ? nall : 1), sizeof *cells);
    int *widths = cl_calloc((size_t)(nall > 0 ? nall : 1), sizeof *widths);
    int *shown = cl_calloc((size_t)(nall > 0 ? nall : 1), sizeof *shown);
    cl_scratch sc = {NULL, 0};
    lxw_error err = LXW_NO_ERROR;
    size_t row = 0;
    int nc = shown ? shown_columns(t, shown) : 0;
    totals tt = {NULL, NULL, t->totals & CL_TOTAL_COUNTS};
    if (t->totals) {
        tt.sum = calloc((size_t)(nall > 0 ? nall : 1), sizeof *tt.sum);
        tt.overflow = calloc((size_t)(nall > 0 ? nall : 1), 1);
    }
    if (!cells || !widths || !shown || (t->totals && (!tt.sum || !tt.overflow))) {
        job_fail(jb, jb->names[0], 0, 0, LXW_ERROR_MEMORY_MALLOC_FAILED);
        goto out;
    }
    for (int p = 0; p < jb->nparts; p++) {
        lxw_worksheet *ws = jb->ws[p];
        size_t first = (size_t)p * XLSX_MAX_DATA_ROWS;
        size_t last = first + XLSX_MAX_DATA_ROWS < t->nrows ? first + XLSX_MAX_DATA_ROWS
                                                            : t->nrows;
        if ((err = write_header(ws, 0, t, shown, nc, f, widths)))
            goto fail;
        /* the filter covers the data rows, not the 合计 row; set before the
         * rows are streamed (constant memory refuses ranges above the
         * current row) */
        if (nc > 0 && (err = worksheet_autofilter(ws, 0, 0, (lxw_row_t)(last - first),
                                                  (lxw_col_t)(nc - 1))))
            goto fail;
        for (row = first; row < last; row++) {
            cl_table_prefetch(t, row);
            memset(cells, 0, (size_t)nall * sizeof *cells);
            t->row(t->ctx, row, cells);
            if (tt.sum)
                totals_add(&tt, t, shown, nc, cells);
            for (int c = 0; c < nc; c++) {
                int ignored = 0;   /* widths come from the first rows only */
                int *wslot = row < XLSX_WIDTH_ROWS ? &widths[c] : &ignored;
                err = write_cell(ws, (lxw_row_t)(row - first + 1), (lxw_col_t)c,
                                 &t->cols[shown[c]], &cells[shown[c]], a, f, &sc, wslot);
                if (err) {
                    job_fail(jb, jb->names[p], row - first + 1, c, err);
                    goto out;
                }
            }
        }
        if (tt.sum && p == jb->nparts - 1 &&
            (err = write_totals(ws, (lxw_row_t)(last - first + 1), t, shown, nc, &tt, f)))
            goto fail;
        worksheet_freeze_panes(ws, 1, 0);
        if ((err = set_widths(ws, widths, nc, t, shown, f->text)))
            goto fail;
    }
    goto out;
fail:
    job_fail(jb, jb->t->title ? jb->t->title : "sheet", 0, 0, err);
out:
    free(cells);
    free(widths);
    free(shown);
    free(tt.sum);
    free(tt.overflow);
    cl_scratch_release(&sc);
}

/* ---- summary sheet ------------------------------------------------------ */

/* Column charts: axis titles from the table's column titles, "（元）" and a
 * yuan format on a money axis. Pie charts: each slice labelled with its
 * value and share. */
static void chart_axes(lxw_chart *ch, lxw_chart_series *s, const cl_summary_block *blk)
{
    const cl_table *t = blk->table;
    const cl_col *vc = &t->cols[blk->value_col];
    int money = vc->kind == CL_COL_MONEY;
    if (blk->chart == CL_CHART_PIE) {
        chart_series_set_labels(s);
        chart_series_set_labels_options(s, LXW_FALSE, LXW_FALSE, LXW_TRUE);
        chart_series_set_labels_percentage(s);
        chart_series_set_labels_leader_line(s);
        if (money)
            chart_series_set_labels_num_format(s, "\xC2\xA5#,##0.00");
        return;
    }
    chart_legend_set_position(ch, LXW_CHART_LEGEND_NONE);
    char name[160];
    if (t->cols[0].title)
        chart_axis_set_name(ch->x_axis, t->cols[0].title);
    if (vc->title) {
        snprintf(name, sizeof name, "%s%s", vc->title, money ? "（元）" : "");
        chart_axis_set_name(ch->y_axis, name);
    }
    chart_axis_set_num_format(ch->y_axis, money ? "\xC2\xA5#,##0" : "#,##0");
    if (money)
        chart_series_set_labels_num_format(s, "\xC2\xA5#,##0");
}

static lxw_error summary_block(lxw_workbook *wb, lxw_worksheet *ws, const char *sheet,
                               const cl_summary_block *blk, lxw_row_t *r, cl_audience a,
                               const formats *f, int *widths, cl_scratch *sc,
                               lxw_chart **chart_out)
{
    const cl_table *t = blk->table;
    int shown[64];
    int nshown = t->ncols <= 64 ? shown_columns(t, shown) : 0;
    lxw_error err = write_header(ws, *r, t, shown, nshown, f, widths);
    cl_cell *cells = cl_calloc((size_t)(t->ncols > 0 ? t->ncols : 1), sizeof *cells);
    totals tt = {cl_calloc(64, sizeof(int64_t)), cl_calloc(64, 1), t->totals & CL_TOTAL_COUNTS};
    if (!cells || !tt.sum || !tt.overflow) {
        free(cells);
        free(tt.sum);
        free(tt.overflow);
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    }
    for (size_t i = 0; !err && i < t->nrows; i++) {
        memset(cells, 0, (size_t)t->ncols * sizeof *cells);
        t->row(t->ctx, i, cells);
        totals_add(&tt, t, shown, nshown, cells);
        for (int c = 0; !err && c < nshown; c++)
            err = write_cell(ws, *r + 1 + (lxw_row_t)i, (lxw_col_t)c, &t->cols[shown[c]],
                             &cells[shown[c]], a, f, sc, &widths[c]);
    }
    if (!err && t->totals)
        err = write_totals(ws, *r + 1 + (lxw_row_t)t->nrows, t, shown, nshown, &tt, f);
    free(cells);
    free(tt.sum);
    free(tt.overflow);
    *chart_out = NULL;
    if (!err && blk->chart != CL_CHART_NONE && t->nrows > 0 && blk->value_col > 0 &&
        blk->value_col < t->ncols) {
        lxw_chart *ch = workbook_add_chart(
            wb, blk->chart == CL_CHART_PIE ? LXW_CHART_PIE : LXW_CHART_COLUMN);
        if (!ch)
            return LXW_ERROR_MEMORY_MALLOC_FAILED;
        lxw_chart_series *s = chart_add_series(ch, NULL, NULL);
        if (!s)
            return LXW_ERROR_MEMORY_MALLOC_FAILED;
        lxw_row_t r1 = *r + 1, r2 = *r + (lxw_row_t)t->nrows;
        chart_series_set_categories(s, sheet, r1, 0, r2, 0);
        chart_series_set_values(s, sheet, r1, (lxw_col_t)blk->value_col, r2,
                                (lxw_col_t)blk->value_col);
        chart_series_set_name_range(s, sheet, *r, (lxw_col_t)blk->value_col);
        if (blk->chart_title)
            chart_title_set_name(ch, blk->chart_title);
        chart_axes(ch, s, blk);
        *chart_out = ch;
    }
    *r += (lxw_row_t)t->nrows + 2 + (t->totals ? 1 : 0);
    return err;
}

/* Rows in order (constant memory): header lines, then the blocks one under
 * another with a blank row between; charts to the right of the widest block,
 * stacked so that they do not overlap. */
static cl_err write_summary(lxw_workbook *wb, lxw_worksheet *ws, const char *sheet,
                            const cl_book *b, cl_audience a, const formats *f, cl_diag *d)
{
    lxw_row_t r = 0;
    int maxc = 1;
    for (int i = 0; i < b->nblocks; i++)
        if (b->blocks[i].table->ncols > maxc)
            maxc = b->blocks[i].table->ncols;
    int *widths = cl_calloc((size_t)maxc, sizeof *widths);
    cl_scratch sc = {NULL, 0};
    lxw_error err = widths ? LXW_NO_ERROR : LXW_ERROR_MEMORY_MALLOC_FAILED;
    for (int i = 0; !err && i < b->nheader; i++)
        err = worksheet_write_string(ws, r++, 0, b->header_lines[i], i == 0 ? f->title : f->bold);
    if (b->nheader > 0)
        r++;
    int ncharts = 0;
    for (int i = 0; !err && i < b->nblocks; i++) {
        lxw_chart *ch = NULL;
        err = summary_block(wb, ws, sheet, &b->blocks[i], &r, a, f, widths, &sc, &ch);
        if (!err && ch)
            err = worksheet_insert_chart(ws, (lxw_row_t)(ncharts++ * CHART_ROW_STRIDE),
                                         (lxw_col_t)(maxc + 1), ch);
    }
    if (!err)
        err = set_widths(ws, widths, maxc, NULL, NULL, NULL);
    /* one page: the tables and the charts beside them (a chart is about
     * 8 default columns wide, CHART_ROW_STRIDE rows tall) */
    if (!err)
        err = print_setup(ws, b, 1);
    lxw_row_t last = (lxw_row_t)(ncharts * CHART_ROW_STRIDE);
    if (!err)
        err = worksheet_print_area(ws, 0, 0, r > last ? r : last,
                                   (lxw_col_t)(maxc + (ncharts ? 9 : 0)));
    free(widths);
    cl_scratch_release(&sc);
    if (err)
        return cl_diag_set(d, CL_ERR_XLSX, "%s: %s", sheet, lxw_strerror(err));
    return CL_OK;
}

/* ---- workbook ----------------------------------------------------------- */

static lxw_format *add_format(lxw_workbook *wb, int bold, double size, const char *num)
{
    lxw_format *fm = workbook_add_format(wb);
    if (!fm)
        return NULL;
    if (bold == 2)
        format_set_align(fm, LXW_ALIGN_RIGHT);
    if (bold)
        format_set_bold(fm);
    if (size > 0)
        format_set_font_size(fm, size);
    if (num)
        format_set_num_format(fm, num);
    lxw_format_get_xf_index(fm);   /* assign now, in order, before any thread */
    return fm;
}

static int make_formats(lxw_workbook *wb, formats *f)
{
    f->bold = add_format(wb, 1, 0, NULL);
    f->title = add_format(wb, 1, 14, NULL);
    f->money = add_format(wb, 0, 0, "\xC2\xA5#,##0.00");
    f->time = add_format(wb, 0, 0, "yyyy-mm-dd hh:mm:ss");
    f->date = add_format(wb, 0, 0, "yyyy-mm-dd");
    f->head_num = add_format(wb, 2, 0, NULL);   /* bold, right-aligned */
    f->total_money = add_format(wb, 1, 0, "\xC2\xA5#,##0.00");
    f->text = add_format(wb, 0, 0, "@");
    return f->bold && f->title && f->money && f->time && f->date && f->head_num &&
           f->total_money && f->text;
}

static void free_jobs(job *jobs, int n)
{
    for (int i = 0; jobs && i < n; i++) {
        for (int p = 0; p < jobs[i].nparts; p++)
            free(jobs[i].names ? jobs[i].names[p] : NULL);
        free(jobs[i].names);
        free(jobs[i].ws);
    }
    free(jobs);
}

/* Adds the sheets of every table (in order, after the summary). */
static cl_err add_sheets(lxw_workbook *wb, const cl_book *b, job *jobs, cl_diag *d)
{
    for (int i = 0; i < b->nsheets; i++) {
        job *jb = &jobs[i];
        jb->t = &b->sheets[i];
        int n = (int)parts_of(jb->t);
        jb->ws = cl_calloc((size_t)n, sizeof *jb->ws);
        jb->names = cl_calloc((size_t)n, sizeof *jb->names);
        if (!jb->ws || !jb->names)
            return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
        for (int p = 0; p < n; p++) {
            jb->names[p] = cl_malloc(XLSX_SHEETNAME_MAX * 4 + 16);
            if (!jb->names[p])
                return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
            jb->nparts = p + 1;
            sheet_name(jb->t->title, p + 1, jb->names[p], XLSX_SHEETNAME_MAX * 4 + 16);
            jb->ws[p] = workbook_add_worksheet(wb, jb->names[p]);
            if (!jb->ws[p])
                return cl_diag_set(d, CL_ERR_XLSX, "sheet \"%s\": cannot add (duplicate name "
                                   "or temporary file)", jb->names[p]);
            lxw_error err = print_setup(jb->ws[p], b, 0);
            if (!err)
                err = worksheet_repeat_rows(jb->ws[p], 0, 0);
            if (err)
                return cl_diag_set(d, CL_ERR_XLSX, "sheet \"%s\": %s", jb->names[p],
                                   lxw_strerror(err));
        }
    }
    return CL_OK;
}

/* ---- threads -------------------------------------------------------------
 * Plain pthreads (not an OpenMP region) so that ThreadSanitizer sees every
 * synchronization; the thread count follows OpenMP's setting (OMP_NUM_THREADS,
 * omp_set_num_threads). Items are taken in index order from an atomic counter;
 * each writes only its own output, so completion order never shows. */

/* workbook_close() formats docProps/core.xml dates with gmtime(), whose
 * static buffer makes concurrent closes a data race (found with TSan through
 * cl_report_xlsx_many); closes are therefore serialized process-wide. */
static pthread_mutex_t close_lock = PTHREAD_MUTEX_INITIALIZER;

/* Set while a pool thread writes a whole book (cl_report_xlsx_many): that
 * book's sheets are then written on that thread alone. */
static __thread int in_pool;

typedef struct pool {
    int n, next;
    void (*fn)(void *arg, int i);
    void *arg;
} pool;

static void *pool_worker(void *vp)
{
    pool *p = vp;
    int i;
    while ((i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED)) < p->n)
        p->fn(p->arg, i);
    return NULL;
}

static void run_parallel(int n, void (*fn)(void *arg, int i), void *arg)
{
    pool p = {n, 0, fn, arg};
    int nt = in_pool || omp_in_parallel() ? 1 : omp_get_max_threads();
    nt = nt < n ? nt : n;
    pthread_t th[64];
    int started = 0;
    for (int k = 1; k < nt && k < 64; k++)
        if (pthread_create(&th[started], NULL, pool_worker, &p) == 0)
            started++;
    pool_worker(&p);   /* the calling thread works too; enough if none started */
    for (int k = 0; k < started; k++)
        pthread_join(th[k], NULL);
}

typedef struct jobs_arg {
    job *jobs;
    cl_audience a;
    const formats *f;
} jobs_arg;

static void job_item(void *varg, int i)
{
    jobs_arg *ja = varg;
    write_table(&ja->jobs[i], ja->a, ja->f);
}

static void write_jobs(job *jobs, int n, cl_audience a, const formats *f)
{
    jobs_arg ja = {jobs, a, f};
    run_parallel(n, job_item, &ja);
}

cl_err cl_report_xlsx(const char *path, const cl_book *b, cl_audience a, cl_diag *d)
{
    cl_err e = CL_OK;
    job *jobs = NULL;
    formats f;
    char summary_name[XLSX_SHEETNAME_MAX * 4 + 16];
    char *tmpdir = cl_path_dir(path);
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = tmpdir};
    lxw_workbook *wb = tmpdir ? workbook_new_opt(path, &opt) : NULL;
    if (!wb) {
        e = cl_diag_set(d, CL_ERR_XLSX, "%s: cannot create workbook", path);
        goto out;
    }
    lxw_doc_properties props = {.created = b->created ? (time_t)b->created
                                                      : (time_t)XLSX_FIXED_CREATED};
    workbook_set_properties(wb, &props);
    if (!make_formats(wb, &f)) {
        e = cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    lxw_worksheet *sum = NULL;
    if (b->summary_title) {
        sheet_name(b->summary_title, 1, summary_name, sizeof summary_name);
        if (!(sum = workbook_add_worksheet(wb, summary_name))) {
            e = cl_diag_set(d, CL_ERR_XLSX, "%s: cannot add sheet \"%s\"", path, summary_name);
            goto fail;
        }
    }
    jobs = cl_calloc((size_t)(b->nsheets > 0 ? b->nsheets : 1), sizeof *jobs);
    if (!jobs) {
        e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if ((e = add_sheets(wb, b, jobs, d)))
        goto fail;
    if (sum && (e = write_summary(wb, sum, summary_name, b, a, &f, d)))
        goto fail;
    write_jobs(jobs, b->nsheets, a, &f);
    for (int i = 0; i < b->nsheets; i++) {
        if (jobs[i].diag.err) {
            e = cl_diag_set(d, jobs[i].diag.err, "%s: %s", path, jobs[i].diag.msg);
            goto fail;
        }
    }
    pthread_mutex_lock(&close_lock);
    lxw_error err = workbook_close(wb);
    pthread_mutex_unlock(&close_lock);
    wb = NULL;
    if (err)
        e = cl_diag_set(d, CL_ERR_XLSX, "%s: %s", path, lxw_strerror(err));
    goto out;
fail:
    lxw_workbook_free(wb);
out:
    free_jobs(jobs, b->nsheets);
    free(tmpdir);
    return e;
}

/* Whole workbooks side by side, one pool thread each (their sheets then
 * written on that thread alone). A process-wide zlib level or a child
 * process per workbook would be faster still, but are not a library's to
 * choose: `claims run` does both (engine/cli/run_books.c). */
typedef struct many_arg {
    const char *const *paths;
    const cl_book *books;
    const cl_audience *audiences;
    cl_diag *ds;
    cl_err *es;
} many_arg;

static void many_item(void *varg, int i)
{
    many_arg *m = varg;
    int was = in_pool;
    in_pool = 1;
    m->es[i] = cl_report_xlsx(m->paths[i], &m->books[i], m->audiences[i], &m->ds[i]);
    in_pool = was;
}

cl_err cl_report_xlsx_many(const char *const *paths, const cl_book *books,
                           const cl_audience *audiences, int n, cl_diag *d)
{
    if (n <= 0)
        return CL_OK;
    cl_diag *ds = cl_calloc((size_t)n, sizeof *ds);
    cl_err *es = cl_calloc((size_t)n, sizeof *es);
    cl_err e = CL_OK;
    if (!ds || !es) {
        e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
        goto out;
    }
    many_arg m = {paths, books, audiences, ds, es};
    run_parallel(n, many_item, &m);
    for (int i = 0; i < n && !e; i++)
        if (es[i])
            e = cl_diag_set(d, es[i], "%s", ds[i].msg);
out:
    free(ds);
    free(es);
    return e;
}
