/* test_linkage.c - probable duplicates (engine/cl_linkage.h) on small
 * hand-made batches built through the batch API: each signal links what it
 * should and nothing else (shared bank account, phone, account_ref; ID
 * numbers one substitution or adjacent transposition apart under the same
 * name; 15- and 18-digit forms with a typo; variant characters and spacing
 * in names), scores and order, the case.conf switches (off, signals,
 * max_shared, min_score), the same clusters on 1 and 2 threads, and the
 * contract's tables byte-identical with linkage on and off. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/cl_test.h"
#include "core/cl_sink.h"
#include "engine/cl_batch.h"
#include "engine/cl_linkage.h"
#include "engine/cl_outputs.h"

static char tmpdir[256];

static const char ledger_csv[] =
    "entry_id,account_ref,category,amount,booked_at,name,id_type,id_number,phone\n"
    "L1,XM100,deposit,299.00,2017-03-01 10:00:00,,,,\n"
    "L2,XM200,deposit,199.00,2017-03-02 10:00:00,,,,\n";

static const char header[] =
    "submission_id,submitted_at,creditor_kind,name,id_type,id_number,phone,account_ref,category,"
    "principal,interest,other_amount,secured,bank_name,bank_account,amends,evidence_count,note\n";

/* An 18-digit PRC ID from its first 17 digits (ISO 7064 MOD 11-2, written
 * here independently of the engine). */
static const char *prc(const char *first17)
{
    static char buf[16][19];
    static int k;
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (first17[i] - '0') * w[i];
    char *p = buf[k++ % 16];
    memcpy(p, first17, 17);
    p[17] = "10X98765432"[sum % 11];
    p[18] = '\0';
    return p;
}

typedef struct rowspec {
    const char *sid, *name, *id, *phone, *ref, *bank;
} rowspec;

static char *subs_text(const rowspec *r, size_t n)
{
    size_t cap = sizeof header + n * 512;
    char *t = malloc(cap), *p = t;
    p += snprintf(p, cap, "%s", header);
    for (size_t i = 0; i < n; i++)
        p += snprintf(p, cap - (size_t)(p - t),
                      "%s,2018-04-01 10:00:00,individual,%s,PRC_ID,%s,%s,%s,deposit,100.00,,,N,"
                      "中国银行,%s,,1,\n",
                      r[i].sid, r[i].name, r[i].id, r[i].phone ? r[i].phone : "",
                      r[i].ref ? r[i].ref : "", r[i].bank ? r[i].bank : "");
    return t;
}

static const char *rules_path(void)
{
    static char p[1024];
    const char *src = getenv("CL_SOURCE_DIR");
    snprintf(p, sizeof p, "%s/rules/default.rules", src ? src : "..");
    return p;
}

typedef cl_err (*load_fn)(cl_batch *, const cl_source *, cl_encoding, cl_input_facts *, cl_diag *);

static cl_err load(cl_batch *b, load_fn fn, const char *name, const char *text, cl_diag *d)
{
    cl_source src = cl_source_memory(name, text, strlen(text));
    cl_err err = fn(b, &src, CL_ENC_AUTO, NULL, d);
    if (err != CL_ERR_USAGE || !strstr(d->msg, "not yet"))
        return err;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return CL_ERR_IO;
    fputs(text, f);
    fclose(f);
    src = cl_source_path(path);
    return fn(b, &src, CL_ENC_AUTO, NULL, d);
}

typedef struct opts {
    int off;
    unsigned signals;      /* 0: all */
    int64_t min_score;     /* 0: default */
    int64_t max_shared;    /* 0: default */
    int threads;
} opts;

static cl_batch *run(const rowspec *r, size_t n, const opts *o)
{
    cl_case c;
    cl_case_init(&c);
    c.path = (char *)"memory:case";
    c.case_no = (char *)"(2018)粤01破99号";
    c.debtor = (char *)"测试";
    cl_parse_date("2018-03-27", 10, &c.acceptance_day);
    cl_parse_date("2018-06-27", 10, &c.deadline_day);
    memcpy(c.key, "linkage-test-key", 16);
    c.key_len = 16;
    if (o && o->off)
        c.linkage = 0;
    if (o && o->signals)
        c.linkage_signals = o->signals;
    if (o && o->min_score)
        c.linkage_min_score = o->min_score;
    if (o && o->max_shared)
        c.linkage_max_shared = o->max_shared;
    cl_batch_opts bo = {c, o && o->threads ? o->threads : 1, 0, NULL};
    cl_batch *b = NULL;
    cl_diag d;
    cl_diag_clear(&d);
    CHECK_EQ_INT(cl_batch_create(&bo, &b, &d), CL_OK);
    if (!b)
        return NULL;
    char *subs = subs_text(r, n);
    cl_source rules = cl_source_path(rules_path());
    CHECK_MSG(cl_batch_add_rules(b, &rules, &d) == CL_OK, "%s", d.msg);
    CHECK_MSG(load(b, cl_batch_load_ledger, "ledger.csv", ledger_csv, &d) == CL_OK, "%s", d.msg);
    CHECK_MSG(load(b, cl_batch_load_submissions, "submissions.csv", subs, &d) == CL_OK, "%s",
              d.msg);
    CHECK_MSG(cl_batch_decide(b, &d) == CL_OK, "%s", d.msg);
    free(subs);
    return b;
}

static const cl_linkage *L(const cl_batch *b)
{
    return b ? cl_batch_linkage(b) : NULL;
}

/* The cluster index of submission row i, or -1. */
static long cluster(const cl_batch *b, size_t i)
{
    const cl_linkage *l = L(b);
    if (!l || i >= l->nsubs || l->cluster_of[i] == UINT32_MAX)
        return -1;
    return (long)l->cluster_of[i];
}

static unsigned signals_of(const cl_batch *b, size_t i)
{
    long k = cluster(b, i);
    return k < 0 ? 0 : L(b)->clusters[k].signals;
}

#define BIT(s) (1u << (s))

/* ---- exact signals ---- */

static void test_bank(void)
{
    const rowspec r[] = {
        {"S1", "张伟", prc("44010619800101011"), "13800000001", "", "6222 0000 1111 2222"},
        {"S2", "李娜", prc("44010619810202012"), "13800000002", "", "6222-0000-1111-2222"},
        {"S3", "王芳", prc("44010619820303013"), "13800000003", "", "6222000011113333"},
        {"S4", "赵六", prc("44010619830404014"), "13800000004", "", "0"},
        {"S5", "钱七", prc("44010619840505015"), "13800000005", "", "0"},
    };
    cl_batch *b = run(r, 5, NULL);
    CHECK(L(b) != NULL);
    CHECK_EQ_INT(L(b) ? L(b)->nclusters : 0, 1);
    CHECK(cluster(b, 0) == 0 && cluster(b, 1) == 0);
    CHECK_EQ_INT(cluster(b, 2), -1);
    CHECK_EQ_INT(cluster(b, 3), -1);   /* "0": a placeholder, not an account */
    CHECK_EQ_INT(signals_of(b, 0), BIT(CL_LS_BANK));
    if (L(b) && L(b)->nclusters) {
        CHECK_EQ_INT(L(b)->clusters[0].score, CL_LINK_W_BANK);
        CHECK_EQ_INT(L(b)->clusters[0].nidentities, 2);
        CHECK_EQ_INT(L(b)->ev[0].shared, 2);
    }
    cl_batch_free(b);
    /* the signal switched off: nothing */
    opts o = {0, CL_LINK_ALL_SIGNALS & ~BIT(CL_LS_BANK), 0, 0, 0};
    b = run(r, 5, &o);
    CHECK_EQ_INT(L(b) ? L(b)->nclusters : 99, 0);
    cl_batch_free(b);
}

static void test_phone(void)
{
    /* a family of three sharing a phone: 20 points, below the default 40 */
    const rowspec fam[] = {
        {"F1", "张伟", prc("44010619800101011"), "13900000009", "", ""},
        {"F2", "张敏", prc("44010619810202012"), "13900000009", "", ""},
        {"F3", "张强", prc("44010620100303013"), "139 0000 0009", "", ""},
    };
    cl_batch *b = run(fam, 3, NULL);
    CHECK_EQ_INT(L(b) ? L(b)->nclusters : 99, 0);
    cl_batch_free(b);
    opts low = {0, 0, 20, 0, 0};
    b = run(fam, 3, &low);
    CHECK_EQ_INT(L(b) ? L(b)->nclusters : 0, 1);
    CHECK(cluster(b, 0) == 0 && cluster(b, 1) == 0 && cluster(b, 2) == 0);
    CHECK_EQ_INT(signals_of(b, 0), BIT(CL_LS_PHONE));
    if (L(b) && L(b)->nclusters)
        CHECK_EQ_INT(L(b)->clusters[0].score, CL_LINK_W_PHONE + CL_LINK_W_PHONE_STEP);
    cl_batch_free(b);
    /* a ring of five on one phone: 40 points, listed */
    const rowspec ring[] = {
        {"R1", "甲一", prc("11010119900101011"), "13700000001", "", ""},
        {"R2", "乙二", prc("12010119910101012"), "13700000001", "", ""},
        {"R3", "丙三", prc("13010119920101013"), "13700000001", "", ""},
        {"R4", "丁四", prc("14010119930101014"), "13700000001", "", ""},
        {"R5", "戊五", prc("15010119940101015"), "13700000001", "", ""},
        {"X1", "己六", prc("16010119950101016"), "13700000002", "", ""},
    };
    b = run(ring, 6, NULL);
    CHECK_EQ_INT(L(b) ? L(b)->nclusters : 0, 1);
    CHECK_EQ_INT(cluster(b, 4), 0);
    CHECK_EQ_INT(cluster(b, 5), -1);
    if (L(b) && L(b)->nclusters) {
        CHECK_EQ_INT(L(b)->clusters[0].nidentities, 5);
        CHECK_EQ_INT(L(b)->clusters[0].score, CL_LINK_W_PHONE + 3 * CL_LINK_W_PHONE_STEP);
    }
    cl_batch_free(b);
    /* a value shared by more identities than linkage_max_shared links nothing */
    opts cap = {0, 0, 0, 4, 0};
    b = run(ring, 6, &cap);
    CHECK_EQ_INT(L(b) ? L(b)->nclusters : 99, 0);
    cl_batch_free(b);
}

static void test_account_ref(void)
{
    const rowspec r[] = {
        {"A1", "周杰", prc("44010619800101011"), "13800000001", "XM100", ""},
        {"A2", "周杰", prc("44010619800101011"), "13800000001", "XM100", ""},   /* same person */
        {"A3", "吴磊", prc("44010619810202012"), "13800000002", "XM200", ""},
        {"A4", "郑爽", prc("44010619820303013"), "13800000003", "XM100", ""},
    };
    cl_batch *b = run(r, 4, NULL);
    CHECK_EQ_INT(L(b) ? L(b)->nclusters : 0, 1);
    CHECK(cluster(b, 0) == 0 && cluster(b, 1) == 0 && cluster(b, 3) == 0);
    CHECK_EQ_INT(cluster(b, 2), -1);
    CHECK_EQ_INT(signals_of(b, 0), BIT(CL_LS_ACCOUNT_REF));
    if (L(b) && L(b)->nclusters) {
        CHECK_EQ_INT(L(b)->clusters[0].nidentities, 2);
        CHECK_EQ_INT(L(b)->clusters[0].nmembers, 3);
    }
    cl_batch_free(b);
    /* one identity alone on an account is no cluster */
    b = run(r, 3, NULL);
    CHECK_EQ_INT(L(b) ? L(b)->nclusters : 99, 0);
    cl_batch_free(b);
}

/* ---- ID signals ---- */

static void test_id_typo(void)
{
    const char *base = "44010619800101011";
    char sub[18], tr[18], birth[18], far[18], first[18];
    memcpy(sub, base, 18);
    sub[15] = '9';                          /* one substitution in the sequence digits */
    memcpy(tr, "11010519750306021", 18);    /* ...and one with characters 11 and 12 swapped */
    memcpy(birth, base, 18);
    birth[9] = '2';                         /* a typo in the birth date (1980 -> 1982) */
    memcpy(far, base, 18);
    far[2] = '9';
    far[15] = '9';                          /* two substitutions: another person */
    memcpy(first, base, 18);
    first[0] = '5';                         /* the region's first digit */
    const rowspec r[] = {
        {"T1", "张伟", prc(base), "", "", ""},
        {"T2", "张伟", prc(sub), "", "", ""},
        {"T3", "陈静", prc("11010519753006021"), "", "", ""},
        {"T4", "陈静", prc(tr), "", "", ""},
        {"T5", "刘洋", prc(base), "", "", ""},   /* another name, T1's ID: same identity as T1 */
        {"T6", "王磊", prc("32010219900101011"), "", "", ""},
        {"T7", "王磊", prc("32010219900101011"), "", "", ""},
    };
    cl_batch *b = run(r, 7, NULL);
    CHECK(cluster(b, 0) >= 0 && cluster(b, 0) == cluster(b, 1));
    CHECK(cluster(b, 2) >= 0 && cluster(b, 2) == cluster(b, 3));
    CHECK(cluster(b, 0) != cluster(b, 2));
    CHECK_EQ_INT(cluster(b, 5), -1);         /* one identity twice: nothing */
    CHECK_EQ_INT(signals_of(b, 1), BIT(CL_LS_ID_TYPO));
    CHECK_EQ_INT(signals_of(b, 3), BIT(CL_LS_ID_TYPO));
    const cl_linkage *l = L(b);
    if (l && cluster(b, 2) >= 0) {
        const cl_link_cluster *c = &l->clusters[cluster(b, 2)];
        CHECK_EQ_INT(c->score, CL_LINK_W_ID_TYPO);
        CHECK_EQ_INT(l->ev[c->ev0].transposed, 1);
        CHECK_EQ_INT(l->ev[c->ev0].pos, 10);
    }
    cl_batch_free(b);

    const rowspec r2[] = {
        {"B1", "张伟", prc(base), "", "", ""},
        {"B2", "张伟", prc(birth), "", "", ""},   /* birth-date digit: still found */
        {"B3", "张伟", prc(far), "", "", ""},     /* two edits from B1: not linked to it */
        {"B4", "李伟", prc(sub), "", "", ""},     /* one edit from B1 but another name */
        {"B5", "张伟", prc(first), "", "", ""},   /* first character */
    };
    b = run(r2, 5, NULL);
    CHECK(cluster(b, 0) >= 0 && cluster(b, 0) == cluster(b, 1));
    CHECK_EQ_INT(cluster(b, 0), cluster(b, 4));
    CHECK_EQ_INT(cluster(b, 2), -1);
    CHECK_EQ_INT(cluster(b, 3), -1);
    if (L(b) && cluster(b, 0) >= 0)
        CHECK_EQ_INT(L(b)->clusters[cluster(b, 0)].nidentities, 3);
    cl_batch_free(b);

    /* the check character aside: the same 17 digits, a wrong 18th */
    char bad[19];
    memcpy(bad, prc(base), 19);
    bad[17] = bad[17] == '1' ? '2' : '1';
    const rowspec r3[] = {{"C1", "张伟", prc(base), "", "", ""}, {"C2", "张伟", bad, "", "", ""}};
    b = run(r3, 2, NULL);
    CHECK(cluster(b, 0) == 0 && cluster(b, 1) == 0);
    if (L(b) && L(b)->nclusters)
        CHECK_EQ_INT(L(b)->ev[0].pos, -1);
    cl_batch_free(b);
}

static void test_id15_18(void)
{
    /* 440106 800101 011 (15 digits) is 440106 19 800101 011 x; a typo in
     * the 15-digit form (sequence 011 -> 019) */
    const rowspec r[] = {
        {"P1", "黄敏", prc("44010619800101011"), "", "", ""},
        {"P2", "黄敏", "440106800101019", "", "", ""},
        {"P3", "黄敏", "440106800101011", "", "", ""},   /* the same person, no typo */
    };
    cl_batch *b = run(r, 3, NULL);
    CHECK(cluster(b, 0) >= 0 && cluster(b, 0) == cluster(b, 1));
    CHECK_EQ_INT(signals_of(b, 1), BIT(CL_LS_ID15_18));
    if (L(b) && L(b)->nclusters) {
        CHECK_EQ_INT(L(b)->clusters[0].score, CL_LINK_W_ID15_18);
        CHECK_EQ_INT(L(b)->clusters[0].nidentities, 2);   /* P3 is P1's identity */
        CHECK_EQ_INT(L(b)->clusters[0].nmembers, 3);
    }
    cl_batch_free(b);
    /* id15_18 off: P1-P2 not linked (P2-P3, both 15-digit forms, would be an id_typo) */
    opts o = {0, BIT(CL_LS_ID_TYPO) | BIT(CL_LS_NAME_VARIANT), 0, 0, 0};
    b = run(r, 2, &o);
    CHECK_EQ_INT(L(b) ? L(b)->nclusters : 99, 0);
    cl_batch_free(b);
}

static void test_name_variant(void)
{
    const rowspec r[] = {
        {"N1", "張偉", prc("44010619800101011"), "", "", ""},
        {"N2", "张伟", prc("44010619800101019"), "", "", ""},
        {"N3", "ZHANG Wei", prc("44010619810101011"), "", "", ""},
        {"N4", "Zhangwei", prc("44010619810101012"), "", "", ""},
        {"N5", "張三", prc("44010619820101011"), "", "", ""},
        {"N6", "张四", prc("44010619820101012"), "", "", ""},   /* not a variant */
    };
    cl_batch *b = run(r, 6, NULL);
    CHECK(cluster(b, 0) >= 0 && cluster(b, 0) == cluster(b, 1));
    CHECK(cluster(b, 2) >= 0 && cluster(b, 2) == cluster(b, 3));
    CHECK_EQ_INT(cluster(b, 4), -1);
    CHECK_EQ_INT(signals_of(b, 0), BIT(CL_LS_ID_TYPO) | BIT(CL_LS_NAME_VARIANT));
    if (L(b) && cluster(b, 0) >= 0)
        CHECK_EQ_INT(L(b)->clusters[cluster(b, 0)].score, CL_LINK_W_NAME_VARIANT);
    cl_batch_free(b);
    /* name_variant off: names must be equal as normalized */
    opts o = {0, CL_LINK_ALL_SIGNALS & ~BIT(CL_LS_NAME_VARIANT), 0, 0, 0};
    b = run(r, 6, &o);
    CHECK_EQ_INT(L(b) ? L(b)->nclusters : 99, 0);
    cl_batch_free(b);

    char out[64];
    CHECK_EQ_INT(cl_link_fold_name("張 偉", strlen("張 偉"), out), strlen("张伟"));
    CHECK_EQ_STR(out, "张伟");
    cl_link_fold_name("阿依·买买提", strlen("阿依·买买提"), out);
    CHECK_EQ_STR(out, "阿依买买提");
    cl_link_fold_name("Li na", 5, out);
    CHECK_EQ_STR(out, "LINA");
}

/* ---- ranking, switches, determinism, the contract untouched ---- */

static const rowspec mixed[] = {
    {"M1", "张伟", "44010619800101011X", "13800000001", "XM100", "6222000011112222"},
    {"M2", "张伟", "44010619800101019X", "13800000002", "", "6222000011112222"},
    {"M3", "李娜", "44010619810202012X", "13800000003", "XM100", ""},
    {"M4", "王芳", "44010619820303013X", "13800000004", "", "6222000099998888"},
    {"M5", "赵敏", "44010619830404014X", "13800000005", "", "6222000099998888"},
    {"M6", "孙丽", "44010619840505015X", "13800000006", "XM200", ""},
    {"M6", "孙丽", "44010619840505015X", "13800000006", "XM200", ""},
};

static void test_rank_and_threads(void)
{
    rowspec r[7];
    memcpy(r, mixed, sizeof r);
    for (int i = 0; i < 7; i++)
        r[i].id = prc(mixed[i].id);   /* the first 17 digits given above */
    opts one = {0, 0, 0, 0, 1}, two = {0, 0, 0, 0, 2};
    cl_batch *a = run(r, 7, &one), *b = run(r, 7, &two);
    const cl_linkage *la = L(a), *lb = L(b);
    CHECK(la && lb);
    if (la && lb) {
        CHECK_EQ_INT(la->nclusters, 2);
        /* M1-M2 (id_typo 60 + bank 40) + M3 (account_ref 40) = 140, then M4-M5 (40) */
        CHECK_EQ_INT(la->nclusters ? la->clusters[0].score : 0, 140);
        CHECK_EQ_INT(cluster(a, 0), 0);
        CHECK_EQ_INT(cluster(a, 2), 0);
        CHECK_EQ_INT(cluster(a, 3), 1);
        CHECK_EQ_INT(cluster(a, 5), -1);
        CHECK_EQ_INT(cluster(a, 6), -1);   /* a DUPLICATE row takes no part */
        CHECK_EQ_INT(la->nclusters, lb->nclusters);
        for (size_t i = 0; i < 7; i++)
            CHECK_EQ_INT(cluster(a, i), cluster(b, i));
        for (size_t k = 0; k < la->nclusters && k < lb->nclusters; k++)
            CHECK_EQ_INT(la->clusters[k].score, lb->clusters[k].score);
    }
    cl_batch_free(a);
    cl_batch_free(b);
}

static char *table(const cl_batch *b, const char *name, cl_audience aud, cl_err *err)
{
    cl_sink *s = NULL;
    cl_diag d;
    cl_diag_clear(&d);
    char *copy = NULL;
    if (cl_sink_memory(name, &s, &d) != CL_OK)
        return NULL;
    *err = cl_write_table(b, name, aud, s, &d);
    if (!*err && cl_sink_finish(s, NULL, &d) == CL_OK) {
        size_t n;
        const char *p = cl_sink_bytes(s, &n);
        copy = malloc(n + 1);
        memcpy(copy, p, n);
        copy[n] = '\0';
    }
    cl_sink_free(s);
    return copy;
}

static void test_contract_untouched(void)
{
    rowspec r[7];
    memcpy(r, mixed, sizeof r);
    for (int i = 0; i < 7; i++)
        r[i].id = prc(mixed[i].id);
    opts off = {1, 0, 0, 0, 0};
    cl_batch *on = run(r, 7, NULL), *no = run(r, 7, &off);
    CHECK(L(on) != NULL);
    CHECK(L(no) == NULL);
    static const char *const same[] = {"claims", "creditors", "roster", "overrides_rejected"};
    cl_err e1, e2;
    for (int k = 0; k < 4; k++) {
        char *x = table(on, same[k], CL_AUDIENCE_INTERNAL, &e1);
        char *y = table(no, same[k], CL_AUDIENCE_INTERNAL, &e2);
        CHECK_MSG(x && y && !strcmp(x, y), "%s differs with linkage on and off", same[k]);
        free(x);
        free(y);
    }
    char *pd = table(on, "probable_duplicates", CL_AUDIENCE_INTERNAL, &e1);
    CHECK(pd && !strncmp(pd, "cluster,score,identities_count,signals,submissions,", 51));
    CHECK(pd && strstr(pd, "PD000001,140,3,") != NULL);
    CHECK(pd && strstr(pd, "M1;M2;M3") != NULL);
    CHECK(pd && strstr(pd, "6222000011112222") == NULL);   /* masked in the evidence */
    free(pd);
    pd = table(on, "probable_duplicates", CL_AUDIENCE_PUBLIC, &e1);
    CHECK(pd == NULL && e1 == CL_ERR_USAGE);                 /* never public */
    free(pd);
    char *rq = table(on, "review_queue", CL_AUDIENCE_INTERNAL, &e1);
    CHECK(rq && strstr(rq, ",cluster\n") != NULL);
    CHECK(rq && strstr(rq, ",PD000001\n") != NULL);
    free(rq);
    pd = table(no, "probable_duplicates", CL_AUDIENCE_INTERNAL, &e1);
    CHECK(pd && !strcmp(strchr(pd, '\n') + 1, ""));          /* off: header only */
    free(pd);
    cl_batch_free(on);
    cl_batch_free(no);
}

static void test_conf_keys(void)
{
    unsigned set = 0;
    CHECK_EQ_INT(cl_link_signals_parse("bank, phone；", &set), -1);
    CHECK_EQ_INT(cl_link_signals_parse("bank, phone，id_typo", &set), 0);
    CHECK_EQ_INT(set, BIT(CL_LS_BANK) | BIT(CL_LS_PHONE) | BIT(CL_LS_ID_TYPO));
    CHECK_EQ_INT(cl_link_signals_parse("all", &set), 0);
    CHECK_EQ_INT(set, CL_LINK_ALL_SIGNALS);
    CHECK_EQ_INT(cl_link_signals_parse("none", &set), 0);
    CHECK_EQ_INT(set, 0);
    CHECK_EQ_INT(cl_link_signals_parse("iban", &set), -1);
    char conf[512];
    snprintf(conf, sizeof conf,
             "acceptance_date = 2018-03-27\ndeclaration_deadline = 2018-06-27\n"
             "linkage = off\nlinkage_signals = phone\nlinkage_min_score = 25\n"
             "linkage_max_shared = 7\n");
    cl_source src = cl_source_memory("mem:case.conf", conf, strlen(conf));
    cl_case c;
    cl_diag d;
    cl_diag_clear(&d);
    CHECK_MSG(cl_case_parse(&src, &c, &d) == CL_OK, "%s", d.msg);
    CHECK_EQ_INT(c.linkage, 0);
    CHECK_EQ_INT(c.linkage_signals, BIT(CL_LS_PHONE));
    CHECK_EQ_INT(c.linkage_min_score, 25);
    CHECK_EQ_INT(c.linkage_max_shared, 7);
    cl_case_release(&c);
    snprintf(conf, sizeof conf,
             "acceptance_date = 2018-03-27\ndeclaration_deadline = 2018-06-27\n"
             "linkage_min_score = -3\n");
    src = cl_source_memory("mem:case.conf", conf, strlen(conf));
    CHECK_EQ_INT(cl_case_parse(&src, &c, &d), CL_ERR_CONFIG);
    CHECK_MSG(strstr(d.msg, "mem:case.conf:3") && strstr(d.msg, "linkage_min_score"), "%s", d.msg);
    cl_case_release(&c);
    cl_case_init(&c);
    CHECK_EQ_INT(c.linkage, 1);
    CHECK_EQ_INT(c.linkage_signals, CL_LINK_ALL_SIGNALS);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cl_linkage_XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    test_bank();
    test_phone();
    test_account_ref();
    test_id_typo();
    test_id15_18();
    test_name_variant();
    test_rank_and_threads();
    test_contract_untouched();
    test_conf_keys();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return cl_test_summary("test_linkage");
}
