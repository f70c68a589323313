/* cl_csv.h - CSV input: load a file (UTF-8 with/without BOM, or GB18030
 * detected or forced, converted to UTF-8), bind its header to a column spec
 * (case-insensitive English names and Chinese aliases), and parse its body
 * rows (RFC 4180 via libcsv, CRLF or LF, quoted newlines) chunk by chunk so
 * that large files parse in parallel and rows come out in file order.
 *
 * Errors name the file, line and column. Rows with the wrong number of
 * fields are delivered to the row callback with `error` set, so the caller
 * decides between failing and skipping (--max-bad-rows). */
#ifndef CL_CSV_H
#define CL_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "core/cl_error.h"
#include "core/cl_source.h"

typedef enum cl_encoding {
    CL_ENC_AUTO = 0,   /* valid UTF-8 -> UTF-8, else GB18030 */
    CL_ENC_UTF8,
    CL_ENC_GB18030
} cl_encoding;

/* Parses "auto", "utf-8"/"utf8", "gb18030"/"gbk" (any case). -1 if unknown. */
int cl_encoding_parse(const char *s);
const char *cl_encoding_name(cl_encoding e);

/* A source decoded to UTF-8 in memory (the mapped file or the caller's
 * buffer when it is already UTF-8; a converted copy otherwise). */
typedef struct cl_csv_file {
    char *path;            /* the source's label: every message names it */
    const char *data;      /* UTF-8 text, BOM removed */
    size_t len;
    cl_encoding encoding;  /* what the bytes were */
    uint64_t raw_bytes;    /* size of the raw bytes */
    unsigned char sha256[32]; /* of the raw bytes: read it through
                                 cl_csv_sha256() (computed in the background) */
    void *priv_;
} cl_csv_file;

/* Loads a CSV from a byte source: a file is mapped, a memory buffer is
 * borrowed when it is UTF-8 (the caller keeps it alive until
 * cl_csv_file_free), a stream is read to its end. Messages name the source's
 * label. A missing, unreadable or non-regular file is CL_ERR_INPUT. */
cl_err cl_csv_load_source(const cl_source *src, cl_encoding enc, cl_csv_file **out,
                          cl_diag *d);
/* The same for a path (the label is the path). */
cl_err cl_csv_load(const char *path, cl_encoding enc, cl_csv_file **out, cl_diag *d);
/* The SHA-256 of the raw bytes (waits for the background digest of a large
 * file); NULL if hashing failed. */
const unsigned char *cl_csv_sha256(cl_csv_file *f);
void cl_csv_file_free(cl_csv_file *f);

/* A column the caller wants. `name` is the English header, `alias` the
 * Chinese one (may be NULL). */
typedef struct cl_csv_col {
    const char *name;
    const char *alias;
    int required;
} cl_csv_col;

/* Result of binding the header row. */
typedef struct cl_csv_header {
    int ncols;            /* fields in the header row */
    int *index;           /* per spec entry: column index in the file, or -1 */
    size_t body_offset;   /* byte offset in data where the body starts */
    uint64_t body_line;   /* 1-based physical line number of the first body row */
} cl_csv_header;

/* Reads the header row and binds `spec`; a missing required column is
 * CL_ERR_COLUMN "file: missing required column 'x' (中文)". Duplicate header
 * names: the first wins. */
cl_err cl_csv_bind(const cl_csv_file *f, const cl_csv_col *spec, int nspec,
                   cl_csv_header *h, cl_diag *d);
void cl_csv_header_free(cl_csv_header *h);   /* frees index only */

typedef struct cl_field {
    const char *p;   /* not NUL-terminated; valid during the callback only */
    size_t len;
} cl_field;

typedef struct cl_csv_row {
    uint64_t line;          /* physical line where the record starts, 1-based */
    const cl_field *fields;
    int nfields;
    const char *raw;        /* the record's bytes in data (for rejected_rows.csv) */
    size_t raw_len;
    const char *error;      /* NULL, or e.g. "expected 19 fields, found 18" */
} cl_csv_row;

/* The longest field a record may hold, in bytes (1 MiB): a longer one makes
 * the record bad ("field N (name) is ... bytes long"), like a wrong field
 * count. No field of the contract comes near it. */
#define CL_CSV_MAX_FIELD (1 << 20)
/* The most columns a header may name (a wider file is refused at bind, naming
 * the first column past the limit); records are held to the header's count. */
#define CL_CSV_MAX_COLS 1024

/* Return 0 to go on, non-zero to stop parsing (the value is returned). */
typedef int (*cl_csv_row_fn)(void *ctx, int chunk, const cl_csv_row *row);

typedef struct cl_csv_chunk {
    size_t begin, end;      /* byte range in data, on record boundaries */
    uint64_t first_line;    /* physical line number at begin */
} cl_csv_chunk;

/* Splits the body into at most `max_chunks` ranges on record boundaries
 * (quote-aware; a file smaller than a few MiB gets one chunk). Returns the
 * number of chunks written to `out` (>= 1 unless the body is empty: 0). */
int cl_csv_split(const cl_csv_file *f, const cl_csv_header *h, int max_chunks,
                 cl_csv_chunk *out);
/* Same, but a body smaller than `min_body` bytes gets one chunk (cl_csv_split
 * uses 4 MiB); tests and the fuzzer split small inputs with min_body = 0.
 * max_chunks is capped at 1024. */
int cl_csv_split_ex(const cl_csv_file *f, const cl_csv_header *h, int max_chunks,
                    size_t min_body, cl_csv_chunk *out);

/* Parses one chunk, calling fn for each record in order. Blank lines are
 * skipped. Records with a field count other than h->ncols get `error` set.
 * An unterminated quote or undecodable structure is CL_ERR_CSV naming file
 * and line. If fn returns non-zero, parsing stops with CL_ERR_INPUT unless
 * fn filled d itself. Thread-safe for different chunks of one file. */
cl_err cl_csv_parse_chunk(const cl_csv_file *f, const cl_csv_header *h,
                          const cl_csv_chunk *c, int chunk_index,
                          cl_csv_row_fn fn, void *ctx, cl_diag *d);

/* Convenience: split + parse every chunk in parallel (OpenMP, nthreads <= 0
 * means the OpenMP default), then return the first error in file order. A
 * handler may fill the caller's d itself (with one thread, or under its own
 * lock) before it returns non-zero: that code and message are kept. */
cl_err cl_csv_parse_all(const cl_csv_file *f, const cl_csv_header *h, int nthreads,
                        cl_csv_row_fn fn, void *ctx, int *nchunks_out, cl_diag *d);
/* Drops the pages of data[begin, end) from memory when the file is mapped
 * (they are read back from the file if touched again): the parser calls it
 * for each chunk it has finished, so peak memory does not hold the file. */
void cl_csv_release(const cl_csv_file *f, size_t begin, size_t end);

/* Number of chunks cl_csv_parse_all would use (so callers can size per-chunk
 * state before calling it). The split is remembered with the file, so the
 * parse that follows does not split again. -1 when out of memory. */
int cl_csv_plan(const cl_csv_file *f, const cl_csv_header *h, int nthreads);

#endif
