/* cl_changes.h - what a run changed against the previous run in --out: the
 * shrink guard (a run whose submissions or ledger shrank sharply does not
 * replace the previous outputs unless told to) and changes.csv, one row per
 * claim that is new, gone, or changed status or confirmed amount. */
#ifndef CL_CHANGES_H
#define CL_CHANGES_H

#include <stddef.h>
#include <stdio.h>

#include "core/cl_error.h"
#include "core/cl_outdir.h"
#include "core/cl_sink.h"
#include "core/cl_source.h"
#include "engine/cl_load.h"

typedef struct cl_changes_counts {
    int previous;        /* a previous claims.csv was compared against */
    size_t claims;       /* claims of this run */
    size_t added, gone, status, amount;   /* a claim may count in both status and amount */
    const char *where;   /* where they are listed, for the summary; NULL: changes.csv */
} cl_changes_counts;

/* CL_ERR_INPUT naming both counts when the previous run in out_dir (its
 * manifest.json) read rows of submissions or ledger and this run reads none,
 * or fewer than half as many; CL_OK when allow is set or there is no
 * previous run. */
cl_err cl_changes_check_shrink(const char *out_dir, const cl_input_facts *submissions,
                               const cl_input_facts *ledger, int allow, cl_diag *d);

/* Compares the staged claims.csv with out_dir/claims.csv (the previous run;
 * absent: every claim is new) and stages changes.csv, noting its digest. */
cl_err cl_changes_stage(const char *out_dir, cl_outdir *staged, cl_changes_counts *counts,
                        cl_diag *d);

/* The same comparison between any two claims tables (CSV with at least
 * submission_id, matched_account, status, confirmed_total; before NULL: no
 * previous run), the changes.csv bytes written to out (not finished). A
 * published run's changes in the database are made by this. */
cl_err cl_changes_to(const cl_source *before, const cl_source *after, cl_sink *out,
                     cl_changes_counts *counts, cl_diag *d);

/* One line for the run's summary screen. */
void cl_changes_print(const cl_changes_counts *c, FILE *f);

#endif
