/* test_load.c - unit tests of the engine loaders (engine/load.c) fed from
 * byte sources: the sample's ledger and submissions loaded from their files,
 * from memory buffers and from stream callbacks give the same batch (rows,
 * accounts, identities, digests) with each label in the facts and the bad
 * rows; a bad ledger value names its column's field number. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cl_arena.h"
#include "engine/cl_load.h"
#include "engine/cl_model.h"
#include "tests/cl_test.h"

static char g_samples[512];

static void batch_release(cl_batch *b)
{
    free(b->subs);
    free(b->accounts);
    free(b->account_slots);
    free(b->ids);
    free(b->overrides);
    free(b->bad);
    for (int i = 0; i < b->nchunk_arenas; i++)
        cl_arena_free(b->chunk_arenas[i]);
    free(b->chunk_arenas);
    cl_arena_free(b->arena);
    cl_case_release(&b->cfg);
}

static char *slurp(const char *name, size_t *len)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", g_samples, name);
    cl_source s = cl_source_path(path);
    char *p = NULL;
    cl_diag d = {0};
    if (cl_source_slurp(&s, &p, len, &d) != CL_OK)
        fprintf(stderr, "%s\n", d.msg);
    return p;
}

typedef struct pieces {
    const char *p;
    size_t len, off;
} pieces;

static ssize_t piece_read(void *user, void *buf, size_t cap)
{
    pieces *s = user;
    size_t n = s->len - s->off;
    if (n > 4093) n = 4093;   /* chunks that cut records and characters */
    if (n > cap) n = cap;
    memcpy(buf, s->p + s->off, n);
    s->off += n;
    return (ssize_t)n;
}

typedef struct loaded {
    cl_err err;
    size_t nsubs, naccounts, nids, noverrides, nbad;
    uint64_t ledger_rows;
    cl_input_facts facts[3];
} loaded;

/* way 0: files, 1: memory, 2: streams */
static loaded load_way(int way, char *const text[3], const size_t len[3])
{
    static const char *names[3] = {"ledger.csv", "submissions.csv", "overrides.csv"};
    static const char *labels[3] = {"db:ledger", "db:submissions", "request body"};
    loaded r;
    memset(&r, 0, sizeof r);
    cl_batch b;
    memset(&b, 0, sizeof b);
    b.nthreads = 2;
    b.arena = cl_arena_create(0);   /* as the run makes it */
    cl_diag d = {0};
    char conf[700];
    snprintf(conf, sizeof conf, "%s/case.conf", g_samples);
    r.err = cl_case_load(conf, &b.cfg, &d);
    CHECK_MSG(r.err == CL_OK, "%s", d.msg);
    cl_source src[3];
    pieces pc[3];
    char path[3][700];
    for (int i = 0; i < 3; i++) {
        snprintf(path[i], sizeof path[i], "%s/%s", g_samples, names[i]);
        pc[i] = (pieces){text[i], len[i], 0};
        src[i] = way == 0   ? cl_source_path(path[i])
                 : way == 1 ? cl_source_memory(labels[i], text[i], len[i])
                            : cl_source_stream(labels[i], piece_read, &pc[i]);
    }
    if (!r.err) r.err = cl_load_ledger_src(&b, &src[0], CL_ENC_AUTO, &r.facts[0], &d);
    if (!r.err) r.err = cl_load_submissions_src(&b, &src[1], CL_ENC_AUTO, &r.facts[1], &d);
    if (!r.err) r.err = cl_load_overrides_src(&b, &src[2], CL_ENC_AUTO, &r.facts[2], &d);
    if (!r.err) r.err = cl_assign_identities(&b);
    CHECK_MSG(r.err == CL_OK, "way %d: %s", way, d.msg);
    for (int i = 0; i < 3 && !r.err; i++)
        CHECK_EQ_STR(r.facts[i].path, way == 0 ? path[i] : labels[i]);
    r.nsubs = b.nsubs;
    r.naccounts = b.naccounts;
    r.nids = b.nids;
    r.noverrides = b.noverrides;
    r.nbad = b.nbad;
    r.ledger_rows = b.ledger_rows;
    batch_release(&b);
    return r;
}

static void test_three_ways(void)
{
    char *text[3];
    size_t len[3];
    text[0] = slurp("ledger.csv", &len[0]);
    text[1] = slurp("submissions.csv", &len[1]);
    text[2] = slurp("overrides.csv", &len[2]);
    CHECK(text[0] && text[1] && text[2]);
    if (!text[0] || !text[1] || !text[2])
        goto done;
    loaded w[3];
    for (int way = 0; way < 3; way++)
        w[way] = load_way(way, text, len);
    CHECK(w[0].nsubs > 0 && w[0].naccounts > 0 && w[0].noverrides > 0);
    for (int way = 1; way < 3; way++) {
        CHECK_EQ_INT(w[way].err, w[0].err);
        CHECK_EQ_INT(w[way].nsubs, w[0].nsubs);
        CHECK_EQ_INT(w[way].naccounts, w[0].naccounts);
        CHECK_EQ_INT(w[way].nids, w[0].nids);
        CHECK_EQ_INT(w[way].noverrides, w[0].noverrides);
        CHECK_EQ_INT(w[way].nbad, w[0].nbad);
        CHECK_EQ_INT(w[way].ledger_rows, w[0].ledger_rows);
        for (int i = 0; i < 3; i++) {
            CHECK_EQ_STR(w[way].facts[i].sha256, w[0].facts[i].sha256);
            CHECK_EQ_INT(w[way].facts[i].bytes, w[0].facts[i].bytes);
            CHECK_EQ_INT(w[way].facts[i].rows, w[0].facts[i].rows);
        }
    }
done:
    for (int i = 0; i < 3; i++)
        free(text[i]);
}

/* A bad ledger amount becomes a bad row naming the label, the line, the
 * column's name and its field number in the file. */
static void test_ledger_bad_row(void)
{
    static const char led[] =
        "entry_id,account_ref,category,amount,booked_at,name,id_type,id_number,phone\n"
        "LE1,A1,supplier,12x,2017-11-30 18:38:05,张三,PRC_ID,,\n"
        "LE2,A1,supplier,5.00,2017-11-30 18:38:05,张三,PRC_ID,,\n";
    cl_batch b;
    memset(&b, 0, sizeof b);
    b.nthreads = 1;
    b.arena = cl_arena_create(0);
    cl_diag d = {0};
    cl_source s = cl_source_memory("c_led.csv", led, sizeof led - 1);
    cl_input_facts facts;
    CHECK_EQ_INT(cl_load_ledger_src(&b, &s, CL_ENC_AUTO, &facts, &d), CL_OK);
    CHECK_EQ_INT(b.nbad, 1);
    if (b.nbad == 1) {
        CHECK_EQ_STR(b.bad[0].file, "c_led.csv");
        CHECK_EQ_INT(b.bad[0].line, 2);
        CHECK_EQ_INT(b.bad[0].col, 4);
        CHECK_EQ_STR(b.bad[0].column, "amount");
        CHECK_EQ_STR(b.bad[0].reason, "not an amount: '12x'");
    }
    CHECK_EQ_INT(b.ledger_rows, 1);
    batch_release(&b);
}

int main(void)
{
    const char *samples = getenv("CL_SAMPLES");
    snprintf(g_samples, sizeof g_samples, "%s/xiaoming-mini", samples ? samples : "tests/data");
    test_three_ways();
    test_ledger_bad_row();
    return cl_test_summary("test_load");
}
