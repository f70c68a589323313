/* bench_rules.c - throughput of the rule evaluator: rules/default.rules (or
 * the file given as argv[1]) over 1M synthetic submissions (about one in ten
 * with a field error), both passes, on 1 and 2 threads; prints the median of
 * 5 runs and checks that both thread counts give the same bits.
 * usage: bench_rules [RULES [ROWS]] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cl_time.h"
#include "engine/cl_claim_schema.h"
#include "rules/cl_rules.h"

enum { NF = CL_F_COUNT };

static const char *const names[] = {"黄坤英", "赵凯", "孙涛嫣", "曾荣宏", "", "李·娜", "陈晓明"};
static const char *const kinds[] = {"individual", "organization", "公司?"};
static const char *const id_types[] = {"PRC_ID", "PASSPORT", "USCC", "驾驶证"};
static const char *const cats[] = {"deposit", "balance", "supplier", "employee", "押金2", ""};

typedef struct brec {
    char id[20];
    char phone[32];
    uint8_t name, kind, idt, cat, secured, bad_amount;
    int64_t principal, submitted_at;
    int32_t evidence;
} brec;

static void text(cl_value *v, const char *s, size_t n)
{
    *v = (cl_value){n ? CL_V_OK : CL_V_EMPTY, s, n, 0};
}

static void get(const void *data, size_t row, int f, cl_value *v)
{
    const brec *r = (const brec *)data + row;
    switch (f) {
    case CL_F_NAME: text(v, names[r->name], strlen(names[r->name])); break;
    case CL_F_CREDITOR_KIND:
        text(v, kinds[r->kind], strlen(kinds[r->kind]));
        if (r->kind == 2)
            v->state = CL_V_INVALID;
        break;
    case CL_F_ID_TYPE:
        text(v, id_types[r->idt], strlen(id_types[r->idt]));
        if (r->idt == 3)
            v->state = CL_V_INVALID;
        break;
    case CL_F_ID_NUMBER: text(v, r->id, strlen(r->id)); break;
    case CL_F_PHONE: text(v, r->phone, strlen(r->phone)); break;
    case CL_F_CATEGORY:
        text(v, cats[r->cat], strlen(cats[r->cat]));
        if (r->cat == 4)
            v->state = CL_V_INVALID;
        break;
    case CL_F_PRINCIPAL:
        *v = (cl_value){r->bad_amount ? CL_V_INVALID : CL_V_OK, "+1", 2, r->principal};
        break;
    case CL_F_SUBMITTED_AT: *v = (cl_value){CL_V_OK, NULL, 0, r->submitted_at}; break;
    case CL_F_SECURED: *v = (cl_value){r->secured > 1 ? CL_V_INVALID : CL_V_OK, "?", 1, r->secured}; break;
    case CL_F_EVIDENCE_COUNT: *v = (cl_value){CL_V_OK, NULL, 0, r->evidence}; break;
    case CL_F_INTEREST: case CL_F_OTHER_AMOUNT: case CL_F_OWED: case CL_F_LATE:
        *v = (cl_value){CL_V_OK, NULL, 0, 0};
        break;
    default: *v = (cl_value){CL_V_EMPTY, "", 0, 0}; break;
    }
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

static void prc_id(uint64_t *s, char out[20])
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    snprintf(out, 20, "440106%04d%02d%02d%03d", 1950 + (int)(lcg(s) % 60), 1 + (int)(lcg(s) % 12),
             1 + (int)(lcg(s) % 28), (int)(lcg(s) % 1000));
    int sum = 0;
    for (int k = 0; k < 17; k++)
        sum += (out[k] - '0') * w[k];
    out[17] = "10X98765432"[sum % 11];
    out[18] = 0;
    if (lcg(s) % 50 == 0)   /* 2%: a wrong check digit */
        out[17] = out[17] == '0' ? '1' : '0';
}

static void generate(brec *r, size_t n)
{
    uint64_t s = 2026;
    for (size_t k = 0; k < n; k++) {
        brec *b = &r[k];
        memset(b, 0, sizeof *b);
        int odd = lcg(&s) % 10 == 0;   /* one row in ten gets an odd value */
        b->name = (uint8_t)(odd ? lcg(&s) % 7 : lcg(&s) % 4);
        b->kind = (uint8_t)(odd ? lcg(&s) % 3 : 0);
        b->idt = (uint8_t)(odd ? lcg(&s) % 4 : 0);
        b->cat = (uint8_t)(odd ? lcg(&s) % 6 : lcg(&s) % 4);
        if (b->idt == 1)
            snprintf(b->id, sizeof b->id, "E%08u", (unsigned)(lcg(&s) % 100000000));
        else
            prc_id(&s, b->id);
        snprintf(b->phone, sizeof b->phone, "1%u%09u", 3 + (unsigned)(lcg(&s) % (odd ? 9 : 7)) - (odd ? 2 : 0),
                 (unsigned)(lcg(&s) % 1000000000));
        b->principal = odd ? (int64_t)(lcg(&s) % 3) * 9900 : 9900 + (int64_t)(lcg(&s) % 20000);
        b->bad_amount = odd && lcg(&s) % 5 == 0;
        b->secured = (uint8_t)(odd ? lcg(&s) % 3 : 0);
        b->evidence = (int32_t)(lcg(&s) % 4);
        b->submitted_at = cl_time_make(2018, 4, 3, 0, 0, 0) + (int64_t)(lcg(&s) % (86400 * 80));
    }
}

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : CL_SOURCE_DIR "/rules/default.rules";
    size_t n = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 1000000;
    cl_rule_schema schema = *cl_claim_rule_schema();   /* the engine's, over our records */
    schema.get = get;
    cl_rule_const consts[2] = {
        {"acceptance_date", CL_VT_TIME, {CL_V_OK, NULL, 0, cl_time_make(2018, 3, 27, 0, 0, 0)}},
        {"declaration_deadline", CL_VT_TIME,
         {CL_V_OK, NULL, 0, cl_time_make(2018, 6, 27, 23, 59, 59)}},
    };
    cl_rule_env env = {consts, 2, cl_days_from_civil(2018, 3, 27)};
    cl_ruleset *rs = NULL;
    cl_diag d = {0};
    if (cl_ruleset_load(path, &schema, &env, &rs, &d) != CL_OK) {
        fprintf(stderr, "bench_rules: %s\n", d.msg);
        return 1;
    }
    int words = cl_ruleset_words(rs);
    brec *recs = malloc(n * sizeof *recs);
    uint64_t *hits[3] = {NULL, calloc(n * (size_t)words, 8), calloc(n * (size_t)words, 8)};
    if (!recs || !hits[1] || !hits[2])
        return 1;
    generate(recs, n);
    printf("bench_rules: %s, %d rules, %zu rows\n", path, cl_ruleset_count(rs), n);
    for (int threads = 1; threads <= 2; threads++) {
        double t[5], cpu[5];
        for (int run = 0; run < 5; run++) {
            memset(hits[threads], 0, n * (size_t)words * 8);
            double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
            for (int p = 0; p < 2; p++)
                if (cl_ruleset_eval(rs, p, recs, n, NULL, hits[threads], threads, &d) != CL_OK) {
                    fprintf(stderr, "bench_rules: %s\n", d.msg);
                    return 1;
                }
            t[run] = clock_s(CLOCK_MONOTONIC) - t0;
            cpu[run] = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
        }
        qsort(t, 5, sizeof t[0], dcmp);
        qsort(cpu, 5, sizeof cpu[0], dcmp);
        /* CPU time shows the work done whatever else the machine runs */
        printf("  %d thread%s: median %.1f ms wall (min %.1f, max %.1f), %.2f M rows/s; "
               "median CPU %.1f ms\n",
               threads, threads > 1 ? "s" : " ", t[2] * 1e3, t[0] * 1e3, t[4] * 1e3,
               (double)n / t[2] / 1e6, cpu[2] * 1e3);
    }
    size_t fired = 0, rows = 0;
    for (size_t k = 0; k < n * (size_t)words; k++)
        fired += (size_t)__builtin_popcountll(hits[1][k]);
    for (size_t k = 0; k < n; k++) {
        int any = 0;
        for (int w = 0; w < words; w++)
            any |= hits[1][k * (size_t)words + (size_t)w] != 0;
        rows += (size_t)any;
    }
    int same = memcmp(hits[1], hits[2], n * (size_t)words * 8) == 0;
    printf("  %zu rule hits on %zu rows; 1 vs 2 threads identical: %s\n", fired, rows,
           same ? "yes" : "NO");
    cl_ruleset_free(rs);
    free(recs);
    free(hits[1]);
    free(hits[2]);
    return same ? 0 : 1;
}
