/* cl_distribute_io.h - the inputs of a distribution (contract §7, §10): the
 * creditor list (creditors.csv: creditor_id, employee, tax, ordinary
 * required; name, id_type, id_number optional; English or Chinese headers,
 * UTF-8 or GB18030) and a run's private payees.csv (creditor_id, bank_name,
 * bank_account required; name, id_type, id_number optional), from a path or
 * a byte source (core/cl_source.h). Errors name label:line and the column. */
#ifndef CL_DISTRIBUTE_IO_H
#define CL_DISTRIBUTE_IO_H

#include <stddef.h>
#include <stdint.h>

#include "core/cl_arena.h"
#include "core/cl_error.h"
#include "core/cl_hash.h"
#include "core/cl_source.h"
#include "engine/cl_distribute.h"
#include "ingest/cl_csv.h"

/* Who is paid where, per creditor (NULL: unknown). */
enum {
    CL_PAYEE_NAME,
    CL_PAYEE_ID_TYPE,
    CL_PAYEE_ID_NUMBER,
    CL_PAYEE_BANK_NAME,
    CL_PAYEE_BANK_ACCOUNT,
    CL_PAYEE_NFIELDS
};

typedef struct cl_dist_creditors {
    size_t n, cap;
    char **id;                              /* creditor_id, file order */
    int64_t *claim[CL_TIER_COUNT];          /* fen, per tier */
    const char **payee[CL_PAYEE_NFIELDS];   /* per creditor */
    uint64_t *line;                         /* line in the creditor list */
    cl_arena *arena;
    cl_strmap *index;                       /* creditor_id -> index */
} cl_dist_creditors;

/* A duplicate or empty creditor_id, an invalid amount or a bad row is
 * CL_ERR_INPUT/CL_ERR_CSV; *out is NULL on error. */
cl_err cl_dist_creditors_load(const char *path, cl_encoding enc, cl_dist_creditors **out,
                              cl_diag *d);
cl_err cl_dist_creditors_load_src(const cl_source *src, cl_encoding enc,
                                  cl_dist_creditors **out, cl_diag *d);
/* Adds payees.csv's details to c; a creditor_id not in c is an error. */
cl_err cl_dist_payees_load(const char *path, cl_encoding enc, cl_dist_creditors *c, cl_diag *d);
cl_err cl_dist_payees_load_src(const cl_source *src, cl_encoding enc, cl_dist_creditors *c,
                               cl_diag *d);
void cl_dist_creditors_free(cl_dist_creditors *c);

#endif
