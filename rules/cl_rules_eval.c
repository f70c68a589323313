/* cl_rules_eval.c - evaluates one pass of a compiled rule set over records,
 * in parallel by row (OpenMP, static schedule). Each thread owns its PCRE2
 * match data and a per-row cache of field values; nothing is allocated per
 * row. A row's bits depend only on that row, so results are the same on any
 * thread count. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/cl_norm.h"
#include "core/cl_alloc.h"
#include "rules/cl_rules_int.h"

typedef struct row_ctx {
    const cl_ruleset *rs;
    const void *data;
    size_t row;
    cl_value *vals;        /* per field, valid when stamp == row + 1 */
    size_t *stamp;
    pcre2_match_data *md;
} row_ctx;

static const cl_value *field(row_ctx *c, int f)
{
    if (c->stamp[f] != c->row + 1) {
        c->rs->schema->get(c->data, c->row, f, &c->vals[f]);
        c->stamp[f] = c->row + 1;
    }
    return &c->vals[f];
}

static int cmp_text(const cl_value *a, const cl_value *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int r = n ? memcmp(a->s, b->s, n) : 0;
    if (r)
        return r < 0 ? -1 : 1;
    return a->len < b->len ? -1 : a->len > b->len;
}

static bool text_eq(const cl_value *a, const cl_value *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->s, b->s, a->len) == 0);
}

static bool cmp_holds(int type, int op, const cl_value *a, const cl_value *b)
{
    if (type == CL_VT_TEXT && (op == CMP_EQ || op == CMP_NE))
        return text_eq(a, b) == (op == CMP_EQ);
    int r = type == CL_VT_TEXT ? cmp_text(a, b) : (a->i > b->i) - (a->i < b->i);
    switch (op) {
    case CMP_EQ: return r == 0;
    case CMP_NE: return r != 0;
    case CMP_LT: return r < 0;
    case CMP_LE: return r <= 0;
    case CMP_GT: return r > 0;
    default: return r >= 0;
    }
}

static bool eval_cmp(row_ctx *c, const rl_node *n)
{
    const cl_value *a = n->lf >= 0 ? field(c, n->lf) : &c->rs->items[n->idx];
    if (a->state != CL_V_OK)
        return false;
    const cl_value *b = n->rf >= 0 ? field(c, n->rf) : &n->rv;
    if (b->state != CL_V_OK)
        return false;
    return cmp_holds(n->type, n->cmp, a, b);
}

static bool eval_match(row_ctx *c, const rl_node *n)
{
    const cl_value *v = field(c, n->lf);
    if (v->state != CL_V_OK)
        return false;
    int rc = pcre2_match(c->rs->res[n->idx], (PCRE2_SPTR)(v->s ? v->s : ""), v->len, 0, 0,
                         c->md, NULL);
    /* rc 0: matched, ovector too small; < 0: no match or bad UTF-8 */
    return (rc >= 0) != (n->neg != 0);
}

static bool eval_inlist(row_ctx *c, const rl_node *n)
{
    const cl_value *v = field(c, n->lf);
    if (v->state != CL_V_OK)
        return false;
    bool found = false;
    for (int k = 0; k < n->n && !found; k++)
        found = cmp_holds(n->type, CMP_EQ, v, &c->rs->items[n->idx + k]);
    return found != (n->neg != 0);
}

static bool eval_inset(row_ctx *c, const rl_node *n)
{
    const cl_value *v = field(c, n->lf);
    if (v->state != CL_V_OK)
        return false;
    uint32_t dummy;
    bool found = cl_strmap_get(c->rs->sets[n->idx], v->s ? v->s : "", v->len, &dummy) == 1;
    return found != (n->neg != 0);
}

static bool eval_pred(row_ctx *c, const rl_node *n)
{
    const cl_value *v = field(c, n->lf);
    bool ok = v->state == CL_V_OK;
    bool text = c->rs->schema->fields[n->lf].type == CL_VT_TEXT;
    const char *s = v->s ? v->s : "";
    switch (n->pred) {
    case PRED_EMPTY: return v->state == CL_V_EMPTY || (ok && text && v->len == 0);
    case PRED_VALID: return v->state != CL_V_INVALID;
    case PRED_PRESENT: return ok && !(text && v->len == 0);
    case PRED_PRC_ID: return ok && cl_prc_id_valid(s, v->len, c->rs->max_birth_day);
    case PRED_USCC: return ok && cl_uscc_valid(s, v->len);
    default: return ok && cl_luhn_valid(s, v->len);
    }
}

static bool eval_node(row_ctx *c, int i)
{
    const rl_node *n = &c->rs->nodes[i];
    switch (n->op) {
    case RN_AND: return eval_node(c, n->a) && eval_node(c, n->b);
    case RN_OR: return eval_node(c, n->a) || eval_node(c, n->b);
    case RN_NOT: return !eval_node(c, n->a);
    case RN_CONST: return n->neg != 0;
    case RN_BOOLF: {
        const cl_value *v = field(c, n->lf);
        return v->state == CL_V_OK && v->i != 0;
    }
    case RN_CMP: return eval_cmp(c, n);
    case RN_MATCH: return eval_match(c, n);
    case RN_INLIST: return eval_inlist(c, n);
    case RN_INSET: return eval_inset(c, n);
    default: return eval_pred(c, n);
    }
}

static void eval_row(row_ctx *c, const int *rules, int nr, uint64_t *bits)
{
    const cl_ruleset *rs = c->rs;
    for (int k = 0; k < nr; k++) {
        int r = rules[k];
        if (rs->when[r] >= 0 && !eval_node(c, rs->when[r]))
            continue;
        if (!eval_node(c, rs->req[r]))
            bits[r >> 6] |= UINT64_C(1) << (r & 63);
    }
}

cl_err cl_ruleset_eval(const cl_ruleset *rs, int pass, const void *data, size_t n,
                       const unsigned char *active, uint64_t *hits, int nthreads,
                       cl_diag *d)
{
    if (!rs || pass < 0 || pass >= rs->schema->npasses)
        return cl_diag_set(d, CL_ERR_INTERNAL, "rules: no pass %d", pass);
    int nr = rs->pass_n[pass];
    if (nr == 0 || n == 0)
        return CL_OK;
    const int *rules = rs->pass_rules[pass];
    int words = cl_ruleset_words(rs);
    int nf = rs->schema->nfields;
    int failed = 0;
    if (nthreads <= 0)
        nthreads = omp_get_max_threads();

#pragma omp parallel num_threads(nthreads)
    {
        row_ctx c = {.rs = rs, .data = data};
        c.vals = cl_calloc((size_t)nf, sizeof *c.vals);
        c.stamp = cl_calloc((size_t)nf, sizeof *c.stamp);
        c.md = pcre2_match_data_create(1, NULL);
        bool ok = c.vals && c.stamp && c.md;
        if (!ok) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (size_t row = 0; row < n; row++) {
            if (!ok || (active && !active[row]))
                continue;
            c.row = row;
            eval_row(&c, rules, nr, hits + row * (size_t)words);
        }
        pcre2_match_data_free(c.md);
        free(c.stamp);
        free(c.vals);
    }
    if (failed)
        return cl_diag_set(d, CL_ERR_NOMEM, "rules: out of memory evaluating pass '%s'",
                           rs->schema->passes[pass]);
    return CL_OK;
}
