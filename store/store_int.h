/* store_int.h - internal to store/: the connection and small libpq helpers
 * every part of the store uses. */
#ifndef CL_STORE_INT_H
#define CL_STORE_INT_H

#include <libpq-fe.h>

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

#endif
