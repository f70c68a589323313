/* bench_tally.c - times the tally of contract §6 on synthetic ballots:
 * (1) cl_tally_run over N ballots held in memory, and (2) the whole input
 * path: roster.csv + ballots.csv parsed (cl_roster_load, cl_ballots_load)
 * and tallied. Reports the median of 5 runs of each.
 * usage: bench_tally [ballots=1000000] [creditors=300000] [dir=/tmp]
 * (BENCH_TALLY_KEEP=1 keeps dir/bench_tally_*.csv|conf for timing the CLI) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cl_progress.h"
#include "engine/cl_meeting.h"
#include "engine/cl_tally.h"

#define RUNS 5

static uint64_t rng = 0x2545f4914f6cdd1dULL;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t median(int64_t *v)
{
    qsort(v, RUNS, sizeof *v, cmp_i64);
    return v[RUNS / 2];
}

/* A Xiaoming-like roster: mostly small deposits (small_ordinary), some
 * suppliers, employees, a tax bureau and secured lenders. */
typedef struct synth {
    size_t n;
    int64_t *uv, *sv, *ga[CL_GROUP_COUNT];
} synth;

static int synth_group(size_t i)
{
    size_t k = i % 100;
    return k < 85 ? CL_GROUP_SMALL_ORDINARY : k < 93 ? CL_GROUP_ORDINARY
         : k < 98 ? CL_GROUP_EMPLOYEE : k < 99 ? CL_GROUP_TAX : CL_GROUP_SECURED;
}

static void synth_roster(synth *s, size_t n)
{
    s->n = n;
    s->uv = calloc(n, sizeof *s->uv);
    s->sv = calloc(n, sizeof *s->sv);
    for (int g = 0; g < CL_GROUP_COUNT; g++)
        s->ga[g] = calloc(n, sizeof *s->ga[g]);
    for (size_t i = 0; i < n; i++) {
        int g = synth_group(i);
        int64_t amt = g == CL_GROUP_SMALL_ORDINARY ? 9900 + (int64_t)(rnd() % 3) * 10000
                                                   : (int64_t)(rnd() % 100000000) + 100;
        s->ga[g][i] = amt;
        if (g == CL_GROUP_SECURED)
            s->sv[i] = amt;
        else if (g != CL_GROUP_EMPLOYEE)
            s->uv[i] = amt;
    }
}

static const char *const choice_text[] = {"", "同意", "反对", "弃权"};

static void synth_ballot(size_t i, size_t ncred, int *cred, int *res, int *choice, cl_time *at)
{
    *cred = (int)(rnd() % ncred);
    *res = (int)(rnd() % 3);
    uint64_t r = rnd() % 100;
    *choice = r < 70 ? CL_CHOICE_FOR : r < 90 ? CL_CHOICE_AGAINST : CL_CHOICE_ABSTAIN;
    *at = 1525309200 + (cl_time)(rnd() % 600000) - (i % 997 == 0 ? 700000 : 0);
}

static void bench_memory(const synth *s, size_t nb)
{
    cl_ballot *b = malloc(nb * sizeof *b);
    char (*ids)[12] = malloc(nb * sizeof *ids);
    for (size_t i = 0; i < nb; i++) {
        int cred, res, choice;
        cl_time at;
        synth_ballot(i, s->n, &cred, &res, &choice, &at);
        int len = snprintf(ids[i], sizeof ids[i], "B%09zu", i);
        b[i] = (cl_ballot){.ballot_id = ids[i], .ballot_id_len = (uint32_t)len,
                           .creditor = i % 500 == 0 ? -1 : cred, .resolution = res,
                           .choice = (int8_t)choice, .group = (int8_t)synth_group((size_t)cred),
                           .cast_at = at};
    }
    cl_resolution_type types[3] = {CL_RES_GENERAL, CL_RES_SETTLEMENT, CL_RES_REORGANIZATION};
    cl_tally_input in = {.nresolutions = 3, .types = types, .opens_at = 1525309200 - 3600,
                         .closes_at = 1525309200 + 600000, .nballots = nb, .ballots = b};
    in.roster.n = s->n;
    in.roster.unsecured_voting = s->uv;
    in.roster.secured_voting = s->sv;
    for (int g = 0; g < CL_GROUP_COUNT; g++)
        in.roster.group_amount[g] = s->ga[g];
    int64_t ms[RUNS];
    size_t counted = 0;
    for (int r = 0; r < RUNS; r++) {
        cl_tally_result t;
        cl_diag d = {0};
        int64_t t0 = cl_now_ms();
        if (cl_tally_run(&in, &t, &d)) {
            fprintf(stderr, "tally: %s\n", d.msg);
            exit(1);
        }
        ms[r] = cl_now_ms() - t0;
        counted = t.counted;
        cl_tally_result_free(&t);
    }
    printf("in memory: %zu ballots, %zu creditors, %zu counted: median %lld ms "
           "(runs %lld %lld %lld %lld %lld)\n",
           nb, s->n, counted, (long long)median(ms), (long long)ms[0], (long long)ms[1],
           (long long)ms[2], (long long)ms[3], (long long)ms[4]);
    free(b);
    free(ids);
}

static void write_inputs(const synth *s, size_t nb, const char *dir)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/bench_tally_meeting.conf", dir);
    FILE *f = fopen(p, "w");
    fprintf(f, "meeting_id = M1\nopens_at = 2018-05-03 08:00\ncloses_at = 2018-05-10 07:40\n"
               "resolution.R1 = general\nresolution.R2 = settlement\n"
               "resolution.R3 = reorganization\n");
    fclose(f);
    snprintf(p, sizeof p, "%s/bench_tally_roster.csv", dir);
    f = fopen(p, "w");
    fprintf(f, "creditor_id,unsecured_voting,secured_voting,groups,group_secured,group_employee,"
               "group_tax,group_ordinary,group_small_ordinary\n");
    for (size_t i = 0; i < s->n; i++) {
        fprintf(f, "C%08zu,%lld.%02lld,%lld.%02lld,%s", i, (long long)(s->uv[i] / 100),
                (long long)(s->uv[i] % 100), (long long)(s->sv[i] / 100),
                (long long)(s->sv[i] % 100), cl_vote_group_name(synth_group(i)));
        for (int g = 0; g < CL_GROUP_COUNT; g++)
            fprintf(f, ",%lld.%02lld", (long long)(s->ga[g][i] / 100),
                    (long long)(s->ga[g][i] % 100));
        fputc('\n', f);
    }
    fclose(f);
    snprintf(p, sizeof p, "%s/bench_tally_ballots.csv", dir);
    f = fopen(p, "w");
    fprintf(f, "ballot_id,meeting_id,resolution_id,creditor_id,group,choice,cast_at,channel\n");
    for (size_t i = 0; i < nb; i++) {
        int cred, res, choice;
        cl_time at;
        synth_ballot(i, s->n, &cred, &res, &choice, &at);
        char ts[CL_TIME_BUFSZ];
        cl_time_format(at, ts);
        fprintf(f, "B%09zu,M1,R%d,C%08d,%s,%s,%s,online\n", i, res + 1, cred,
                res == 2 ? cl_vote_group_name(synth_group((size_t)cred)) : "",
                choice_text[choice], ts);
    }
    fclose(f);
}

static void bench_files(const synth *s, size_t nb, const char *dir)
{
    char mp[1024], rp[1024], bp[1024];
    write_inputs(s, nb, dir);
    snprintf(mp, sizeof mp, "%s/bench_tally_meeting.conf", dir);
    snprintf(rp, sizeof rp, "%s/bench_tally_roster.csv", dir);
    snprintf(bp, sizeof bp, "%s/bench_tally_ballots.csv", dir);
    int64_t ms[RUNS], ms_ballots[RUNS];
    size_t counted = 0;
    for (int r = 0; r < RUNS; r++) {
        cl_meeting *m = NULL;
        cl_roster *ro = NULL;
        cl_ballots *b = NULL;
        cl_tally_result t;
        cl_diag d = {0};
        int64_t t0 = cl_now_ms();
        if (cl_meeting_load(mp, &m, &d) || cl_roster_load(rp, CL_ENC_AUTO, &ro, &d))
            goto fail;
        int64_t t1 = cl_now_ms();
        if (cl_ballots_load(bp, CL_ENC_AUTO, m, ro, 0, &b, &d))
            goto fail;
        cl_tally_input in = {.nresolutions = m->nresolutions, .types = m->types,
                             .opens_at = m->opens_at, .closes_at = m->closes_at,
                             .nballots = b->n, .ballots = b->ballots};
        cl_roster_view(ro, &in.roster);
        if (cl_tally_run(&in, &t, &d))
            goto fail;
        ms[r] = cl_now_ms() - t0;
        ms_ballots[r] = cl_now_ms() - t1;
        counted = t.counted;
        cl_tally_result_free(&t);
        cl_ballots_free(b);
        cl_roster_free(ro);
        cl_meeting_free(m);
        continue;
    fail:
        fprintf(stderr, "bench_tally: %s\n", d.msg);
        exit(1);
    }
    printf("from CSV: ballots.csv parse + tally median %lld ms; with roster.csv and "
           "meeting.conf median %lld ms (%zu counted)\n",
           (long long)median(ms_ballots), (long long)median(ms), counted);
    if (getenv("BENCH_TALLY_KEEP"))
        return;   /* keep the CSV files, e.g. to time `claims tally` on them */
    remove(mp);
    remove(rp);
    remove(bp);
}

int main(int argc, char **argv)
{
    size_t nb = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    size_t nc = argc > 2 ? strtoull(argv[2], NULL, 10) : 300000;
    const char *dir = argc > 3 ? argv[3] : "/tmp";
    synth s;
    synth_roster(&s, nc);
    bench_memory(&s, nb);
    bench_files(&s, nb, dir);
    return 0;
}
