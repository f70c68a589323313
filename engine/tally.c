/* tally.c - contract §6: ballot validity, supersession and the statutory
 * tests of a creditors' meeting, as pure integer arithmetic over arrays.
 * Reads no file (see meeting.c) and writes no report (see cmd_tally.c). */
#include "engine/cl_tally.h"
#include "core/cl_alloc.h"

#include <stdlib.h>
#include <string.h>

#include "core/cl_money.h"

/* ---- names ---------------------------------------------------------- */

static const char *const group_names[CL_GROUP_COUNT] = {
    "secured", "employee", "tax", "ordinary", "small_ordinary"};
static const char *const group_titles[CL_GROUP_COUNT] = {
    "有财产担保债权组", "职工债权组", "税款债权组", "普通债权组", "小额普通债权组"};
/* Chinese spellings accepted besides the titles. */
static const struct { const char *s; int g; } group_aliases[] = {
    {"有财产担保债权", CL_GROUP_SECURED}, {"有财产担保", CL_GROUP_SECURED},
    {"担保债权组", CL_GROUP_SECURED}, {"担保债权", CL_GROUP_SECURED},
    {"职工债权", CL_GROUP_EMPLOYEE}, {"职工组", CL_GROUP_EMPLOYEE}, {"职工", CL_GROUP_EMPLOYEE},
    {"税款债权", CL_GROUP_TAX}, {"税款组", CL_GROUP_TAX}, {"税款", CL_GROUP_TAX},
    {"普通债权", CL_GROUP_ORDINARY}, {"普通组", CL_GROUP_ORDINARY}, {"普通", CL_GROUP_ORDINARY},
    {"小额普通债权", CL_GROUP_SMALL_ORDINARY}, {"小额债权组", CL_GROUP_SMALL_ORDINARY},
    {"小额债权", CL_GROUP_SMALL_ORDINARY}, {"小额组", CL_GROUP_SMALL_ORDINARY},
    {"小额普通组", CL_GROUP_SMALL_ORDINARY},
};

static const char *const reason_names[CL_BR_COUNT] = {
    "COUNTED", "NOT_ON_ROSTER", "UNKNOWN_RESOLUTION", "OUTSIDE_WINDOW",
    "INVALID_CHOICE", "WRONG_GROUP", "NO_VOTING_RIGHT", "SUPERSEDED"};

static bool ascii_ieq(const char *s, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    if (n != len)
        return false;
    for (size_t i = 0; i < n; i++) {
        char a = s[i], b = lit[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

int cl_vote_group_parse(const char *s, size_t len)
{
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0)
        return CL_GROUP_NONE;
    for (int g = 0; g < CL_GROUP_COUNT; g++)
        if (ascii_ieq(s, len, group_names[g]) ||
            (len == strlen(group_titles[g]) && !memcmp(s, group_titles[g], len)))
            return g;
    if (ascii_ieq(s, len, "small ordinary") || ascii_ieq(s, len, "small-ordinary"))
        return CL_GROUP_SMALL_ORDINARY;
    for (size_t i = 0; i < sizeof group_aliases / sizeof group_aliases[0]; i++)
        if (len == strlen(group_aliases[i].s) && !memcmp(s, group_aliases[i].s, len))
            return group_aliases[i].g;
    return CL_GROUP_UNKNOWN;
}

const char *cl_vote_group_name(int g)
{
    return g >= 0 && g < CL_GROUP_COUNT ? group_names[g] : "";
}

const char *cl_vote_group_title(int g)
{
    return g >= 0 && g < CL_GROUP_COUNT ? group_titles[g] : "";
}

const char *cl_ballot_reason_name(cl_ballot_reason r)
{
    return (unsigned)r < CL_BR_COUNT ? reason_names[r] : "";
}

/* ---- the statutory tests --------------------------------------------- */

bool cl_tally_headcount_pass(int64_t n_for, int64_t present)
{
    return (__int128)n_for * 2 > (__int128)present;
}

bool cl_tally_amount_pass(cl_resolution_type type, int64_t for_amount, int64_t base)
{
    if (type == CL_RES_GENERAL)
        return (__int128)for_amount * 2 >= (__int128)base;
    return (__int128)for_amount * 3 >= (__int128)base * 2;
}

/* ---- ballot validity (first failing reason) -------------------------- */

static int64_t group_amount(const cl_tally_roster *r, int g, size_t c)
{
    return r->group_amount[g] ? r->group_amount[g][c] : 0;
}

static bool is_member(const cl_tally_roster *r, int g, size_t c)
{
    return (r->groups && (r->groups[c] >> g & 1u)) || group_amount(r, g, c) > 0;
}

cl_ballot_reason cl_ballot_check(const cl_tally_roster *r, int64_t creditor,
                                 const cl_tally_meeting *m, int64_t resolution, int group,
                                 int choice, cl_time cast_at)
{
    if (creditor < 0 || (uint64_t)creditor >= r->n)
        return CL_BR_NOT_ON_ROSTER;
    if (resolution < 0 || (uint64_t)resolution >= m->nresolutions)
        return CL_BR_UNKNOWN_RESOLUTION;
    if (cast_at == CL_TIME_NONE || cast_at < m->opens_at || cast_at > m->closes_at)
        return CL_BR_OUTSIDE_WINDOW;
    if (choice != CL_CHOICE_FOR && choice != CL_CHOICE_AGAINST && choice != CL_CHOICE_ABSTAIN)
        return CL_BR_INVALID_CHOICE;
    size_t c = (size_t)creditor;
    switch (m->types[resolution]) {
    case CL_RES_REORGANIZATION:
        if (group < 0 || group >= CL_GROUP_COUNT || group_amount(r, group, c) <= 0)
            return CL_BR_WRONG_GROUP;
        return CL_BALLOT_OK;
    case CL_RES_SETTLEMENT:
        return r->unsecured_voting[c] > 0 ? CL_BALLOT_OK : CL_BR_NO_VOTING_RIGHT;
    default:
        return r->unsecured_voting[c] > 0 || r->secured_voting[c] > 0 ? CL_BALLOT_OK
                                                                       : CL_BR_NO_VOTING_RIGHT;
    }
}

/* cl_ballot_check over the tally's input; *grp: the group the ballot counts
 * in (CL_GROUP_NONE for general and settlement). */
static cl_ballot_reason check_ballot(const cl_tally_input *in, const cl_ballot *b, int *grp)
{
    cl_tally_meeting m = {.nresolutions = in->nresolutions, .types = in->types,
                          .opens_at = in->opens_at, .closes_at = in->closes_at};
    cl_ballot_reason r = cl_ballot_check(&in->roster, b->creditor, &m, b->resolution, b->group,
                                         b->choice, b->cast_at);
    *grp = r == CL_BALLOT_OK && in->types[b->resolution] == CL_RES_REORGANIZATION
               ? b->group
               : CL_GROUP_NONE;
    return r;
}

/* ---- supersession: latest cast_at per (creditor, resolution, group) --- */

/* Open addressing over 64-bit keys; the value is the best ballot so far. */
typedef struct latest_map {
    uint64_t *keys;
    uint32_t *vals;
    size_t mask;
} latest_map;

#define EMPTY_KEY UINT64_MAX

static uint64_t ballot_key(const cl_ballot *b, int grp)
{
    return (uint64_t)(uint32_t)b->creditor << 32 | (uint64_t)(uint32_t)b->resolution << 3 |
           (uint64_t)(grp + 1);
}

static size_t slot_of(uint64_t k, size_t mask)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (size_t)k & mask;
}

/* Is ballot a later than ballot b (tie on cast_at: greater ballot_id
 * bytewise; identical ids: later in the file)? */
static bool later(const cl_ballot *bs, uint32_t a, uint32_t b)
{
    const cl_ballot *x = &bs[a], *y = &bs[b];
    if (x->cast_at != y->cast_at)
        return x->cast_at > y->cast_at;
    uint32_t n = x->ballot_id_len < y->ballot_id_len ? x->ballot_id_len : y->ballot_id_len;
    int c = n ? memcmp(x->ballot_id, y->ballot_id, n) : 0;
    if (c)
        return c > 0;
    if (x->ballot_id_len != y->ballot_id_len)
        return x->ballot_id_len > y->ballot_id_len;
    return a > b;
}

static size_t map_find(const latest_map *m, uint64_t k)
{
    size_t i = slot_of(k, m->mask);
    while (m->keys[i] != k && m->keys[i] != EMPTY_KEY)
        i = (i + 1) & m->mask;
    return i;
}

static cl_err map_init(latest_map *m, size_t n)
{
    size_t cap = 16;
    while (cap < n * 2)
        cap <<= 1;
    m->mask = cap - 1;
    m->keys = cl_malloc(cap * sizeof *m->keys);
    m->vals = cl_malloc(cap * sizeof *m->vals);
    if (!m->keys || !m->vals)
        return CL_ERR_NOMEM;
    memset(m->keys, 0xff, cap * sizeof *m->keys);
    return CL_OK;
}

/* ---- accumulation ----------------------------------------------------- */

/* Per (resolution, slot): slot = group, or CL_GROUP_COUNT for "no group". */
#define NSLOT (CL_GROUP_COUNT + 1)

static cl_err add_checked(int64_t *sum, int64_t v, cl_diag *d)
{
    if (!cl_money_add(*sum, v, sum))
        return cl_diag_set(d, CL_ERR_OVERFLOW, "tally: amount sum out of range");
    return CL_OK;
}

static int64_t voting_amount(const cl_tally_input *in, size_t res, int grp, size_t c)
{
    if (in->types[res] == CL_RES_REORGANIZATION)
        return group_amount(&in->roster, grp, c);
    return in->roster.unsecured_voting[c];
}

static cl_err count_ballot(const cl_tally_input *in, const cl_ballot *b, int grp,
                           cl_tally_row *acc, cl_diag *d)
{
    cl_tally_row *row = &acc[(size_t)b->resolution * NSLOT + (grp < 0 ? CL_GROUP_COUNT : grp)];
    int64_t amt = voting_amount(in, (size_t)b->resolution, grp, (size_t)b->creditor);
    row->present++;
    switch (b->choice) {
    case CL_CHOICE_FOR:
        row->n_for++;
        return add_checked(&row->for_amount, amt, d);
    case CL_CHOICE_AGAINST:
        row->n_against++;
        return add_checked(&row->against_amount, amt, d);
    default:
        row->n_abstain++;
        return add_checked(&row->abstain_amount, amt, d);
    }
}

/* Roster-wide bases: members and totals per resolution type and group. */
typedef struct bases {
    int64_t unsecured_total, general_members, settlement_members;
    int64_t group_total[CL_GROUP_COUNT], group_members[CL_GROUP_COUNT];
} bases;

static cl_err compute_bases(const cl_tally_roster *r, bases *bs, cl_diag *d)
{
    memset(bs, 0, sizeof *bs);
    for (size_t c = 0; c < r->n; c++) {
        int64_t uv = r->unsecured_voting[c], sv = r->secured_voting[c];
        if (uv < 0 || sv < 0)
            return cl_diag_set(d, CL_ERR_INPUT, "tally: negative voting amount (roster row %zu)",
                               c + 1);
        cl_err e = add_checked(&bs->unsecured_total, uv, d);
        if (e)
            return e;
        bs->general_members += uv > 0 || sv > 0;
        bs->settlement_members += uv > 0;
        for (int g = 0; g < CL_GROUP_COUNT; g++) {
            int64_t ga = group_amount(r, g, c);
            if (ga < 0)
                return cl_diag_set(d, CL_ERR_INPUT, "tally: negative group amount (roster row %zu)",
                                   c + 1);
            if ((e = add_checked(&bs->group_total[g], ga, d)))
                return e;
            bs->group_members[g] += is_member(r, g, c);
        }
    }
    return CL_OK;
}

static void judge(cl_tally_row *row)
{
    row->headcount_pass = cl_tally_headcount_pass(row->n_for, row->present);
    row->amount_pass = cl_tally_amount_pass(row->type, row->for_amount, row->base_amount);
    row->passed = row->headcount_pass && row->amount_pass;
}

/* The overall row of a reorganization plan (see cl_tally.h). */
static cl_err overall_row(const cl_tally_row *groups, size_t n, cl_tally_row *o, cl_diag *d)
{
    o->group = CL_GROUP_NONE;
    o->groups = (int64_t)n;
    o->headcount_pass = o->amount_pass = n > 0;
    for (size_t i = 0; i < n; i++) {
        const cl_tally_row *g = &groups[i];
        o->members += g->members;
        o->present += g->present;
        o->n_for += g->n_for;
        o->n_against += g->n_against;
        o->n_abstain += g->n_abstain;
        cl_err e;
        if ((e = add_checked(&o->for_amount, g->for_amount, d)) ||
            (e = add_checked(&o->against_amount, g->against_amount, d)) ||
            (e = add_checked(&o->abstain_amount, g->abstain_amount, d)) ||
            (e = add_checked(&o->base_amount, g->base_amount, d)))
            return e;
        o->headcount_pass = o->headcount_pass && g->headcount_pass;
        o->amount_pass = o->amount_pass && g->amount_pass;
        o->groups_passed += g->passed;
    }
    o->passed = o->headcount_pass && o->amount_pass;
    return CL_OK;
}

static cl_err build_rows(const cl_tally_input *in, const bases *bs, cl_tally_row *acc,
                         cl_tally_result *out, cl_diag *d)
{
    out->rows = cl_calloc(in->nresolutions * (CL_GROUP_COUNT + 1) + 1, sizeof *out->rows);
    out->first_row = cl_calloc(in->nresolutions + 1, sizeof *out->first_row);
    if (!out->rows || !out->first_row)
        return cl_diag_set(d, CL_ERR_NOMEM, "tally: out of memory");
    for (size_t res = 0; res < in->nresolutions; res++) {
        cl_resolution_type t = in->types[res];
        out->first_row[res] = out->nrows;
        if (t != CL_RES_REORGANIZATION) {
            cl_tally_row *row = &out->rows[out->nrows++];
            *row = acc[res * NSLOT + CL_GROUP_COUNT];
            row->group = CL_GROUP_NONE;
            row->base_amount = bs->unsecured_total;
            row->members = t == CL_RES_SETTLEMENT ? bs->settlement_members : bs->general_members;
            judge(row);
            continue;
        }
        size_t first = out->nrows;
        for (int g = 0; g < CL_GROUP_COUNT; g++) {
            if (bs->group_total[g] <= 0 && bs->group_members[g] <= 0)
                continue;
            cl_tally_row *row = &out->rows[out->nrows++];
            *row = acc[res * NSLOT + (size_t)g];
            row->group = g;
            row->base_amount = bs->group_total[g];
            row->members = bs->group_members[g];
            judge(row);
        }
        cl_tally_row *o = &out->rows[out->nrows];
        memset(o, 0, sizeof *o);
        o->resolution = (uint32_t)res;
        o->type = t;
        cl_err e = overall_row(&out->rows[first], out->nrows - first, o, d);
        if (e)
            return e;
        out->nrows++;
    }
    return CL_OK;
}

static cl_err validate_input(const cl_tally_input *in, cl_diag *d)
{
    if (in->nballots >= UINT32_MAX || in->roster.n >= INT32_MAX || in->nresolutions >= (1u << 28))
        return cl_diag_set(d, CL_ERR_INPUT, "tally: too many ballots, creditors or resolutions");
    for (size_t i = 0; i < in->nresolutions; i++)
        if (in->types[i] <= CL_RES_INVALID || in->types[i] >= CL_RES_COUNT)
            return cl_diag_set(d, CL_ERR_INPUT, "tally: resolution %zu has no valid type", i + 1);
    for (size_t i = 0; i < in->nballots; i++) {
        const cl_ballot *b = &in->ballots[i];
        if (b->creditor >= (int64_t)in->roster.n || b->resolution >= (int64_t)in->nresolutions)
            return cl_diag_set(d, CL_ERR_INPUT, "tally: ballot %zu indexes out of range", i + 1);
    }
    return CL_OK;
}

cl_err cl_tally_run(const cl_tally_input *in, cl_tally_result *out, cl_diag *d)
{
    cl_err e;
    latest_map m = {0};
    cl_tally_row *acc = NULL;
    bases bs;
    memset(out, 0, sizeof *out);
    if ((e = validate_input(in, d)) || (e = compute_bases(&in->roster, &bs, d)))
        return e;
    out->reason = cl_malloc(in->nballots + 1);
    acc = cl_calloc(in->nresolutions * NSLOT + 1, sizeof *acc);
    if (!out->reason || !acc || map_init(&m, in->nballots)) {
        e = cl_diag_set(d, CL_ERR_NOMEM, "tally: out of memory");
        goto done;
    }
    for (size_t res = 0; res < in->nresolutions; res++)
        for (size_t s = 0; s < NSLOT; s++) {
            acc[res * NSLOT + s].resolution = (uint32_t)res;
            acc[res * NSLOT + s].type = in->types[res];
        }
    /* Pass 1: validity, and the latest valid ballot per key. */
    for (size_t i = 0; i < in->nballots; i++) {
        int grp;
        cl_ballot_reason r = check_ballot(in, &in->ballots[i], &grp);
        out->reason[i] = (uint8_t)r;
        if (r != CL_BR_COUNTED)
            continue;
        uint64_t k = ballot_key(&in->ballots[i], grp);
        size_t s = map_find(&m, k);
        if (m.keys[s] == EMPTY_KEY) {
            m.keys[s] = k;
            m.vals[s] = (uint32_t)i;
        } else if (later(in->ballots, (uint32_t)i, m.vals[s])) {
            m.vals[s] = (uint32_t)i;
        }
    }
    /* Pass 2: the earlier ones are SUPERSEDED; the latest are counted. */
    for (size_t i = 0; i < in->nballots; i++) {
        if (out->reason[i] == CL_BR_COUNTED) {
            const cl_ballot *b = &in->ballots[i];
            int grp = in->types[b->resolution] == CL_RES_REORGANIZATION ? b->group : CL_GROUP_NONE;
            if (m.vals[map_find(&m, ballot_key(b, grp))] != i)
                out->reason[i] = CL_BR_SUPERSEDED;
            else if ((e = count_ballot(in, b, grp, acc, d)))
                goto done;
        }
        out->by_reason[out->reason[i]]++;
    }
    out->counted = out->by_reason[CL_BR_COUNTED];
    e = build_rows(in, &bs, acc, out, d);
done:
    free(m.keys);
    free(m.vals);
    free(acc);
    if (e)
        cl_tally_result_free(out);
    return e;
}

void cl_tally_result_free(cl_tally_result *r)
{
    if (!r)
        return;
    free(r->reason);
    free(r->rows);
    free(r->first_row);
    memset(r, 0, sizeof *r);
}
