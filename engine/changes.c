/* changes.c - a run against the previous run in --out: the shrink guard on
 * the input row counts (from the previous manifest.json) and changes.csv,
 * the claims that are new, gone, or changed status or confirmed amount,
 * found by comparing the previous claims.csv with the staged one. */
#include "engine/cl_changes.h"
#include "core/cl_alloc.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ingest/cl_csv.h"
#include "ingest/cl_norm.h"
#include "reports/cl_report.h"

/* ------------------------------------------------------------ shrinking */

static long long previous_rows(json_t *manifest, const char *input)
{
    json_t *rows = json_object_get(json_object_get(json_object_get(manifest, "inputs"), input),
                                   "rows");
    return json_is_integer(rows) ? (long long)json_integer_value(rows) : -1;
}

static cl_err check_one(const char *manifest, long long before, const cl_input_facts *now,
                        const char *what, cl_diag *d)
{
    if (before <= 0 || (now->rows > 0 && now->rows * 2 >= (uint64_t)before))
        return CL_OK;
    return cl_diag_set(d, CL_ERR_INPUT,
                       "%s: %s has %llu rows, the previous run read %lld (%s); an incomplete "
                       "export? the previous outputs were kept; if the %s really shrank, run "
                       "again with --allow-shrink",
                       now->path, what, (unsigned long long)now->rows, before, manifest, what);
}

cl_err cl_changes_check_shrink(const char *out_dir, const cl_input_facts *submissions,
                               const cl_input_facts *ledger, int allow, cl_diag *d)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/manifest.json", out_dir);
    if (allow || access(path, F_OK) != 0)
        return CL_OK;
    json_t *m = json_load_file(path, 0, NULL);
    if (!m)   /* not a run's manifest: nothing to compare with */
        return CL_OK;
    cl_err err = check_one(path, previous_rows(m, "submissions"), submissions, "submissions", d);
    if (!err)
        err = check_one(path, previous_rows(m, "ledger"), ledger, "ledger", d);
    json_decref(m);
    return err;
}

/* ------------------------------------------------------------- reading */

/* One claim row: its key (submission_id, or "books:<matched_account>" for a
 * row listed from the books; "#2", "#3" for later rows with the same key, in
 * file order), status and confirmed total. */
typedef struct entry {
    char *key;          /* key, NUL, status, NUL (one allocation) */
    const char *status;
    int64_t confirmed;
    uint64_t line;
} entry;

typedef struct claim_list {
    entry *e;
    size_t n, cap;
    const char *path;
    cl_diag *d;
} claim_list;

enum { F_ID, F_ACCOUNT, F_STATUS, F_CONFIRMED, F_COUNT };

static const cl_csv_col spec[F_COUNT] = {
    {"submission_id", NULL, 1},
    {"matched_account", NULL, 1},
    {"status", NULL, 1},
    {"confirmed_total", NULL, 1},
};

typedef struct reader {
    claim_list *list;
    const int *index;
} reader;

static int add_entry(claim_list *l, const cl_field *id, const cl_field *acct,
                     const cl_field *status, int64_t confirmed, uint64_t line)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 1024;
        entry *p = cl_realloc(l->e, cap * sizeof *p);
        if (!p)
            return -1;
        l->e = p;
        l->cap = cap;
    }
    int books = id->len == 0;
    const cl_field *k = books ? acct : id;
    size_t klen = (books ? 6 : 0) + k->len + 12;   /* room for "#<n>" */
    char *key = cl_malloc(klen + status->len + 1);
    if (!key)
        return -1;
    snprintf(key, klen, "%s%.*s", books ? "books:" : "", (int)k->len, k->p);
    memcpy(key + klen, status->p, status->len);
    key[klen + status->len] = '\0';
    l->e[l->n++] = (entry){key, key + klen, confirmed, line};
    return 0;
}

static int claim_row(void *ctx, int chunk, const cl_csv_row *row)
{
    (void)chunk;
    reader *r = ctx;
    claim_list *l = r->list;
    if (row->error) {
        cl_diag_set(l->d, CL_ERR_CSV, "%s:%llu: %s", l->path, (unsigned long long)row->line,
                    row->error);
        return 1;
    }
    const cl_field *f[F_COUNT];
    for (int i = 0; i < F_COUNT; i++)
        f[i] = &row->fields[r->index[i]];
    int64_t fen = 0;
    if (f[F_CONFIRMED]->len && cl_parse_amount(f[F_CONFIRMED]->p, f[F_CONFIRMED]->len, true,
                                               &fen) != CL_AMT_OK) {
        cl_diag_set(l->d, CL_ERR_INPUT, "%s:%llu: column confirmed_total: not an amount",
                    l->path, (unsigned long long)row->line);
        return 1;
    }
    if (add_entry(l, f[F_ID], f[F_ACCOUNT], f[F_STATUS], fen, row->line) < 0) {
        cl_diag_set(l->d, CL_ERR_NOMEM, "out of memory");
        return 1;
    }
    return 0;
}

static int by_key_line(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int by_key(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->key, ((const entry *)b)->key);
}

/* Gives rows that share a key "#2", "#3"... in file order, then sorts by key. */
static void make_keys_unique(claim_list *l)
{
    qsort(l->e, l->n, sizeof *l->e, by_key_line);
    size_t run = 1;
    for (size_t i = 1; i < l->n; i++) {
        size_t base = strlen(l->e[i - 1].key);
        if (run > 1)   /* the previous key already carries its "#n" */
            base = (size_t)(strrchr(l->e[i - 1].key, '#') - l->e[i - 1].key);
        if (strlen(l->e[i].key) == base && !strncmp(l->e[i].key, l->e[i - 1].key, base))
            snprintf(l->e[i].key + base, 12, "#%zu", ++run);
        else
            run = 1;
    }
    qsort(l->e, l->n, sizeof *l->e, by_key);
}

static void list_free(claim_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->e[i].key);
    free(l->e);
}

static cl_err read_claims(const cl_source *src, claim_list *l, cl_diag *d)
{
    cl_csv_file *f = NULL;
    cl_csv_header h = {0};
    l->path = cl_source_label(src);
    l->d = d;
    cl_err err = cl_csv_load_source(src, CL_ENC_UTF8, &f, d);
    if (!err)
        err = cl_csv_bind(f, spec, F_COUNT, &h, d);
    if (!err) {
        reader r = {l, h.index};
        err = cl_csv_parse_all(f, &h, 1, claim_row, &r, NULL, d);
    }
    cl_csv_header_free(&h);
    cl_csv_file_free(f);
    if (!err)
        make_keys_unique(l);
    return err;
}

/* ------------------------------------------------------------- writing */

typedef struct change {
    const entry *before, *after;   /* NULL: absent */
} change;

typedef struct change_view {
    const change *c;
    char money[2][32];
} change_view;

static const cl_col change_cols[] = {
    {"claim_key", "债权编号", CL_COL_TEXT},
    {"change", "变化", CL_COL_TEXT},
    {"status_before", "原状态", CL_COL_TEXT},
    {"status_after", "现状态", CL_COL_TEXT},
    {"confirmed_total_before", "原确认总额", CL_COL_MONEY},
    {"confirmed_total_after", "现确认总额", CL_COL_MONEY},
};

static const char *change_kind(const change *c)
{
    if (!c->before)
        return "new";
    if (!c->after)
        return "gone";
    int st = strcmp(c->before->status, c->after->status) != 0;
    int amt = c->before->confirmed != c->after->confirmed;
    return st && amt ? "status+amount" : st ? "status" : "amount";
}

static void text_cell(cl_cell *c, const char *s)
{
    *c = (cl_cell){.s = s, .len = s ? strlen(s) : 0};
}

static void change_row(void *ctx, size_t row, cl_cell *cells)
{
    const change *c = &((const change *)ctx)[row];
    const entry *any = c->after ? c->after : c->before;
    text_cell(&cells[0], any->key);
    text_cell(&cells[1], change_kind(c));
    text_cell(&cells[2], c->before ? c->before->status : NULL);
    text_cell(&cells[3], c->after ? c->after->status : NULL);
    cells[4] = (cl_cell){.i = c->before ? c->before->confirmed : 0, .empty = !c->before};
    cells[5] = (cl_cell){.i = c->after ? c->after->confirmed : 0, .empty = !c->after};
}

/* Merges the two key-sorted lists into the changed claims, counting them. */
static change *diff(const claim_list *a, const claim_list *b, size_t *n, cl_changes_counts *k)
{
    change *out = cl_malloc((a->n + b->n + 1) * sizeof *out);
    if (!out)
        return NULL;
    size_t i = 0, j = 0;
    *n = 0;
    while (i < a->n || j < b->n) {
        int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->e[i].key, b->e[j].key);
        change ch = {c <= 0 ? &a->e[i] : NULL, c >= 0 ? &b->e[j] : NULL};
        i += c <= 0;
        j += c >= 0;
        if (ch.before && ch.after) {
            int st = strcmp(ch.before->status, ch.after->status) != 0;
            int amt = ch.before->confirmed != ch.after->confirmed;
            k->status += (size_t)st;
            k->amount += (size_t)amt;
            if (!st && !amt)
                continue;
        } else {
            k->added += ch.after != NULL;
            k->gone += ch.before != NULL;
        }
        out[(*n)++] = ch;
    }
    return out;
}

static cl_table change_table(const change *changes, size_t n)
{
    return (cl_table){.name = "changes", .title = "变化", .cols = change_cols,
                      .ncols = (int)(sizeof change_cols / sizeof change_cols[0]), .nrows = n,
                      .row = change_row, .ctx = (void *)changes};
}

/* Reads both claim lists and finds the changes (*out: free() it). */
static cl_err compare(const cl_source *before_src, const cl_source *after_src,
                      claim_list *before, claim_list *after, change **out, size_t *n,
                      cl_changes_counts *counts, cl_diag *d)
{
    memset(counts, 0, sizeof *counts);
    counts->previous = before_src != NULL;
    cl_err err = before_src ? read_claims(before_src, before, d) : CL_OK;
    if (err && d) {   /* say which claims.csv, and what to do about it */
        char msg[sizeof d->msg];
        snprintf(msg, sizeof msg, "%s", d->msg);
        cl_diag_set(d, err, "the previous run's %.700s (changes.csv compares with it; move "
                    "that output folder away to start afresh)", msg);
    }
    if (!err)
        err = read_claims(after_src, after, d);
    *n = 0;
    if (!err && !(*out = diff(before, after, n, counts)))
        err = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    if (!err)
        counts->claims = after->n;
    return err;
}

cl_err cl_changes_stage(const char *out_dir, cl_outdir *staged, cl_changes_counts *counts,
                        cl_diag *d)
{
    claim_list before = {0}, after = {0};
    change *changes = NULL;
    char prev[PATH_MAX + 32];
    snprintf(prev, sizeof prev, "%s/claims.csv", out_dir);
    cl_source prev_src = cl_source_path(prev);
    cl_source now_src = cl_source_path(cl_outdir_path(staged, "claims.csv"));
    size_t n = 0;
    cl_err err = compare(access(prev, F_OK) == 0 ? &prev_src : NULL, &now_src, &before, &after,
                         &changes, &n, counts, d);
    if (!err) {
        cl_table t = change_table(changes, n);
        unsigned char sha[32];
        err = cl_report_csv_sha256(cl_outdir_path(staged, "changes.csv"), &t,
                                   CL_AUDIENCE_INTERNAL, sha, d);
        if (!err && cl_outdir_note_sha256(staged, "changes.csv", sha) < 0)
            err = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    free(changes);
    list_free(&before);
    list_free(&after);
    return err;
}

cl_err cl_changes_to(const cl_source *before, const cl_source *after, cl_sink *out,
                     cl_changes_counts *counts, cl_diag *d)
{
    claim_list b = {0}, a = {0};
    change *changes = NULL;
    size_t n = 0;
    cl_err err = compare(before, after, &b, &a, &changes, &n, counts, d);
    if (!err) {
        cl_table t = change_table(changes, n);
        err = cl_report_csv_to(out, &t, CL_AUDIENCE_INTERNAL, 1, d);
    }
    free(changes);
    list_free(&b);
    list_free(&a);
    return err;
}

void cl_changes_print(const cl_changes_counts *c, FILE *f)
{
    const char *where = c->where ? c->where : "changes.csv";
    if (!c->previous)
        fprintf(f, "  no previous run %s: all %zu claims new (%s)\n",
                c->where ? "in the database" : "in the output folder", c->claims, where);
    else
        fprintf(f, "  changes against the previous run: %zu new, %zu gone, %zu changed status, "
                   "%zu changed confirmed amount (%s)\n",
                c->added, c->gone, c->status, c->amount, where);
}
