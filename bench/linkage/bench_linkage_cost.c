/* bench_linkage_cost.c - the cost of the probable-duplicates stage alone:
 * loads and decides a case once (linkage off), then builds the clusters
 * `reps` times and prints the median, min and max wall-clock and CPU time
 * in ms, with the cluster count. A benchmark, not a test (bench/RESULTS.md).
 *
 * usage: bench_linkage_cost CASE_DIR [threads] [reps] [rules]
 * (CASE_DIR holds case.conf, ledger.csv, submissions.csv: `claims gen`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/cl_batch.h"
#include "engine/cl_linkage.h"

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CASE_DIR [threads] [reps] [rules]\n", argv[0]);
        return 2;
    }
    int threads = argc > 2 ? atoi(argv[2]) : 2, reps = argc > 3 ? atoi(argv[3]) : 7;
    if (reps < 1 || reps > 1000)
        reps = 7;
    char path[4096], rules[4096];
    snprintf(rules, sizeof rules, "%s", argc > 4 ? argv[4] : "rules/default.rules");
    cl_diag d;
    cl_diag_clear(&d);
    cl_case c;
    snprintf(path, sizeof path, "%s/case.conf", argv[1]);
    if (cl_case_load(path, &c, &d) != CL_OK) {
        fprintf(stderr, "%s\n", d.msg);
        return 1;
    }
    c.linkage = 0;   /* decided without it; built below, alone */
    cl_batch_opts o = {c, threads, 0, NULL};
    cl_batch *b = NULL;
    cl_err err = cl_batch_create(&o, &b, &d);
    cl_source rs = cl_source_path(rules);
    if (!err)
        err = cl_batch_add_rules(b, &rs, &d);
    snprintf(path, sizeof path, "%s/ledger.csv", argv[1]);
    cl_source led = cl_source_path(path);
    if (!err)
        err = cl_batch_load_ledger(b, &led, CL_ENC_AUTO, NULL, &d);
    char sp[4096];
    snprintf(sp, sizeof sp, "%s/submissions.csv", argv[1]);
    cl_source sub = cl_source_path(sp);
    if (!err)
        err = cl_batch_load_submissions(b, &sub, CL_ENC_AUTO, NULL, &d);
    if (!err)
        err = cl_batch_decide(b, &d);
    if (err) {
        fprintf(stderr, "%s\n", d.msg);
        cl_batch_free(b);
        cl_case_release(&c);
        return 1;
    }
    b->cfg.linkage = 1;
    double *t = calloc((size_t)reps, sizeof *t), *cpu = calloc((size_t)reps, sizeof *cpu);
    size_t nclusters = 0;
    for (int r = 0; r < reps && t && cpu; r++) {
        cl_linkage *l = NULL;
        double t0 = clock_ms(CLOCK_MONOTONIC), c0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
        err = cl_linkage_build(b, &l, &d);
        t[r] = clock_ms(CLOCK_MONOTONIC) - t0;
        cpu[r] = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
        nclusters = l ? l->nclusters : 0;
        cl_linkage_free(l);
        if (err)
            break;
    }
    if (t && cpu && !err) {
        qsort(t, (size_t)reps, sizeof *t, cmp_d);
        qsort(cpu, (size_t)reps, sizeof *cpu, cmp_d);
        /* CPU time (all threads) is what a busy shared host does not inflate */
        printf("linkage: %zu submissions, %zu clusters, %d threads: wall median %.1f ms "
               "(min %.1f, max %.1f), CPU median %.1f ms (min %.1f), %d reps\n", b->nsubs,
               nclusters, threads, t[reps / 2], t[0], t[reps - 1], cpu[reps / 2], cpu[0], reps);
    }
    free(t);
    free(cpu);
    cl_batch_free(b);
    cl_case_release(&c);
    return err ? 3 : 0;
}
