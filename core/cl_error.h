/* cl_error.h - the one error enum of claims, its messages, exit codes and the
 * diagnostic buffer every fallible function fills ("file:line:col: what"). */
#ifndef CL_ERROR_H
#define CL_ERROR_H

#include <stdarg.h>

typedef enum cl_err {
    CL_OK = 0,
    CL_ERR_USAGE,      /* bad command line */
    CL_ERR_IO,         /* a file could not be read or written */
    CL_ERR_ENCODING,   /* bytes that decode in no accepted encoding */
    CL_ERR_CSV,        /* malformed CSV: quoting, field count */
    CL_ERR_COLUMN,     /* a required column is missing */
    CL_ERR_CONFIG,     /* case.conf / meeting.conf: unknown key or bad value */
    CL_ERR_INPUT,      /* a bad input row or value */
    CL_ERR_RULES,      /* a rule file does not compile */
    CL_ERR_OVERFLOW,   /* money arithmetic out of int64 range */
    CL_ERR_NOMEM,
    CL_ERR_DB,         /* PostgreSQL */
    CL_ERR_XLSX,       /* libxlsxwriter */
    CL_ERR_INTERNAL
} cl_err;

/* Exit codes of the claims binary (documented in README.md and --help). */
enum {
    CL_EXIT_OK = 0,
    CL_EXIT_INPUT = 1,    /* bad input: data, config, rules */
    CL_EXIT_USAGE = 2,    /* bad command line */
    CL_EXIT_INTERNAL = 3  /* I/O, memory, library or internal failure */
};

const char *cl_strerror(cl_err err);
int cl_exit_code(cl_err err);

/* A diagnostic: what went wrong, where. Functions that fail fill it. */
typedef struct cl_diag {
    cl_err err;
    char msg[1024];
} cl_diag;

/* Formats msg into d (if not NULL) and returns err, so that callers can write
 * `return cl_diag_set(d, CL_ERR_CSV, "%s:%lu: ...", ...);`. */
cl_err cl_diag_set(cl_diag *d, cl_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
cl_err cl_diag_vset(cl_diag *d, cl_err err, const char *fmt, va_list ap);
void cl_diag_clear(cl_diag *d);

#endif
