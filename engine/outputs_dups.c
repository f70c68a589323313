/* outputs_dups.c - probable_duplicates.csv and its sheet in report.xlsx
 * (疑似重复): one row per cluster of cl_linkage.h, strongest first, with its
 * submissions, identities, names and the evidence linking them. For the
 * reviewers only: never in public outputs. Bank accounts and phones in the
 * evidence are masked (the members' rows in the review queue carry them). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cl_linkage.h"
#include "engine/cl_model.h"
#include "engine/cl_outputs_dups.h"
#include "reports/cl_report.h"

#define CELL_CAP 32768
#define MAX_EVIDENCE_LISTED 50

static const cl_col dup_cols[] = {
    {"cluster", "疑似重复组", CL_COL_TEXT},
    {"score", "分值", CL_COL_INT},
    {"identities_count", "身份数", CL_COL_INT},
    {"signals", "关联信号", CL_COL_TEXT},
    {"submissions", "申报编号", CL_COL_TEXT},
    {"identities", "证件号码", CL_COL_TEXT},
    {"names", "债权人名称", CL_COL_TEXT},
    {"evidence", "关联证据", CL_COL_TEXT},
};

typedef struct dup_ctx {
    const cl_batch *b;
    const cl_linkage *l;
    char id[16];
    char signals[256];
    char subs[CELL_CAP];
    char ids[CELL_CAP];
    char names[CELL_CAP];
    char ev[CELL_CAP];
} dup_ctx;

/* Appends to buf (length *n, capacity CELL_CAP); a full cell ends in "…". */
static void put(char *buf, size_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put(char *buf, size_t *n, const char *fmt, ...)
{
    if (*n + 4 >= CELL_CAP)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + *n, CELL_CAP - 4 - *n, fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    if (*n + (size_t)k >= CELL_CAP - 4) {
        buf[*n] = '\0';
        memcpy(buf + *n, "…", 4);   /* 3 bytes and the NUL */
        *n = CELL_CAP;
        return;
    }
    *n += (size_t)k;
}

/* The distinct identities of a cluster, in member (row) order. */
static void identities(dup_ctx *x, const cl_link_cluster *c, size_t *ni, size_t *nn)
{
    const cl_batch *b = x->b;
    *ni = *nn = 0;
    x->ids[0] = x->names[0] = '\0';
    for (size_t m = 0; m < c->nmembers; m++) {
        const cl_sub *s = &b->subs[x->l->members[c->member0 + m]];
        int seen = 0;
        for (size_t k = 0; k < m && !seen; k++)
            seen = b->subs[x->l->members[c->member0 + k]].identity == s->identity;
        if (seen)
            continue;
        put(x->ids, ni, "%s%s", *ni ? ";" : "", s->id_number[0] ? s->id_number : "(none)");
        put(x->names, nn, "%s%s", *nn ? ";" : "", s->name);
    }
}

static void evidence_one(dup_ctx *x, size_t *n, const cl_link_evidence *e)
{
    const cl_batch *b = x->b;
    const cl_sub *sa = &b->subs[e->a], *sb = &b->subs[e->b];
    char m[128];
    const char *sep = *n ? " | " : "";
    switch (e->signal) {
    case CL_LS_BANK:
        m[cl_mask(CL_COL_PII_BANK, sa->bank_account, strnlen(sa->bank_account, 100), m)] = '\0';
        put(x->ev, n, "%sbank_account %s shared by %u identities (%s, %s; +%d)", sep, m,
            e->shared, sa->submission_id, sb->submission_id, e->weight);
        break;
    case CL_LS_PHONE:
        m[cl_mask(CL_COL_PII_PHONE, sa->phone, strnlen(sa->phone, 100), m)] = '\0';
        put(x->ev, n, "%sphone %s shared by %u identities (%s, %s; +%d)", sep, m, e->shared,
            sa->submission_id, sb->submission_id, e->weight);
        break;
    case CL_LS_ACCOUNT_REF:
        put(x->ev, n, "%saccount_ref %s claimed by %u identities (%s, %s; +%d)", sep,
            sa->account_ref, e->shared, sa->submission_id, sb->submission_id, e->weight);
        break;
    default: {
        char how[64];
        if (e->pos < 0)
            snprintf(how, sizeof how, "the same first 17 characters");
        else if (e->transposed)
            snprintf(how, sizeof how, "characters %d and %d swapped", e->pos + 1, e->pos + 2);
        else
            snprintf(how, sizeof how, "character %d differs", e->pos + 1);
        put(x->ev, n, "%s%s %s/%s: %s%s, %s%s%s%s (+%d)", sep, cl_link_signal_name(e->signal),
            sa->submission_id, sb->submission_id,
            e->signal == CL_LS_ID15_18 ? "15- and 18-digit forms, " : "", how,
            e->name_variant ? "names " : "same name ", sa->name,
            e->name_variant ? "/" : "", e->name_variant ? sb->name : "", e->weight);
    }
    }
}

static void dup_row(void *vx, size_t row, cl_cell *cells)
{
    dup_ctx *x = vx;
    const cl_link_cluster *c = &x->l->clusters[row];
    const cl_batch *b = x->b;
    memset(cells, 0, 8 * sizeof *cells);
    cl_link_cluster_id(row, x->id);
    size_t ns = 0, ne = 0, ni, nn, nsig = 0;
    x->subs[0] = x->ev[0] = x->signals[0] = '\0';
    for (int k = 0; k < CL_LS_COUNT; k++)
        if (c->signals & (1u << k))
            nsig += (size_t)snprintf(x->signals + nsig, sizeof x->signals - nsig, "%s%s",
                                     nsig ? ";" : "", cl_link_signal_name((cl_link_signal)k));
    for (size_t m = 0; m < c->nmembers; m++)
        put(x->subs, &ns, "%s%s", ns ? ";" : "", b->subs[x->l->members[c->member0 + m]].submission_id);
    identities(x, c, &ni, &nn);
    for (size_t k = 0; k < c->nev && k < MAX_EVIDENCE_LISTED; k++)
        evidence_one(x, &ne, &x->l->ev[c->ev0 + k]);
    if (c->nev > MAX_EVIDENCE_LISTED)
        put(x->ev, &ne, " | … %zu more", c->nev - MAX_EVIDENCE_LISTED);
    cells[0].s = x->id;
    cells[0].len = strlen(x->id);
    cells[1].i = c->score;
    cells[2].i = c->nidentities;
    cells[3].s = x->signals;
    cells[3].len = strlen(x->signals);
    cells[4].s = x->subs;
    cells[4].len = strlen(x->subs);
    cells[5].s = x->ids;
    cells[5].len = strlen(x->ids);
    cells[6].s = x->names;
    cells[6].len = strlen(x->names);
    cells[7].s = x->ev;
    cells[7].len = strlen(x->ev);
}

cl_err cl_dups_table(const cl_batch *b, cl_table *t, void **ctx)
{
    const cl_linkage *l = b->decided == 2 ? b->linkage : NULL;
    dup_ctx *x = calloc(1, sizeof *x);
    *ctx = x;
    if (!x)
        return CL_ERR_NOMEM;
    x->b = b;
    x->l = l;
    *t = (cl_table){"probable_duplicates", "疑似重复", dup_cols,
                    (int)(sizeof dup_cols / sizeof dup_cols[0]), l ? l->nclusters : 0, dup_row, x,
                    NULL, 0, 0};
    return CL_OK;
}

const char *cl_dups_cluster_of(const cl_batch *b, uint32_t row, char out[16])
{
    const cl_linkage *l = b->decided == 2 ? b->linkage : NULL;
    out[0] = '\0';
    if (l && row < l->nsubs && l->cluster_of[row] != UINT32_MAX)
        cl_link_cluster_id(l->cluster_of[row], out);
    return out;
}
