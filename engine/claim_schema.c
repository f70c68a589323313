/* claim_schema.c - the submissions as records for the rule language: the
 * field list (names, types, the pass from which each is readable) and the
 * getter over a cl_batch. */
#include <string.h>

#include "engine/cl_claim_schema.h"
#include "engine/cl_model.h"

static const cl_rule_field fields[CL_F_COUNT] = {
    {"submission_id", CL_VT_TEXT, 0}, {"submitted_at", CL_VT_TIME, 0},
    {"creditor_kind", CL_VT_TEXT, 0}, {"name", CL_VT_TEXT, 0},
    {"id_type", CL_VT_TEXT, 0}, {"id_number", CL_VT_TEXT, 0},
    {"phone", CL_VT_TEXT, 0}, {"account_ref", CL_VT_TEXT, 0},
    {"category", CL_VT_TEXT, 0}, {"principal", CL_VT_MONEY, 0},
    {"interest", CL_VT_MONEY, 0}, {"other_amount", CL_VT_MONEY, 0},
    {"declared_total", CL_VT_MONEY, 0}, {"secured", CL_VT_BOOL, 0},
    {"bank_name", CL_VT_TEXT, 0}, {"bank_account", CL_VT_TEXT, 0},
    {"amends", CL_VT_TEXT, 0}, {"evidence_count", CL_VT_INT, 0},
    {"note", CL_VT_TEXT, 0},
    {"matched_account", CL_VT_TEXT, 1}, {"owed", CL_VT_MONEY, 1},
    {"book_name", CL_VT_TEXT, 1}, {"book_id_number", CL_VT_TEXT, 1},
    {"book_phone", CL_VT_TEXT, 1}, {"status", CL_VT_TEXT, 1},
    {"confirmed_total", CL_VT_MONEY, 1}, {"late", CL_VT_BOOL, 1},
};

static const char *const passes[] = {"fields", "matched"};
static const char *const statuses[] = {"NEEDS_CORRECTION", "PENDING_REVIEW", "REJECTED", "FLAG"};

static void text(cl_value *v, const char *s)
{
    v->s = s ? s : "";
    v->len = strlen(v->s);
    v->state = v->len ? CL_V_OK : CL_V_EMPTY;
}

/* An enumerated field: canonical name when known, raw text otherwise. */
static void enum_text(cl_value *v, const char *name, const char *raw)
{
    if (name[0]) {
        text(v, name);
        return;
    }
    text(v, raw);
    if (v->len)
        v->state = CL_V_INVALID;
}

static void money(cl_value *v, uint8_t st, int64_t fen, const char *raw)
{
    v->i = fen;
    v->s = raw ? raw : "";
    v->len = strlen(v->s);
    v->state = st == CL_AMT_OK ? CL_V_OK : st == CL_AMT_EMPTY ? CL_V_EMPTY : CL_V_INVALID;
}

static int64_t owed_of(const cl_account *a, int cat)
{
    return a->sum[cat] > 0 ? a->sum[cat] : 0;
}

static void get_matched(const cl_batch *b, size_t row, int field, cl_value *v)
{
    const cl_claim *c = &b->claims[row];
    const cl_account *a = c->account == CL_NONE ? NULL : &b->accounts[c->account];
    switch (field) {
    case CL_F_MATCHED_ACCOUNT: text(v, a ? a->ref : ""); break;
    case CL_F_OWED:
        v->state = a ? CL_V_OK : CL_V_EMPTY;
        v->i = a ? owed_of(a, c->category) : 0;
        break;
    case CL_F_BOOK_NAME: text(v, a ? a->name : ""); break;
    case CL_F_BOOK_ID_NUMBER: text(v, a ? a->id_number : ""); break;
    case CL_F_BOOK_PHONE: text(v, a ? a->phone : ""); break;
    case CL_F_STATUS: text(v, cl_status_name((cl_status)c->status)); break;
    case CL_F_CONFIRMED_TOTAL:
        v->state = CL_V_OK;
        v->i = c->conf_p + c->conf_i + c->conf_o;
        break;
    case CL_F_LATE:
        v->state = CL_V_OK;
        v->i = c->late;
        break;
    }
}

static void get(const void *data, size_t row, int field, cl_value *v)
{
    const cl_batch *b = data;
    const cl_sub *s = &b->subs[row];
    memset(v, 0, sizeof *v);
    switch (field) {
    case CL_F_SUBMISSION_ID: text(v, s->submission_id); break;
    case CL_F_SUBMITTED_AT:
        v->state = s->time_st == 0 ? CL_V_OK : s->time_st == 1 ? CL_V_EMPTY : CL_V_INVALID;
        v->i = s->submitted_at;
        v->s = s->raw_submitted_at ? s->raw_submitted_at : "";
        v->len = strlen(v->s);
        break;
    case CL_F_CREDITOR_KIND: enum_text(v, cl_kind_name((cl_kind)s->kind), s->raw_kind); break;
    case CL_F_NAME: text(v, s->name); break;
    case CL_F_ID_TYPE: enum_text(v, cl_id_type_name((cl_id_type)s->id_type), s->raw_id_type); break;
    case CL_F_ID_NUMBER: text(v, s->id_number); break;
    case CL_F_PHONE: text(v, s->phone); break;
    case CL_F_ACCOUNT_REF: text(v, s->account_ref); break;
    case CL_F_CATEGORY: enum_text(v, cl_category_name((cl_category)s->category), s->raw_category); break;
    case CL_F_PRINCIPAL: money(v, s->principal_st, s->principal, s->raw_principal); break;
    case CL_F_INTEREST: money(v, s->interest_st, s->interest, s->raw_interest); break;
    case CL_F_OTHER_AMOUNT: money(v, s->other_st, s->other, s->raw_other); break;
    case CL_F_DECLARED_TOTAL:
        v->state = CL_V_OK;
        v->i = s->principal + s->interest + s->other;
        break;
    case CL_F_SECURED:
        v->state = s->secured ? CL_V_OK : CL_V_INVALID;
        v->i = s->secured == CL_YN_YES;
        v->s = s->raw_secured ? s->raw_secured : "";
        v->len = strlen(v->s);
        break;
    case CL_F_BANK_NAME: text(v, s->bank_name); break;
    case CL_F_BANK_ACCOUNT: text(v, s->bank_account); break;
    case CL_F_AMENDS: text(v, s->amends); break;
    case CL_F_EVIDENCE_COUNT:
        v->state = s->evidence_ok ? CL_V_OK : CL_V_INVALID;
        v->i = s->evidence_count;
        v->s = s->raw_evidence ? s->raw_evidence : "";
        v->len = strlen(v->s);
        break;
    case CL_F_NOTE: text(v, s->note); break;
    default: get_matched(b, row, field, v); break;
    }
}

static const cl_rule_schema schema = {
    fields, CL_F_COUNT, passes, 2, statuses, 4, get,
};

const cl_rule_schema *cl_claim_rule_schema(void)
{
    return &schema;
}
