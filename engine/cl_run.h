/* cl_run.h - the nightly batch (`claims run`) as a file pipeline on the
 * batch API (cl_batch.h): input files -> decision table -> creditors and
 * roster -> outputs, atomically, with a manifest. */
#ifndef CL_RUN_H
#define CL_RUN_H

#include <stdio.h>

#include "core/cl_error.h"
#include "engine/cl_model.h"
#include "ingest/cl_csv.h"
#include "reports/cl_report.h"

typedef struct cl_run_opts {
    const cl_case *cfg;      /* the case, its key set (the command reads case.key) */
    const char *submissions;
    const char *ledger;
    const char *overrides;   /* NULL: none */
    const char *rules[8];    /* rule files in order (the caller names the default set) */
    int nrules;
    const char *out;
    int threads;             /* <= 0: all cores */
    cl_encoding encoding;
    long max_bad_rows;       /* rows that may be skipped (listed in rejected_rows.csv) */
    int xlsx;                /* write report.xlsx */
    int publish;             /* write public/ */
    int progress;            /* -1 auto (terminal), 0 off, 1 on */
    FILE *summary;           /* NULL: no summary */
    int allow_shrink;        /* run even if the inputs shrank against the previous run */
    cl_xlsx_many_fn write_books;  /* writes the workbooks; NULL: cl_report_xlsx_many */
} cl_run_opts;

cl_err cl_run(const cl_run_opts *opts, cl_diag *d);

#endif
