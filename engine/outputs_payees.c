/* outputs_payees.c - payees.csv, the run's private table of where each
 * creditor is paid: the bank details of the creditor's latest operative
 * claim that names a bank account (submitted_at, then the later row). It
 * holds full ID numbers and bank accounts, so it is internal only (never in
 * public/); `claims distribute --run OUT` reads it to write a payment list. */
#include <stdlib.h>
#include <string.h>

#include "engine/cl_outputs.h"
#include "core/cl_alloc.h"
#include "engine/cl_stages.h"
#include "reports/cl_report.h"

typedef struct payees_ctx {
    const cl_batch *b;
    const uint32_t *pick;   /* per identity: submission row, CL_NONE */
} payees_ctx;

static const cl_col payee_cols[] = {
    {"creditor_id", "债权人编号", CL_COL_TEXT},
    {"name", "债权人名称", CL_COL_PII_NAME},
    {"id_type", "证件类型", CL_COL_TEXT},
    {"id_number", "证件号码", CL_COL_PII_ID},
    {"bank_name", "开户银行", CL_COL_TEXT},
    {"bank_account", "银行账号", CL_COL_PII_BANK},
    {"submission_id", "申报编号", CL_COL_TEXT},
};
enum { PAYEE_NCOLS = sizeof payee_cols / sizeof payee_cols[0] };

static cl_cell text(const char *s)
{
    return (cl_cell){.s = s, .len = s ? strlen(s) : 0};
}

static void payee_row(void *vx, size_t row, cl_cell *c)
{
    const payees_ctx *x = vx;
    const cl_creditor *cr = &x->b->creditors[row];
    const cl_identity *id = &x->b->ids[cr->identity];
    uint32_t s = x->pick[cr->identity];
    const cl_sub *sub = s != CL_NONE ? &x->b->subs[s] : NULL;
    c[0] = text(id->creditor_id);
    c[1] = text(cr->name);
    c[2] = text(cl_id_type_name((cl_id_type)id->id_type));
    c[3] = text(id->id_number);
    c[4] = text(sub ? sub->bank_name : NULL);
    c[5] = text(sub ? sub->bank_account : NULL);
    c[6] = text(sub ? sub->submission_id : NULL);
}

/* Is submission row a later than row b (submitted_at, then row order)? */
static int later(const cl_batch *b, uint32_t a, uint32_t than)
{
    cl_time ta = b->subs[a].submitted_at, tb = b->subs[than].submitted_at;
    if (ta != tb)
        return ta == CL_TIME_NONE ? 0 : tb == CL_TIME_NONE ? 1 : ta > tb;
    return a > than;
}

/* Per identity, the latest operative claim with a non-empty bank account. */
static uint32_t *pick_accounts(const cl_batch *b)
{
    uint32_t *pick = cl_malloc((b->nids ? b->nids : 1) * sizeof *pick);
    if (!pick)
        return NULL;
    for (size_t i = 0; i < b->nids; i++)
        pick[i] = CL_NONE;
    for (size_t i = 0; i < b->nclaims; i++) {
        const cl_claim *c = &b->claims[i];
        if (c->sub == CL_NONE || c->identity == CL_NONE || !cl_claim_operative(c))
            continue;
        const char *acct = b->subs[c->sub].bank_account;
        if (!acct || !*acct)
            continue;
        uint32_t *p = &pick[c->identity];
        if (*p == CL_NONE || later(b, c->sub, *p))
            *p = c->sub;
    }
    return pick;
}

cl_err cl_write_payees(const cl_batch *b, cl_outdir *o, cl_diag *d)
{
    uint32_t *pick = pick_accounts(b);
    if (!pick)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    payees_ctx x = {b, pick};
    cl_table t = {.name = "payees", .title = "收款信息", .cols = payee_cols,
                  .ncols = PAYEE_NCOLS, .nrows = b->ncreditors, .row = payee_row, .ctx = &x};
    unsigned char sha[32];
    cl_err err = cl_report_csv_sha256(cl_outdir_path(o, "payees.csv"), &t, CL_AUDIENCE_INTERNAL,
                                      sha, d);
    if (!err && cl_outdir_note_sha256(o, "payees.csv", sha) < 0)
        err = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    free(pick);
    return err;
}
