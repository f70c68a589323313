/* cl_gen_subs.c - submissions.csv and overrides.csv: who claims (account
 * holders, strangers with no book record, family members sharing an
 * account, suppliers, employees, tax offices, other creditors), when, and
 * with which of the mess real exports have. Claims are compact events kept
 * in memory (tens of bytes each), sorted by time, numbered, then rendered
 * row by row; every row's text is derived from its event alone, so the
 * output is byte-identical per (seed, scale). */
#include "gen/cl_gen_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

enum { W_HOLDER, W_STRANGER, W_FAMILY, W_SUPPLIER, W_EMPLOYEE, W_TAX, W_OTHER };
enum { R_REF, R_PHONE, R_ID, R_NONE, R_BOGUS };
enum { C_DEPOSIT, C_BALANCE, C_SUPPLIER, C_EMPLOYEE, C_TAX, C_OTHER };
enum { F_TARGETED = 1, F_SECURED = 2, F_DUP = 4, F_SUPERSEDED = 8, F_FINAL = 16 };
#define FL_NONE 0xff

typedef struct ev {
    cl_time t;
    int64_t principal, interest, other;
    uint64_t seed;
    uint32_t who;      /* account index / person number / supplier / employee */
    uint32_t aux;      /* family: the holder's account index */
    uint32_t target;   /* amended or duplicated event */
    uint32_t sid;
    uint32_t order;
    uint8_t wk, cat, ref, flavor, flags, evid;
} ev;

typedef struct holder {
    uint32_t acc;
    uint32_t dep_ev, bal_ev;
    int32_t deposit;
    uint8_t real, used, zero;
} holder;

typedef struct gs {
    cl_gen_ctx *g;
    cl_gen_rng r;
    ev *ev;
    uint32_t nev, cap;
    holder *h;
    uint32_t nh, nmain;
    int err;
} gs;

static const cl_time DAY = 86400;

static cl_time day0(int y, int m, int d)
{
    return cl_days_from_civil(y, m, d) * DAY;
}

static int is_invalid_kind(int k)
{
    return k >= CL_GK_BAD_ID_CHECK && k <= CL_GK_KIND_MISMATCH;
}

static uint32_t add_ev(gs *s, const ev *proto)
{
    if (s->nev == s->cap) {
        uint32_t nc = s->cap ? s->cap * 2 : 4096;
        ev *n = realloc(s->ev, sizeof *n * nc);
        if (!n) {
            s->err = 1;
            return NONE;
        }
        s->ev = n;
        s->cap = nc;
    }
    ev *e = &s->ev[s->nev];
    *e = *proto;
    e->order = s->nev;
    e->seed = cl_gen_next(&s->r);
    e->sid = 0;
    return s->nev++;
}

/* A submission time inside the declaration period: a rush in the first
 * week, a steady middle, and a second rush before the deadline. */
static cl_time claim_time(cl_gen_rng *r, int late)
{
    static const uint16_t HW[24] = { 3, 2, 1, 1, 1, 1, 2, 5, 8, 10, 10, 9,
                                     8, 8, 9, 9, 8, 8, 8, 9, 10, 9, 7, 5 };
    int day;
    if (late) {
        day = 86 + (int)(cl_gen_below(r, 48) * cl_gen_below(r, 48) / 48);
    } else {
        uint64_t x = cl_gen_below(r, 100);
        day = x < 30 ? (int)cl_gen_below(r, 8) : x < 78 ? (int)cl_gen_below(r, 86)
                                                         : 74 + (int)cl_gen_below(r, 12);
    }
    return day0(2018, 4, 3) + day * DAY + (cl_time)cl_gen_pick(r, HW, 24) * 3600 +
           (cl_time)cl_gen_below(r, 3600);
}

/* ---- who claims ------------------------------------------------------------ */

static int coprime(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a == 1;
}

static int choose_holders(gs *s)
{
    cl_gen_ctx *g = s->g;
    uint64_t na = g->naccounts;
    uint32_t want_main = (uint32_t)cl_gen_scaled(g, 105600, 40);
    uint32_t want_zero = (uint32_t)cl_gen_scaled(g, 400, 4);
    uint64_t step = 2654435761u % na;
    while (step == 0 || !coprime(step, na))
        step = (step + 1) % na;
    uint64_t off = cl_gen_below(&s->r, na);
    s->h = calloc((size_t)want_main + want_zero, sizeof *s->h);
    if (!s->h)
        return -1;
    uint32_t nmain = 0, nzero = 0;
    holder *zero = s->h + want_main;
    for (uint64_t c = 0; c < na && (nmain < want_main || nzero < want_zero); c++) {
        uint32_t acc = (uint32_t)((c * step + off) % na);
        cl_gen_acct a;
        cl_gen_account(g->seed, acc, &a, NULL);
        holder *h = NULL;
        if (a.deposit_owed && nmain < want_main)
            h = &s->h[nmain++];
        else if (!a.deposit_owed && nzero < want_zero)
            h = &zero[nzero++];
        if (!h)
            continue;
        h->acc = acc;
        h->deposit = a.deposit;
        h->real = (uint8_t)a.real_name;
        h->zero = !a.deposit_owed;
        h->dep_ev = h->bal_ev = NONE;
        if (a.balance > 0 && !h->zero && cl_gen_chance(&s->r, 16, 100))
            h->bal_ev = (uint32_t)a.balance;   /* temporarily: the amount */
    }
    if (nzero < want_zero)   /* compact */
        memmove(s->h + nmain, zero, sizeof *zero * nzero);
    s->nmain = nmain;
    s->nh = nmain + nzero;
    return 0;
}

static void holder_events(gs *s)
{
    for (uint32_t k = 0; k < s->nh; k++) {
        holder *h = &s->h[k];
        uint64_t x = cl_gen_below(&s->r, 100);
        int ref = x < 55 ? R_REF : x < 85 ? R_PHONE : h->real ? R_ID : R_PHONE;
        if (h->zero)
            ref = R_REF;
        ev e = { .t = claim_time(&s->r, 0), .principal = h->deposit, .who = h->acc,
                 .aux = k, .target = NONE, .wk = W_HOLDER, .cat = C_DEPOSIT, .ref = (uint8_t)ref,
                 .flavor = h->zero ? CL_GK_NOTHING_OWED : FL_NONE,
                 .evid = (uint8_t)(1 + cl_gen_below(&s->r, 3)) };
        int64_t bal = h->bal_ev == NONE ? 0 : (int64_t)h->bal_ev;
        h->dep_ev = add_ev(s, &e);
        h->bal_ev = NONE;
        if (bal > 0) {
            e.t += 10 + (cl_time)cl_gen_below(&s->r, 110);
            e.cat = C_BALANCE;
            e.principal = bal;
            h->bal_ev = add_ev(s, &e);
        }
        if (s->err)
            return;
    }
}

/* A random main holder not used by another anomaly (-1: any). */
static holder *pick_holder(gs *s, int need_real, int need_bal)
{
    if (!s->nmain)
        return NULL;
    uint32_t start = (uint32_t)cl_gen_below(&s->r, s->nmain);
    for (uint32_t i = 0; i < s->nmain; i++) {
        holder *h = &s->h[(start + i * 7919u) % s->nmain];
        if (s->nmain % 7919u == 0)
            h = &s->h[(start + i) % s->nmain];
        if (h->used || (need_real >= 0 && h->real != need_real) || (need_bal && h->bal_ev == NONE))
            continue;
        h->used = 1;
        return h;
    }
    return NULL;
}

static int64_t q(gs *s, int64_t base)
{
    return cl_gen_scaled(s->g, base, 3);
}

static void flavor_primaries(gs *s)
{
    static const struct { int kind; int64_t base; } F[] = {
        { CL_GK_PHONE_TYPO, 60 }, { CL_GK_PHONE_EMPTY, 40 }, { CL_GK_FULLWIDTH, 150 },
        { CL_GK_ID15, 200 },      { CL_GK_ID_SPACED, 500 },  { CL_GK_ENUM_VARIANT, 120 },
        { CL_GK_NOTE_QUOTED, 80 }, { CL_GK_INTEREST_DEPOSIT, 150 }, { CL_GK_EXCEEDS_BOOK, 300 },
        { CL_GK_SECURED_OTHER, 15 }, { CL_GK_AMEND_BADLINK, 20 }, { CL_GK_LATE, 800 },
    };
    for (size_t f = 0; f < sizeof F / sizeof F[0]; f++) {
        for (int64_t n = q(s, F[f].base); n > 0; n--) {
            holder *h = pick_holder(s, -1, 0);
            if (!h)
                break;
            ev *e = &s->ev[h->dep_ev];
            cl_gen_person p;
            cl_gen_person_make(s->g->seed, CL_GEN_P_HOLDER + h->acc, 0, &p);
            if (F[f].kind == CL_GK_ID15 && (p.is_hkmo || p.birth_y >= 2000)) {
                n++;
                continue;
            }
            switch (F[f].kind) {
            case CL_GK_LATE:
                e->t = claim_time(&s->r, 1);
                if (h->bal_ev != NONE)
                    s->ev[h->bal_ev].t = e->t + 40;
                break;
            case CL_GK_EXCEEDS_BOOK:
                e->principal = e->principal == 29900 ? 39800 : e->principal + 10000;
                break;
            case CL_GK_INTEREST_DEPOSIT:
                e->interest = (int64_t)(1 + cl_gen_below(&s->r, 6)) * 500;
                break;
            case CL_GK_SECURED_OTHER:
                e->flags |= F_SECURED;
                break;
            default:
                break;
            }
            if (F[f].kind == CL_GK_PHONE_TYPO || F[f].kind == CL_GK_PHONE_EMPTY)
                e->ref = R_REF;
            if (F[f].kind == CL_GK_LATE)
                continue;   /* counted from the time; formats stay free */
            e->flavor = (uint8_t)F[f].kind;
        }
    }
    /* lowercase x: holders whose ID ends in X */
    for (int64_t n = q(s, 120), tries = 0; n > 0 && tries < 100000; tries++) {
        holder *h = pick_holder(s, -1, 0);
        if (!h)
            break;
        cl_gen_person p;
        cl_gen_person_make(s->g->seed, CL_GEN_P_HOLDER + h->acc, 0, &p);
        if (p.is_hkmo || p.id[17] != 'X') {
            h->used = 0;
            continue;
        }
        s->ev[h->dep_ev].flavor = CL_GK_ID_LOWER_X;
        n--;
    }
}

static cl_time later(gs *s, cl_time t, int max_days)
{
    return t + 3600 + (cl_time)cl_gen_below(&s->r, (uint64_t)max_days * DAY);
}

static void extra_rows(gs *s)
{
    /* rows sent back for correction, many then amended by the user */
    static const struct { int kind; int64_t base; int fix_pct; } BAD[] = {
        { CL_GK_BAD_ID_CHECK, 700, 60 }, { CL_GK_NAME_MISSING, 150, 50 },
        { CL_GK_AMOUNT_INVALID, 120, 40 }, { CL_GK_CATEGORY_INVALID, 60, 40 },
        { CL_GK_FIELD_INVALID, 40, 40 }, { CL_GK_TIME_INVALID, 20, 40 },
        { CL_GK_KIND_MISMATCH, 20, 40 },
    };
    for (size_t b = 0; b < sizeof BAD / sizeof BAD[0]; b++) {
        for (int64_t n = q(s, BAD[b].base); n > 0; n--) {
            holder *h = pick_holder(s, -1, 0);
            if (!h)
                break;
            ev bad = s->ev[h->dep_ev];
            bad.flavor = (uint8_t)BAD[b].kind;
            bad.flags |= F_TARGETED;
            cl_time t = bad.t - 3600 - (cl_time)cl_gen_below(&s->r, 5 * DAY);
            if (t < day0(2018, 4, 3))
                t = day0(2018, 4, 3) + (cl_time)cl_gen_below(&s->r, 3600);
            bad.t = t;
            if (s->ev[h->dep_ev].t <= t)
                s->ev[h->dep_ev].t = t + 1800;
            uint32_t bi = add_ev(s, &bad);
            if (bi == NONE)
                return;
            if (cl_gen_chance(&s->r, (uint64_t)BAD[b].fix_pct, 100)) {
                s->ev[h->dep_ev].target = bi;
                s->ev[h->dep_ev].flavor = CL_GK_AMEND_FIX;
            }
        }
    }
    /* resubmissions (no link) and amendments (linked), some chained */
    for (int kind = CL_GK_RESUBMIT; kind <= CL_GK_AMEND; kind++) {
        for (int64_t n = q(s, kind == CL_GK_RESUBMIT ? 3900 : 1500); n > 0; n--) {
            holder *h = pick_holder(s, -1, 0);
            if (!h)
                break;
            ev *p = &s->ev[h->dep_ev];
            p->flags |= F_TARGETED | F_SUPERSEDED;
            ev a = *p;
            a.flags &= (uint8_t)~(F_TARGETED | F_SUPERSEDED);
            a.t = later(s, p->t, 20);
            a.flavor = (uint8_t)kind;
            if (kind == CL_GK_AMEND) {   /* a wrong amount, corrected to the book */
                a.target = h->dep_ev;
                p->principal = h->deposit == 29900 ? 24900 : h->deposit + 5000;
            } else if (cl_gen_chance(&s->r, 1, 3)) {
                a.principal = h->deposit == 9900 ? 19900 : h->deposit - 10000;
            }
            uint32_t ai = add_ev(s, &a);
            if (ai == NONE)
                return;
            if (kind == CL_GK_AMEND && n % 10 == 0) {   /* chain: amend the amendment */
                s->ev[ai].flags |= F_TARGETED | F_SUPERSEDED;
                s->ev[ai].principal = h->deposit + 100;
                ev c = s->ev[ai];
                c.flags &= (uint8_t)~(F_TARGETED | F_SUPERSEDED);
                c.t = later(s, c.t, 10);
                c.target = ai;
                c.flavor = CL_GK_AMEND_CHAIN;
                c.principal = h->deposit;
                if (add_ev(s, &c) == NONE)
                    return;
            }
        }
    }
    /* exact duplicate rows (same submission_id), next to or far from the original */
    for (int64_t n = q(s, 1000); n > 0; n--) {
        holder *h = pick_holder(s, -1, 0);
        if (!h)
            break;
        ev d = s->ev[h->dep_ev];
        s->ev[h->dep_ev].flags |= F_TARGETED;
        d.t += cl_gen_chance(&s->r, 1, 2) ? 1 : 3600 + (cl_time)cl_gen_below(&s->r, 10 * DAY);
        d.target = h->dep_ev;
        d.flags = F_DUP;
        d.flavor = CL_GK_DUP_ROW;
        if (add_ev(s, &d) == NONE)
            return;
    }
    /* a second person claiming one account */
    for (int real = 1; real >= 0; real--) {
        for (int64_t n = q(s, 150); n > 0; n--) {
            holder *h = pick_holder(s, real, 0);
            if (!h)
                break;
            s->ev[h->dep_ev].ref = R_REF;
            ev f = s->ev[h->dep_ev];
            f.wk = W_FAMILY;
            f.who = CL_GEN_P_FAMILY + (uint32_t)(h - s->h);
            f.aux = h->acc;
            f.t = later(s, f.t, 15);
            f.flavor = real ? CL_GK_SHARED_ID_MISMATCH : CL_GK_SHARED_CONFLICT;
            if (add_ev(s, &f) == NONE)
                return;
        }
    }
}

static void stranger_rows(gs *s)
{
    static const int32_t DEP[3] = { 9900, 19900, 29900 };
    uint32_t k = 0;
    for (int ev0 = 0; ev0 < 2; ev0++) {
        for (int64_t n = q(s, ev0 == 0 ? 500 : 300); n > 0; n--, k++) {
            ev e = { .t = claim_time(&s->r, cl_gen_chance(&s->r, 3, 100)),
                     .principal = DEP[cl_gen_below(&s->r, 3)],
                     .who = CL_GEN_P_STRANGER + k, .target = NONE, .wk = W_STRANGER,
                     .cat = C_DEPOSIT, .ref = cl_gen_chance(&s->r, 2, 5) ? R_BOGUS : R_NONE,
                     .flavor = ev0 == 0 ? CL_GK_NO_BOOK_EVIDENCE : CL_GK_NO_BOOK_NO_EVIDENCE,
                     .evid = ev0 == 0 ? (uint8_t)(1 + cl_gen_below(&s->r, 4)) : 0 };
            if (add_ev(s, &e) == NONE)
                return;
        }
    }
}

static void org_rows(gs *s)
{
    cl_gen_ctx *g = s->g;
    for (int i = 0; i < CL_GEN_NSUPPLIERS; i++) {
        const cl_gen_org *o = &g->sup[i];
        if (i % 9 == 8)
            continue;   /* never declared: the books are all there is */
        ev e = { .t = day0(2018, 4, 5) + (cl_time)cl_gen_below(&s->r, 70) * DAY + 9 * 3600 +
                      (cl_time)cl_gen_below(&s->r, 8 * 3600),
                 .principal = o->owed, .who = (uint32_t)i, .target = NONE, .wk = W_SUPPLIER,
                 .cat = C_SUPPLIER, .ref = cl_gen_chance(&s->r, 1, 2) ? R_REF : R_ID,
                 .flavor = o->secured ? CL_GK_SECURED_SUPPLIER : FL_NONE,
                 .flags = (uint8_t)(o->secured ? F_SECURED | F_FINAL : F_FINAL),
                 .evid = (uint8_t)(5 + cl_gen_below(&s->r, 20)) };
        if (i % 5 == 3)
            e.principal += o->owed / 10;   /* declares more than the books show */
        if (i % 8 == 2)
            e.interest = o->owed / 50;      /* overdue interest: allowed for suppliers */
        if (i % 10 == 4) {                  /* a USCC typo first, then the correction */
            ev bad = e;
            bad.flavor = CL_GK_BAD_ID_CHECK;
            bad.flags = F_TARGETED;
            uint32_t bi = add_ev(s, &bad);
            e.t = later(s, e.t, 5);
            e.target = bi;
            e.flavor = CL_GK_AMEND_FIX;
        }
        if (i % 6 == 5) {                   /* a first, lower declaration, resubmitted */
            ev first = e;
            first.principal = e.principal - e.principal / 7;
            first.flags = F_TARGETED | F_SUPERSEDED;
            first.flavor = FL_NONE;
            add_ev(s, &first);
            e.t = later(s, e.t, 10);
            e.flavor = CL_GK_RESUBMIT;
        }
        add_ev(s, &e);
    }
    for (int i = 0; i < CL_GEN_NEMPLOYEES + CL_GEN_NEMP_PAID; i++) {
        if (!(i % 19 == 0 || i >= CL_GEN_NEMPLOYEES))
            continue;
        const cl_gen_emp *em = &g->emp[i];
        ev e = { .t = claim_time(&s->r, i == 57), .principal = em->owed ? em->owed : 650000,
                 .who = (uint32_t)i, .target = NONE, .wk = W_EMPLOYEE, .cat = C_EMPLOYEE,
                 .ref = cl_gen_chance(&s->r, 1, 2) ? R_REF : R_ID, .flavor = CL_GK_EMPLOYEE_CLAIM,
                 .evid = 2 };
        if (i == 19 || i == 76) {
            e.other = em->owed / 2;        /* economic compensation (N+1) */
            e.flavor = CL_GK_EMPLOYEE_OTHER;
        }
        if (i == 38)
            e.principal += 100000;
        add_ev(s, &e);
    }
    for (uint32_t i = 0; i < 4; i++) {
        ev e = { .t = claim_time(&s->r, 0), .principal = 117284 + (int64_t)cl_gen_below(&s->r, 3000000),
                 .who = i, .target = NONE, .wk = W_TAX, .cat = C_TAX, .ref = R_NONE,
                 .flavor = CL_GK_TAX, .evid = (uint8_t)cl_gen_below(&s->r, 4) };
        e.interest = i % 2 ? 0 : e.principal / 30;
        e.other = i == 3 ? e.principal / 10 : 0;
        add_ev(s, &e);
    }
    for (int64_t n = q(s, 250), k = 0; k < n; k++) {
        ev e = { .t = claim_time(&s->r, cl_gen_chance(&s->r, 5, 100)), .who = (uint32_t)k,
                 .target = NONE, .wk = W_OTHER, .cat = C_OTHER, .ref = R_NONE,
                 .flavor = CL_GK_OTHER_CATEGORY, .evid = (uint8_t)(1 + cl_gen_below(&s->r, 3)) };
        int type = (int)(k % 5);
        e.principal = type < 3 ? (int64_t)(5 + cl_gen_below(&s->r, 30)) * 10000
                               : (int64_t)(3 + cl_gen_below(&s->r, 300)) * 100000;
        if (type == 4)
            e.other = e.principal / 10;
        add_ev(s, &e);
    }
}

/* ---- ordering and numbering ------------------------------------------------ */

static int by_time(const void *a, const void *b)
{
    const ev *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int plain(const ev *e)
{
    return e->wk == W_HOLDER && e->flavor == FL_NONE && e->target == NONE &&
           !(e->flags & (F_TARGETED | F_DUP));
}

static int order_and_number(gs *s)
{
    qsort(s->ev, s->nev, sizeof *s->ev, by_time);
    uint32_t *pos = malloc(sizeof *pos * (s->nev ? s->nev : 1));
    if (!pos)
        return -1;
    for (uint32_t i = 0; i < s->nev; i++)
        pos[s->ev[i].order] = i;
    uint32_t next = 0;
    for (uint32_t i = 0; i < s->nev; i++) {
        ev *e = &s->ev[i];
        if (e->target != NONE)
            e->target = pos[e->target];
        e->sid = e->flags & F_DUP ? s->ev[e->target].sid : ++next;
    }
    free(pos);
    /* a few rows exported out of order: swap plain rows a little apart */
    for (int64_t n = q(s, 200); n > 0 && s->nev > 600; n--) {
        uint32_t i = (uint32_t)cl_gen_below(&s->r, s->nev - 500);
        uint32_t j = i + 50 + (uint32_t)cl_gen_below(&s->r, 400);
        if (!plain(&s->ev[i]) || !plain(&s->ev[j])) {
            continue;
        }
        ev t = s->ev[i];
        s->ev[i] = s->ev[j];
        s->ev[j] = t;
        s->ev[i].flavor = CL_GK_OUT_OF_ORDER;
    }
    return 0;
}

/* ---- rendering --------------------------------------------------------------- */

typedef struct row {
    char sid[24], at[48], kind[24], name[96], idtype[24], id[96], phone[64], ref[24], cat[24];
    char principal[96], interest[48], other[48], secured[16], bank[96], acct[48], amends[24];
    char evid[16], note[200], chan[16];
} row;

static void fullwidth(char *s, size_t cap)
{
    char tmp[96];
    size_t k = 0;
    for (const char *p = s; *p && k + 4 < sizeof tmp; p++) {
        if ((*p >= '0' && *p <= '9') || *p == '.') {
            unsigned cp = 0xFF00u + (unsigned)(*p - 0x20);
            tmp[k++] = (char)(0xE0 | (cp >> 12));
            tmp[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            tmp[k++] = (char)(0x80 | (cp & 0x3F));
        } else {
            tmp[k++] = *p;
        }
    }
    tmp[k] = '\0';
    snprintf(s, cap, "%s", tmp);
}

static void sid_text(uint32_t sid, char *out)
{
    memcpy(out, "SB2018", 6);
    cl_gen_fmt_u64(out + 6, sid, 7);
}

static void time_text(gs *s, cl_gen_rng *r, cl_time t, char *out, size_t cap, int count)
{
    int64_t days = t / DAY, sec = t % DAY;
    int y, m, d;
    cl_civil_from_days(days, &y, &m, &d);
    int hh = (int)(sec / 3600), mm = (int)(sec / 60 % 60), ss = (int)(sec % 60);
    uint64_t x = cl_gen_below(r, 1000);
    if (x < 60) {
        snprintf(out, cap, "%d/%d/%d %d:%02d", y, m, d, hh, mm);
    } else if (x < 90) {
        snprintf(out, cap, "%04d/%02d/%02d %02d:%02d:%02d", y, m, d, hh, mm, ss);
    } else if (x < 105) {
        snprintf(out, cap, "%d-%d-%d %d:%02d:%02d", y, m, d, hh, mm, ss);
    } else if (x < 125) {
        snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, hh, mm, ss);
    } else if (x < 140) {
        snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", y, m, d, hh, mm, ss);
    } else if (x < 155) {
        cl_time u = t - 8 * 3600;
        cl_civil_from_days(u / DAY, &y, &m, &d);
        sec = u % DAY;
        snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(sec / 3600),
                 (int)(sec / 60 % 60), (int)(sec % 60));
    } else {
        snprintf(out, cap, "%04d-%02d-%02d %02d:%02d:%02d", y, m, d, hh, mm, ss);
    }
    if (count && x < 105)
        s->g->st->kinds[CL_GK_TIME_EXCEL]++;
    else if (count && x < 155)
        s->g->st->kinds[CL_GK_TIME_ISO]++;
}

static void amount_text(gs *s, cl_gen_rng *r, int64_t fen, char *out, int count)
{
    char m[48];
    int grouped = fen >= 100000 && cl_gen_chance(r, 3, 4);
    cl_gen_fmt_money(m, fen, grouped);
    uint64_t x = cl_gen_below(r, 100);
    if (x < 12 && fen % 100 == 0 && !grouped)
        m[strlen(m) - 3] = '\0';   /* "299" */
    const char *pre = "", *suf = "";
    if (x >= 88) {
        static const char *const P[6] = { "¥", "￥", "RMB", "", "¥", "￥" };
        static const char *const S[6] = { "", "", "", "元", "元", "" };
        pre = P[x % 6];
        suf = S[x % 6];
        if (count)
            s->g->st->kinds[CL_GK_AMOUNT_FORMAT]++;
    } else if (grouped && count) {
        s->g->st->kinds[CL_GK_AMOUNT_FORMAT]++;
    }
    snprintf(out, 96, "%s%s%s", pre, m, suf);
}

static void phone_text(gs *s, cl_gen_rng *r, const char *ph, char *out, int count)
{
    uint64_t x = cl_gen_below(r, 1000);
    if (x < 940) {
        snprintf(out, 64, "%s", ph);
        return;
    }
    switch (x % 6) {
    case 0: snprintf(out, 64, "(+86)%s", ph); break;
    case 1: snprintf(out, 64, "0086-%s", ph); break;
    case 2: snprintf(out, 64, "86%s", ph); break;
    case 3: snprintf(out, 64, "+86 %.3s %.4s %.4s", ph, ph + 3, ph + 7); break;
    case 4: snprintf(out, 64, "%.3s-%.4s-%.4s", ph, ph + 3, ph + 7); break;
    default: snprintf(out, 64, "%.3s %.4s %.4s", ph, ph + 3, ph + 7); break;
    }
    if (count)
        s->g->st->kinds[CL_GK_PHONE_FORMAT]++;
}

static const char *const OTHER_BRAND[16] = { "骏马", "南方", "羊城", "恒大", "珠江", "天河", "越秀",
                                            "白云", "花城", "岭南", "穗通", "明珠", "粤海", "金穗",
                                            "新港", "华南" };
static const char *const OTHER_TRADE[5] = { "物业管理有限公司", "广告传媒有限公司", "停车场管理有限公司",
                                            "仓储租赁有限公司", "装卸搬运服务有限公司" };
static const char *const OTHER_NOTE[] = { "骑行摔伤医疗费", "误工损失", "押金退款产生的交通费,误工费",
                                          "办公场地租金", "地铁广告位合同款及违约金" };
static const char *const FOREIGN[] = { "TRAN THI HOA", "NGUYEN VAN AN", "KIM MIN JUN", "JOHN SMITH",
                                       "MARIA GARCIA" };
static const char *const TAX_NAME[4] = { "国家税务总局广州市天河区税务局", "广州市社会保险基金管理中心",
                                         "国家税务总局广州市海珠区税务局", "国家税务总局广州市越秀区税务局" };
static const char *const TAX_AREA[4] = { "440106", "440100", "440105", "440104" };

/* identity and base fields of the claimant */
static void who_fields(gs *s, const ev *e, cl_gen_rng *r, row *w, char ph[24])
{
    cl_gen_ctx *g = s->g;
    cl_gen_person p;
    snprintf(w->kind, sizeof w->kind, "individual");
    snprintf(w->idtype, sizeof w->idtype, "PRC_ID");
    switch (e->wk) {
    case W_HOLDER:
    case W_FAMILY:
    case W_STRANGER:
        cl_gen_person_make(g->seed, e->wk == W_HOLDER ? CL_GEN_P_HOLDER + e->who : e->who,
                           e->wk == W_STRANGER, &p);
        snprintf(w->name, sizeof w->name, "%s", p.name);
        snprintf(w->id, sizeof w->id, "%s", p.id);
        if (p.is_hkmo)
            snprintf(w->idtype, sizeof w->idtype, "HKMO_PERMIT");
        snprintf(ph, 24, "%s", e->ref == R_ID ? p.phone2 : p.phone);
        if (e->wk == W_HOLDER && e->ref == R_REF)
            cl_gen_acct_ref(e->who, w->ref);
        else if (e->wk == W_FAMILY)
            cl_gen_acct_ref(e->aux, w->ref);
        else if (e->ref == R_BOGUS)
            snprintf(w->ref, sizeof w->ref, "XM%07u", (unsigned)cl_gen_below(r, 10000000));
        break;
    case W_SUPPLIER: {
        const cl_gen_org *o = &g->sup[e->who];
        snprintf(w->kind, sizeof w->kind, "organization");
        snprintf(w->idtype, sizeof w->idtype, "USCC");
        snprintf(w->name, sizeof w->name, "%s", o->name);
        snprintf(w->id, sizeof w->id, "%s", o->uscc);
        snprintf(ph, 24, "%s", o->phone);
        if (e->ref == R_REF)
            snprintf(w->ref, sizeof w->ref, "SUP%04u", e->who + 1);
        snprintf(w->note, sizeof w->note, "%s", e->principal > o->owed ? "含税货款及违约金" : "货款");
        break;
    }
    case W_EMPLOYEE:
        cl_gen_person_make(g->seed, g->emp[e->who].pidx, 0, &p);
        snprintf(w->name, sizeof w->name, "%s", p.name);
        snprintf(w->id, sizeof w->id, "%s", p.id);
        if (p.is_hkmo)
            snprintf(w->idtype, sizeof w->idtype, "HKMO_PERMIT");
        snprintf(ph, 24, "%s", p.phone);
        if (e->ref == R_REF)
            snprintf(w->ref, sizeof w->ref, "EMP%04u", e->who + 1);
        snprintf(w->note, sizeof w->note, "%s", e->other ? "其他为经济补偿金(N+1)" : "拖欠工资");
        break;
    case W_TAX: {
        cl_gen_rng tr = cl_gen_stream(g->seed, 0x7A3, e->who);
        snprintf(w->kind, sizeof w->kind, "organization");
        snprintf(w->idtype, sizeof w->idtype, "USCC");
        snprintf(w->name, sizeof w->name, "%s", TAX_NAME[e->who]);
        cl_gen_uscc_make(&tr, '1', e->who == 1 ? '2' : '1', TAX_AREA[e->who], w->id);
        snprintf(ph, 24, "020-12366");
        snprintf(w->note, sizeof w->note, "%s", e->interest ? "欠缴税款及滞纳金" : "欠缴社会保险费");
        break;
    }
    case W_OTHER: {
        int type = (int)(e->who % 5);
        if (type >= 3) {
            uint32_t org = e->who / 5 % 80;   /* 80 companies, some claiming twice */
            cl_gen_rng orr = cl_gen_stream(g->seed, 0x07E, org);
            snprintf(w->kind, sizeof w->kind, "organization");
            snprintf(w->idtype, sizeof w->idtype, "USCC");
            snprintf(w->name, sizeof w->name, "广州市%s%s", OTHER_BRAND[org % 16], OTHER_TRADE[org / 16]);
            cl_gen_uscc_make(&orr, '9', '1', "440106", w->id);
            snprintf(ph, 24, "020-8%07u", (unsigned)cl_gen_below(&orr, 10000000));
            snprintf(w->note, sizeof w->note, "%s", OTHER_NOTE[type]);
        } else {
            cl_gen_person_make(g->seed, CL_GEN_P_OTHER + e->who, 0, &p);
            snprintf(w->name, sizeof w->name, "%s", p.name);
            snprintf(w->id, sizeof w->id, "%s", p.id);
            if (p.is_hkmo)
                snprintf(w->idtype, sizeof w->idtype, "HKMO_PERMIT");
            snprintf(ph, 24, "%s", p.phone);
            if (type == 2 && e->who % 3 == 0) {
                snprintf(w->name, sizeof w->name, "%s", FOREIGN[e->who / 15 % 5]);
                snprintf(w->idtype, sizeof w->idtype, "PASSPORT");
                snprintf(w->id, sizeof w->id, "G%08u", (unsigned)(p.id[14] * 1000003u % 100000000u));
            }
            snprintf(w->note, sizeof w->note, "%s", OTHER_NOTE[type]);
        }
        break;
    }
    }
}

static void apply_flavor(gs *s, const ev *e, cl_gen_rng *r, row *w)
{
    char tmp[96];
    switch (e->flavor) {
    case CL_GK_BAD_ID_CHECK: {
        size_t n = strlen(w->id);
        if (n == 18) {
            const char *alt = strcmp(w->idtype, "USCC") ? "0123456789X" : "0123456789ABCDEFGHJKLMNPQRTUWXY";
            size_t na = strlen(alt);
            char c = alt[cl_gen_below(r, na)];
            w->id[17] = c == w->id[17] ? alt[(size_t)(strchr(alt, c) - alt + 1) % na] : c;
        } else {
            snprintf(w->id + (n > 2 ? n - 2 : 0), 8, "%s", "%%");
        }
        break;
    }
    case CL_GK_NAME_MISSING:
        snprintf(w->name, sizeof w->name, "%s", cl_gen_chance(r, 1, 2) ? "" : "　");
        break;
    case CL_GK_AMOUNT_INVALID: {
        static const char *const A[5] = { "0.00", "-299.00", "2,99.00", "199.001", "一百九十九" };
        snprintf(w->principal, sizeof w->principal, "%s", A[cl_gen_below(r, 5)]);
        break;
    }
    case CL_GK_CATEGORY_INVALID: {
        static const char *const C[3] = { "押金+余额", "押金及余额", "deposit/balance" };
        snprintf(w->cat, sizeof w->cat, "%s", C[cl_gen_below(r, 3)]);
        break;
    }
    case CL_GK_FIELD_INVALID:
        if (cl_gen_chance(r, 1, 2))
            snprintf(w->secured, sizeof w->secured, "不确定");
        else
            snprintf(w->evid, sizeof w->evid, "%s", cl_gen_chance(r, 1, 2) ? "两份" : "-1");
        break;
    case CL_GK_TIME_INVALID: {
        static const char *const T[3] = { "2018-06-31 10:00:00", "2018/13/2 9:00", "2018-04-10 25:10:00" };
        snprintf(w->at, sizeof w->at, "%s", T[cl_gen_below(r, 3)]);
        break;
    }
    case CL_GK_KIND_MISMATCH:
        snprintf(w->kind, sizeof w->kind, "organization");
        break;
    case CL_GK_PHONE_TYPO: {
        char *z = strchr(w->phone, '0');
        uint64_t x = cl_gen_below(r, 3);
        if (x == 0 || (x == 1 && z)) {
            if (z)
                *z = 'O';
            else
                w->phone[10] = 'O';
        } else if (x == 1) {
            w->phone[10] = '\0';
        } else {
            w->phone[1] = '2';
        }
        break;
    }
    case CL_GK_PHONE_EMPTY:
        w->phone[0] = '\0';
        break;
    case CL_GK_FULLWIDTH: {
        uint64_t x = cl_gen_below(r, 3);
        fullwidth(x == 0 ? w->principal : x == 1 ? w->id : w->phone, 96);
        break;
    }
    case CL_GK_ID15:
        memmove(w->id + 6, w->id + 8, 9);
        w->id[15] = '\0';
        break;
    case CL_GK_ID_LOWER_X:
        w->id[17] = 'x';
        break;
    case CL_GK_ID_SPACED:
        snprintf(tmp, sizeof tmp, "%.6s %.4s %.4s %.4s", w->id, w->id + 6, w->id + 10, w->id + 14);
        snprintf(w->id, sizeof w->id, "%s", tmp);
        break;
    case CL_GK_ENUM_VARIANT: {
        uint64_t x = cl_gen_below(r, 3);
        if (x == 0)
            snprintf(w->cat, sizeof w->cat, "%s", e->cat == C_DEPOSIT ? "押金" : "余额");
        else if (x == 1)
            snprintf(w->idtype, sizeof w->idtype, "居民身份证");
        else
            snprintf(w->kind, sizeof w->kind, "%s", cl_gen_chance(r, 1, 2) ? "INDIVIDUAL" : "个人");
        break;
    }
    case CL_GK_NOTE_QUOTED:
        snprintf(w->note, sizeof w->note, "%s", cl_gen_chance(r, 1, 2) ? "申请退还押金,\n联系电话见上"
                                                                      : "deposit 299.00, please \"refund\"");
        break;
    case CL_GK_AMEND_BADLINK:
        if (cl_gen_chance(r, 1, 2))
            snprintf(w->amends, sizeof w->amends, "SB2017%07u", (unsigned)cl_gen_below(r, 10000000));
        else
            sid_text(e->sid, w->amends);
        break;
    default:
        break;
    }
}

static const char *const CAT_TEXT[6] = { "deposit", "balance", "supplier", "employee", "tax", "other" };

static void render(gs *s, const ev *e, row *w, int count)
{
    cl_gen_rng r = { e->seed };
    char phone[24];
    memset(w, 0, sizeof *w);
    sid_text(e->sid, w->sid);
    who_fields(s, e, &r, w, phone);
    time_text(s, &r, e->t, w->at, sizeof w->at, count);
    if (strlen(phone) == 11 && phone[0] == '1')
        phone_text(s, &r, phone, w->phone, count);
    else
        snprintf(w->phone, sizeof w->phone, "%s", phone);
    snprintf(w->cat, sizeof w->cat, "%s", CAT_TEXT[e->cat]);
    amount_text(s, &r, e->principal, w->principal, count);
    uint64_t x = cl_gen_below(&r, 100);
    if (e->interest)
        cl_gen_fmt_money(w->interest, e->interest, 0);
    else
        snprintf(w->interest, sizeof w->interest, "%s", x < 60 ? "" : x < 85 ? "0" : "0.00");
    if (e->other)
        amount_text(s, &r, e->other, w->other, 0);
    x = cl_gen_below(&r, 100);
    snprintf(w->secured, sizeof w->secured, "%s", e->flags & F_SECURED ? (x < 80 ? "Y" : "是")
                                                  : x < 30 ? "" : x < 98 ? "N" : "否");
    cl_gen_bank(&r, w->bank, sizeof w->bank, w->acct, sizeof w->acct);
    x = cl_gen_below(&r, 100);
    if (x < 2 && e->evid)
        w->evid[0] = '\0';
    else
        cl_gen_fmt_u64(w->evid, e->evid, 1);
    static const char *const CH[3] = { "app", "web", "wechat" };
    snprintf(w->chan, sizeof w->chan, "%s", CH[x < 60 ? 0 : x < 85 ? 1 : 2]);
    if (e->target != NONE)
        sid_text(s->ev[e->target].sid, w->amends);
    apply_flavor(s, e, &r, w);
}

static void write_row(cl_gen_out *o, const row *w)
{
    const char *f[19] = { w->sid, w->at, w->kind, w->name, w->idtype, w->id, w->phone, w->ref,
                          w->cat, w->principal, w->interest, w->other, w->secured, w->bank,
                          w->acct, w->amends, w->evid, w->note, w->chan };
    for (int i = 0; i < 19; i++) {
        if (i)
            cl_gen_putc(o, ',');
        cl_gen_field(o, f[i]);
    }
    cl_gen_row_end(o);
}

static void count_row(gs *s, const ev *e)
{
    cl_gen_stats *st = s->g->st;
    if (e->flavor != FL_NONE)
        st->kinds[e->flavor]++;
    if (e->flags & F_DUP)
        return;
    if (e->wk == W_HOLDER && e->ref == R_PHONE && !is_invalid_kind(e->flavor))
        st->kinds[CL_GK_MATCH_PHONE]++;
    if (e->wk == W_HOLDER && e->ref == R_ID && !is_invalid_kind(e->flavor))
        st->kinds[CL_GK_MATCH_ID]++;
    if (e->t >= day0(2018, 6, 28))
        st->kinds[CL_GK_LATE]++;
    if ((e->wk == W_HOLDER || e->wk == W_FAMILY || e->wk == W_STRANGER) && !is_invalid_kind(e->flavor) &&
        !(e->flags & F_SUPERSEDED)) {
        st->valid_user_claims++;
        st->valid_user_fen += e->principal;
    }
}

/* An on-time claim meant valid and operative, of a user or a supplier. */
static int likely_voter(const ev *e)
{
    return (e->wk == W_HOLDER || e->wk == W_FAMILY || e->wk == W_STRANGER ||
            e->wk == W_SUPPLIER) && !is_invalid_kind(e->flavor) &&
           !(e->flags & F_SUPERSEDED) && e->t < day0(2018, 6, 28) &&
           e->flavor != CL_GK_NO_BOOK_NO_EVIDENCE;
}

/* ---- overrides ---------------------------------------------------------------- */

typedef struct ow {
    gs *s;
    cl_gen_out *o;
    cl_gen_rng r;
    cl_time at;
} ow;

static void ovr(ow *w, const char *sid, const char *decision, const char *amount, const char *at_text,
                const char *note, int kind)
{
    static const char *const REV[5] = { "管理人-陈律师", "管理人-李律师", "管理人-黄会计师", "reviewer01",
                                        "reviewer02" };
    char at[48];
    w->at += 60 + (cl_time)cl_gen_below(&w->r, 1800);
    if (w->at % DAY > 18 * 3600)
        w->at = (w->at / DAY + 1) * DAY + 9 * 3600;
    if (at_text)
        snprintf(at, sizeof at, "%s", at_text);
    else
        time_text(w->s, &w->r, w->at, at, sizeof at, 0);
    const char *f[6] = { sid, decision, amount, REV[cl_gen_below(&w->r, 5)], at, note };
    for (int i = 0; i < 6; i++) {
        if (i)
            cl_gen_putc(w->o, ',');
        cl_gen_field(w->o, f[i]);
    }
    cl_gen_row_end(w->o);
    w->s->g->st->override_rows++;
    w->s->g->st->kinds[kind]++;
}

static int64_t declared(const ev *e)
{
    return e->principal + e->interest + e->other;
}

static void write_overrides(gs *s, cl_gen_out *o)
{
    ow w = { s, o, cl_gen_stream(s->g->seed, 0x0E7, 0), day0(2018, 7, 16) + 9 * 3600 };
    char sid[24], amt[48];
    int64_t above = q(s, 20), unknown = q(s, 5), badtime = q(s, 10), baddec = q(s, 5), zero = q(s, 8),
            nonop = q(s, 10);
    cl_gen_puts(o, "submission_id,decision,amount,reviewer,decided_at,note");
    cl_gen_row_end(o);
    for (uint32_t i = 0; i < s->nev; i++) {
        const ev *e = &s->ev[i];
        if (e->flags & F_DUP)
            continue;
        sid_text(e->sid, sid);
        cl_gen_fmt_money(amt, declared(e), 0);
        uint64_t x = cl_gen_below(&w.r, 100);
        if (e->flags & F_SUPERSEDED && e->wk == W_HOLDER && nonop > 0 && x < 5) {
            ovr(&w, sid, "确认", amt, NULL, "对旧版本申报作出决定", CL_GK_OVR_NON_OPERATIVE);
            nonop--;
        } else if (e->flavor == CL_GK_NO_BOOK_EVIDENCE) {
            if (x < 25) {
                ovr(&w, sid, x < 20 ? "confirm" : "确认", amt, NULL, "提供了押金支付截图，予以确认",
                    CL_GK_OVR_CONFIRM);
            } else if (x < 30) {
                ovr(&w, sid, "reject", "", NULL, "无付款凭证", CL_GK_OVR_REJECT);
            } else if (x < 34) {   /* decided twice: the later decision counts */
                ovr(&w, sid, "confirm", amt, "2018-07-28 16:30:00", "复核后予以确认", CL_GK_OVR_REDECIDED);
                ovr(&w, sid, "reject", "", "2018/07/22 16:30:00", "初审不予确认", CL_GK_OVR_REJECT);
            } else if (x < 40 && above > 0) {
                cl_gen_fmt_money(amt, declared(e) + 1000, 0);
                ovr(&w, sid, "confirm", amt, NULL, "金额误录（高于申报额）", CL_GK_OVR_ABOVE_DECLARED);
                above--;
            } else if (x < 44 && badtime > 0) {
                ovr(&w, sid, "confirm", amt, x % 2 ? "2018-07-32 10:00" : "2018-13-01 09:00:00",
                    "决定时间录入错误", CL_GK_OVR_BAD_TIME);
                badtime--;
            } else if (x < 47 && baddec > 0) {
                ovr(&w, sid, "待定", "", NULL, "决定一栏填了待定", CL_GK_OVR_BAD_DECISION);
                baddec--;
            } else if (x < 51 && zero > 0) {
                ovr(&w, sid, "temporary", "0.00", NULL, "临时确定额填0", CL_GK_OVR_ZERO);
                zero--;
            } else if (x < 54 && unknown > 0) {
                snprintf(sid, sizeof sid, "SB2019%07u", (unsigned)cl_gen_below(&w.r, 10000000));
                ovr(&w, sid, "confirm", amt, NULL, "编号有误", CL_GK_OVR_UNKNOWN_ID);
                unknown--;
            }
        } else if (e->flavor == CL_GK_SHARED_ID_MISMATCH && x < 30) {
            ovr(&w, sid, x < 15 ? "confirm" : "reject", x < 15 ? amt : "", NULL,
                x < 15 ? "核实为账户实际使用人（家属），予以确认" : "非账户实名人",
                x < 15 ? CL_GK_OVR_CONFIRM : CL_GK_OVR_REJECT);
        } else if (e->flavor == CL_GK_SHARED_CONFLICT && x < 35) {
            ovr(&w, sid, x < 30 ? "temporary" : "临时确定", amt, NULL, "账户争议，临时确定表决额",
                CL_GK_OVR_TEMPORARY);
        } else if (e->wk == W_OTHER && x < 25) {
            cl_gen_fmt_money(amt, e->principal / 2, 0);
            ovr(&w, sid, "temporary", amt, NULL, "临时确定表决额", CL_GK_OVR_TEMPORARY);
        } else if (e->wk == W_TAX) {
            cl_gen_fmt_money(amt, e->principal, 0);
            ovr(&w, sid, "确认", amt, NULL, "确认税款本金，滞纳金另行审查", CL_GK_OVR_CONFIRM);
        } else if (e->wk == W_SUPPLIER && (e->flags & (F_SECURED | F_FINAL)) == (F_SECURED | F_FINAL)) {
            int64_t book = s->g->sup[e->who].owed;
            cl_gen_fmt_money(amt, book < e->principal ? book : e->principal, 0);
            ovr(&w, sid, "confirm", amt, NULL, "抵押登记核实无误", CL_GK_OVR_CONFIRM);
        }
    }
    /* make sure every refused kind appears, on the last stranger rows */
    for (uint32_t i = s->nev; i-- > 0 && (above > 0 || unknown > 0 || badtime > 0 || baddec > 0 || zero > 0);) {
        const ev *e = &s->ev[i];
        if (e->flavor != CL_GK_NO_BOOK_EVIDENCE)
            continue;
        sid_text(e->sid, sid);
        cl_gen_fmt_money(amt, declared(e) + 500, 0);
        if (above-- > 0)
            ovr(&w, sid, "confirm", amt, NULL, "金额误录（高于申报额）", CL_GK_OVR_ABOVE_DECLARED);
        else if (unknown-- > 0)
            ovr(&w, "SB20199999999", "confirm", "199.00", NULL, "编号有误", CL_GK_OVR_UNKNOWN_ID);
        else if (badtime-- > 0)
            ovr(&w, sid, "confirm", "99.00", "2018-07-32 10:00", "决定时间录入错误", CL_GK_OVR_BAD_TIME);
        else if (baddec-- > 0)
            ovr(&w, sid, "待定", "", NULL, "决定一栏填了待定", CL_GK_OVR_BAD_DECISION);
        else if (zero-- > 0)
            ovr(&w, sid, "temporary", "0.00", NULL, "临时确定额填0", CL_GK_OVR_ZERO);
    }
    for (uint32_t i = 0; i < s->nev && nonop > 0; i++) {
        const ev *e = &s->ev[i];
        if (!(e->flags & F_SUPERSEDED) || (e->flags & F_DUP))
            continue;
        sid_text(e->sid, sid);
        cl_gen_fmt_money(amt, declared(e), 0);
        ovr(&w, sid, "confirm", amt, NULL, "对旧版本申报作出决定", CL_GK_OVR_NON_OPERATIVE);
        nonop--;
    }
}

/* ---- entry ---------------------------------------------------------------------- */

static const char SUBS_HEADER[] =
    "submission_id,submitted_at,creditor_kind,name,id_type,id_number,phone,account_ref,category,"
    "principal,interest,other_amount,secured,bank_name,bank_account,amends,evidence_count,note,"
    "source_channel";

cl_err cl_gen_write_submissions(cl_gen_ctx *g, const char *subs_path, const char *ovr_path,
                                const char *truth_path, cl_diag *d)
{
    gs s = { .g = g, .r = cl_gen_stream(g->seed, 0x5B5, 0) };
    cl_gen_out *o = malloc(sizeof *o);
    row *w = malloc(sizeof *w);
    cl_err e = CL_OK;
    if (!o || !w || choose_holders(&s) < 0) {
        e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
        goto done;
    }
    holder_events(&s);
    flavor_primaries(&s);
    extra_rows(&s);
    stranger_rows(&s);
    org_rows(&s);
    if (s.err || order_and_number(&s) < 0) {
        e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (g->progress)
        cl_progress_stage(g->progress, "submissions.csv");
    e = cl_gen_out_open(o, subs_path, g->gb18030, d);
    if (e != CL_OK)
        goto done;
    cl_gen_puts(o, SUBS_HEADER);
    cl_gen_row_end(o);
    for (uint32_t i = 0; i < s.nev; i++) {
        const ev *cur = &s.ev[i];
        int dup = (cur->flags & F_DUP) != 0;
        render(&s, dup ? &s.ev[cur->target] : cur, w, !dup);
        write_row(o, w);
        count_row(&s, cur);
        if (!dup && likely_voter(cur))
            cl_gen_voter_add(g, w->idtype, w->id);
        g->st->submission_rows++;
    }
    /* planted probable duplicates after every ordinary row (cl_gen_linkage.c) */
    e = cl_gen_plant_linkage(g, o, truth_path, d);
    if (e != CL_OK) {
        cl_gen_out_discard(o);
        goto done;
    }
    e = cl_gen_out_close(o, d);
    if (e != CL_OK)
        goto done;
    if (g->progress)
        cl_progress_stage(g->progress, "overrides.csv");
    e = cl_gen_out_open(o, ovr_path, 0, d);
    if (e != CL_OK)
        goto done;
    write_overrides(&s, o);
    e = cl_gen_out_close(o, d);
done:
    free(s.ev);
    free(s.h);
    free(w);
    free(o);
    return e;
}
