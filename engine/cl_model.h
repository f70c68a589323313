/* cl_model.h - the domain model of a nightly run: the case configuration,
 * normalized submissions, ledger accounts, claims (one per submission row,
 * then the books-listed ones), creditors and overrides. Flat arrays indexed
 * by row id; strings live in arenas owned by the batch. */
#ifndef CL_MODEL_H
#define CL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cl_arena.h"
#include "core/cl_error.h"
#include "core/cl_hash.h"
#include "core/cl_time.h"
#include "ingest/cl_enums.h"
#include "ingest/cl_norm.h"

#define CL_NONE UINT32_MAX
/* An account holder identity that no claimant has (see cl_load.h). */
#define CL_FOREIGN (UINT32_MAX - 2)

/* ---- case.conf (contract §1) ---- */
typedef struct cl_case {
    char *path;
    char *case_no;
    char *debtor;
    int64_t acceptance_day;     /* days since 1970-01-01 */
    int64_t deadline_day;
    cl_time acceptance_at;      /* 00:00:00 of acceptance_date */
    cl_time deadline_end;       /* 23:59:59 of declaration_deadline */
    unsigned interest_allowed;  /* bit per cl_category */
    unsigned other_allowed;
    int64_t small_claim_threshold; /* fen; -1 when not set */
    unsigned char key[64];      /* creditor_id key */
    size_t key_len;
    int key_from_file;          /* 1: case.key beside case.conf (set by the command) */
    int key_created;            /* 1: case.key was created by this run (the command) */
    /* probable duplicates (engine/cl_linkage.h): after the decisions, never changing them */
    int linkage;                /* 1: on (default), 0: off */
    unsigned linkage_signals;   /* bit per cl_link_signal; default all */
    int64_t linkage_min_score;  /* clusters scoring below are not listed */
    int64_t linkage_max_shared; /* a value shared by more identities links nothing */
} cl_case;

/* Defaults of §1 (interest_allowed, other_allowed, no small-claim threshold),
 * no dates, no key: a caller filling a case by hand starts here. */
void cl_case_init(cl_case *c);
/* Reads case.conf from a file. The library never makes a key: without
 * creditor_key, key_len stays 0 and the caller supplies one (the `claims`
 * command reads or creates case.key beside case.conf, contract §1). */
cl_err cl_case_load(const char *path, cl_case *c, cl_diag *d);
/* The same from any byte source; the source's label names it in messages. */
struct cl_source;
cl_err cl_case_parse(const struct cl_source *src, cl_case *c, cl_diag *d);
/* Deep copy (strings duplicated); derived times recomputed from the days. */
cl_err cl_case_copy(cl_case *dst, const cl_case *src);
void cl_case_release(cl_case *c);

/* ---- statuses and reason codes (contract §4) ---- */
typedef enum cl_status {
    CL_ST_NONE = 0,
    CL_ST_CONFIRMED,
    CL_ST_PARTIAL,
    CL_ST_PENDING_REVIEW,
    CL_ST_REJECTED,
    CL_ST_NEEDS_CORRECTION,
    CL_ST_DUPLICATE,
    CL_ST_SUPERSEDED,
    CL_ST_COUNT
} cl_status;

const char *cl_status_name(cl_status s);

/* Built-in codes (the decision table's own); rule codes are interned after
 * them. At most CL_MAX_CODES distinct codes per run. */
typedef enum cl_code {
    CL_C_DUPLICATE_ROW = 0,
    CL_C_MATCHED_BY_PHONE,
    CL_C_MATCHED_BY_ID,
    CL_C_NO_BOOK_RECORD,
    CL_C_ID_MISMATCH,
    CL_C_ACCOUNT_CONFLICT,
    CL_C_NOTHING_OWED,
    CL_C_EXCEEDS_BOOK,
    CL_C_INTEREST_DISALLOWED,
    CL_C_OTHER_DISALLOWED,
    CL_C_MANUAL_CATEGORY,
    CL_C_SECURED_REVIEW,
    CL_C_LISTED_FROM_BOOKS,
    CL_C_LATE,
    CL_C_OVERRIDE,
    CL_C_TEMPORARY_AMOUNT,
    CL_C_BUILTIN_COUNT
} cl_code;

#define CL_MAX_CODES 128
typedef struct cl_codeset {
    uint64_t w[CL_MAX_CODES / 64];
} cl_codeset;

static inline void cl_codes_add(cl_codeset *s, unsigned c) { s->w[c >> 6] |= (uint64_t)1 << (c & 63); }
static inline bool cl_codes_has(const cl_codeset *s, unsigned c) { return (s->w[c >> 6] >> (c & 63)) & 1; }

/* ---- one submission row, normalized (contract §2, §3) ---- */
typedef struct cl_sub {
    const char *submission_id;
    const char *name;
    const char *id_number;      /* normalized */
    const char *phone;          /* normalized */
    const char *account_ref;    /* trimmed */
    const char *bank_name;
    const char *bank_account;
    const char *amends;
    const char *note;
    /* raw text of fields that did not parse (NULL when they did) */
    const char *raw_kind, *raw_id_type, *raw_category, *raw_secured,
               *raw_evidence, *raw_principal, *raw_interest, *raw_other,
               *raw_submitted_at;
    cl_time submitted_at;       /* CL_TIME_NONE: empty or invalid */
    int64_t principal, interest, other;   /* fen; 0 unless parsed */
    int32_t evidence_count;
    uint32_t line;              /* physical line in submissions.csv */
    uint32_t identity;          /* index into the batch's identities */
    uint32_t amends_row;        /* first row with the amends id (step 1), CL_NONE */
    uint8_t kind, id_type, category, secured;   /* cl_kind, cl_id_type, cl_category, cl_yesno */
    uint8_t principal_st, interest_st, other_st; /* cl_amount_status */
    uint8_t time_st;            /* 0 ok, 1 empty, 2 invalid */
    uint8_t evidence_ok;
    uint8_t phone_valid;
    uint8_t id_from15;          /* PRC_ID given in the 15-digit legacy form (upgraded) */
} cl_sub;

/* ---- a ledger account aggregated from its entries (contract §2) ---- */
typedef struct cl_account {
    const char *ref;
    const char *name;           /* first non-empty in file order, or "" */
    const char *id_number;      /* normalized with id_type, or "" */
    const char *phone;          /* normalized, or "" */
    uint8_t id_type;
    uint8_t has_cat;            /* bit per cl_category with >= 1 entry */
    uint32_t identity;          /* CL_NONE: carries none; CL_FOREIGN: no claimant's */
    uint32_t first_line;
    uint32_t ref_len;
    uint64_t ref_hash;          /* cl_hash_bytes of ref */
    int64_t sum[CL_CAT_COUNT];  /* signed fen per category */
} cl_account;

/* ---- identities: (id_type, normalized id_number) ---- */
typedef struct cl_identity {
    uint8_t id_type;
    const char *id_number;
    char creditor_id[17];       /* keyed, 16 hex digits */
} cl_identity;

/* ---- claims: one per submission row, then books-listed employees ---- */
typedef struct cl_claim {
    uint32_t sub;               /* submission row, CL_NONE for books-listed */
    uint32_t account;           /* matched account, CL_NONE */
    uint32_t superseded_by;     /* submission row, CL_NONE */
    uint32_t identity;          /* CL_NONE for DUPLICATE rows */
    uint8_t status;             /* cl_status */
    uint8_t category;
    uint8_t late;
    uint8_t before_amend;       /* step 3: the status a superseded target had first */
    uint8_t temporary;          /* voting_amount holds a temporary amount */
    cl_codeset codes;
    int64_t declared;           /* principal + interest + other as declared */
    int64_t conf_p, conf_i, conf_o;
    int64_t voting;             /* temporary amount (when temporary) */
} cl_claim;

/* ---- overrides.csv rows (contract §2, §4 step 10) ---- */
typedef struct cl_override {
    const char *submission_id;
    const char *decision_raw;
    const char *reviewer;
    const char *note;
    cl_time decided_at;         /* CL_TIME_NONE when unparseable */
    int64_t amount;
    uint8_t decision;           /* cl_decision */
    uint8_t amount_ok;
    uint32_t line;
    uint32_t row;               /* first submission row with its id (step 1), CL_NONE */
    const char *refused;        /* NULL, or the refusal reason */
} cl_override;

/* ---- creditors (contract §5) ---- */
typedef struct cl_creditor {
    uint32_t identity;
    const char *name;
    uint8_t kind;
    int64_t declared, confirmed, pending;
    int64_t employee, tax, ordinary, secured;    /* confirmed by tier */
    int64_t temporary;                            /* temporary amounts, all tiers */
    int64_t tmp_employee, tmp_tax, tmp_ordinary, tmp_secured;
    int64_t unsecured_voting, secured_voting;
    uint8_t groups;              /* bit per cl_group */
} cl_creditor;

typedef enum cl_group {
    CL_G_SECURED = 0, CL_G_EMPLOYEE, CL_G_TAX, CL_G_ORDINARY, CL_G_SMALL_ORDINARY, CL_G_COUNT
} cl_group;
const char *cl_group_name(cl_group g);

/* A bad input row: reported, and listed in rejected_rows.csv when skipped. */
typedef struct cl_bad_row {
    const char *file;
    uint32_t line;
    uint32_t col;           /* 1-based field number of `column` in the file; 0: the row */
    const char *column;
    const char *reason;
    const char *raw;
} cl_bad_row;

/* ---- a compiled rule file and its outcomes per submission row ---- */
#define CL_MAX_RULE_FILES 8
#define CL_MAX_RULES_PER_FILE 1024
typedef struct cl_rule_file {
    const char *path;
    struct cl_ruleset *rs;
    uint64_t *hits;             /* nsubs * words bits: rule fired on row */
    int words;
    int nrules;
    short code[CL_MAX_RULES_PER_FILE];  /* rule -> code index */
} cl_rule_file;

/* ---- run totals (computed once by cl_batch_decide) ---- */
enum { CL_TIER_EMPLOYEE = 0, CL_TIER_TAX, CL_TIER_ORDINARY, CL_TIER_SECURED, CL_TIER_COUNT };

typedef struct cl_totals {
    int64_t claims_by_status[CL_ST_COUNT];       /* every claim row */
    int64_t declared_by_status[CL_ST_COUNT];     /* fen */
    int64_t confirmed_by_status[CL_ST_COUNT];
    int64_t claims_by_category[CL_CAT_COUNT];    /* operative claims */
    int64_t declared_by_category[CL_CAT_COUNT];
    int64_t confirmed_by_category[CL_CAT_COUNT];
    int64_t tier_creditors[CL_TIER_COUNT];       /* creditors with an amount in the tier */
    int64_t tier_confirmed[CL_TIER_COUNT];
    int64_t tier_temporary[CL_TIER_COUNT];
    size_t claims, creditors, roster, rejected_rows;
} cl_totals;

/* ---- the whole batch ---- */
typedef struct cl_batch {
    cl_case cfg;
    int nthreads;

    cl_sub *subs;
    size_t nsubs;
    cl_account *accounts;
    size_t naccounts;
    uint64_t *account_slots;    /* ref -> account (cl_account_find) */
    size_t account_mask;
    cl_identity *ids;
    size_t nids, ids_cap;
    cl_claim *claims;           /* nsubs submission claims, then books-listed */
    size_t nclaims;
    cl_override *overrides;
    size_t noverrides;
    cl_creditor *creditors;     /* sorted by creditor_id */
    size_t ncreditors;
    uint32_t *roster;           /* creditor indexes on the roster */
    size_t nroster;
    cl_bad_row *bad;
    size_t nbad, bad_cap;

    /* codes: names by index (built-in first, then rule codes) */
    const char *code_names[CL_MAX_CODES];
    int ncodes;
    int code_order[CL_MAX_CODES];   /* code indexes sorted by name (bytewise) */

    /* rule files, in command-line order, and their outcomes */
    cl_rule_file rulefiles[CL_MAX_RULE_FILES];
    int nrulefiles;

    /* input facts for the manifest */
    uint64_t ledger_rows;

    /* lifecycle (engine/batch.c) */
    cl_totals totals;           /* valid once decided */
    int decided;                /* 1: deciding (or failed), 2: decided */
    long max_bad_rows;
    int loaded;                 /* bit per input: 1 ledger, 2 submissions, 4 overrides */
    struct cl_progress *progress;   /* NULL: none */
    struct cl_linkage *linkage;     /* probable duplicates, once decided; NULL: off */

    cl_arena *arena;            /* batch-level strings */
    cl_arena **chunk_arenas;    /* per parse chunk */
    int nchunk_arenas;
} cl_batch;

#endif
