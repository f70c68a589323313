/* bench_csv.c - throughput of the CSV reader: load (mmap + SHA-256 + UTF-8
 * check) and cl_csv_parse_all with a trivial row callback, at 1 and 2
 * threads, median of 5 runs, in MB/s of UTF-8 text.
 * Usage: bench_csv [file.csv]  (default: writes a ~200 MB ledger-like CSV to
 * /tmp/cl_bench_ledger.csv once and reuses it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ingest/cl_csv.h"

#define RUNS 5
#define TARGET_BYTES ((size_t)200 * 1000 * 1000)

typedef struct counter {
    uint64_t rows, bytes;
    char pad[48];   /* one cache line each */
} counter;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Ledger rows like ledger.csv: 9 columns, about 1 in 5 with quoted fields,
 * 1 in 50 with a quoted comma and 1 in 500 with a quoted newline. */
static int generate(const char *path)
{
    FILE *fp = fopen(path, "wb");
    static const char *names[] = {"张添嘉", "罗豪平", "黄坤英", "Li Wei", "赵凯"};
    static const char *cats[] = {"balance", "deposit", "押金", "余额"};
    unsigned x = 2463534242u;
    size_t total = 0;
    if (!fp) return -1;
    total += (size_t)fprintf(fp, "entry_id,account_ref,category,amount,booked_at,name,id_type,id_number,phone\n");
    for (long i = 1; total < TARGET_BYTES; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        unsigned r = x % 500;
        const char *nm = names[x % 5];
        char name[64];
        if (r == 0) snprintf(name, sizeof name, "\"%s\n(备注)\"", nm);
        else if (r < 10) snprintf(name, sizeof name, "\"%s, 个人\"", nm);
        else if (r < 100) snprintf(name, sizeof name, "\"%s\"", nm);
        else snprintf(name, sizeof name, "%s", nm);
        total += (size_t)fprintf(fp, "LE%09ld,XM%08u,%s,%s%u.%02u,2017-%02u-%02u %02u:%02u:%02u,%s,PRC_ID,44130219%02u%02u%02u%04u,186%08u\n",
                                 i, x % 100000000u, cats[(x >> 8) % 4], (x & 1) ? "-" : "",
                                 (x >> 4) % 1000, (x >> 12) % 100, 1 + (x >> 3) % 12,
                                 1 + (x >> 7) % 28, (x >> 9) % 24, (x >> 11) % 60, (x >> 13) % 60,
                                 name, 60 + (x >> 5) % 40, 1 + (x >> 6) % 12, 1 + (x >> 10) % 28,
                                 (x >> 14) % 10000, (x >> 2) % 100000000u);
    }
    return fclose(fp);
}

static int on_row(void *ctx, int chunk, const cl_csv_row *row)
{
    counter *c = (counter *)ctx + chunk;
    c->rows++;
    for (int i = 0; i < row->nfields; i++) c->bytes += row->fields[i].len;
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/tmp/cl_bench_ledger.csv";
    struct stat st;
    cl_diag d;
    static const cl_csv_col spec[] = {{"entry_id", "流水号", 1}, {"amount", "金额", 1}};
    if (argc <= 1 && (stat(path, &st) != 0 || (size_t)st.st_size < TARGET_BYTES)) {
        fprintf(stderr, "bench_csv: writing %s ...\n", path);
        if (generate(path) != 0) { perror(path); return 1; }
    }
    double tl[RUNS];
    cl_csv_file *f = NULL;
    for (int r = 0; r < RUNS; r++) {
        cl_csv_file_free(f);
        double t0 = now();
        if (cl_csv_load(path, CL_ENC_AUTO, &f, &d) != CL_OK) { fprintf(stderr, "%s\n", d.msg); return 1; }
        tl[r] = now() - t0;
    }
    qsort(tl, RUNS, sizeof tl[0], cmp_double);
    double mb = (double)f->len / 1e6;
    printf("file: %s, %.1f MB, encoding %s\n", path, mb, cl_encoding_name(f->encoding));
    printf("load (mmap + sha256 + utf-8 check): median %.3f s, %.0f MB/s\n", tl[RUNS / 2], mb / tl[RUNS / 2]);
    cl_csv_header h;
    if (cl_csv_bind(f, spec, 2, &h, &d) != CL_OK) { fprintf(stderr, "%s\n", d.msg); return 1; }
    static const int threads[] = {1, 2};
    for (int k = 0; k < 2; k++) {
        int nt = threads[k], nchunks = cl_csv_plan(f, &h, nt);
        double t[RUNS];
        uint64_t rows = 0, bytes = 0;
        counter *c = calloc((size_t)(nchunks > 0 ? nchunks : 1), sizeof *c);
        for (int r = 0; r < RUNS; r++) {
            memset(c, 0, (size_t)(nchunks > 0 ? nchunks : 1) * sizeof *c);
            double t0 = now();
            if (cl_csv_parse_all(f, &h, nt, on_row, c, NULL, &d) != CL_OK) { fprintf(stderr, "%s\n", d.msg); return 1; }
            t[r] = now() - t0;
        }
        for (int i = 0; i < nchunks; i++) { rows += c[i].rows; bytes += c[i].bytes; }
        qsort(t, RUNS, sizeof t[0], cmp_double);
        printf("parse_all threads=%d chunks=%d: median %.3f s, %.0f MB/s (min %.3f, max %.3f; %llu rows, %llu field bytes)\n",
               nt, nchunks, t[RUNS / 2], mb / t[RUNS / 2], t[0], t[RUNS - 1],
               (unsigned long long)rows, (unsigned long long)bytes);
        free(c);
    }
    cl_csv_header_free(&h);
    cl_csv_file_free(f);
    return 0;
}
