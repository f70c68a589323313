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
#include "engine/cl_input_spec.h"
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
