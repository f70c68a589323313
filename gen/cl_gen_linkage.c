/* cl_gen_linkage.c - planted probable duplicates and fraud rings (issue 17)
 * with their ground truth: rows appended after the ordinary submissions
 * (which stay byte-identical), ids LK2018nnnnnnn, and linkage_truth.csv
 * beside the case naming every planted group and every innocent look-alike.
 *
 * Planted (should be one cluster each): the same person under a second ID
 * one substitution or adjacent transposition away (check character valid),
 * the 15-digit form with a typo beside the 18-digit one, the same with a
 * traditional variant of the surname, rings of 2-12 identities on one bank
 * account, of 5-10 on one phone, of 2-3 on one account_ref, and of 3-8 on
 * one account and one phone. Innocent (should be in no cluster): families of
 * 2-4 sharing a phone with one claim each, and two people with the same
 * name and birth date whose IDs differ in more than one character. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/cl_gen_int.h"

#define P_LINK 700000000u   /* person indexes of the planted people: */
#define P_LINK_SPAN 70000000u   /* P_LINK + (k * 7919 mod SPAN), below the ID space */

typedef struct plant {
    cl_gen_ctx *g;
    cl_gen_out *subs, *truth;
    cl_gen_rng r;
    uint32_t next_sid, next_person, group;
    const char *truth_kind;
} plant;

typedef struct prow {
    const char *name, *id, *phone, *ref, *bank, *acct;
} prow;

static const char *const VARIANT_SURNAMES[][2] = {
    {"张", "張"}, {"陈", "陳"}, {"刘", "劉"}, {"黄", "黃"}, {"赵", "趙"}, {"吴", "吳"},
    {"孙", "孫"}, {"马", "馬"}, {"郑", "鄭"}, {"谢", "謝"}, {"杨", "楊"}, {"许", "許"},
};
#define NVARIANT_SURNAMES ((int)(sizeof VARIANT_SURNAMES / sizeof VARIANT_SURNAMES[0]))

static void person(plant *p, cl_gen_person *out)
{
    /* spread over the range: neighbours in the ID bijection are born close together */
    do
        cl_gen_person_make(p->g->seed, P_LINK + (uint32_t)(((uint64_t)p->next_person++ * 7919u) %
                                                           P_LINK_SPAN), 1, out);
    while (out->is_hkmo || out->birth_y >= 2000);   /* PRC IDs with a 15-digit form */
}

/* The given name: the person's name after its first character. */
static const char *given(const cl_gen_person *q)
{
    const unsigned char *s = (const unsigned char *)q->name;
    return q->name + (s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 1);
}

static int real_date(const char *id)
{
    int y = (id[6] - '0') * 1000 + (id[7] - '0') * 100 + (id[8] - '0') * 10 + (id[9] - '0');
    int m = (id[10] - '0') * 10 + (id[11] - '0'), d = (id[12] - '0') * 10 + (id[13] - '0');
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100) || y % 400 == 0;
    return y >= 1950 && y <= 2002 && m >= 1 && m <= 12 && d >= 1 && d <= mdays[m - 1] &&
           !(m == 2 && d == 29 && !leap);
}

/* One substitution (70%) or adjacent transposition in s[0..n). */
static void typo(cl_gen_rng *r, char *s, int n)
{
    for (;;) {
        int pos = (int)cl_gen_below(r, (uint64_t)n);
        if (cl_gen_chance(r, 70, 100) || pos == n - 1) {
            char c = (char)('0' + cl_gen_below(r, 9));
            s[pos] = c >= s[pos] ? (char)(c + 1) : c;
            return;
        }
        if (s[pos] != s[pos + 1]) {
            char t = s[pos];
            s[pos] = s[pos + 1];
            s[pos + 1] = t;
            return;
        }
    }
}

/* A second, valid-looking 18-digit ID one edit from id in its first 17. */
static void typo18(cl_gen_rng *r, const char *id, char out[24])
{
    do {
        memcpy(out, id, 19);
        typo(r, out, 17);
        out[17] = cl_gen_prc_check(out);
    } while (!real_date(out));
}

/* The 15-digit form of an 18-digit ID (born 19xx) with one edit. */
static void typo15(cl_gen_rng *r, const char *id, char out[24])
{
    char clean[16];
    memcpy(clean, id, 6);
    memcpy(clean + 6, id + 8, 9);
    clean[15] = '\0';
    do {
        memcpy(out, clean, 16);
        typo(r, out, 15);
    } while (!strcmp(out, clean));
}

static void put_row(plant *p, const prow *w)
{
    char sid[24], at[80], amount[16];
    memcpy(sid, "LK2018", 6);
    cl_gen_fmt_u64(sid + 6, ++p->next_sid, 7);
    int day = 5 + (int)cl_gen_below(&p->r, 80);   /* April 5 .. June 23 */
    int mon = day <= 30 ? 4 : day <= 61 ? 5 : 6;
    int dd = day <= 30 ? day : day <= 61 ? day - 30 : day - 61;
    snprintf(at, sizeof at, "2018-%02d-%02d %02d:%02d:%02d", mon, dd,
             8 + (int)cl_gen_below(&p->r, 13), (int)cl_gen_below(&p->r, 60),
             (int)cl_gen_below(&p->r, 60));
    static const char *const AMT[] = {"99.00", "199.00", "299.00", "150.00"};
    snprintf(amount, sizeof amount, "%s", AMT[cl_gen_below(&p->r, 4)]);
    const char *f[19] = {sid, at, "individual", w->name, "PRC_ID", w->id, w->phone,
                         w->ref ? w->ref : "", "deposit", amount, "", "", "N", w->bank, w->acct,
                         "", "1", "", "app"};
    for (int i = 0; i < 19; i++) {
        if (i)
            cl_gen_putc(p->subs, ',');
        cl_gen_field(p->subs, f[i]);
    }
    cl_gen_row_end(p->subs);
    p->g->st->submission_rows++;
    p->g->st->linkage_rows++;
    if (strlen(w->id) == 15)
        p->g->st->kinds[CL_GK_ID15]++;
    /* the truth: group, kind, submission_id */
    char grp[16];
    cl_gen_fmt_u64(grp, p->group, 1);
    cl_gen_puts(p->truth, grp);
    cl_gen_putc(p->truth, ',');
    cl_gen_puts(p->truth, p->truth_kind);
    cl_gen_putc(p->truth, ',');
    cl_gen_puts(p->truth, sid);
    cl_gen_row_end(p->truth);
}

typedef struct bankacct {
    char bank[96], acct[48];
} bankacct;

static void fresh_bank(plant *p, bankacct *b)
{
    cl_gen_bank(&p->r, b->bank, sizeof b->bank, b->acct, sizeof b->acct);
}

static void begin(plant *p, const char *kind)
{
    p->group++;
    p->g->st->linkage_groups++;
    p->truth_kind = kind;
}

/* The same person under two IDs (kind id_typo, id15_18 or name_variant). */
static void id_pair(plant *p, int kind)
{
    cl_gen_person q;
    bankacct b1, b2;
    char id2[24], name1[96], name2[96];
    person(p, &q);
    fresh_bank(p, &b1);
    fresh_bank(p, &b2);
    snprintf(name1, sizeof name1, "%s", q.name);
    snprintf(name2, sizeof name2, "%s", q.name);
    if (kind == 1) {
        typo15(&p->r, q.id, id2);
    } else {
        typo18(&p->r, q.id, id2);
        if (kind == 2) {
            int v = (int)cl_gen_below(&p->r, NVARIANT_SURNAMES);
            snprintf(name1, sizeof name1, "%s%s", VARIANT_SURNAMES[v][0], given(&q));
            snprintf(name2, sizeof name2, "%s%s", VARIANT_SURNAMES[v][1], given(&q));
        }
    }
    begin(p, kind == 0 ? "id_typo" : kind == 1 ? "id15_18" : "name_variant");
    prow a = {name1, q.id, q.phone, NULL, b1.bank, b1.acct};
    prow c = {name2, id2, q.phone2, NULL, b2.bank, b2.acct};
    put_row(p, &a);
    put_row(p, &c);
}

/* k people on one bank account and/or one phone (or one account_ref). */
static void ring(plant *p, const char *kind, int k, int bank, int phone, int ref)
{
    cl_gen_person lead, q;
    bankacct shared, own;
    char refbuf[16];
    person(p, &lead);
    fresh_bank(p, &shared);
    memcpy(refbuf, "XM9", 3);
    cl_gen_fmt_u64(refbuf + 3, p->group, 7);
    begin(p, kind);
    for (int i = 0; i < k; i++) {
        if (i)
            person(p, &q);
        else
            q = lead;
        fresh_bank(p, &own);
        prow w = {q.name, q.id, phone ? lead.phone : q.phone, ref ? refbuf : NULL,
                  bank ? shared.bank : own.bank, bank ? shared.acct : own.acct};
        put_row(p, &w);
    }
}

/* Innocent: a family of k sharing one phone, one claim each, own accounts. */
static void family(plant *p, int k)
{
    cl_gen_person head, q;
    bankacct own;
    char name[96];
    person(p, &head);
    size_t sl = (size_t)(given(&head) - head.name);
    begin(p, "innocent_family_phone");
    for (int i = 0; i < k; i++) {
        if (i)
            person(p, &q);
        else
            q = head;
        snprintf(name, sizeof name, "%.*s%s", (int)sl, head.name, given(&q));
        fresh_bank(p, &own);
        prow w = {name, q.id, head.phone, NULL, own.bank, own.acct};
        put_row(p, &w);
    }
}

static int edits17(const char *a, const char *b)
{
    int n = 0;
    for (int i = 0; i < 17; i++)
        n += a[i] != b[i];
    return n;
}

/* Innocent: two people with one name and one birth date, IDs far apart. */
static void lookalike(plant *p)
{
    cl_gen_person a, b;
    bankacct ba, bb;
    person(p, &a);
    do {
        person(p, &b);
        memcpy(b.id + 6, a.id + 6, 8);   /* the same birth date */
        b.id[17] = cl_gen_prc_check(b.id);
    } while (edits17(a.id, b.id) < 3);
    fresh_bank(p, &ba);
    fresh_bank(p, &bb);
    begin(p, "innocent_lookalike");
    prow x = {a.name, a.id, a.phone, NULL, ba.bank, ba.acct};
    prow y = {a.name, b.id, b.phone, NULL, bb.bank, bb.acct};
    put_row(p, &x);
    put_row(p, &y);
}

cl_err cl_gen_plant_linkage(cl_gen_ctx *g, cl_gen_out *subs, const char *truth_path, cl_diag *d)
{
    cl_gen_out *t = malloc(sizeof *t);
    if (!t)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    cl_err e = cl_gen_out_open(t, truth_path, 0, d);
    if (e != CL_OK) {
        free(t);
        return e;
    }
    plant p = {g, subs, t, cl_gen_stream(g->seed, 0x11A6, 0), 0, 0, 0, ""};
    cl_gen_puts(t, "group,kind,submission_id");
    cl_gen_row_end(t);
    int64_t n = cl_gen_scaled(g, 60, 2);   /* groups of each kind */
    for (int64_t i = 0; i < n; i++) {
        id_pair(&p, 0);
        id_pair(&p, 1);
        id_pair(&p, 2);
        ring(&p, "bank", 2 + (int)cl_gen_below(&p.r, 11), 1, 0, 0);
        ring(&p, "phone", 5 + (int)cl_gen_below(&p.r, 6), 0, 1, 0);
        ring(&p, "account_ref", 2 + (int)cl_gen_below(&p.r, 2), 0, 0, 1);
        if (i % 2 == 0)
            ring(&p, "ring_bank_phone", 3 + (int)cl_gen_below(&p.r, 6), 1, 1, 0);
        family(&p, 2 + (int)cl_gen_below(&p.r, 3));
        lookalike(&p);
    }
    e = cl_gen_out_close(t, d);
    free(t);
    return e;
}
