/* test_distribute.c - unit tests of engine/distribute.c (contract §7):
 * tier order, full and partial tiers, largest remainder with exact
 * comparison and bytewise tie-break, 128-bit products, surplus, and a
 * randomized check of the invariants against an independent oracle. */
#include <stdlib.h>
#include <string.h>

#include "engine/cl_distribute.h"
#include "tests/cl_test.h"

static cl_dist_result run(size_t n, const char *const *ids, const int64_t *emp,
                          const int64_t *tax, const int64_t *ord, int64_t amount, cl_err *err)
{
    cl_dist_input in = {.n = n, .creditor_id = ids, .amount = amount};
    in.claim[CL_TIER_EMPLOYEE] = emp;
    in.claim[CL_TIER_TAX] = tax;
    in.claim[CL_TIER_ORDINARY] = ord;
    cl_dist_result r;
    cl_diag d = {0};
    *err = cl_distribute(&in, &r, &d);
    return r;
}

static int64_t sum_paid(const cl_dist_result *r)
{
    return r->paid[0] + r->paid[1] + r->paid[2];
}

static void test_tiers_in_order(void)
{
    const char *ids[] = {"c1", "c2", "c3"};
    int64_t emp[] = {10000, 0, 0}, tax[] = {0, 20000, 0}, ord[] = {30000, 0, 70000};
    cl_err e;
    /* 500.00 yuan: employee 100 in full, tax 200 in full, ordinary 200 of 1000. */
    cl_dist_result r = run(3, ids, emp, tax, ord, 50000, &e);
    CHECK_EQ_INT(e, CL_OK);
    CHECK_EQ_INT(r.share[CL_TIER_EMPLOYEE][0], 10000);
    CHECK_EQ_INT(r.share[CL_TIER_TAX][1], 20000);
    CHECK_EQ_INT(r.share[CL_TIER_ORDINARY][0], 6000);
    CHECK_EQ_INT(r.share[CL_TIER_ORDINARY][2], 14000);
    CHECK_EQ_INT(r.share[CL_TIER_ORDINARY][1], 0);
    CHECK(r.paid_in_full[CL_TIER_EMPLOYEE] && r.paid_in_full[CL_TIER_TAX]);
    CHECK(!r.paid_in_full[CL_TIER_ORDINARY]);
    CHECK_EQ_INT(r.claims_total[CL_TIER_ORDINARY], 100000);
    CHECK_EQ_INT(r.paid[CL_TIER_ORDINARY], 20000);
    CHECK_EQ_INT(r.nclaims[CL_TIER_ORDINARY], 2);
    CHECK_EQ_INT(r.surplus, 0);
    cl_dist_result_free(&r);

    /* Not even the employees in full: tax and ordinary get nothing. */
    r = run(3, ids, emp, tax, ord, 9999, &e);
    CHECK_EQ_INT(r.share[CL_TIER_EMPLOYEE][0], 9999);
    CHECK_EQ_INT(r.paid[CL_TIER_TAX], 0);
    CHECK_EQ_INT(r.share[CL_TIER_TAX][1], 0);
    CHECK_EQ_INT(r.paid[CL_TIER_ORDINARY], 0);
    cl_dist_result_free(&r);

    /* Everything covered: the rest is the surplus. */
    r = run(3, ids, emp, tax, ord, 130001, &e);
    CHECK_EQ_INT(sum_paid(&r), 130000);
    CHECK_EQ_INT(r.surplus, 1);
    CHECK_EQ_INT(r.share[CL_TIER_ORDINARY][2], 70000);
    CHECK(r.paid_in_full[CL_TIER_ORDINARY]);
    cl_dist_result_free(&r);

    /* Exactly the employee and tax tiers: ordinary gets 0, no surplus. */
    r = run(3, ids, emp, tax, ord, 30000, &e);
    CHECK(r.paid_in_full[CL_TIER_TAX]);
    CHECK_EQ_INT(r.paid[CL_TIER_ORDINARY], 0);
    CHECK_EQ_INT(r.surplus, 0);
    cl_dist_result_free(&r);
}

static void test_largest_remainder(void)
{
    /* claims 1 and 2 of total 3, 2 fen: floors 0 and 1, remainders 2 and 1
     * -> the leftover fen goes to the larger remainder (the smaller claim). */
    const char *ids[] = {"b", "a"};
    int64_t ord[] = {1, 2};
    cl_err e;
    cl_dist_result r = run(2, ids, NULL, NULL, ord, 2, &e);
    CHECK_EQ_INT(e, CL_OK);
    CHECK_EQ_INT(r.share[CL_TIER_ORDINARY][0], 1);
    CHECK_EQ_INT(r.share[CL_TIER_ORDINARY][1], 1);
    cl_dist_result_free(&r);

    /* Ties: three equal claims, 2 fen -> the two smallest ids bytewise. */
    const char *ids3[] = {"c", "a", "b"};
    int64_t eq[] = {5, 5, 5};
    r = run(3, ids3, eq, NULL, NULL, 2, &e);
    CHECK_EQ_INT(r.share[CL_TIER_EMPLOYEE][0], 0);
    CHECK_EQ_INT(r.share[CL_TIER_EMPLOYEE][1], 1);
    CHECK_EQ_INT(r.share[CL_TIER_EMPLOYEE][2], 1);
    cl_dist_result_free(&r);

    /* Bytewise: "Z" (0x5a) < "a" (0x61) < "\xe5..." (UTF-8 CJK). */
    const char *idsb[] = {"\xe5\xbc\xa0", "a", "Z"};
    r = run(3, idsb, NULL, eq, NULL, 1, &e);
    CHECK_EQ_INT(r.share[CL_TIER_TAX][2], 1);
    CHECK_EQ_INT(r.share[CL_TIER_TAX][1], 0);
    CHECK_EQ_INT(r.share[CL_TIER_TAX][0], 0);
    cl_dist_result_free(&r);
    r = run(3, idsb, NULL, eq, NULL, 2, &e);
    CHECK_EQ_INT(r.share[CL_TIER_TAX][1], 1);
    CHECK_EQ_INT(r.share[CL_TIER_TAX][0], 0);
    cl_dist_result_free(&r);
}

static void test_int128_products(void)
{
    /* 10^11 yuan distributable over claims of 7*10^10 and 5*10^10 yuan:
     * remaining x claim is ~7*10^25, far beyond int64. */
    const char *ids[] = {"x", "y", "z"};
    int64_t ord[] = {7000000000000LL, 5000000000000LL, 3};
    cl_err e;
    cl_dist_result r = run(3, ids, NULL, NULL, ord, 10000000000000LL, &e);
    CHECK_EQ_INT(e, CL_OK);
    /* floors 5833333333331, 4166666666665, 2; remainders 10.5e12, 7.5e12,
     * 6.0e12 (of 12000000000003) -> the two leftover fen go to x and y. */
    CHECK_EQ_INT(r.share[CL_TIER_ORDINARY][0], 5833333333332LL);
    CHECK_EQ_INT(r.share[CL_TIER_ORDINARY][1], 4166666666666LL);
    CHECK_EQ_INT(r.share[CL_TIER_ORDINARY][2], 2);
    CHECK_EQ_INT(r.paid[CL_TIER_ORDINARY], 10000000000000LL);
    cl_dist_result_free(&r);
}

static void test_errors(void)
{
    const char *ids[] = {"a"};
    int64_t neg[] = {-1}, one[] = {1};
    cl_err e;
    cl_dist_result r = run(1, ids, NULL, NULL, one, -5, &e);
    CHECK_EQ_INT(e, CL_ERR_INPUT);
    r = run(1, ids, neg, NULL, NULL, 5, &e);
    CHECK_EQ_INT(e, CL_ERR_INPUT);
    int64_t big[] = {INT64_MAX, 1};
    const char *ids2[] = {"a", "b"};
    r = run(2, ids2, NULL, big, NULL, 5, &e);
    CHECK_EQ_INT(e, CL_ERR_OVERFLOW);
    cl_dist_result_free(&r);
    /* No creditors at all: the whole amount is surplus. */
    r = run(0, NULL, NULL, NULL, NULL, 777, &e);
    CHECK_EQ_INT(e, CL_OK);
    CHECK_EQ_INT(r.surplus, 777);
    cl_dist_result_free(&r);
}

/* Oracle: is claim i's fractional part (rem_i / total) larger than claim
 * j's, or equal with a smaller id? Compared as exact fractions. */
static int rank_before(__int128 ri, __int128 rj, const char *a, const char *b)
{
    if (ri != rj)
        return ri > rj;
    return strcmp(a, b) < 0;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void test_random_invariants(void)
{
    enum { N = 40 };
    char names[N][8];
    const char *ids[N];
    int64_t claim[N];
    for (int iter = 0; iter < 300; iter++) {
        int64_t total = 0;
        for (int i = 0; i < N; i++) {
            snprintf(names[i], sizeof names[i], "k%03d", (int)(rnd() % 1000));
            names[i][4] = (char)('a' + i % 26);   /* distinct */
            names[i][5] = (char)('a' + i / 26);
            names[i][6] = 0;
            ids[i] = names[i];
            /* mix of tiny and huge claims, many equal (ties) */
            uint64_t k = rnd() % 4;
            claim[i] = k == 0 ? 0 : k == 1 ? 7 : (int64_t)(rnd() % 2000000000000000ULL);
            total += claim[i];
        }
        if (total == 0)
            continue;
        int64_t avail = (int64_t)(rnd() % (uint64_t)total);
        int64_t share[N];
        cl_diag d = {0};
        CHECK_EQ_INT(cl_prorata(N, claim, ids, total, avail, share, &d), CL_OK);
        int64_t s = 0;
        int ok_bounds = 1, ok_order = 1;
        for (int i = 0; i < N; i++) {
            s += share[i];
            __int128 p = (__int128)avail * claim[i];
            __int128 fl = p / total;
            if (share[i] != fl && share[i] != fl + 1)
                ok_bounds = 0;
            if (claim[i] == 0 && share[i] != 0)
                ok_bounds = 0;
        }
        /* whoever got the extra fen ranks before whoever did not */
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                __int128 pi = (__int128)avail * claim[i], pj = (__int128)avail * claim[j];
                int gi = share[i] == pi / total + 1, gj = share[j] == pj / total + 1;
                if (claim[i] && claim[j] && gi && !gj &&
                    !rank_before(pi % total, pj % total, ids[i], ids[j]))
                    ok_order = 0;
            }
        CHECK_EQ_INT(s, avail);
        CHECK(ok_bounds);
        CHECK(ok_order);
    }
}

int main(void)
{
    test_tiers_in_order();
    test_largest_remainder();
    test_int128_products();
    test_errors();
    test_random_invariants();
    return cl_test_summary("test_distribute");
}
