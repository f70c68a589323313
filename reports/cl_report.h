/* cl_report.h - renders tables it is handed as CSV and XLSX, and JSON
 * documents. It decides nothing and includes no engine header: the caller
 * describes each table's columns (kind: text, count, money in fen, time, and
 * personal-data kinds masked for a public audience, contract §8) and supplies
 * rows through a callback. */
#ifndef CL_REPORT_H
#define CL_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/cl_error.h"
#include "core/cl_sink.h"

typedef enum cl_col_kind {
    CL_COL_TEXT = 0,
    CL_COL_INT,          /* integer count */
    CL_COL_MONEY,        /* int64 fen -> "299.00" / ¥#,##0.00 */
    CL_COL_TIME,         /* cl_time -> "YYYY-MM-DD HH:MM:SS" / a date-time cell */
    CL_COL_DATE,         /* cl_time -> "YYYY-MM-DD" / a date cell */
    CL_COL_PII_NAME,     /* text; public: first character + "**" */
    CL_COL_PII_ID,       /* text; public: first 4 + stars + last 4 */
    CL_COL_PII_PHONE,    /* text; public: first 3 + stars + last 4 */
    CL_COL_PII_BANK      /* text; public: stars + last 4 */
} cl_col_kind;

typedef struct cl_col {
    const char *key;     /* CSV header (English, contract §10); NULL: a
                          * workbook-only column (e.g. a Chinese rendering of
                          * the English code beside it), absent from the CSV */
    const char *title;   /* XLSX header (Chinese); NULL: a CSV-only column */
    cl_col_kind kind;
} cl_col;

/* One cell. Text kinds: s/len (s NULL or len 0: empty). Numeric kinds: i,
 * unless empty is set (a blank cell). */
typedef struct cl_cell {
    const char *s;
    size_t len;
    int64_t i;
    int empty;
} cl_cell;

/* Fills cells[0..ncols) for row `row`. Text must stay valid until the next
 * call. Called in row order from one thread per table, unless the table sets
 * ctx_size (see cl_table); cl_report_xlsx writes the data sheets of
 * different tables concurrently, so tables must not share mutable ctx state
 * (give each table its own buffers). */
typedef void (*cl_row_fn)(void *ctx, size_t row, cl_cell *cells);

/* Optional: warms the cache for a row ahead of its turn, so that rows whose
 * data lies scattered in memory do not wait on it one miss at a time. Level
 * 0 touches the row's records, level 1 what those records point to; the
 * writers call it for row r + 16 at level 0 and row r + 8 at level 1 before
 * they ask for row r. It must only read (__builtin_prefetch). */
typedef void (*cl_prefetch_fn)(const void *ctx, size_t row, int level);

enum { CL_TOTAL_MONEY = 1, CL_TOTAL_COUNTS = 2 };

typedef struct cl_table {
    const char *name;    /* file stem, e.g. "claims" */
    const char *title;   /* sheet name, e.g. "申报明细" */
    const cl_col *cols;
    int ncols;
    size_t nrows;
    cl_row_fn row;
    void *ctx;
    cl_prefetch_fn prefetch;   /* NULL: none */
    /* Non-zero: ctx is plain data of this size that a writer may copy, one
     * copy per thread, to format blocks of rows in parallel (the row
     * function then reads only its copy and shared, unchanging data). 0:
     * rows are formatted by one thread, in order. */
    size_t ctx_size;
    /* CL_TOTAL_* bits: the workbook ends the sheet (or summary block) with a
     * 合计 (total) row under its money columns (CL_TOTAL_MONEY) and count
     * columns (CL_TOTAL_COUNTS): exact int64 sums of the cells, a sum that
     * would overflow left blank. Only where a column total means something. */
    int totals;
} cl_table;

/* What a writer calls before asking for row r: t->prefetch for the rows
 * ahead, when the table has one. */
void cl_table_prefetch(const cl_table *t, size_t r);

typedef enum cl_audience {
    CL_AUDIENCE_INTERNAL = 0,
    CL_AUDIENCE_PUBLIC           /* PII kinds are masked */
} cl_audience;

/* Masking of contract §8 (UTF-8 aware). out must hold len + 16 bytes;
 * returns the output length. */
size_t cl_mask(cl_col_kind kind, const char *s, size_t len, char *out);

/* RFC 4180 CSV, UTF-8 without BOM, LF line ends, header row of keys. */
cl_err cl_report_csv(const char *path, const cl_table *t, cl_audience a, cl_diag *d);
/* Same, and sha256 gets the SHA-256 of the file as written. */
cl_err cl_report_csv_sha256(const char *path, const cl_table *t, cl_audience a,
                            unsigned char sha256[32], cl_diag *d);
/* The same CSV bytes to any sink (a file, memory, a write callback); the
 * caller finishes the sink. nthreads formats blocks of rows in parallel
 * (<= 0: the calling thread's OpenMP setting; 1 inside a parallel region). */
cl_err cl_report_csv_to(cl_sink *s, const cl_table *t, cl_audience a, int nthreads,
                        cl_diag *d);

typedef enum cl_chart_kind {
    CL_CHART_NONE = 0,
    CL_CHART_COLUMN,
    CL_CHART_PIE
} cl_chart_kind;

/* A small table on the summary sheet, optionally charted: categories from
 * column 0, values from column value_col. */
typedef struct cl_summary_block {
    const cl_table *table;
    cl_chart_kind chart;
    int value_col;
    const char *chart_title;
} cl_summary_block;

typedef struct cl_book {
    const char *summary_title;       /* e.g. "汇总"; NULL: no summary sheet */
    const char *const *header_lines; /* case header lines atop the summary */
    int nheader;
    const cl_summary_block *blocks;
    int nblocks;
    const cl_table *sheets;          /* data sheets, in order */
    int nsheets;
    /* Creation time for docProps/core.xml, Unix seconds (UTC). 0: a fixed
     * date (1980-01-01), so that the same input gives a byte-identical file. */
    int64_t created;
    /* Left part of every printed page's header (e.g. "案号：… 债务人"); NULL:
     * header_lines[0], if any. The right part names the sheet, the footer
     * counts pages ("第 3 页，共 12 页"). */
    const char *print_title;
} cl_book;

/* An XLSX workbook: the summary sheet, then one sheet per table (frozen
 * header, autofilter, column widths fitting CJK text, money as numbers
 * formatted ¥#,##0.00, times as date cells, numeric headers right-aligned);
 * a table past 1,048,575 rows continues on "<title> (2)" and so on.
 * Printing: A4 landscape, every sheet fit to one page wide with its header
 * row repeated on every page, the summary (tables and charts) on one page,
 * print_title and the sheet name in the page header, page numbers in the
 * footer. Column charts carry axis titles and a yuan format when their
 * value column is money. */
cl_err cl_report_xlsx(const char *path, const cl_book *b, cl_audience a, cl_diag *d);

/* Writes n independent workbooks (paths[i] from books[i] for audiences[i]) in
 * parallel, one thread each (their final compressions take turns, see
 * cl_xlsx.c); returns the first error in index order (its diag in d). */
cl_err cl_report_xlsx_many(const char *const *paths, const cl_book *books,
                           const cl_audience *audiences, int n, cl_diag *d);

/* The shape of cl_report_xlsx_many, for a caller that writes the workbooks
 * its own way (`claims run` writes each in a child process). */
typedef cl_err (*cl_xlsx_many_fn)(const char *const *paths, const cl_book *books,
                                  const cl_audience *audiences, int n, cl_diag *d);

/* Writes a JSON document with sorted keys and 2-space indent. */
cl_err cl_report_json(const char *path, const json_t *doc, cl_diag *d);

#endif
