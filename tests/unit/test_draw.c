/* test_draw.c - the draw engine (engine/cl_draw.h): the seed and scores
 * against Python's hashlib/hmac (the verifier of docs/DRAW.md), largest-
 * remainder seats (they add up, ties, a stratum smaller than its seats),
 * and the selection (strata filled in score order, inputs change outcomes). */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "engine/cl_draw.h"
#include "tests/cl_test.h"

static void test_vectors(void)
{
    unsigned char digest[32], seed[32], score[32];
    char hex[65];
    unsigned int n;
    EVP_Digest("creditor_id\nA\n", 14, digest, &n, EVP_sha256(), NULL);
    const char *beacon = "福彩 123";
    CHECK(cl_draw_seed(digest, beacon, strlen(beacon), seed, NULL) == CL_OK);
    cl_draw_hex(seed, 32, hex);
    /* python3: hashlib.sha256(sha256(roster).digest() + beacon.encode()) */
    CHECK_EQ_STR(hex, "178c5bf0f608c2674b4a1309df755113f6bb4bdb15d446c78326fff79aef9b80");
    CHECK(cl_draw_score(seed, "0123456789abcdef", 16, score, NULL) == CL_OK);
    cl_draw_hex(score, 32, hex);
    /* python3: hmac.new(seed, b"0123456789abcdef", hashlib.sha256) */
    CHECK_EQ_STR(hex, "e2cfbfd379decd878f85283bc384bbae159ab6a35fcf424c04532cc3404f909d");
}

static size_t total(const cl_draw_stratum *s, size_t n)
{
    size_t t = 0;
    for (size_t i = 0; i < n; i++)
        t += s[i].seats;
    return t;
}

static void test_seats(void)
{
    /* 22 of 1053 + 115 + 29 by heads: quotas 19.33, 2.11, 0.53 -> 19, 2, 1 */
    cl_draw_stratum a[] = {{"individual", 1053, 1053, 0}, {"employee", 115, 115, 0},
                           {"organization", 29, 29, 0}};
    CHECK(cl_draw_seats(a, 3, 22, NULL) == CL_OK);
    CHECK_EQ_INT(a[0].seats, 19);
    CHECK_EQ_INT(a[1].seats, 2);
    CHECK_EQ_INT(a[2].seats, 1);
    /* equal remainders: more members first, then the stratum listed first */
    cl_draw_stratum b[] = {{"x", 5, 5, 0}, {"y", 5, 5, 0}, {"z", 5, 5, 0}};
    CHECK(cl_draw_seats(b, 3, 2, NULL) == CL_OK);
    CHECK_EQ_INT(b[0].seats, 1);
    CHECK_EQ_INT(b[1].seats, 1);
    CHECK_EQ_INT(b[2].seats, 0);
    /* by amount: 3 rich members would get 9 of 10 seats: they get 3, the
     * other 7 go to the rest */
    cl_draw_stratum c[] = {{"small", 100, 1000, 0}, {"large", 3, 9000, 0}};
    CHECK(cl_draw_seats(c, 2, 10, NULL) == CL_OK);
    CHECK_EQ_INT(c[1].seats, 3);
    CHECK_EQ_INT(c[0].seats, 7);
    CHECK_EQ_INT(total(c, 2), 10);
    /* all of every stratum; more than all is an input error */
    cl_draw_stratum e[] = {{"p", 2, 0, 0}, {"q", 1, 0, 0}};
    CHECK(cl_draw_seats(e, 2, 3, NULL) == CL_OK);
    CHECK_EQ_INT(e[0].seats, 2);
    CHECK_EQ_INT(e[1].seats, 1);
    cl_diag d = {0};
    CHECK(cl_draw_seats(e, 2, 4, &d) == CL_ERR_INPUT);
    CHECK(strstr(d.msg, "exceeds") != NULL);
    /* many strata, counts 1..50: the seats always add up and never exceed */
    cl_draw_stratum m[7];
    for (size_t count = 1; count <= 50; count++) {
        for (size_t i = 0; i < 7; i++)
            m[i] = (cl_draw_stratum){"s", 1 + i * i, (int64_t)(97 * (i + 1) * (i + 3)), 0};
        CHECK(cl_draw_seats(m, 7, count, NULL) == CL_OK);
        CHECK_EQ_INT(total(m, 7), count);
        for (size_t i = 0; i < 7; i++)
            CHECK(m[i].seats <= m[i].members);
    }
}

static void test_select(void)
{
    enum { N = 200 };
    static char buf[N][8];
    const char *ids[N];
    uint32_t st[N];
    for (int i = 0; i < N; i++) {
        snprintf(buf[i], sizeof buf[i], "C%04d", i);
        ids[i] = buf[i];
        st[i] = i % 10 == 0;   /* 20 in stratum 1 */
    }
    cl_draw_stratum s[] = {{"a", 180, 180, 0}, {"b", 20, 20, 0}};
    CHECK(cl_draw_seats(s, 2, 10, NULL) == CL_OK);
    CHECK_EQ_INT(s[0].seats, 9);
    CHECK_EQ_INT(s[1].seats, 1);
    unsigned char seed[32] = {1}, seed2[32] = {2};
    unsigned char(*sc)[32] = malloc(N * sizeof *sc);
    size_t sel[10], sel2[10], again[10], n = 0, n2 = 0, n3 = 0;
    CHECK(cl_draw_select(seed, ids, N, st, s, 2, sel, &n, sc, NULL) == CL_OK);
    CHECK_EQ_INT(n, 10);
    int in_b = 0;
    for (size_t k = 0; k < n; k++) {
        in_b += st[sel[k]] == 1;
        if (k)
            CHECK(memcmp(sc[sel[k - 1]], sc[sel[k]], 32) < 0);   /* rank = score order */
    }
    CHECK_EQ_INT(in_b, 1);
    CHECK(cl_draw_select(seed, ids, N, st, s, 2, again, &n3, NULL, NULL) == CL_OK);
    CHECK(n3 == n && !memcmp(sel, again, sizeof sel));
    CHECK(cl_draw_select(seed2, ids, N, st, s, 2, sel2, &n2, NULL, NULL) == CL_OK);
    CHECK(memcmp(sel, sel2, sizeof sel) != 0);
    free(sc);
}

int main(void)
{
    test_vectors();
    test_seats();
    test_select();
    return cl_test_summary("test_draw");
}
