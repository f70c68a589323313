/* cl_run.h - the nightly batch (`claims run`) as a file pipeline on the
 * batch API (cl_batch.h): input files -> decision table -> creditors and
 * roster -> outputs, atomically, with a manifest. */
#ifndef CL_RUN_H
#define CL_RUN_H

#include <stdio.h>

#include "core/cl_error.h"
#include "engine/cl_load.h"
#include "engine/cl_model.h"
#include "ingest/cl_csv.h"
#include "reports/cl_report.h"

struct cl_outdir;
struct cl_progress;
struct cl_changes_counts;

/* What a run hands to its publish step (claims run --db): the decided
 * batch, the facts of its inputs, the staged outputs (manifest.json
 * included) before they are committed, its timings. */
typedef struct cl_run_result {
    const cl_batch *b;
    const cl_input_facts *facts;      /* submissions, ledger, overrides */
    int has_overrides;
    struct cl_outdir *staged;
    const struct cl_progress *prog;
    int64_t started_ms;
    struct cl_changes_counts *changes;   /* the publish step's own, for the summary */
    char where[256];                     /* where the outputs are, for the summary */
} cl_run_result;

typedef cl_err (*cl_run_publish_fn)(void *user, cl_run_result *r, cl_diag *d);

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
    /* The inputs as byte sources instead of the paths above (submissions,
     * ledger, overrides; NULL: the path), e.g. COPY streams. */
    const cl_source *src[3];
    /* Called once the outputs are staged, before they replace `out`; a
     * failure leaves `out` as it was. NULL: none. */
    cl_run_publish_fn publish_fn;
    void *publish_user;
} cl_run_opts;

cl_err cl_run(const cl_run_opts *opts, cl_diag *d);

#endif
