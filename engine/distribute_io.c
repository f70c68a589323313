/* distribute_io.c - the inputs of `claims distribute` (contract §7, §10):
 * a creditor list (creditors.csv as `claims run` writes it, or a hand-made
 * one) and a run's private payees.csv, read from a path or any byte source
 * into engine/cl_distribute_io.h's arrays. Errors name label:line. */
#include "engine/cl_distribute_io.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/cl_scratch.h"
#include "engine/cl_formats.h"
#include "ingest/cl_norm.h"

/* ---- creditors.csv ------------------------------------------------------ */

enum { C_ID, C_EMPLOYEE, C_TAX, C_ORDINARY, C_NAME, C_ID_TYPE, C_ID_NUMBER, C_NCOLS };

static const cl_csv_col creditor_cols[C_NCOLS] = {
    {CL_FMT_CREDITORS_CREDITOR_ID, 1},
    {CL_FMT_CREDITORS_EMPLOYEE, 1},
    {CL_FMT_CREDITORS_TAX, 1},
    {CL_FMT_CREDITORS_ORDINARY, 1},
    {CL_FMT_CREDITORS_NAME, 0},
    {"id_type", "证件类型", 0},
    {CL_FMT_CREDITORS_ID_NUMBER, 0},
};

typedef struct load_ctx {
    cl_dist_creditors *c;
    const cl_csv_file *f;
    const cl_csv_header *h;
    cl_scratch text;        /* the current field, normalized */
    cl_diag *d;
    cl_err err;
} load_ctx;

static int load_fail(load_ctx *x, cl_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int load_fail(load_ctx *x, cl_err e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cl_diag_vset(x->d, e, fmt, ap);
    va_end(ap);
    x->err = e;
    return 1;
}

static bool creditors_grow(cl_dist_creditors *c)
{
    if (c->n < c->cap)
        return true;
    size_t cap = c->cap ? c->cap * 2 : 1024;
    void *p;
    if (!(p = realloc(c->id, cap * sizeof *c->id)))
        return false;
    c->id = p;
    if (!(p = realloc(c->line, cap * sizeof *c->line)))
        return false;
    c->line = p;
    for (int t = 0; t < CL_TIER_COUNT; t++) {
        if (!(p = realloc(c->claim[t], cap * sizeof *c->claim[t])))
            return false;
        c->claim[t] = p;
    }
    for (int k = 0; k < CL_PAYEE_NFIELDS; k++) {
        if (!(p = realloc(c->payee[k], cap * sizeof *c->payee[k])))
            return false;
        c->payee[k] = p;
    }
    c->cap = cap;
    return true;
}

/* Trimmed text of column spec in x->text (NUL-terminated). */
static const char *field(load_ctx *x, const cl_csv_row *row, int spec, size_t *len)
{
    int col = x->h->index[spec];
    const cl_field *f = &row->fields[col];
    char *buf = cl_scratch_get(&x->text, f->len + 9);
    if (!buf)
        return NULL;
    *len = cl_norm_text(f->p, f->len, buf);
    buf[*len] = 0;
    return buf;
}

static int creditor_row(void *ctx, int chunk, const cl_csv_row *row)
{
    load_ctx *x = ctx;
    cl_dist_creditors *c = x->c;
    unsigned long long line = (unsigned long long)row->line;
    size_t len;
    if (row->error)
        return load_fail(x, CL_ERR_CSV, "%s:%llu: %s", x->f->path, line, row->error);
    if (!creditors_grow(c))
        return load_fail(x, CL_ERR_NOMEM, "out of memory");
    const char *id = field(x, row, C_ID, &len);
    if (!id)
        return load_fail(x, CL_ERR_NOMEM, "out of memory");
    if (len == 0)
        return load_fail(x, CL_ERR_INPUT, "%s:%llu: column 'creditor_id': empty", x->f->path,
                         line);
    size_t i = c->n;
    uint32_t first;
    if (!(c->id[i] = cl_arena_strndup(c->arena, id, len)))
        return load_fail(x, CL_ERR_NOMEM, "out of memory");
    int put = cl_strmap_put(c->index, c->id[i], len, (uint32_t)i, &first);
    if (put < 0)
        return load_fail(x, CL_ERR_NOMEM, "out of memory");
    if (put == 0)
        return load_fail(x, CL_ERR_INPUT,
                         "%s:%llu: column 'creditor_id': duplicate '%s' (first on line %llu)",
                         x->f->path, line, id, (unsigned long long)c->line[first]);
    c->line[i] = row->line;
    static const int who_col[3] = {C_NAME, C_ID_TYPE, C_ID_NUMBER};
    for (int k = 0; k < CL_PAYEE_NFIELDS; k++)
        c->payee[k][i] = NULL;
    for (int k = 0; k < 3; k++) {
        const char *v = x->h->index[who_col[k]] >= 0 ? field(x, row, who_col[k], &len) : "";
        if (!v || (*v && !(c->payee[k][i] = cl_arena_strndup(c->arena, v, len))))
            return load_fail(x, CL_ERR_NOMEM, "out of memory");
    }
    static const int tier_col[CL_TIER_COUNT] = {C_EMPLOYEE, C_TAX, C_ORDINARY};
    for (int t = 0; t < CL_TIER_COUNT; t++) {
        const char *v = field(x, row, tier_col[t], &len);
        if (!v)
            return load_fail(x, CL_ERR_NOMEM, "out of memory");
        c->claim[t][i] = 0;
        if (len && cl_parse_amount(v, len, false, &c->claim[t][i]) != CL_AMT_OK)
            return load_fail(x, CL_ERR_INPUT, "%s:%llu: column '%s': invalid amount '%s'",
                             x->f->path, line, creditor_cols[tier_col[t]].name, v);
    }
    c->n++;
    return 0;
}

void cl_dist_creditors_free(cl_dist_creditors *c)
{
    if (!c)
        return;
    free(c->id);
    free(c->line);
    for (int t = 0; t < CL_TIER_COUNT; t++)
        free(c->claim[t]);
    for (int k = 0; k < CL_PAYEE_NFIELDS; k++)
        free(c->payee[k]);
    cl_arena_free(c->arena);
    cl_strmap_free(c->index);
    free(c);
}

cl_err cl_dist_creditors_load(const char *path, cl_encoding enc, cl_dist_creditors **out,
                              cl_diag *d)
{
    cl_source src = cl_source_path(path);
    return cl_dist_creditors_load_src(&src, enc, out, d);
}

cl_err cl_dist_creditors_load_src(const cl_source *src, cl_encoding enc,
                                  cl_dist_creditors **out, cl_diag *d)
{
    cl_csv_file *f = NULL;
    cl_csv_header h = {0};
    cl_dist_creditors *c = calloc(1, sizeof *c);
    load_ctx x = {.c = c, .d = d};
    cl_err e = CL_OK;
    *out = NULL;
    if (!c || !(c->arena = cl_arena_create(0)) || !(c->index = cl_strmap_create(1024)) ||
        !creditors_grow(c)) {
        e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((e = cl_csv_load_source(src, enc, &f, d)) ||
        (e = cl_csv_bind(f, creditor_cols, C_NCOLS, &h, d)))
        goto done;
    x.f = f;
    x.h = &h;
    cl_csv_chunk chunk;
    if (cl_csv_split(f, &h, 1, &chunk) == 1) {
        e = cl_csv_parse_chunk(f, &h, &chunk, 0, creditor_row, &x, d);
        if (x.err)
            e = x.err;
    }
done:
    cl_scratch_release(&x.text);
    cl_csv_header_free(&h);
    cl_csv_file_free(f);
    if (e)
        cl_dist_creditors_free(c);
    else
        *out = c;
    return e;
}

/* ---- payees.csv (a run's private table) --------------------------------- */

enum { Y_ID, Y_NAME, Y_ID_TYPE, Y_ID_NUMBER, Y_BANK_NAME, Y_BANK_ACCOUNT, Y_NCOLS };

static const cl_csv_col payee_cols[Y_NCOLS] = {
    {"creditor_id", "债权人编号", 1}, {"name", "债权人名称", 0},
    {"id_type", "证件类型", 0},       {"id_number", "证件号码", 0},
    {"bank_name", "开户银行", 1},     {"bank_account", "银行账号", 1},
};

/* One payees.csv row onto the creditor it names (same run: it must be one). */
static int payee_row(void *ctx, int chunk, const cl_csv_row *row)
{
    load_ctx *x = ctx;
    cl_dist_creditors *c = x->c;
    unsigned long long line = (unsigned long long)row->line;
    size_t len;
    if (row->error)
        return load_fail(x, CL_ERR_CSV, "%s:%llu: %s", x->f->path, line, row->error);
    const char *id = field(x, row, Y_ID, &len);
    if (!id)
        return load_fail(x, CL_ERR_NOMEM, "out of memory");
    uint32_t i;
    if (!cl_strmap_get(c->index, id, len, &i))
        return load_fail(x, CL_ERR_INPUT,
                         "%s:%llu: column 'creditor_id': '%s' is not in creditors.csv (are "
                         "both from the same run?)", x->f->path, line, id);
    for (int k = 0; k < CL_PAYEE_NFIELDS; k++) {
        const char *v = x->h->index[Y_NAME + k] >= 0 ? field(x, row, Y_NAME + k, &len) : "";
        if (!v)
            return load_fail(x, CL_ERR_NOMEM, "out of memory");
        if (*v && !(c->payee[k][i] = cl_arena_strndup(c->arena, v, len)))
            return load_fail(x, CL_ERR_NOMEM, "out of memory");
    }
    return 0;
}

cl_err cl_dist_payees_load(const char *path, cl_encoding enc, cl_dist_creditors *c, cl_diag *d)
{
    cl_source src = cl_source_path(path);
    return cl_dist_payees_load_src(&src, enc, c, d);
}

cl_err cl_dist_payees_load_src(const cl_source *src, cl_encoding enc, cl_dist_creditors *c,
                               cl_diag *d)
{
    cl_csv_file *f = NULL;
    cl_csv_header h = {0};
    load_ctx x = {.c = c, .d = d};
    cl_err e;
    if ((e = cl_csv_load_source(src, enc, &f, d)) ||
        (e = cl_csv_bind(f, payee_cols, Y_NCOLS, &h, d)))
        goto done;
    x.f = f;
    x.h = &h;
    cl_csv_chunk chunk;
    if (cl_csv_split(f, &h, 1, &chunk) == 1) {
        e = cl_csv_parse_chunk(f, &h, &chunk, 0, payee_row, &x, d);
        if (x.err)
            e = x.err;
    }
done:
    cl_scratch_release(&x.text);
    cl_csv_header_free(&h);
    cl_csv_file_free(f);
    return e;
}
