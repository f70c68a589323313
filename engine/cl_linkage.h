/* cl_linkage.h - probable duplicates and fraud rings (issue 17): after the
 * decision table, clusters of submissions from DIFFERENT identities that are
 * probably one person or one ring, with the evidence linking them and a
 * score, strongest first. It reads a decided batch and never changes it: the
 * contract's outputs are the same with and without it. Clusters are for the
 * reviewers (probable_duplicates.csv, a sheet in report.xlsx, a column in the
 * review queue), never for public outputs. */
#ifndef CL_LINKAGE_H
#define CL_LINKAGE_H

#include <stddef.h>
#include <stdint.h>

#include "core/cl_error.h"

struct cl_batch;

/* The signals, each switchable in case.conf (linkage_signals). */
typedef enum cl_link_signal {
    CL_LS_BANK = 0,       /* the same bank_account */
    CL_LS_PHONE,          /* the same (valid) phone */
    CL_LS_ACCOUNT_REF,    /* the same ledger account_ref */
    CL_LS_ID_TYPO,        /* same name, PRC IDs one substitution or transposition apart */
    CL_LS_ID15_18,        /* the same, one of the two given in the 15-digit form */
    CL_LS_NAME_VARIANT,   /* names equal but for variant characters or spacing */
    CL_LS_COUNT
} cl_link_signal;

#define CL_LINK_ALL_SIGNALS ((1u << CL_LS_COUNT) - 1)
#define CL_LINK_DEFAULT_MIN_SCORE 40
#define CL_LINK_DEFAULT_MAX_SHARED 100

/* Evidence weights (docs/DECISIONS.md "Probable duplicates"). A value shared
 * by k identities weighs BASE + STEP * (k - 2); an ID pair weighs its own. */
#define CL_LINK_W_BANK 40
#define CL_LINK_W_BANK_STEP 10
#define CL_LINK_W_ACCOUNT_REF 40
#define CL_LINK_W_ACCOUNT_REF_STEP 10
#define CL_LINK_W_PHONE 10
#define CL_LINK_W_PHONE_STEP 10
#define CL_LINK_W_ID_TYPO 60
#define CL_LINK_W_ID15_18 60
#define CL_LINK_W_NAME_VARIANT 50   /* an ID pair whose names differ by a variant */

const char *cl_link_signal_name(cl_link_signal s);
/* "bank,phone" (',' ';' or '，' separated; "all", "none") into a bit set;
 * -1 on an unknown name. */
int cl_link_signals_parse(const char *v, unsigned *out);

/* One piece of evidence: a value shared by `shared` identities (exact
 * signals: a is the first row with it, b the first of another identity), or
 * a pair of rows whose IDs are one edit apart (ID signals). */
typedef struct cl_link_evidence {
    uint8_t signal;           /* cl_link_signal */
    uint8_t name_variant;     /* ID pair: the names differ by a variant */
    int8_t pos;               /* ID pair: first differing position (0-based), -1 none */
    uint8_t transposed;       /* ID pair: adjacent transposition at pos, pos + 1 */
    uint32_t a, b;            /* submission rows */
    uint32_t shared;          /* identities sharing the value (exact signals) */
    int32_t weight;
} cl_link_evidence;

typedef struct cl_link_cluster {
    int64_t score;
    unsigned signals;         /* bit per cl_link_signal */
    uint32_t nidentities;
    size_t member0, nmembers; /* into members */
    size_t ev0, nev;          /* into ev */
} cl_link_cluster;

typedef struct cl_linkage {
    cl_link_cluster *clusters;   /* strongest first; cluster k is named cl_link_cluster_id */
    size_t nclusters;
    uint32_t *members;           /* submission rows, by cluster, each in row order */
    cl_link_evidence *ev;        /* by cluster, heaviest first */
    uint32_t *cluster_of;        /* per submission row: cluster index, or UINT32_MAX */
    size_t nsubs;
    size_t links;                /* evidence items found (before the score threshold) */
} cl_linkage;

/* Clusters of a decided batch under its case's settings. *out is NULL when
 * the case switches linkage off. CL_ERR_NOMEM, or CL_OK. */
cl_err cl_linkage_build(const struct cl_batch *b, cl_linkage **out, cl_diag *d);
void cl_linkage_free(cl_linkage *l);   /* NULL is fine */

/* "PD000001" for cluster index 0; out holds 16 bytes. */
void cl_link_cluster_id(size_t k, char out[16]);

/* A name folded for comparison: spaces and middle dots dropped, ASCII
 * letters upper-cased, variant characters mapped by the table in linkage.c.
 * out holds 4 * len + 1 bytes; returns its length. */
size_t cl_link_fold_name(const char *name, size_t len, char *out);

#endif
