/* store_read.c - a raw table read back as CSV: COPY (SELECT ... ORDER BY
 * line) TO STDOUT WITH (FORMAT csv, HEADER) of the case's current batch of a
 * kind, as a stream byte source ("db:submissions") that the engine's CSV
 * reader takes like the file it came from. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

static const char *const raw_table[CL_IN_NKINDS] = {
    "claims.raw_submissions", "claims.raw_ledger", "claims.raw_overrides", "claims.raw_ballots",
};

struct cl_store_reader {
    cl_store *s;
    char label[256];
    char *buf;        /* the current COPY row(s), from libpq */
    size_t len, off;
    int done;
    cl_err err;
    cl_diag d;
    /* faithful lines: each COPY row starts with its file line (or nothing,
     * for a row that has none), which is cut off; blank lines are put in so
     * that the row starts on that line again, as in its file */
    int faithful;
    int header_done;
    uint64_t next_line;  /* the line the next row would start on */
    uint64_t npad;       /* blank lines still to give before buf[off..] */
    char *lazy_sql;      /* a COPY started at the first read (NULL: started) */
};

static cl_err start_copy(cl_store_reader *r, const char *sql, cl_diag *d)
{
    if (r->s->busy)
        return cl_diag_set(d, CL_ERR_INTERNAL, "the store connection is reading another table");
    PGresult *res = PQexec(r->s->conn, sql);
    cl_err err = CL_OK;
    if (PQresultStatus(res) != PGRES_COPY_OUT)
        err = cl_store_db_error(r->s, res, d, "cannot start COPY TO STDOUT");
    PQclear(res);
    if (!err)
        r->s->busy = 1;
    return err;
}

/* Collects the COPY's final result. */
static void finish(cl_store_reader *r)
{
    PGresult *res;
    while ((res = PQgetResult(r->s->conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && !r->err)
            r->err = cl_store_db_error(r->s, res, &r->d, "reading from the database failed");
        PQclear(res);
    }
    r->done = 1;
    r->s->busy = 0;
}

static uint64_t count_newlines(const char *p, size_t n)
{
    uint64_t k = 0;
    for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
        k++;
    return k;
}

/* A faithful row just received: cut its line column off (the header's
 * name of it too) and note how many blank lines go before it. */
static void faithful_row(cl_store_reader *r)
{
    size_t i = 0;
    uint64_t line = 0;
    int has_line = 0;
    while (i < r->len && r->buf[i] != ',') {
        if (r->buf[i] >= '0' && r->buf[i] <= '9') {
            line = line * 10 + (uint64_t)(r->buf[i] - '0');
            has_line = 1;
        }
        i++;
    }
    r->off = i < r->len ? i + 1 : i;
    if (!r->header_done) {
        r->header_done = 1;
        r->next_line = 1;
        has_line = 0;
    }
    uint64_t gap = has_line && line > r->next_line ? line - r->next_line : 0;
    r->npad = gap;
    r->next_line += gap + count_newlines(r->buf + r->off, r->len - r->off);
}

static ssize_t reader_read(void *user, void *out, size_t cap)
{
    cl_store_reader *r = user;
    if (r->lazy_sql) {
        cl_err err = start_copy(r, r->lazy_sql, &r->d);
        free(r->lazy_sql);
        r->lazy_sql = NULL;
        if (err) {
            r->err = err;
            r->done = 1;
            return -1;
        }
    }
    if (r->npad) {
        size_t n = r->npad < cap ? (size_t)r->npad : cap;
        memset(out, '\n', n);
        r->npad -= n;
        return (ssize_t)n;
    }
    while (r->off == r->len) {
        if (r->done)
            return r->err ? -1 : 0;
        if (r->buf) {
            PQfreemem(r->buf);
            r->buf = NULL;
        }
        r->len = r->off = 0;
        int n = PQgetCopyData(r->s->conn, &r->buf, 0);
        if (n > 0) {
            r->len = (size_t)n;
            if (r->faithful) {
                faithful_row(r);
                if (r->npad)
                    return reader_read(user, out, cap);
            }
        } else if (n == -1)
            finish(r);
        else {
            r->err = cl_store_db_error(r->s, NULL, &r->d, "reading from the database failed");
            finish(r);
            return -1;
        }
    }
    size_t n = r->len - r->off < cap ? r->len - r->off : cap;
    memcpy(out, r->buf + r->off, n);
    r->off += n;
    return (ssize_t)n;
}

/* The case's current batch of `kind`; CL_ERR_INPUT when there is none. */
static cl_err current_batch(cl_store *s, const char *case_id, cl_input_kind kind, char batch[32],
                            cl_diag *d)
{
    PGresult *res;
    const char *p[2] = {case_id, cl_input_kind_name(kind)};
    cl_err err = cl_store_query(s,
        "SELECT c.case_id, i.batch_id FROM claims.cases c LEFT JOIN claims.case_inputs i"
        " ON i.case_id = c.case_id AND i.kind = $2 WHERE c.case_id = $1",
        2, p, &res, "cannot read the case's inputs", d);
    if (err)
        return err;
    if (PQntuples(res) == 0)
        err = cl_diag_set(d, CL_ERR_INPUT, "no case '%s' in the database", case_id);
    else if (PQgetisnull(res, 0, 1))
        err = cl_diag_set(d, CL_ERR_INPUT, "case '%s' has no %s loaded (claims db load)", case_id,
                          p[1]);
    else
        snprintf(batch, 32, "%s", PQgetvalue(res, 0, 1));
    PQclear(res);
    return err;
}

cl_err cl_store_copy_open(cl_store *s, const char *sql, const char *label, int faithful,
                          cl_store_reader **out, cl_diag *d)
{
    *out = NULL;
    if (s->busy)
        return cl_diag_set(d, CL_ERR_INTERNAL, "the store connection is reading another table");
    cl_store_reader *r = calloc(1, sizeof *r);
    if (!r)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    r->s = s;
    r->faithful = faithful;
    snprintf(r->label, sizeof r->label, "%s", label);
    PGresult *res = PQexec(s->conn, sql);
    if (PQresultStatus(res) != PGRES_COPY_OUT) {
        cl_err err = cl_store_db_error(s, res, d, "cannot start COPY TO STDOUT");
        PQclear(res);
        free(r);
        return err;
    }
    PQclear(res);
    s->busy = 1;
    *out = r;
    return CL_OK;
}

cl_err cl_store_copy_lazy(cl_store *s, const char *sql, const char *label, int faithful,
                          cl_store_reader **out, cl_diag *d)
{
    *out = NULL;
    cl_store_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->lazy_sql = strdup(sql))) {
        free(r);
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    r->s = s;
    r->faithful = faithful;
    snprintf(r->label, sizeof r->label, "%s", label);
    *out = r;
    return CL_OK;
}

/* COPY (SELECT line, <columns> FROM <table> WHERE batch_id = <batch> ORDER
 * BY line): rows in file order, each starting on its line of the file. */
int cl_store_raw_sql(cl_input_kind kind, const char *batch, char *sql, size_t cap)
{
    int nspec;
    const cl_csv_col *spec = cl_input_spec(kind, &nspec);
    if (!spec)
        return -1;
    size_t n = (size_t)snprintf(sql, cap, "COPY (SELECT line");
    for (int j = 0; j < nspec && n < cap; j++)
        n += (size_t)snprintf(sql + n, cap - n, ", \"%s\"", spec[j].name);
    if (n < cap)
        n += (size_t)snprintf(sql + n, cap - n,
                              " FROM %s WHERE batch_id = %s ORDER BY line) TO STDOUT WITH "
                              "(FORMAT csv, HEADER)", raw_table[kind], batch);
    return n < cap ? 0 : -1;
}

cl_err cl_store_raw_open(cl_store *s, const char *case_id, cl_input_kind kind,
                         cl_store_reader **out, cl_diag *d)
{
    *out = NULL;
    if (s->busy)
        return cl_diag_set(d, CL_ERR_INTERNAL, "the store connection is reading another table");
    char batch[32], sql[1024], label[32];
    cl_err err = cl_store_schema_check(s, d);
    if (err || (err = current_batch(s, case_id, kind, batch, d)))
        return err;
    if (cl_store_raw_sql(kind, batch, sql, sizeof sql) < 0)
        return cl_diag_set(d, CL_ERR_INTERNAL, "unknown input kind %d", (int)kind);
    snprintf(label, sizeof label, "db:%s", cl_input_kind_name(kind));
    return cl_store_copy_open(s, sql, label, 1, out, d);
}

cl_source cl_store_raw_source(cl_store_reader *r)
{
    return cl_source_stream(r->label, reader_read, r);
}

cl_err cl_store_raw_error(const cl_store_reader *r, cl_diag *d)
{
    if (r->err && d)
        *d = r->d;
    return r->err;
}

void cl_store_raw_close(cl_store_reader *r)
{
    if (!r)
        return;
    int started = r->lazy_sql == NULL;
    free(r->lazy_sql);
    if (started && !r->done) {
        char *b;
        int n;
        while ((n = PQgetCopyData(r->s->conn, &b, 0)) > 0)
            PQfreemem(b);
        finish(r);
    }
    if (r->buf)
        PQfreemem(r->buf);
    free(r);
}

cl_err cl_store_read_raw(cl_store *s, const char *case_id, cl_input_kind kind,
                         char **csv, size_t *len, cl_diag *d)
{
    cl_store_reader *r;
    *csv = NULL;
    *len = 0;
    cl_err err = cl_store_raw_open(s, case_id, kind, &r, d);
    if (err)
        return err;
    cl_source src = cl_store_raw_source(r);
    err = cl_source_slurp(&src, csv, len, d);
    if (r->err) {
        err = cl_store_raw_error(r, d);
        free(*csv);
        *csv = NULL;
        *len = 0;
    }
    cl_store_raw_close(r);
    return err;
}
