/* store_load.c - `claims db load`: a case's input files read by the
 * engine's CSV reader (encodings, Chinese headers, aliases, the engine's
 * column specs) and streamed into the raw tables with COPY FROM STDIN, all in
 * one transaction; the same bytes loaded twice are detected by digest. */
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/cl_conf.h"
#include "store/store_int.h"

#define FLUSH_AT (1u << 20)
#define MAX_CHUNKS 64

static const char *const raw_table[CL_IN_NKINDS] = {
    "claims.raw_submissions", "claims.raw_ledger", "claims.raw_overrides", "claims.raw_ballots",
};

/* One input file, opened and bound before the transaction starts. */
typedef struct input {
    const char *path;
    cl_csv_file *f;
    cl_csv_header h;
    int bound;
} input;

/* State of one COPY. */
typedef struct copy_ctx {
    cl_store *s;
    const char *path;
    const cl_csv_col *spec;
    int nspec;
    const cl_csv_header *h;
    char *buf;
    size_t n, cap;
    char prefix[160];   /* "case_id,batch_id," */
    uint64_t rows;
    cl_err err;
    cl_diag *d;
} copy_ctx;

static int reserve(copy_ctx *c, size_t more)
{
    if (c->n + more <= c->cap)
        return 0;
    size_t cap = c->cap ? c->cap : FLUSH_AT + 4096;
    while (cap < c->n + more)
        cap *= 2;
    char *p = realloc(c->buf, cap);
    if (!p)
        return -1;
    c->buf = p;
    c->cap = cap;
    return 0;
}

static int flush(copy_ctx *c)
{
    if (c->n && PQputCopyData(c->s->conn, c->buf, (int)c->n) != 1) {
        c->err = cl_store_db_error(c->s, NULL, c->d, "COPY into the database failed");
        return -1;
    }
    c->n = 0;
    return 0;
}

static int needs_quotes(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == '"' || p[i] == ',' || p[i] == '\n' || p[i] == '\r')
            return 1;
    return 0;
}

/* The header name of file column `col` (0-based), or NULL. */
static const char *column_name(const copy_ctx *c, int col)
{
    for (int j = 0; j < c->nspec; j++)
        if (c->h->index[j] == col)
            return c->spec[j].name;
    return NULL;
}

static int row_error(copy_ctx *c, const cl_csv_row *row)
{
    int col = row->nfields < c->h->ncols ? row->nfields + 1 : c->h->ncols + 1;
    const char *name = row->nfields < c->h->ncols ? column_name(c, row->nfields) : NULL;
    char what[160] = "";
    if (name)
        snprintf(what, sizeof what, " (column '%s' is missing)", name);
    else if (row->nfields > c->h->ncols)
        snprintf(what, sizeof what, " (column %d is beyond the header)", col);
    c->err = cl_diag_set(c->d, CL_ERR_CSV, "%s:%" PRIu64 ":%d: %s%s; nothing was loaded",
                         c->path, row->line, col, row->error, what);
    return 1;
}

static int put_field(copy_ctx *c, const cl_csv_row *row, int j)
{
    int idx = c->h->index[j];
    if (idx < 0)
        return 0;   /* column absent from the file: NULL */
    cl_field f = idx < row->nfields ? row->fields[idx] : (cl_field){"", 0};
    if (memchr(f.p, '\0', f.len)) {
        c->err = cl_diag_set(c->d, CL_ERR_INPUT, "%s:%" PRIu64 ":%d: column '%s' holds a NUL byte; "
                             "nothing was loaded", c->path, row->line, idx + 1, c->spec[j].name);
        return -1;
    }
    if (reserve(c, 2 * f.len + 3) < 0)
        return -2;
    if (f.len == 0 || needs_quotes(f.p, f.len)) {
        c->buf[c->n++] = '"';
        for (size_t i = 0; i < f.len; i++) {
            if (f.p[i] == '"')
                c->buf[c->n++] = '"';
            c->buf[c->n++] = f.p[i];
        }
        c->buf[c->n++] = '"';
    } else {
        memcpy(c->buf + c->n, f.p, f.len);
        c->n += f.len;
    }
    return 0;
}

static int copy_row(void *ctx, int chunk, const cl_csv_row *row)
{
    copy_ctx *c = ctx;
    (void)chunk;
    if (row->error)
        return row_error(c, row);
    size_t pl = strlen(c->prefix);
    if (reserve(c, pl + 32) < 0)
        goto oom;
    memcpy(c->buf + c->n, c->prefix, pl);
    c->n += pl;
    c->n += (size_t)snprintf(c->buf + c->n, 24, "%" PRIu64, row->line);
    for (int j = 0; j < c->nspec; j++) {
        if (reserve(c, 1) < 0)
            goto oom;
        c->buf[c->n++] = ',';
        int r = put_field(c, row, j);
        if (r == -1)
            return 1;
        if (r < 0)
            goto oom;
    }
    if (reserve(c, 1) < 0)
        goto oom;
    c->buf[c->n++] = '\n';
    c->rows++;
    if (c->n >= FLUSH_AT && flush(c) < 0)
        return 1;
    return 0;
oom:
    c->err = cl_diag_set(c->d, CL_ERR_NOMEM, "out of memory");
    return 1;
}

/* "COPY claims.raw_x (case_id, batch_id, line, <spec names>) FROM STDIN". */
static void copy_sql(char *sql, size_t cap, cl_input_kind k, const cl_csv_col *spec, int nspec)
{
    size_t n = (size_t)snprintf(sql, cap, "COPY %s (case_id, batch_id, line", raw_table[k]);
    for (int j = 0; j < nspec && n < cap; j++)
        n += (size_t)snprintf(sql + n, cap - n, ", \"%s\"", spec[j].name);
    if (n < cap)
        snprintf(sql + n, cap - n, ") FROM STDIN WITH (FORMAT csv)");
}

/* Ends the COPY (aborting it when failed) and collects its result. */
static cl_err end_copy(cl_store *s, int failed, cl_diag *d)
{
    cl_err err = CL_OK;
    if (PQputCopyEnd(s->conn, failed ? "claims: load aborted" : NULL) != 1 && !failed)
        err = cl_store_db_error(s, NULL, d, "COPY into the database failed");
    PGresult *res;
    while ((res = PQgetResult(s->conn)) != NULL) {
        if (!failed && !err && PQresultStatus(res) != PGRES_COMMAND_OK)
            err = cl_store_db_error(s, res, d, "COPY into the database failed");
        PQclear(res);
    }
    return err;
}

static cl_err copy_file(cl_store *s, cl_input_kind k, input *in, const char *case_id,
                        int64_t batch_id, uint64_t *rows, cl_diag *d)
{
    int nspec;
    const cl_csv_col *spec = cl_input_spec(k, &nspec);
    copy_ctx c = {.s = s, .path = in->path, .spec = spec, .nspec = nspec, .h = &in->h, .d = d};
    /* case ids are checked by the schema to be [A-Za-z0-9._-]: no quoting */
    snprintf(c.prefix, sizeof c.prefix, "%s,%" PRId64 ",", case_id, batch_id);
    char sql[1024];
    copy_sql(sql, sizeof sql, k, spec, nspec);
    PGresult *res = PQexec(s->conn, sql);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        cl_err err = cl_store_db_error(s, res, d, "cannot start COPY");
        PQclear(res);
        return err;
    }
    PQclear(res);
    cl_csv_chunk chunks[MAX_CHUNKS];
    int nchunks = cl_csv_split(in->f, &in->h, MAX_CHUNKS, chunks);
    cl_err err = CL_OK;
    for (int i = 0; i < nchunks && !err; i++) {
        err = cl_csv_parse_chunk(in->f, &in->h, &chunks[i], i, copy_row, &c, d);
        if (c.err)
            err = c.err;
        cl_csv_release(in->f, chunks[i].begin, chunks[i].end);
    }
    if (!err && flush(&c) < 0)
        err = c.err;
    free(c.buf);
    cl_err end = end_copy(s, err != CL_OK, d);
    *rows = c.rows;
    return err ? err : end;
}

/* ------------------------------------------------------------- case.conf */

/* Replaces line `line` (1-based) of text by `repl`, in a new heap string. */
static char *replace_line(const char *text, size_t len, int line, const char *repl, size_t *out_len)
{
    const char *b = text, *end = text + len;
    for (int i = 1; i < line && b < end; i++) {
        const char *nl = memchr(b, '\n', (size_t)(end - b));
        b = nl ? nl + 1 : end;
    }
    const char *e = memchr(b, '\n', (size_t)(end - b));
    if (!e)
        e = end;
    size_t rl = strlen(repl), n = (size_t)(b - text) + rl + (size_t)(end - e);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    memcpy(out, text, (size_t)(b - text));
    memcpy(out + (b - text), repl, rl);
    memcpy(out + (b - text) + rl, e, (size_t)(end - e));
    out[n] = '\0';
    *out_len = n;
    return out;
}

/* Reads case.conf (checked by the configuration reader) into *text. A
 * creditor_key line is the case's secret: it is replaced by a comment, so
 * the key never enters the database; *key_line says where it was (0: none). */
static cl_err read_conf(const char *path, char **text, size_t *len, char sha[65], int *key_line,
                        cl_diag *d)
{
    cl_conf *conf = NULL;
    *key_line = 0;
    cl_err err = cl_conf_load(path, &conf, d);
    if (err)
        return err;
    const cl_conf_entry *key = cl_conf_find(conf, "creditor_key");
    if (key)
        *key_line = key->line;
    cl_conf_free(conf);
    cl_source src = cl_source_path(path);
    if ((err = cl_source_slurp(&src, text, len, d)))
        return err;
    if (strlen(*text) != *len) {
        free(*text);
        *text = NULL;
        return cl_diag_set(d, CL_ERR_ENCODING, "%s: holds a NUL byte", path);
    }
    if (*key_line) {
        size_t n = 0;
        char *kept = replace_line(*text, *len, *key_line,
                                  "# creditor_key withheld by claims db load: the key stays on the engine's host",
                                  &n);
        memset(*text, 0, *len);
        free(*text);
        *text = kept;
        *len = n;
        if (!kept)
            return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(*text, *len, md, &mdlen, EVP_sha256(), NULL);
    cl_store_hex32(md, sha);
    return CL_OK;
}

/* Where case.conf was loaded from (absolute): the default place of the
 * case's key for `claims run --db`. */
static cl_err put_conf_path(cl_store *s, const cl_store_load_opts *o, int exists, cl_diag *d)
{
    if (!exists)
        return CL_OK;   /* the INSERT of a new case sets it */
    char *abs = realpath(o->case_conf, NULL);
    const char *p[2] = {o->case_id, abs ? abs : o->case_conf};
    PGresult *res;
    cl_err err = cl_store_query(s, "UPDATE claims.cases SET conf_path = $2 WHERE case_id = $1",
                                2, p, &res, "cannot store the case", d);
    free(abs);
    if (!err)
        PQclear(res);
    return err;
}

/* Stores the case (and its case.conf when given); a new case needs one. */
static cl_err put_case(cl_store *s, const cl_store_load_opts *o, const char *conf,
                       const char *sha, cl_store_load_report *r, cl_diag *d)
{
    PGresult *res;
    const char *p[3] = {o->case_id, conf, sha};
    cl_err err = cl_store_query(s, "SELECT conf_sha256 FROM claims.cases WHERE case_id = $1 FOR UPDATE",
                                1, p, &res, "cannot read the case", d);
    if (err)
        return err;
    int exists = PQntuples(res) > 0;
    int same = exists && conf && !strcmp(PQgetvalue(res, 0, 0), sha);
    PQclear(res);
    if (!exists && !conf)
        return cl_diag_set(d, CL_ERR_INPUT,
                           "case '%s' is not in the database yet: give its case.conf (--case or "
                           "--case-dir); nothing was loaded", o->case_id);
    if (conf && (err = put_conf_path(s, o, exists, d)))
        return err;
    if (!conf || same)
        return CL_OK;
    const char *sql = exists
        ? "UPDATE claims.cases SET conf = $2, conf_sha256 = $3, updated_at = now() WHERE case_id = $1"
        : "INSERT INTO claims.cases (case_id, conf, conf_sha256, conf_path) VALUES ($1, $2, $3, $4)";
    char *abs = realpath(o->case_conf, NULL);
    const char *q[4] = {p[0], p[1], p[2], abs ? abs : o->case_conf};
    err = cl_store_query(s, sql, exists ? 3 : 4, q, &res, "cannot store the case", d);
    free(abs);
    if (err)
        return err;
    PQclear(res);
    r->case_created = !exists;
    r->conf_stored = 1;
    return CL_OK;
}

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

/* Loads one file (or finds the same bytes loaded before) and makes it the
 * case's current input of its kind. */
static cl_err put_file(cl_store *s, const cl_store_load_opts *o, cl_input_kind k, input *in,
                       cl_store_load_report *r, cl_diag *d)
{
    const unsigned char *md = cl_csv_sha256(in->f);
    if (!md)
        return cl_diag_set(d, CL_ERR_IO, "%s: cannot compute its SHA-256", in->path);
    cl_store_hex32(md, r->file[k].sha256);
    r->file[k].bytes = in->f->raw_bytes;
    r->file[k].encoding = cl_encoding_name(in->f->encoding);
    char bytes[32], batch[32];
    snprintf(bytes, sizeof bytes, "%" PRIu64, in->f->raw_bytes);
    const char *kind = cl_input_kind_name(k);
    const char *p[7] = {o->case_id, kind, r->file[k].sha256, base_name(in->path),
                        r->file[k].encoding, bytes, NULL};
    PGresult *res;
    cl_err err = cl_store_query(s,
        "SELECT batch_id, rows FROM claims.load_batches WHERE case_id = $1 AND kind = $2 AND sha256 = $3",
        3, p, &res, "cannot read the load batches", d);
    if (err)
        return err;
    if (PQntuples(res) > 0) {
        r->file[k].skipped = 1;
        r->file[k].batch_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        r->file[k].rows = strtoull(PQgetvalue(res, 0, 1), NULL, 10);
        PQclear(res);
    } else {
        PQclear(res);
        if ((err = cl_store_query(s,
                "INSERT INTO claims.load_batches (case_id, kind, sha256, label, encoding, bytes, rows)"
                " VALUES ($1, $2, $3, $4, $5, $6, 0) RETURNING batch_id",
                6, p, &res, "cannot record the load batch", d)))
            return err;
        r->file[k].batch_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        PQclear(res);
        if ((err = copy_file(s, k, in, o->case_id, r->file[k].batch_id, &r->file[k].rows, d)))
            return err;
        char rows[32];
        snprintf(batch, sizeof batch, "%" PRId64, r->file[k].batch_id);
        snprintf(rows, sizeof rows, "%" PRIu64, r->file[k].rows);
        const char *q[2] = {batch, rows};
        if ((err = cl_store_query(s, "UPDATE claims.load_batches SET rows = $2 WHERE batch_id = $1",
                                  2, q, &res, "cannot record the load batch", d)))
            return err;
        PQclear(res);
    }
    snprintf(batch, sizeof batch, "%" PRId64, r->file[k].batch_id);
    const char *q[3] = {o->case_id, kind, batch};
    if ((err = cl_store_query(s,
            "INSERT INTO claims.case_inputs (case_id, kind, batch_id) VALUES ($1, $2, $3)"
            " ON CONFLICT (case_id, kind) DO UPDATE SET batch_id = EXCLUDED.batch_id, selected_at = now()",
            3, q, &res, "cannot select the case's input", d)))
        return err;
    PQclear(res);
    return CL_OK;
}

static cl_err open_inputs(const cl_store_load_opts *o, input in[CL_IN_NKINDS], cl_diag *d)
{
    for (int k = 0; k < CL_IN_NKINDS; k++) {
        if (!o->files[k])
            continue;
        int nspec;
        const cl_csv_col *spec = cl_input_spec((cl_input_kind)k, &nspec);
        in[k].path = o->files[k];
        cl_err err = cl_csv_load(o->files[k], o->encoding, &in[k].f, d);
        if (err)
            return err;
        if ((err = cl_csv_bind(in[k].f, spec, nspec, &in[k].h, d)))
            return err;
        in[k].bound = 1;
    }
    return CL_OK;
}

static void close_inputs(input in[CL_IN_NKINDS])
{
    for (int k = 0; k < CL_IN_NKINDS; k++) {
        if (in[k].bound)
            cl_csv_header_free(&in[k].h);
        cl_csv_file_free(in[k].f);
    }
}

cl_err cl_store_load(cl_store *s, const cl_store_load_opts *o, cl_store_load_report *r,
                     cl_diag *d)
{
    memset(r, 0, sizeof *r);
    input in[CL_IN_NKINDS] = {0};
    char *conf = NULL;
    size_t conf_len = 0;
    char conf_sha[65] = "";
    if (!o->case_id || !cl_store_case_id_ok(o->case_id))
        return cl_diag_set(d, CL_ERR_USAGE, "a case id is 1 to 64 letters, digits, '.', '_' or '-'");
    cl_err err = cl_store_schema_check(s, d);
    if (err)
        return err;
    /* Everything that can be checked without the database first. */
    if (o->case_conf && (err = read_conf(o->case_conf, &conf, &conf_len, conf_sha, &r->conf_key_line, d)))
        goto out;
    if ((err = open_inputs(o, in, d)))
        goto out;
    if ((err = cl_store_exec(s, "BEGIN", "cannot begin a transaction", d)))
        goto out;
    const char *p[1] = {o->case_id};
    PGresult *res;
    if ((err = cl_store_query(s, "SELECT pg_advisory_xact_lock(hashtext('claims.load'), hashtext($1))",
                              1, p, &res, "cannot lock the case", d)))
        goto fail;
    PQclear(res);
    if ((err = put_case(s, o, conf, conf_sha, r, d)))
        goto fail;
    for (int k = 0; k < CL_IN_NKINDS; k++) {
        if (!in[k].f)
            continue;
        r->file[k].given = 1;
        if ((err = put_file(s, o, (cl_input_kind)k, &in[k], r, d)))
            goto fail;
    }
    if ((err = cl_store_exec(s, "COMMIT", "cannot commit the load", d)))
        goto fail;
    goto out;
fail:
    cl_store_rollback(s);
    memset(r, 0, sizeof *r);
out:
    close_inputs(in);
    free(conf);
    return err;
}
