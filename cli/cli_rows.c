/* cli_rows.c - reads a CSV output of another command into memory as cells
 * (cl_cli_rows.h). One thread, file order. */
#include <stdlib.h>
#include <string.h>

#include "cli/cl_cli_rows.h"

typedef struct loader {
    cl_cli_rows *r;
    const cl_csv_header *h;
    size_t cap_rows, cap_buf, used;
    cl_diag *d;
} loader;

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 1024;
    while (nc < need)
        nc *= 2;
    void *q = realloc(*p, nc * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = nc;
    return 0;
}

static int on_row(void *vx, int chunk, const cl_csv_row *row)
{
    (void)chunk;
    loader *x = vx;
    cl_cli_rows *r = x->r;
    if (row->error) {
        cl_diag_set(x->d, CL_ERR_CSV, "%s:%llu: %s", r->path, (unsigned long long)row->line,
                    row->error);
        return 1;
    }
    if (r->n + 1 > x->cap_rows) {
        size_t cr = x->cap_rows ? x->cap_rows * 2 : 1024;
        uint64_t *l = realloc(r->line, cr * sizeof *l);
        if (l)
            r->line = l;
        size_t *o = l ? realloc(r->off, cr * ((size_t)r->ncols + 1) * sizeof *o) : NULL;
        if (!o)
            goto nomem;
        r->off = o;
        x->cap_rows = cr;
    }
    r->line[r->n] = row->line;
    for (int c = 0; c < r->ncols; c++) {
        int k = x->h->index[c];
        size_t *o = &r->off[r->n * (size_t)r->ncols + (size_t)c];
        if (k < 0 || k >= row->nfields) {
            *o = SIZE_MAX;
            continue;
        }
        const cl_field *f = &row->fields[k];
        if (grow((void **)&r->buf, &x->cap_buf, x->used + f->len + 1, 1))
            goto nomem;
        memcpy(r->buf + x->used, f->p, f->len);
        r->buf[x->used + f->len] = '\0';
        *o = x->used;
        x->used += f->len + 1;
    }
    r->n++;
    return 0;
nomem:
    cl_diag_set(x->d, CL_ERR_NOMEM, "%s: out of memory", r->path);
    return 1;
}

cl_err cl_cli_rows_load(const char *path, const cl_csv_col *spec, int nspec,
                        cl_cli_rows **out, cl_diag *d)
{
    *out = NULL;
    cl_csv_file *f = NULL;
    cl_csv_header h = {0};
    cl_cli_rows *r = calloc(1, sizeof *r);
    if (!r)
        return cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", path);
    r->path = path;
    r->ncols = nspec;
    r->present = calloc((size_t)nspec + 1, sizeof *r->present);
    cl_err e = r->present ? CL_OK : cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", path);
    if (!e)
        e = cl_csv_load(path, CL_ENC_AUTO, &f, d);
    if (!e)
        e = cl_csv_bind(f, spec, nspec, &h, d);
    if (e)
        goto done;
    for (int c = 0; c < nspec; c++)
        r->present[c] = h.index[c] >= 0;
    loader x = {.r = r, .h = &h, .d = d};
    int nchunks = 0;
    e = cl_csv_parse_all(f, &h, 1, on_row, &x, &nchunks, d);
    if (!e) {
        const unsigned char *sha = cl_csv_sha256(f);
        if (!sha)
            e = cl_diag_set(d, CL_ERR_IO, "%s: cannot compute its SHA-256", path);
        else
            memcpy(r->sha256, sha, 32);
    }
done:
    cl_csv_header_free(&h);
    cl_csv_file_free(f);
    if (e) {
        cl_cli_rows_free(r);
        return e;
    }
    *out = r;
    return CL_OK;
}

const char *cl_cli_rows_get(const cl_cli_rows *r, size_t row, int col)
{
    size_t o = r->off[row * (size_t)r->ncols + (size_t)col];
    return o == SIZE_MAX ? "" : r->buf + o;
}

uint64_t cl_cli_rows_line(const cl_cli_rows *r, size_t row)
{
    return r->line[row];
}

void cl_cli_rows_free(cl_cli_rows *r)
{
    if (!r)
        return;
    free(r->present);
    free(r->buf);
    free(r->off);
    free(r->line);
    free(r);
}
