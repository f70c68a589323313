/* cl_outputs.h - what the run's outputs hold: the engine describes each
 * table (columns, rows) and the workbook; reports/ renders them. */
#ifndef CL_OUTPUTS_H
#define CL_OUTPUTS_H

#include "core/cl_outdir.h"
#include "engine/cl_model.h"
#include "reports/cl_report.h"

typedef struct cl_output_opts {
    int xlsx;      /* write report.xlsx and claims.xlsx */
    int publish;   /* write public/creditors.csv and public/creditors.xlsx */
    cl_xlsx_many_fn write_books;   /* NULL: cl_report_xlsx_many (threads) */
} cl_output_opts;

/* Writes claims.csv, creditors.csv, roster.csv, review_queue.csv,
 * overrides_rejected.csv, rejected_rows.csv (+ report.xlsx, claims.xlsx, public/) into
 * the staging directory. */
cl_err cl_write_outputs(const cl_batch *b, cl_outdir *o, const cl_output_opts *opts, cl_diag *d);

/* One of the run's CSV tables (by name: "claims", "creditors", "roster",
 * "review_queue", "overrides_rejected", "rejected_rows"), the same bytes as
 * its file, to a sink: a memory buffer, a write callback (a COPY stream, an
 * HTTP body) or a file. The caller finishes the sink. Needs a decided batch. */
cl_err cl_write_table(const cl_batch *b, const char *name, cl_audience a, cl_sink *s,
                      cl_diag *d);

/* A code's general meaning (Chinese, English), for legends; rule codes take
 * the message of the first rule naming them, placeholders unfilled. The
 * reasons of one claim, with its own values: cl_claim_reasons (cl_reasons.h). */
const char *cl_code_reason_zh(const cl_batch *b, int code);
const char *cl_code_reason_en(const cl_batch *b, int code);

/* `;`-joined sorted code names into buf; returns length. */
size_t cl_codes_join(const cl_batch *b, const cl_codeset *s, char *buf, size_t cap);

#endif
