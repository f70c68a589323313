/* store_int.h - internal to store/: the connection and small libpq helpers
 * every part of the store uses. */
#ifndef CL_STORE_INT_H
#define CL_STORE_INT_H

#include <libpq-fe.h>

#include "core/cl_sink.h"
#include "store/cl_store.h"

struct cl_store {
    PGconn *conn;
    char *password;   /* from the conninfo, only to scrub messages; NULL if none */
    int busy;         /* a raw reader holds the connection */
};

/* Fills d with CL_ERR_DB "<what>: <libpq message, scrubbed>" (result's
 * message when res is not NULL, else the connection's). Returns CL_ERR_DB. */
cl_err cl_store_db_error(cl_store *s, const PGresult *res, cl_diag *d, const char *what);

/* Runs a command without parameters; CL_ERR_DB naming `what` on failure. */
cl_err cl_store_exec(cl_store *s, const char *sql, const char *what, cl_diag *d);

/* Runs a parameterised statement (text params). *res must be PQclear'd when
 * CL_OK; on failure it is cleared and d filled. */
cl_err cl_store_query(cl_store *s, const char *sql, int nparams, const char *const *params,
                      PGresult **res, const char *what, cl_diag *d);

/* ROLLBACK after a failure; keeps d. */
void cl_store_rollback(cl_store *s);

/* Lower-case hex of 32 bytes into out[65]. */
void cl_store_hex32(const unsigned char *b, char out[65]);

/* Starts `sql` (a COPY ... TO STDOUT) and gives a reader over it labelled
 * `label`. faithful: the first column of every row is its line in its file,
 * cut off, with blank lines put in so each row starts on that line (a row
 * with no line follows the one before). */
cl_err cl_store_copy_open(cl_store *s, const char *sql, const char *label, int faithful,
                          cl_store_reader **out, cl_diag *d);

/* The same, faithful, started at the reader's first read. */
cl_err cl_store_copy_lazy(cl_store *s, const char *sql, const char *label, int faithful,
                          cl_store_reader **out, cl_diag *d);

/* A published table: the CSV header its writer gives and the table's
 * columns in that order (NULL: the same names). */
typedef struct cl_store_out_table {
    const char *name;
    const char *table;
    const char *header;
    const char *columns;
    const char *id_col;    /* NULL: run_id */
} cl_store_out_table;

typedef cl_err (*cl_store_render_fn)(void *user, cl_sink *sink, cl_diag *d);

/* COPY FROM STDIN into t of what render writes (CSV with t's header), each
 * record as (id, ord, ...). rows (NULL: not wanted) gets the count. */
cl_err cl_store_copy_table(cl_store *s, const cl_store_out_table *t, int64_t id,
                           cl_store_render_fn render, void *user, int64_t *rows, cl_diag *d);

/* The faithful COPY of a raw table's batch (batch: its id in digits). */
int cl_store_raw_sql(cl_input_kind kind, const char *batch, char *sql, size_t cap);

#endif
