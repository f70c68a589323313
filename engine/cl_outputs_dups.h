/* cl_outputs_dups.h - the probable-duplicates table (outputs_dups.c) for the
 * run's writers: probable_duplicates.csv, the 疑似重复 sheet, and the
 * cluster a review-queue row belongs to. Internal audience only. */
#ifndef CL_OUTPUTS_DUPS_H
#define CL_OUTPUTS_DUPS_H

#include "engine/cl_model.h"
#include "reports/cl_report.h"

/* The table of a decided batch's clusters (no rows when linkage is off);
 * *ctx is the row context, freed by the caller with free(). */
cl_err cl_dups_table(const cl_batch *b, cl_table *t, void **ctx);

/* The cluster id ("PD000001") of a submission row, or "" (out, 16 bytes). */
const char *cl_dups_cluster_of(const cl_batch *b, uint32_t row, char out[16]);

#endif
