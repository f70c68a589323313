/* cl_store.h - the PostgreSQL store of claims (docs/STORE.md): a connection,
 * the versioned schema and its roles (`claims db init`), loading a case's
 * input files into the raw tables with COPY (`claims db load`), listing runs
 * (`claims db runs`), and reading a raw table back as CSV - a byte source the
 * engine's CSV reader takes like a file.
 *
 * Connection strings are never echoed: every message that could carry one
 * (or a password from it) is scrubbed before it reaches a cl_diag. */
#ifndef CL_STORE_H
#define CL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/cl_error.h"
#include "core/cl_source.h"
#include "engine/cl_changes.h"
#include "engine/cl_input_spec.h"
#include "engine/cl_run.h"
#include "ingest/cl_csv.h"

typedef struct cl_store cl_store;

/* Connects with any libpq connection string or URI (PG* environment
 * variables, service files and .pgpass apply as in psql); client encoding
 * UTF-8. A failure is CL_ERR_DB with libpq's reason, password scrubbed. */
cl_err cl_store_open(const char *conninfo, cl_store **out, cl_diag *d);
void cl_store_close(cl_store *s);   /* NULL is fine */

/* The newest schema version this binary knows. */
int cl_store_schema_latest(void);
/* The database's schema version (0: no claims schema yet). */
cl_err cl_store_schema_version(cl_store *s, int *version, cl_diag *d);
/* CL_OK when the database's schema is exactly this binary's; otherwise
 * CL_ERR_CONFIG telling to run `claims db init` or to upgrade claims. */
cl_err cl_store_schema_check(cl_store *s, cl_diag *d);

/* ---- claims db init */
typedef struct cl_store_init_opts {
    const char *engine_role;   /* NULL: "claims_engine" */
    const char *api_role;      /* NULL: "claims_api" */
} cl_store_init_opts;

typedef struct cl_store_init_report {
    int from_version, to_version;   /* before and after */
    int applied;                    /* migrations applied now */
    int roles_created;              /* 0..2 */
} cl_store_init_report;

/* Applies the missing migrations (one transaction each, recorded in
 * claims.schema_migrations), creates the two roles if missing and grants
 * their privileges. A schema newer than this binary is CL_ERR_CONFIG and
 * nothing is changed. Needs CREATE on the database and CREATEROLE (only when
 * a role is missing), no superuser. */
cl_err cl_store_init(cl_store *s, const cl_store_init_opts *o, cl_store_init_report *r,
                     cl_diag *d);

/* ---- claims db load */
typedef struct cl_store_load_opts {
    const char *case_id;
    const char *case_conf;              /* path or NULL */
    const char *files[CL_IN_NKINDS];    /* path per kind, or NULL */
    cl_encoding encoding;
} cl_store_load_opts;

typedef struct cl_store_load_report {
    int conf_stored;                    /* case.conf text stored or replaced */
    int case_created;
    int conf_key_line;                  /* creditor_key found on this line of
                                           case.conf and withheld (0: none) */
    struct {
        int given;
        int skipped;                    /* same bytes already loaded */
        int64_t batch_id;
        uint64_t rows;
        uint64_t bytes;
        char sha256[65];
        const char *encoding;
    } file[CL_IN_NKINDS];
} cl_store_load_report;

/* case.conf is stored as text, except a creditor_key line, which is
 * replaced by a comment: the key never enters the database.
 * Reads every given file with the engine's CSV reader and column specs and
 * COPYs its rows into the raw table of its kind, all in ONE transaction: a
 * bad file (file, line and column named) or any failure rolls everything
 * back. A file whose bytes were loaded before for this case and kind is not
 * copied again; it becomes the case's current input of its kind again. */
cl_err cl_store_load(cl_store *s, const cl_store_load_opts *o, cl_store_load_report *r,
                     cl_diag *d);

/* ---- claims db runs */
typedef struct cl_store_run_row {
    int64_t run_id;
    const char *published_at;     /* ISO 8601, UTC */
    const char *engine_version;
    const char *counts;           /* JSON object: claims by status */
    int current;
} cl_store_run_row;

typedef int (*cl_store_run_fn)(void *user, const cl_store_run_row *row);

/* Calls fn for each run of the case, oldest first. An unknown case is
 * CL_ERR_INPUT. */
cl_err cl_store_list_runs(cl_store *s, const char *case_id, cl_store_run_fn fn, void *user,
                          cl_diag *d);

/* ---- reading raw tables back */

/* A COPY ... TO STDOUT of the case's current batch of a kind, as CSV with
 * the English header, rows in file order. */
typedef struct cl_store_reader cl_store_reader;

/* Starts the COPY. An unknown case, or a kind never loaded for it, is
 * CL_ERR_INPUT. The store is busy until the reader is closed. */
cl_err cl_store_raw_open(cl_store *s, const char *case_id, cl_input_kind kind,
                         cl_store_reader **out, cl_diag *d);
/* A stream byte source over the reader, labelled "db:<kind>". */
cl_source cl_store_raw_source(cl_store_reader *r);
/* The reader's failure, if the stream reported one (CL_OK otherwise). */
cl_err cl_store_raw_error(const cl_store_reader *r, cl_diag *d);
/* Finishes the COPY (drains it if unread). NULL is fine. */
void cl_store_raw_close(cl_store_reader *r);

/* Convenience: the whole CSV in a heap buffer (free() it). */
cl_err cl_store_read_raw(cl_store *s, const char *case_id, cl_input_kind kind,
                         char **csv, size_t *len, cl_diag *d);

/* ---- claims run --db (store_publish.c) */

/* What a run reads of a case: its case.conf (creditor_key withheld), where
 * that was loaded from, its current input batches, its current run. */
typedef struct cl_store_case {
    char case_id[65];
    char *conf;
    char conf_sha256[65];
    char *conf_path;            /* absolute path on the engine's host at load; NULL: unknown */
    int retain_runs;
    int64_t current_run;        /* 0: none yet */
    int64_t reviews;            /* rows in review_decisions */
    struct {
        int64_t batch_id;       /* 0: none loaded */
        char sha256[65];
        char label[280];        /* "db:" + the file's name as loaded */
        int64_t rows;
    } in[CL_IN_NKINDS];
} cl_store_case;

/* Reads the case; CL_ERR_INPUT for an unknown case, one without case.conf,
 * submissions or ledger. Release with cl_store_case_release. */
cl_err cl_store_case_get(cl_store *s, const char *case_id, cl_store_case *c, cl_diag *d);
void cl_store_case_release(cl_store_case *c);   /* NULL is fine */
/* The database's only case (CL_ERR_USAGE when there are none or several). */
cl_err cl_store_only_case(cl_store *s, char id[65], cl_diag *d);

/* A run input as a reader whose COPY starts at its first read (so the
 * three inputs can be handed to the engine at once and read one after the
 * other on one connection): the case's current batch of kind, rows in file
 * order, each on its line of the file (blank lines in between), labelled
 * "db:<file name>". Overrides: the loaded overrides file (if any), then the
 * rows of review_decisions in seq order. */
cl_err cl_store_input_open(cl_store *s, const cl_store_case *c, cl_input_kind kind,
                           cl_store_reader **out, cl_diag *d);

typedef struct cl_store_publish_opts {
    const cl_store_case *c;
    int retain_runs;            /* > 0: store as the case's retention; 0: the case's */
    /* test hook: called after each step of the publish ("runs", "claims",
     * "creditors", "roster", "review_queue", "overrides_rejected",
     * "rejected_rows", "changes", "pointer", "prune", "commit"); NULL: none */
    void (*step)(void *user, const char *step);
    void *step_user;
} cl_store_publish_opts;

typedef struct cl_store_publish_report {
    int64_t run_id, previous;   /* previous: 0 when none */
    int pruned;                 /* old runs removed */
    cl_changes_counts changes;  /* against the previous run */
} cl_store_publish_report;

/* Publishes a decided run (a cl_run_opts.publish_fn step): in ONE
 * transaction, the runs row (inputs' digests, rules and case digests,
 * engine version, counts by status, stage timings, manifest, workbooks),
 * every output table and the changes against the case's current run COPYed
 * into the run tables, the runs beyond the retention pruned, the case's
 * current-run pointer switched and NOTIFY claims_run_published (payload:
 * the case id). On any failure nothing is visible. */
cl_err cl_store_publish(cl_store *s, const cl_store_publish_opts *o, cl_run_result *r,
                        cl_store_publish_report *rep, cl_diag *d);

/* ---- claims tally --db (store_tally.c) */

typedef struct cl_store_tally_in {
    char case_id[65];
    char meeting_id[256];
    int64_t run_id;             /* the case's current run: its roster */
    int64_t ballots_batch;      /* the loaded ballots file (0: none) */
    char ballots_label[280];
} cl_store_tally_in;

/* The case's current run and ballots batch; CL_ERR_INPUT for an unknown
 * case or one with no published run. */
cl_err cl_store_tally_inputs(cl_store *s, const char *case_id, const char *meeting_id,
                             cl_store_tally_in *in, cl_diag *d);
/* The current run's run_roster as roster.csv (lazy COPY). */
cl_err cl_store_tally_roster_open(cl_store *s, const cl_store_tally_in *in,
                                  cl_store_reader **out, cl_diag *d);
/* The meeting's ballots: the loaded ballots file's rows of this meeting on
 * their file lines, then claims.ballots of this meeting in seq order. */
cl_err cl_store_tally_ballots_open(cl_store *s, const cl_store_tally_in *in,
                                   cl_store_reader **out, cl_diag *d);

typedef struct cl_store_tally_publish {
    const cl_store_tally_in *in;
    const char *meeting_conf;    /* its text */
    const char *counts_json;     /* {"ballots":n,"counted":n,"rejected":{reason:n}} */
    const char *tally_csv_path, *rejected_csv_path;   /* the staged files */
    const char *xlsx_path;       /* NULL: none */
} cl_store_tally_opts;

/* In ONE transaction: the tallies row, tally_results and
 * tally_ballots_rejected (COPY of the staged CSV files' bytes), the switch
 * of the meeting's current_tally and NOTIFY claims_tally_published
 * ("<case_id> <meeting_id>"). */
cl_err cl_store_tally_publish(cl_store *s, const cl_store_tally_opts *o, int64_t *tally_id,
                              cl_diag *d);

/* ---- helpers shared with the CLI */

/* Whether a connection string names a password (to warn; never printed). */
int cl_store_conninfo_has_password(const char *conninfo);

/* A case id: 1 to 64 of [A-Za-z0-9._-], starting with a letter or digit. */
int cl_store_case_id_ok(const char *id);

/* Replaces every occurrence of the connection's password (and the value of
 * any password=... or scheme://user:...@ form) in msg with "***", in place;
 * the result is truncated to cap bytes with its NUL. */
void cl_store_scrub(char *msg, size_t cap, const char *password);

#endif
