/* test_tally.c - unit tests of engine/tally.c (contract §6): the order of
 * rejection reasons, supersession, and the statutory tests at every
 * boundary (half the amount, half the headcount, two thirds, one fen less),
 * secured and employee creditors, reorganization groups incl.
 * small_ordinary, and a Xiaoming-like online vote. */
#include <stdlib.h>
#include <string.h>

#include "engine/cl_tally.h"
#include "tests/cl_test.h"

#define T0 1000000   /* opens_at */
#define T1 2000000   /* closes_at */

/* A small roster under construction. */
typedef struct roster {
    size_t n;
    int64_t uv[64], sv[64], ga[CL_GROUP_COUNT][64];
    uint8_t groups[64];
} roster;

static int add_creditor(roster *r, int64_t uv, int64_t sv)
{
    r->uv[r->n] = uv;
    r->sv[r->n] = sv;
    return (int)r->n++;
}

/* Ballots under construction. */
typedef struct ballots {
    size_t n;
    cl_ballot b[4096];
    char ids[4096][16];
} ballots;

static size_t vote(ballots *bs, int creditor, int res, int choice, int group, cl_time at)
{
    size_t i = bs->n++;
    snprintf(bs->ids[i], sizeof bs->ids[i], "B%05zu", i);
    bs->b[i] = (cl_ballot){.ballot_id = bs->ids[i], .ballot_id_len = (uint32_t)strlen(bs->ids[i]),
                           .creditor = creditor, .resolution = res, .choice = (int8_t)choice,
                           .group = (int8_t)group, .cast_at = at};
    return i;
}

static cl_err tally(const roster *r, const cl_resolution_type *types, size_t nres,
                    const ballots *bs, cl_tally_result *out)
{
    cl_tally_input in = {.nresolutions = nres, .types = types, .opens_at = T0, .closes_at = T1,
                         .nballots = bs->n, .ballots = bs->b};
    in.roster.n = r->n;
    in.roster.unsecured_voting = r->uv;
    in.roster.secured_voting = r->sv;
    in.roster.groups = r->groups;
    for (int g = 0; g < CL_GROUP_COUNT; g++)
        in.roster.group_amount[g] = r->ga[g];
    cl_diag d = {0};
    return cl_tally_run(&in, out, &d);
}

static const cl_tally_row *row_of(const cl_tally_result *t, size_t res, int group)
{
    for (size_t i = t->first_row[res]; i < t->nrows && t->rows[i].resolution == res; i++)
        if (t->rows[i].group == group)
            return &t->rows[i];
    return NULL;
}

static void test_predicates(void)
{
    CHECK(!cl_tally_headcount_pass(2, 4));   /* exactly half: not 过半数 */
    CHECK(cl_tally_headcount_pass(3, 5));
    CHECK(!cl_tally_headcount_pass(0, 0));   /* nobody present fails */
    CHECK(cl_tally_amount_pass(CL_RES_GENERAL, 50, 100));      /* exactly half passes */
    CHECK(!cl_tally_amount_pass(CL_RES_GENERAL, 49, 99));      /* 98 < 99 */
    CHECK(cl_tally_amount_pass(CL_RES_SETTLEMENT, 200, 300));  /* exactly 2/3 */
    CHECK(!cl_tally_amount_pass(CL_RES_SETTLEMENT, 199, 300));
    CHECK(cl_tally_amount_pass(CL_RES_REORGANIZATION, 200, 300));
    CHECK(!cl_tally_amount_pass(CL_RES_REORGANIZATION, 199, 300));
    /* products beyond int64: 4*10^18 * 3 overflows 64 bits */
    CHECK(cl_tally_amount_pass(CL_RES_SETTLEMENT, 4000000000000000000LL, 6000000000000000000LL));
    CHECK(!cl_tally_amount_pass(CL_RES_SETTLEMENT, 3999999999999999999LL, 6000000000000000000LL));
    CHECK(cl_tally_amount_pass(CL_RES_GENERAL, INT64_MAX / 2 + 1, INT64_MAX));
    CHECK(!cl_tally_amount_pass(CL_RES_GENERAL, INT64_MAX / 2, INT64_MAX));
}

/* general (Art. 64): exactly half the amount passes, exactly half the
 * headcount fails. */
static void test_general_boundaries(void)
{
    static roster r;
    static ballots bs;
    memset(&r, 0, sizeof r);
    memset(&bs, 0, sizeof bs);
    for (int i = 0; i < 4; i++)
        add_creditor(&r, 10000, 0);           /* 4 x 100.00 = base 400.00 */
    int emp = add_creditor(&r, 0, 0);         /* employee-only: no vote, not in base */
    int sec = add_creditor(&r, 0, 99999);     /* secured only: headcount, amount 0 */
    cl_resolution_type types[] = {CL_RES_GENERAL, CL_RES_GENERAL};
    /* resolution 0: two for (200.00 = half), two against -> amount passes,
     * headcount 2*2 > 4 fails */
    vote(&bs, 0, 0, CL_CHOICE_FOR, CL_GROUP_NONE, T0);
    vote(&bs, 1, 0, CL_CHOICE_FOR, CL_GROUP_NONE, T1);
    vote(&bs, 2, 0, CL_CHOICE_AGAINST, CL_GROUP_NONE, T0 + 5);
    vote(&bs, 3, 0, CL_CHOICE_AGAINST, CL_GROUP_NONE, T0 + 5);
    size_t be = vote(&bs, emp, 0, CL_CHOICE_FOR, CL_GROUP_NONE, T0 + 5);
    /* resolution 1: the secured creditor tips the headcount (3 of 5) but
     * adds no amount; a group on a general ballot is ignored. */
    vote(&bs, 0, 1, CL_CHOICE_FOR, CL_GROUP_TAX, T0 + 1);
    vote(&bs, 1, 1, CL_CHOICE_ABSTAIN, CL_GROUP_UNKNOWN, T0 + 1);
    vote(&bs, 2, 1, CL_CHOICE_AGAINST, CL_GROUP_NONE, T0 + 1);
    vote(&bs, 3, 1, CL_CHOICE_FOR, CL_GROUP_NONE, T0 + 1);
    size_t bsec = vote(&bs, sec, 1, CL_CHOICE_FOR, CL_GROUP_NONE, T0 + 1);
    cl_tally_result t;
    CHECK_EQ_INT(tally(&r, types, 2, &bs, &t), CL_OK);
    CHECK_EQ_INT(t.reason[be], CL_BR_NO_VOTING_RIGHT);
    CHECK_EQ_INT(t.reason[bsec], CL_BR_COUNTED);
    const cl_tally_row *a = row_of(&t, 0, CL_GROUP_NONE);
    CHECK(a != NULL);
    if (a) {
        CHECK_EQ_INT(a->present, 4);
        CHECK_EQ_INT(a->n_for, 2);
        CHECK_EQ_INT(a->n_against, 2);
        CHECK_EQ_INT(a->for_amount, 20000);
        CHECK_EQ_INT(a->base_amount, 40000);   /* employee and secured not in base */
        CHECK(a->amount_pass);
        CHECK(!a->headcount_pass);
        CHECK(!a->passed);
        CHECK_EQ_INT(a->members, 5);           /* 4 unsecured + 1 secured */
    }
    const cl_tally_row *b = row_of(&t, 1, CL_GROUP_NONE);
    CHECK(b != NULL);
    if (b) {
        CHECK_EQ_INT(b->present, 5);
        CHECK_EQ_INT(b->n_for, 3);
        CHECK_EQ_INT(b->n_abstain, 1);
        CHECK_EQ_INT(b->for_amount, 20000);    /* secured adds 0 */
        CHECK(b->headcount_pass && b->amount_pass && b->passed);
    }
    CHECK_EQ_INT(t.nrows, 2);
    cl_tally_result_free(&t);

    /* One fen less than half fails the amount test. */
    r.uv[0] = 9999;   /* base 399.99, for 100.00 + 99.99 = 199.99; 399.98 < 399.99 */
    CHECK_EQ_INT(tally(&r, types, 2, &bs, &t), CL_OK);
    a = row_of(&t, 0, CL_GROUP_NONE);
    CHECK(a && a->for_amount == 19999 && a->base_amount == 39999 && !a->amount_pass);
    cl_tally_result_free(&t);
}

/* settlement (Art. 97): two thirds passes, one fen less fails; secured
 * creditors have no vote (Art. 59). */
static void test_settlement_boundaries(void)
{
    static roster r;
    static ballots bs;
    memset(&r, 0, sizeof r);
    memset(&bs, 0, sizeof bs);
    add_creditor(&r, 20000, 0);
    add_creditor(&r, 10000, 500000);     /* both: votes with its unsecured part */
    int sec = add_creditor(&r, 0, 900000);
    cl_resolution_type types[] = {CL_RES_SETTLEMENT};
    vote(&bs, 0, 0, CL_CHOICE_FOR, CL_GROUP_NONE, T0);
    vote(&bs, 1, 0, CL_CHOICE_ABSTAIN, CL_GROUP_NONE, T0);
    size_t bsec = vote(&bs, sec, 0, CL_CHOICE_AGAINST, CL_GROUP_NONE, T0);
    cl_tally_result t;
    CHECK_EQ_INT(tally(&r, types, 1, &bs, &t), CL_OK);
    CHECK_EQ_INT(t.reason[bsec], CL_BR_NO_VOTING_RIGHT);
    const cl_tally_row *a = row_of(&t, 0, CL_GROUP_NONE);
    CHECK(a && a->present == 2 && a->n_for == 1 && a->base_amount == 30000);
    CHECK(a && a->amount_pass && !a->headcount_pass);   /* 1*2 > 2 is false */
    CHECK(a && a->members == 2);
    cl_tally_result_free(&t);

    /* The abstainer changes its vote to for (later ballot): 2 of 2, 300/300. */
    vote(&bs, 1, 0, CL_CHOICE_FOR, CL_GROUP_NONE, T0 + 1);
    r.uv[0] = 19999;  /* base 299.99; for 299.99 * 3 >= 299.99 * 2 */
    CHECK_EQ_INT(tally(&r, types, 1, &bs, &t), CL_OK);
    CHECK_EQ_INT(t.reason[1], CL_BR_SUPERSEDED);
    a = row_of(&t, 0, CL_GROUP_NONE);
    CHECK(a && a->passed);
    cl_tally_result_free(&t);

    /* Exactly two thirds: for 200.00 of 300.00 passes; 199.99 of 299.99 fails. */
    memset(&bs, 0, sizeof bs);
    r.uv[0] = 20000;
    vote(&bs, 0, 0, CL_CHOICE_FOR, CL_GROUP_NONE, T0);
    CHECK_EQ_INT(tally(&r, types, 1, &bs, &t), CL_OK);
    a = row_of(&t, 0, CL_GROUP_NONE);
    CHECK(a && a->for_amount == 20000 && a->base_amount == 30000 && a->amount_pass && a->passed);
    cl_tally_result_free(&t);
    r.uv[0] = 19999;
    r.uv[1] = 10001;  /* base still 300.00, for one fen less than two thirds */
    CHECK_EQ_INT(tally(&r, types, 1, &bs, &t), CL_OK);
    a = row_of(&t, 0, CL_GROUP_NONE);
    CHECK(a && a->for_amount == 19999 && a->base_amount == 30000 && !a->amount_pass && !a->passed);
    cl_tally_result_free(&t);
}

/* Rejection reasons in contract order, the inclusive window, supersession. */
static void test_reasons_and_supersession(void)
{
    static roster r;
    static ballots bs;
    memset(&r, 0, sizeof r);
    memset(&bs, 0, sizeof bs);
    add_creditor(&r, 100, 0);
    add_creditor(&r, 100, 0);
    r.ga[CL_GROUP_ORDINARY][0] = 100;
    r.ga[CL_GROUP_ORDINARY][1] = 100;
    cl_resolution_type types[] = {CL_RES_GENERAL, CL_RES_REORGANIZATION};
    size_t b0 = vote(&bs, -1, -1, CL_CHOICE_INVALID, CL_GROUP_NONE, CL_TIME_NONE);
    size_t b1 = vote(&bs, 0, -1, CL_CHOICE_INVALID, CL_GROUP_NONE, CL_TIME_NONE);
    size_t b2 = vote(&bs, 0, 0, CL_CHOICE_INVALID, CL_GROUP_NONE, CL_TIME_NONE);
    size_t b3 = vote(&bs, 0, 0, CL_CHOICE_INVALID, CL_GROUP_NONE, T0 - 1);
    size_t b4 = vote(&bs, 0, 0, CL_CHOICE_FOR, CL_GROUP_NONE, T1 + 1);
    size_t b5 = vote(&bs, 0, 0, CL_CHOICE_INVALID, CL_GROUP_NONE, T0);
    size_t b6 = vote(&bs, 0, 1, CL_CHOICE_FOR, CL_GROUP_NONE, T0);      /* no group */
    size_t b7 = vote(&bs, 0, 1, CL_CHOICE_FOR, CL_GROUP_TAX, T0);       /* no amount there */
    size_t b8 = vote(&bs, 0, 1, CL_CHOICE_FOR, CL_GROUP_UNKNOWN, T0);
    /* supersession: creditor 0 on resolution 0 */
    size_t s1 = vote(&bs, 0, 0, CL_CHOICE_FOR, CL_GROUP_NONE, T0);      /* window start */
    size_t s2 = vote(&bs, 0, 0, CL_CHOICE_AGAINST, CL_GROUP_NONE, T1);  /* window end: latest */
    size_t s3 = vote(&bs, 0, 0, CL_CHOICE_FOR, CL_GROUP_NONE, T1 + 60); /* invalid: ignored */
    /* tie on cast_at: greatest ballot_id counts, whatever the file order */
    size_t t1 = vote(&bs, 1, 0, CL_CHOICE_FOR, CL_GROUP_NONE, T0 + 7);
    size_t t2 = vote(&bs, 1, 0, CL_CHOICE_AGAINST, CL_GROUP_NONE, T0 + 7);
    strcpy(bs.ids[t1], "Z2");
    strcpy(bs.ids[t2], "Z10");   /* "Z2" > "Z10" bytewise */
    bs.b[t1].ballot_id_len = 2;
    bs.b[t2].ballot_id_len = 3;
    cl_tally_result t;
    CHECK_EQ_INT(tally(&r, types, 2, &bs, &t), CL_OK);
    CHECK_EQ_INT(t.reason[b0], CL_BR_NOT_ON_ROSTER);
    CHECK_EQ_INT(t.reason[b1], CL_BR_UNKNOWN_RESOLUTION);
    CHECK_EQ_INT(t.reason[b2], CL_BR_OUTSIDE_WINDOW);
    CHECK_EQ_INT(t.reason[b3], CL_BR_OUTSIDE_WINDOW);
    CHECK_EQ_INT(t.reason[b4], CL_BR_OUTSIDE_WINDOW);
    CHECK_EQ_INT(t.reason[b5], CL_BR_INVALID_CHOICE);
    CHECK_EQ_INT(t.reason[b6], CL_BR_WRONG_GROUP);
    CHECK_EQ_INT(t.reason[b7], CL_BR_WRONG_GROUP);
    CHECK_EQ_INT(t.reason[b8], CL_BR_WRONG_GROUP);
    CHECK_EQ_INT(t.reason[s1], CL_BR_SUPERSEDED);
    CHECK_EQ_INT(t.reason[s2], CL_BR_COUNTED);
    CHECK_EQ_INT(t.reason[s3], CL_BR_OUTSIDE_WINDOW);
    CHECK_EQ_INT(t.reason[t1], CL_BR_COUNTED);
    CHECK_EQ_INT(t.reason[t2], CL_BR_SUPERSEDED);
    CHECK_EQ_INT(t.counted, 2);
    CHECK_EQ_INT(t.by_reason[CL_BR_SUPERSEDED], 2);
    CHECK_EQ_INT(t.by_reason[CL_BR_WRONG_GROUP], 3);
    const cl_tally_row *a = row_of(&t, 0, CL_GROUP_NONE);
    CHECK(a && a->present == 2 && a->n_for == 1 && a->n_against == 1 && !a->passed);
    /* reorganization with nobody present: the group and the plan fail */
    const cl_tally_row *g = row_of(&t, 1, CL_GROUP_ORDINARY);
    CHECK(g && g->present == 0 && !g->passed && g->base_amount == 200);
    const cl_tally_row *o = row_of(&t, 1, CL_GROUP_NONE);
    CHECK(o && !o->passed && o->groups == 1 && o->groups_passed == 0);
    CHECK_EQ_INT(t.nrows, 3);
    cl_tally_result_free(&t);
}

/* reorganization (Art. 82, 84): per group two thirds of the group amount
 * and a majority of those present in the group; the plan passes only when
 * every group with members passes; small_ordinary when configured. */
static void test_reorganization(void)
{
    static roster r;
    static ballots bs;
    memset(&r, 0, sizeof r);
    memset(&bs, 0, sizeof bs);
    /* secured: 0 (200.00), 1 (100.00); employee: 2 (50.00);
     * ordinary: 3 (1000.00), 4 (500.00); small_ordinary: 5, 6, 7 (10.00 each);
     * tax group has no members and gets no row. 8 is listed in employee
     * group with no amount: a member that cannot vote. */
    for (int i = 0; i < 9; i++)
        add_creditor(&r, 0, 0);
    r.ga[CL_GROUP_SECURED][0] = 20000;
    r.ga[CL_GROUP_SECURED][1] = 10000;
    r.ga[CL_GROUP_EMPLOYEE][2] = 5000;
    r.ga[CL_GROUP_ORDINARY][3] = 100000;
    r.ga[CL_GROUP_ORDINARY][4] = 50000;
    r.ga[CL_GROUP_SMALL_ORDINARY][5] = 1000;
    r.ga[CL_GROUP_SMALL_ORDINARY][6] = 1000;
    r.ga[CL_GROUP_SMALL_ORDINARY][7] = 1000;
    r.groups[8] = 1u << CL_GROUP_EMPLOYEE;
    cl_resolution_type types[] = {CL_RES_REORGANIZATION};
    vote(&bs, 0, 0, CL_CHOICE_FOR, CL_GROUP_SECURED, T0);      /* 200 of 300: 2/3 */
    vote(&bs, 1, 0, CL_CHOICE_AGAINST, CL_GROUP_SECURED, T0);  /* 1 of 2: headcount fails */
    vote(&bs, 2, 0, CL_CHOICE_FOR, CL_GROUP_EMPLOYEE, T0);
    size_t w = vote(&bs, 8, 0, CL_CHOICE_FOR, CL_GROUP_EMPLOYEE, T0);
    vote(&bs, 3, 0, CL_CHOICE_FOR, CL_GROUP_ORDINARY, T0);
    vote(&bs, 4, 0, CL_CHOICE_AGAINST, CL_GROUP_ORDINARY, T0);
    size_t ws = vote(&bs, 5, 0, CL_CHOICE_FOR, CL_GROUP_ORDINARY, T0);  /* small, not ordinary */
    vote(&bs, 5, 0, CL_CHOICE_FOR, CL_GROUP_SMALL_ORDINARY, T0);
    vote(&bs, 6, 0, CL_CHOICE_FOR, CL_GROUP_SMALL_ORDINARY, T0);
    vote(&bs, 7, 0, CL_CHOICE_AGAINST, CL_GROUP_SMALL_ORDINARY, T0);
    cl_tally_result t;
    CHECK_EQ_INT(tally(&r, types, 1, &bs, &t), CL_OK);
    CHECK_EQ_INT(t.reason[w], CL_BR_WRONG_GROUP);
    CHECK_EQ_INT(t.reason[ws], CL_BR_WRONG_GROUP);
    CHECK_EQ_INT(t.nrows, 5);   /* secured, employee, ordinary, small_ordinary, overall */
    CHECK(row_of(&t, 0, CL_GROUP_TAX) == NULL);
    const cl_tally_row *s = row_of(&t, 0, CL_GROUP_SECURED);
    CHECK(s && s->amount_pass && !s->headcount_pass && !s->passed);
    CHECK(s && s->base_amount == 30000 && s->for_amount == 20000 && s->members == 2);
    const cl_tally_row *e = row_of(&t, 0, CL_GROUP_EMPLOYEE);
    CHECK(e && e->passed && e->members == 2 && e->present == 1);
    const cl_tally_row *o = row_of(&t, 0, CL_GROUP_ORDINARY);
    /* 1000 of 1500 = exactly 2/3, but 1 of 2 present: fails headcount */
    CHECK(o && o->amount_pass && !o->headcount_pass);
    const cl_tally_row *so = row_of(&t, 0, CL_GROUP_SMALL_ORDINARY);
    /* 2 of 3 present, 20.00 of 30.00: passes */
    CHECK(so && so->passed && so->for_amount == 2000 && so->base_amount == 3000);
    const cl_tally_row *all = row_of(&t, 0, CL_GROUP_NONE);
    CHECK(all && !all->passed && all->groups == 4 && all->groups_passed == 2);
    CHECK(all && all->present == 8 && all->n_for == 5 && all->amount_pass && !all->headcount_pass);
    CHECK(all && all->base_amount == 30000 + 5000 + 150000 + 3000);
    cl_tally_result_free(&t);

    /* Now secured creditor 1 and ordinary creditor 4 vote for (later
     * ballots): every group passes, so the plan passes. */
    vote(&bs, 1, 0, CL_CHOICE_FOR, CL_GROUP_SECURED, T0 + 1);
    vote(&bs, 4, 0, CL_CHOICE_FOR, CL_GROUP_ORDINARY, T0 + 1);
    CHECK_EQ_INT(tally(&r, types, 1, &bs, &t), CL_OK);
    all = row_of(&t, 0, CL_GROUP_NONE);
    CHECK(all && all->passed && all->groups_passed == 4);
    cl_tally_result_free(&t);

    /* One group one fen short of two thirds sinks the plan. */
    vote(&bs, 7, 0, CL_CHOICE_AGAINST, CL_GROUP_SMALL_ORDINARY, T0 + 2);
    r.ga[CL_GROUP_SMALL_ORDINARY][7] = 1001;   /* for 2000 of 3001: 6000 < 6002 */
    CHECK_EQ_INT(tally(&r, types, 1, &bs, &t), CL_OK);
    so = row_of(&t, 0, CL_GROUP_SMALL_ORDINARY);
    CHECK(so && so->headcount_pass && !so->amount_pass);
    all = row_of(&t, 0, CL_GROUP_NONE);
    CHECK(all && !all->passed && all->groups_passed == 3);
    cl_tally_result_free(&t);
}

/* The 2018 Xiaoming-style online vote: thousands of small deposit holders
 * vote for, a few large suppliers against: passes on headcount, fails on
 * amount (Art. 64). */
static void test_xiaoming_vote(void)
{
    enum { DEPOSITORS = 3000 };
    size_t n = DEPOSITORS + 3;
    int64_t *uv = calloc(n, sizeof *uv), *sv = calloc(n, sizeof *sv);
    cl_ballot *b = calloc(n, sizeof *b);
    char (*ids)[16] = calloc(n, sizeof *ids);
    int64_t for_amount = 0, base = 0;
    size_t nb = 0, n_for = 0;
    for (size_t i = 0; i < n; i++) {
        /* deposits of 99.00, 199.00 or 299.00; suppliers of 2,000,000.00 */
        uv[i] = i < DEPOSITORS ? (int64_t)(9900 + (int64_t)(i % 3) * 10000) : 200000000;
        base += uv[i];
        if (i < DEPOSITORS && i % 5 == 4)
            continue;                     /* a fifth of depositors do not vote */
        int choice = i < DEPOSITORS ? (i % 7 == 0 ? CL_CHOICE_AGAINST : CL_CHOICE_FOR)
                                    : CL_CHOICE_AGAINST;
        if (choice == CL_CHOICE_FOR) {
            n_for++;
            for_amount += uv[i];
        }
        snprintf(ids[nb], sizeof ids[nb], "X%06zu", nb);
        b[nb] = (cl_ballot){.ballot_id = ids[nb], .ballot_id_len = 7, .creditor = (int32_t)i,
                            .resolution = 0, .choice = (int8_t)choice,
                            .group = CL_GROUP_NONE, .cast_at = T0 + (cl_time)i};
        nb++;
    }
    cl_resolution_type types[] = {CL_RES_GENERAL};
    cl_tally_input in = {.nresolutions = 1, .types = types, .opens_at = T0, .closes_at = T1,
                         .nballots = nb, .ballots = b};
    in.roster.n = n;
    in.roster.unsecured_voting = uv;
    in.roster.secured_voting = sv;
    cl_tally_result t;
    cl_diag d = {0};
    CHECK_EQ_INT(cl_tally_run(&in, &t, &d), CL_OK);
    const cl_tally_row *a = &t.rows[0];
    CHECK_EQ_INT(a->present, (int64_t)nb);
    CHECK_EQ_INT(a->n_for, (int64_t)n_for);
    CHECK_EQ_INT(a->for_amount, for_amount);
    CHECK_EQ_INT(a->base_amount, base);
    CHECK(a->headcount_pass);
    CHECK(!a->amount_pass);
    CHECK(!a->passed);
    cl_tally_result_free(&t);
    free(uv);
    free(sv);
    free(b);
    free(ids);
}

static void test_group_names(void)
{
    CHECK_EQ_INT(cl_vote_group_parse(" Small_Ordinary ", 16), CL_GROUP_SMALL_ORDINARY);
    CHECK_EQ_INT(cl_vote_group_parse("SECURED", 7), CL_GROUP_SECURED);
    CHECK_EQ_INT(cl_vote_group_parse("职工债权组", strlen("职工债权组")), CL_GROUP_EMPLOYEE);
    CHECK_EQ_INT(cl_vote_group_parse("税款", strlen("税款")), CL_GROUP_TAX);
    CHECK_EQ_INT(cl_vote_group_parse("", 0), CL_GROUP_NONE);
    CHECK_EQ_INT(cl_vote_group_parse("  ", 2), CL_GROUP_NONE);
    CHECK_EQ_INT(cl_vote_group_parse("bonds", 5), CL_GROUP_UNKNOWN);
    CHECK_EQ_STR(cl_vote_group_name(CL_GROUP_ORDINARY), "ordinary");
    CHECK_EQ_STR(cl_ballot_reason_name(CL_BR_WRONG_GROUP), "WRONG_GROUP");
}

static void test_overflow(void)
{
    static roster r;
    static ballots bs;
    memset(&r, 0, sizeof r);
    memset(&bs, 0, sizeof bs);
    add_creditor(&r, INT64_MAX, 0);
    add_creditor(&r, 1, 0);
    cl_resolution_type types[] = {CL_RES_GENERAL};
    cl_tally_result t;
    CHECK_EQ_INT(tally(&r, types, 1, &bs, &t), CL_ERR_OVERFLOW);
}

int main(void)
{
    test_predicates();
    test_general_boundaries();
    test_settlement_boundaries();
    test_reasons_and_supersession();
    test_reorganization();
    test_xiaoming_vote();
    test_group_names();
    test_overflow();
    return cl_test_summary("test_tally");
}
