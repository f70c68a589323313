/* cl_error.c - error messages, exit codes and diagnostics. */
#include "core/cl_error.h"

#include <stdio.h>

const char *cl_strerror(cl_err err)
{
    switch (err) {
    case CL_OK: return "success";
    case CL_ERR_USAGE: return "usage error";
    case CL_ERR_IO: return "input/output error";
    case CL_ERR_ENCODING: return "undecodable text";
    case CL_ERR_CSV: return "malformed CSV";
    case CL_ERR_COLUMN: return "missing column";
    case CL_ERR_CONFIG: return "bad configuration";
    case CL_ERR_INPUT: return "bad input";
    case CL_ERR_RULES: return "bad rule file";
    case CL_ERR_OVERFLOW: return "amount out of range";
    case CL_ERR_NOMEM: return "out of memory";
    case CL_ERR_DB: return "database error";
    case CL_ERR_XLSX: return "workbook error";
    case CL_ERR_INTERNAL: return "internal error";
    }
    return "unknown error";
}

int cl_exit_code(cl_err err)
{
    switch (err) {
    case CL_OK: return CL_EXIT_OK;
    case CL_ERR_USAGE: return CL_EXIT_USAGE;
    case CL_ERR_ENCODING:
    case CL_ERR_CSV:
    case CL_ERR_COLUMN:
    case CL_ERR_CONFIG:
    case CL_ERR_INPUT:
    case CL_ERR_RULES:
    case CL_ERR_OVERFLOW: return CL_EXIT_INPUT;
    default: return CL_EXIT_INTERNAL;
    }
}

cl_err cl_diag_vset(cl_diag *d, cl_err err, const char *fmt, va_list ap)
{
    if (d) {
        d->err = err;
        vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    }
    return err;
}

cl_err cl_diag_set(cl_diag *d, cl_err err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cl_diag_vset(d, err, fmt, ap);
    va_end(ap);
    return err;
}

void cl_diag_clear(cl_diag *d)
{
    if (d) {
        d->err = CL_OK;
        d->msg[0] = '\0';
    }
}
