/* cl_gen.h - synthetic case generator (claims gen): a Xiaoming-Bike-like case
 * (case.conf, submissions.csv, ledger.csv, overrides.csv, meeting.conf,
 * ballots.csv, README.txt) in the
 * input formats of DOMAIN.md §1-§2, byte-identical per (seed, scale). */
#ifndef CL_GEN_H
#define CL_GEN_H

#include <stdint.h>

#include "core/cl_error.h"
#include "core/cl_progress.h"

/* Scale is fixed-point: millionths (1.0 = 1000000). No floats anywhere. */
#define CL_GEN_SCALE_ONE 1000000LL
#define CL_GEN_SCALE_MAX (1000LL * CL_GEN_SCALE_ONE)

typedef enum cl_gen_encoding {
    CL_GEN_UTF8 = 0,
    CL_GEN_GB18030     /* submissions.csv only, like Excel on Chinese Windows */
} cl_gen_encoding;

typedef struct cl_gen_opts {
    int64_t scale_ppm;          /* scale in millionths, > 0 */
    uint64_t seed;
    cl_gen_encoding encoding;
} cl_gen_opts;

/* Injected anomalies / mess, by kind. Counts are of rows written. */
typedef enum cl_gen_kind {
    CL_GK_RESUBMIT,            /* same claim submitted again later (supersession) */
    CL_GK_AMEND,               /* amends an earlier valid row of the same identity */
    CL_GK_AMEND_CHAIN,         /* amends a row that itself amends another */
    CL_GK_AMEND_FIX,           /* amends a sent-back (NEEDS_CORRECTION) row */
    CL_GK_AMEND_BADLINK,       /* amends an unknown id or itself (ignored) */
    CL_GK_DUP_ROW,             /* exact duplicate row (same submission_id) */
    CL_GK_OUT_OF_ORDER,        /* row exported out of id/time order */
    CL_GK_BAD_ID_CHECK,        /* ID with a wrong check character */
    CL_GK_NAME_MISSING,
    CL_GK_AMOUNT_INVALID,      /* 0, signed, badly grouped, 3 decimals */
    CL_GK_CATEGORY_INVALID,
    CL_GK_FIELD_INVALID,       /* bad secured / evidence_count */
    CL_GK_TIME_INVALID,
    CL_GK_KIND_MISMATCH,       /* organization with a PRC_ID */
    CL_GK_PHONE_TYPO,          /* letter O for zero, a digit missing */
    CL_GK_PHONE_EMPTY,
    CL_GK_PHONE_FORMAT,        /* +86, 0086-, spaces, dashes (valid) */
    CL_GK_FULLWIDTH,           /* full-width digits in amount, ID or phone */
    CL_GK_AMOUNT_FORMAT,       /* ¥ ￥ RMB 元 thousands separators (valid) */
    CL_GK_TIME_EXCEL,          /* 2018/4/3 10:28 */
    CL_GK_TIME_ISO,            /* 2018-04-03T10:28:00Z / +08:00 / bare T */
    CL_GK_ID15,                /* 15-digit legacy PRC ID */
    CL_GK_ID_LOWER_X,
    CL_GK_ID_SPACED,
    CL_GK_ENUM_VARIANT,        /* 押金 / 居民身份证 / INDIVIDUAL ... */
    CL_GK_NOTE_QUOTED,         /* note with commas / newline (RFC 4180 quoting) */
    CL_GK_NO_BOOK_EVIDENCE,    /* no book record, evidence_count > 0 */
    CL_GK_NO_BOOK_NO_EVIDENCE, /* no book record, evidence_count 0 */
    CL_GK_MATCH_PHONE,         /* no account_ref, matched by phone */
    CL_GK_MATCH_ID,            /* no account_ref, new phone, matched by ID */
    CL_GK_SHARED_ID_MISMATCH,  /* 2nd person claims a real-name account */
    CL_GK_SHARED_CONFLICT,     /* 2nd person claims an anonymous account */
    CL_GK_EXCEEDS_BOOK,
    CL_GK_NOTHING_OWED,        /* claim on a fully refunded account */
    CL_GK_LATE,                /* after declaration_deadline */
    CL_GK_SECURED_SUPPLIER,
    CL_GK_SECURED_OTHER,       /* a user ticking "secured" */
    CL_GK_TAX,
    CL_GK_OTHER_CATEGORY,
    CL_GK_INTEREST_DEPOSIT,    /* interest declared on a deposit (disallowed) */
    CL_GK_EMPLOYEE_CLAIM,      /* employee who submits (most are books-only) */
    CL_GK_EMPLOYEE_OTHER,      /* employee declaring other_amount (disallowed) */
    CL_GK_OVR_CONFIRM,
    CL_GK_OVR_REJECT,
    CL_GK_OVR_TEMPORARY,
    CL_GK_OVR_REDECIDED,       /* an earlier decision replaced by a later one */
    CL_GK_OVR_ABOVE_DECLARED,  /* refused */
    CL_GK_OVR_UNKNOWN_ID,      /* refused */
    CL_GK_OVR_BAD_TIME,        /* refused */
    CL_GK_OVR_BAD_DECISION,    /* refused: 待定 */
    CL_GK_OVR_ZERO,            /* refused: temporary 0 */
    CL_GK_OVR_NON_OPERATIVE,   /* refused: decision on a superseded row */
    CL_GK__COUNT
} cl_gen_kind;

const char *cl_gen_kind_name(cl_gen_kind k);

typedef struct cl_gen_stats {
    int64_t accounts;           /* user accounts in the ledger */
    int64_t ledger_rows;
    int64_t submission_rows;    /* incl. duplicates */
    int64_t override_rows;
    int64_t ballot_rows;        /* ballots.csv, incl. the ones meant to be rejected */
    int64_t ballots_bad;        /* of which meant to be rejected */
    int64_t valid_user_claims;  /* deposit/balance rows of individuals meant valid */
    int64_t valid_user_fen;     /* their declared principal, fen */
    int64_t suppliers, supplier_owed_fen;
    int64_t employees, employee_owed_fen;
    int64_t kinds[CL_GK__COUNT];
    int64_t linkage_rows, linkage_groups;   /* planted probable duplicates (linkage_truth.csv) */
} cl_gen_stats;

/* Parses a decimal scale ("1", "0.05", "8", "2.5") to millionths; false on
 * anything else, <= 0 or > CL_GEN_SCALE_MAX. */
int cl_gen_parse_scale(const char *s, int64_t *ppm);

/* Writes the whole case into outdir atomically (cl_outdir). progress and
 * stats may be NULL. */
cl_err cl_gen_xiaoming(const cl_gen_opts *opts, const char *outdir, cl_progress *progress,
                       cl_gen_stats *stats, cl_diag *d);

/* Checksums the generator relies on (also used by the tests). */
char cl_gen_prc_check(const char *first17);   /* ISO 7064 MOD 11-2 */
char cl_gen_uscc_check(const char *first17);  /* GB 32100-2015 mod 31; 0 on bad char */

#endif
