/* cl_cli_rows.h - a small CSV table reader for the commands that read other
 * commands' outputs (draw, notices): the whole file as NUL-terminated cells
 * of the columns asked for, in file order. */
#ifndef CL_CLI_ROWS_H
#define CL_CLI_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "core/cl_error.h"
#include "ingest/cl_csv.h"

typedef struct cl_cli_rows {
    const char *path;
    size_t n;            /* body rows */
    int ncols;           /* columns of the spec */
    int *present;        /* per spec column: 1 when the file has it */
    unsigned char sha256[32];   /* of the file's raw bytes */
    /* private */
    char *buf;
    size_t *off;         /* n x ncols offsets into buf; SIZE_MAX: absent */
    uint64_t *line;
} cl_cli_rows;

/* Reads path (any encoding cl_csv accepts) binding `spec`; a row with the
 * wrong number of fields is CL_ERR_CSV naming path:line. */
cl_err cl_cli_rows_load(const char *path, const cl_csv_col *spec, int nspec,
                        cl_cli_rows **out, cl_diag *d);
/* The cell (trimmed of nothing; "" when the column is absent). */
const char *cl_cli_rows_get(const cl_cli_rows *r, size_t row, int col);
uint64_t cl_cli_rows_line(const cl_cli_rows *r, size_t row);
void cl_cli_rows_free(cl_cli_rows *r);

#endif
