/* load.c - inputs into the batch (contract §2, §3): column specs with their
 * Chinese aliases, per-field normalization, parallel chunked parsing of the
 * submissions and the ledger (aggregated into accounts per chunk, merged in
 * file order so "first non-empty value" means file order), overrides. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cl_group.h"
#include "core/cl_alloc.h"
#include "core/cl_money.h"
#include "core/cl_scratch.h"
#include "engine/cl_load.h"
#include "engine/cl_input_spec.h"

/* ------------------------------------------------------------------ utils */

static size_t trim_bounds(const char *s, size_t n, size_t *start)
{
    size_t b = 0, e = n;
    for (;;) {
        if (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n'))
            b++;
        else if (e - b >= 3 && !memcmp(s + b, "\xe3\x80\x80", 3))
            b += 3;
        else
            break;
    }
    for (;;) {
        if (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n'))
            e--;
        else if (e - b >= 3 && !memcmp(s + e - 3, "\xe3\x80\x80", 3))
            e -= 3;
        else
            break;
    }
    *start = b;
    return e - b;
}



static void fill_facts(cl_input_facts *facts, cl_csv_file *f, uint64_t rows)
{
    if (!facts)
        return;
    snprintf(facts->path, sizeof facts->path, "%s", f->path);
    const unsigned char *sha = cl_csv_sha256(f);
    facts->sha256[0] = '\0';
    for (int i = 0; sha && i < 32; i++)
        snprintf(facts->sha256 + 2 * i, 3, "%02x", sha[i]);
    facts->bytes = f->raw_bytes;
    facts->rows = rows;
    facts->encoding = cl_encoding_name(f->encoding);
}

cl_err cl_batch_add_bad(cl_batch *b, const cl_bad_row *r)
{
    if (b->nbad == b->bad_cap) {
        size_t cap = b->bad_cap ? b->bad_cap * 2 : 64;
        cl_bad_row *p = cl_realloc(b->bad, cap * sizeof *p);
        if (!p)
            return CL_ERR_NOMEM;
        b->bad = p;
        b->bad_cap = cap;
    }
    b->bad[b->nbad++] = *r;
    return CL_OK;
}

/* A chunk's index of its accounts: open addressing over 8-byte slots (a
 * 32-bit hash tag and the account's row + 1). Keys are compared against the
 * account record itself, which the row updates anyway, so a lookup touches
 * a small slot array and one record: one entry of millions in the ledger
 * costs about one cache miss. */
typedef struct acct_index {
    uint64_t *slots;
    size_t mask, count;
} acct_index;

/* Per-chunk loader state shared by the three inputs. */
typedef struct chunk_state {
    cl_arena *arena;
    cl_scratch tmp;
    void *rows;
    size_t nrows, cap;
    cl_bad_row *bad;
    size_t nbad, bad_cap;
    /* ledger only */
    acct_index index;
    uint64_t entries;
    struct ledger_entry *batch;   /* rows waiting for their accounts */
    int nbatch;
} chunk_state;

typedef struct loader {
    const cl_csv_file *file;
    const cl_csv_header *hdr;
    const cl_csv_col *spec;
    const char *short_name;
    chunk_state *chunks;
    int nchunks;
    size_t row_size;
    const cl_case *cfg;
    cl_err oom;
} loader;

static void *push_row(chunk_state *c, size_t size)
{
    if (c->nrows == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4096;
        void *p = cl_realloc(c->rows, cap * size);
        if (!p)
            return NULL;
        c->rows = p;
        c->cap = cap;
    }
    void *r = (char *)c->rows + c->nrows * size;
    memset(r, 0, size);
    c->nrows++;
    return r;
}

/* A bad row; spec_col is the spec entry of the offending column (-1: the
 * row as a whole), named in the message with its field number. */
static int push_bad(loader *l, chunk_state *c, const cl_csv_row *row, int spec_col,
                    const char *column, const char *reason)
{
    if (c->nbad == c->bad_cap) {
        size_t cap = c->bad_cap ? c->bad_cap * 2 : 16;
        cl_bad_row *p = cl_realloc(c->bad, cap * sizeof *p);
        if (!p)
            return -1;
        c->bad = p;
        c->bad_cap = cap;
    }
    cl_bad_row *b = &c->bad[c->nbad++];
    b->file = cl_arena_strndup(c->arena, l->file->path, strlen(l->file->path));
    b->line = (uint32_t)row->line;
    b->col = spec_col >= 0 && l->hdr->index[spec_col] >= 0 ? (uint32_t)l->hdr->index[spec_col] + 1 : 0;
    b->column = column;
    b->reason = cl_arena_strndup(c->arena, reason, strlen(reason));
    b->raw = cl_arena_strndup(c->arena, row->raw, row->raw_len);
    return b->file && b->reason && b->raw ? 0 : -1;
}

/* The field for spec entry `col`, or an empty field when the column is absent. */
static cl_field field_of(const loader *l, const cl_csv_row *row, int col)
{
    int idx = l->hdr->index[col];
    cl_field f = {"", 0};
    if (idx >= 0 && idx < row->nfields)
        f = row->fields[idx];
    return f;
}

static const char *store(chunk_state *c, const char *s, size_t n)
{
    return n ? cl_arena_strndup(c->arena, s, n) : "";   /* stored strings are never written */
}

static const char *store_trim(chunk_state *c, cl_field f)
{
    size_t b;
    size_t n = trim_bounds(f.p, f.len, &b);
    return store(c, f.p + b, n);
}

typedef size_t (*norm_fn)(const char *, size_t, char *);

static const char *store_norm(chunk_state *c, cl_field f, norm_fn fn)
{
    char *buf = cl_scratch_get(&c->tmp, f.len + 8);
    if (!buf)
        return NULL;
    size_t n = fn(f.p, f.len, buf);
    return store(c, buf, n);
}

static cl_err finish_chunks(loader *l, cl_batch *b, cl_err err)
{
    for (int i = 0; i < l->nchunks; i++) {
        chunk_state *c = &l->chunks[i];
        for (size_t k = 0; k < c->nbad && !err; k++)
            err = cl_batch_add_bad(b, &c->bad[k]);
        free(c->bad);
        cl_scratch_release(&c->tmp);
        free(c->index.slots);
        free(c->batch);
        c->bad = NULL;
        c->index.slots = NULL;
        c->batch = NULL;
    }
    return err;
}

static cl_err adopt_arenas(cl_batch *b, loader *l)
{
    cl_arena **p = cl_realloc(b->chunk_arenas, (b->nchunk_arenas + l->nchunks) * sizeof *p);
    if (!p)
        return CL_ERR_NOMEM;
    b->chunk_arenas = p;
    for (int i = 0; i < l->nchunks; i++) {
        b->chunk_arenas[b->nchunk_arenas++] = l->chunks[i].arena;
        l->chunks[i].arena = NULL;
    }
    return CL_OK;
}

static cl_err setup_loader(loader *l, const cl_csv_file *f, const cl_csv_header *h,
                           const cl_csv_col *spec, int nthreads, size_t row_size, const cl_case *cfg)
{
    memset(l, 0, sizeof *l);
    l->file = f;
    l->hdr = h;
    l->spec = spec;
    l->row_size = row_size;
    l->cfg = cfg;
    l->nchunks = cl_csv_plan(f, h, nthreads);
    if (l->nchunks < 0)
        return CL_ERR_NOMEM;
    if (l->nchunks < 1)
        l->nchunks = 1;
    l->chunks = cl_calloc((size_t)l->nchunks, sizeof *l->chunks);
    if (!l->chunks)
        return CL_ERR_NOMEM;
    for (int i = 0; i < l->nchunks; i++)
        if (!(l->chunks[i].arena = cl_arena_create(1u << 20)))
            return CL_ERR_NOMEM;
    return CL_OK;
}

static void free_loader(loader *l)
{
    if (!l->chunks)
        return;
    for (int i = 0; i < l->nchunks; i++) {
        cl_arena_free(l->chunks[i].arena);
        free(l->chunks[i].rows);
        free(l->chunks[i].bad);
        cl_scratch_release(&l->chunks[i].tmp);
        free(l->chunks[i].index.slots);
        free(l->chunks[i].batch);
    }
    free(l->chunks);
    l->chunks = NULL;
}

/* ------------------------------------------------------------ submissions */

enum {
    S_ID, S_AT, S_KIND, S_NAME, S_IDTYPE, S_IDNUM, S_PHONE, S_ACCOUNT, S_CATEGORY,
    S_PRINCIPAL, S_INTEREST, S_OTHER, S_SECURED, S_BANK, S_BANKACC, S_AMENDS,
    S_EVIDENCE, S_NOTE, S_NCOLS
};

static const cl_csv_col sub_spec[S_NCOLS] = {
    {"submission_id", "申报编号", 1}, {"submitted_at", "申报时间", 1},
    {"creditor_kind", "债权人类型", 1}, {"name", "债权人名称", 1},
    {"id_type", "证件类型", 1}, {"id_number", "证件号码", 1},
    {"phone", "手机号码", 1}, {"account_ref", "账户编号", 0},
    {"category", "债权类别", 1}, {"principal", "本金", 1},
    {"interest", "利息", 0}, {"other_amount", "其他", 0},
    {"secured", "有财产担保", 1}, {"bank_name", "开户行", 1},
    {"bank_account", "银行账号", 1}, {"amends", "更正申报编号", 0},
    {"evidence_count", "证据数量", 0}, {"note", "备注", 0},
};

static size_t norm_text_fn(const char *in, size_t len, char *out) { return cl_norm_text(in, len, out); }
static size_t norm_name_fn(const char *in, size_t len, char *out) { return cl_norm_name(in, len, out); }

static int parse_money(chunk_state *c, cl_field f, int64_t *fen, uint8_t *st, const char **raw)
{
    int64_t v = 0;
    cl_amount_status s = cl_parse_amount(f.p, f.len, false, &v);
    *st = (uint8_t)s;
    *fen = s == CL_AMT_OK ? v : 0;
    if (s != CL_AMT_OK && s != CL_AMT_EMPTY)
        *raw = store_trim(c, f);
    return 0;
}

/* ASCII and full-width digits in a field (a 15-digit legacy ID has 15). */
static size_t digits_in(cl_field f)
{
    size_t n = 0;
    for (size_t i = 0; i < f.len; i++) {
        unsigned char ch = (unsigned char)f.p[i];
        if (ch >= '0' && ch <= '9')
            n++;
        else if (ch == 0xEF && i + 2 < f.len && (unsigned char)f.p[i + 1] == 0xBC &&
                 (unsigned char)f.p[i + 2] >= 0x90 && (unsigned char)f.p[i + 2] <= 0x99) {
            n++;
            i += 2;
        }
    }
    return n;
}

static int fill_sub(loader *l, chunk_state *c, const cl_csv_row *row, cl_sub *s)
{
    cl_field f;
    s->line = (uint32_t)row->line;
    s->submission_id = store_norm(c, field_of(l, row, S_ID), norm_text_fn);

    f = field_of(l, row, S_AT);
    size_t tb, tn = trim_bounds(f.p, f.len, &tb);
    s->submitted_at = CL_TIME_NONE;
    if (tn == 0)
        s->time_st = 1;
    else if (!cl_parse_time(f.p, f.len, &s->submitted_at)) {
        s->time_st = 2;
        s->submitted_at = CL_TIME_NONE;
        s->raw_submitted_at = store(c, f.p + tb, tn);
    }

    f = field_of(l, row, S_KIND);
    s->kind = (uint8_t)cl_kind_parse(f.p, f.len);
    if (!s->kind)
        s->raw_kind = store_trim(c, f);
    s->name = store_norm(c, field_of(l, row, S_NAME), norm_name_fn);

    f = field_of(l, row, S_IDTYPE);
    s->id_type = (uint8_t)cl_id_type_parse(f.p, f.len);
    if (!s->id_type)
        s->raw_id_type = store_trim(c, f);
    f = field_of(l, row, S_IDNUM);
    char *buf = cl_scratch_get(&c->tmp, f.len + 8);
    if (!buf)
        return -1;
    size_t idn = cl_norm_id((cl_id_type)s->id_type, f.p, f.len, buf);
    s->id_from15 = s->id_type == CL_IDT_PRC_ID && idn == 18 && digits_in(f) == 15;
    s->id_number = store(c, buf, idn);

    f = field_of(l, row, S_PHONE);
    buf = cl_scratch_get(&c->tmp, f.len + 8);
    if (!buf)
        return -1;
    bool pv = false;
    s->phone = store(c, buf, cl_norm_phone(f.p, f.len, buf, &pv));
    s->phone_valid = pv;

    s->account_ref = store_trim(c, field_of(l, row, S_ACCOUNT));
    f = field_of(l, row, S_CATEGORY);
    s->category = (uint8_t)cl_category_parse(f.p, f.len);
    if (!s->category)
        s->raw_category = store_trim(c, f);

    parse_money(c, field_of(l, row, S_PRINCIPAL), &s->principal, &s->principal_st, &s->raw_principal);
    parse_money(c, field_of(l, row, S_INTEREST), &s->interest, &s->interest_st, &s->raw_interest);
    parse_money(c, field_of(l, row, S_OTHER), &s->other, &s->other_st, &s->raw_other);

    f = field_of(l, row, S_SECURED);
    s->secured = (uint8_t)cl_yesno_parse(f.p, f.len);
    if (!s->secured)
        s->raw_secured = store_trim(c, f);
    s->bank_name = store_norm(c, field_of(l, row, S_BANK), norm_text_fn);
    s->bank_account = store_norm(c, field_of(l, row, S_BANKACC), norm_text_fn);
    s->amends = store_norm(c, field_of(l, row, S_AMENDS), norm_text_fn);
    f = field_of(l, row, S_EVIDENCE);
    int32_t ev = 0;
    s->evidence_ok = cl_parse_count(f.p, f.len, &ev);
    s->evidence_count = s->evidence_ok ? ev : 0;
    if (!s->evidence_ok)
        s->raw_evidence = store_trim(c, f);
    s->note = store_trim(c, field_of(l, row, S_NOTE));
    s->identity = CL_NONE;
    return s->submission_id && s->name && s->id_number && s->phone && s->account_ref &&
                   s->bank_name && s->bank_account && s->amends && s->note
               ? 0
               : -1;
}

static int sub_row(void *ctx, int chunk, const cl_csv_row *row)
{
    loader *l = ctx;
    chunk_state *c = &l->chunks[chunk];
    if (row->error)
        return push_bad(l, c, row, -1, "", row->error) < 0 ? -1 : 0;
    cl_sub *s = push_row(c, sizeof *s);
    if (!s || fill_sub(l, c, row, s) < 0) {
        l->oom = CL_ERR_NOMEM;
        return -1;
    }
    return 0;
}

static cl_err concat_rows(loader *l, void **out, size_t *n)
{
    size_t total = 0;
    for (int i = 0; i < l->nchunks; i++)
        total += l->chunks[i].nrows;
    char *all = cl_malloc((total ? total : 1) * l->row_size);
    if (!all)
        return CL_ERR_NOMEM;
    size_t off = 0;
    for (int i = 0; i < l->nchunks; i++) {
        if (l->chunks[i].nrows)   /* an empty chunk may have no rows array */
            memcpy(all + off * l->row_size, l->chunks[i].rows, l->chunks[i].nrows * l->row_size);
        off += l->chunks[i].nrows;
        free(l->chunks[i].rows);
        l->chunks[i].rows = NULL;
    }
    *out = all;
    *n = total;
    return CL_OK;
}

static cl_err open_input(const cl_source *src, cl_encoding enc, const cl_csv_col *spec,
                         int nspec, cl_csv_file **f, cl_csv_header *h, cl_diag *d)
{
    cl_err err = cl_csv_load_source(src, enc, f, d);
    if (err)
        return err;
    return cl_csv_bind(*f, spec, nspec, h, d);
}

static cl_err parse_input(loader *l, cl_csv_row_fn fn, int nthreads, cl_diag *d)
{
    int used = 0;
    cl_err err = cl_csv_parse_all(l->file, l->hdr, nthreads, fn, l, &used, d);
    if (l->oom)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory while reading %s", l->file->path);
    return err;
}

/* Reads a file whose rows become one record each (submissions, overrides):
 * parsed in chunks by `nthreads`, concatenated in file order. */
static cl_err load_records(cl_batch *b, const cl_source *src, cl_encoding enc,
                           const cl_csv_col *spec, int nspec, cl_csv_row_fn fn, size_t row_size,
                           int nthreads, void **rows, size_t *nrows, cl_input_facts *facts,
                           cl_diag *d)
{
    const char *path = cl_source_label(src);
    cl_csv_file *f = NULL;
    cl_csv_header h = {0};
    loader l = {0};
    cl_err err = open_input(src, enc, spec, nspec, &f, &h, d);
    if (err)
        goto done;
    if ((err = setup_loader(&l, f, &h, spec, nthreads, row_size, &b->cfg)))
        goto oom;
    if ((err = parse_input(&l, fn, nthreads, d)))
        goto done;
    if ((err = concat_rows(&l, rows, nrows)))
        goto oom;
    if ((err = finish_chunks(&l, b, CL_OK)) || (err = adopt_arenas(b, &l)))
        goto oom;
    fill_facts(facts, f, *nrows);
    goto done;
oom:
    err = cl_diag_set(d, CL_ERR_NOMEM, "out of memory reading %s", path);
done:
    free_loader(&l);
    cl_csv_header_free(&h);
    cl_csv_file_free(f);
    return err;
}

cl_err cl_load_submissions(cl_batch *b, const char *path, cl_encoding enc,
                           cl_input_facts *facts, cl_diag *d)
{
    cl_source src = cl_source_path(path);
    return cl_load_submissions_src(b, &src, enc, facts, d);
}

cl_err cl_load_submissions_src(cl_batch *b, const cl_source *src, cl_encoding enc,
                               cl_input_facts *facts, cl_diag *d)
{
    void *rows = NULL;
    cl_err err = load_records(b, src, enc, sub_spec, S_NCOLS, sub_row, sizeof(cl_sub),
                              b->nthreads, &rows, &b->nsubs, facts, d);
    b->subs = rows;
    return err;
}

/* ----------------------------------------------------------------- ledger */

enum { L_ENTRY, L_ACCOUNT, L_CATEGORY, L_AMOUNT, L_BOOKED, L_NAME, L_IDTYPE, L_IDNUM, L_PHONE, L_NCOLS };

static const cl_csv_col ledger_spec[L_NCOLS] = {
    {"entry_id", "流水号", 1}, {"account_ref", "账户编号", 1}, {"category", "债权类别", 1},
    {"amount", "金额", 1}, {"booked_at", "记账时间", 1}, {"name", "名称", 0},
    {"id_type", "证件类型", 0}, {"id_number", "证件号码", 0}, {"phone", "手机号码", 0},
};

/* A chunk-local account; id_number kept text-normalized until merged. */
typedef struct acct_acc {
    cl_account a;
    const char *raw_idnum;
    uint64_t hash;       /* of the account_ref */
    uint32_t reflen;
    uint8_t filled;      /* HOLDER_* bits of the holder fields already set */
    char ref_inline[19]; /* the account_ref when it fits, for the index */
} acct_acc;

static int acct_index_init(acct_index *x, size_t expected)
{
    size_t cap = 1024;
    while (cap < expected * 2)
        cap <<= 1;
    x->slots = cl_calloc(cap, sizeof *x->slots);
    x->mask = cap - 1;
    x->count = 0;
    return x->slots ? 0 : -1;
}

static bool acct_key_eq(const acct_acc *a, const char *key, size_t n)
{
    if (a->reflen != n)
        return false;
    return memcmp(n < sizeof a->ref_inline ? a->ref_inline : a->a.ref, key, n) == 0;
}

static uint32_t acct_find(const acct_index *x, const acct_acc *rows, uint64_t h,
                          const char *key, size_t n)
{
    uint32_t tag = (uint32_t)(h >> 32);
    for (size_t i = h & x->mask;; i = (i + 1) & x->mask) {
        uint64_t s = x->slots[i];
        if (!s)
            return CL_NONE;
        uint32_t idx = (uint32_t)s - 1;
        if ((uint32_t)(s >> 32) == tag && acct_key_eq(&rows[idx], key, n))
            return idx;
    }
}

static void acct_place(acct_index *x, uint64_t h, uint32_t idx)
{
    size_t i = h & x->mask;
    while (x->slots[i])
        i = (i + 1) & x->mask;
    x->slots[i] = ((uint64_t)(uint32_t)(h >> 32) << 32) | (uint64_t)(idx + 1);
}

static int acct_insert(acct_index *x, const acct_acc *rows, uint64_t h, uint32_t idx)
{
    if ((x->count + 1) * 10 > (x->mask + 1) * 7) {
        acct_index bigger;
        if (acct_index_init(&bigger, (x->mask + 1)) < 0)
            return -1;
        for (size_t i = 0; i <= x->mask; i++)
            if (x->slots[i]) {
                uint32_t k = (uint32_t)x->slots[i] - 1;
                acct_place(&bigger, rows[k].hash, k);
            }
        bigger.count = x->count;
        free(x->slots);
        *x = bigger;
    }
    acct_place(x, h, idx);
    x->count++;
    return 0;
}

enum { HOLDER_NAME = 1, HOLDER_TYPE = 2, HOLDER_IDNUM = 4, HOLDER_PHONE = 8, HOLDER_ALL = 15 };

static int ledger_bad(loader *l, chunk_state *c, const cl_csv_row *row, int col,
                      const char *what, cl_field f)
{
    char msg[256];
    size_t n = f.len > 60 ? 60 : f.len;
    while (n < f.len && n > 0 && ((unsigned char)f.p[n] & 0xC0) == 0x80)
        n--;   /* do not cut a UTF-8 sequence */
    snprintf(msg, sizeof msg, "%s: '%.*s'", what, (int)n, f.p);
    return push_bad(l, c, row, col, ledger_spec[col].name, msg) < 0 ? -1 : 0;
}

/* A validated ledger row waiting in its chunk's batch. A lookup in an index
 * of millions of accounts costs two cache misses (slot, record); batching
 * rows lets the misses of a whole batch be prefetched at once, so they
 * overlap instead of adding up. Rows are still applied in file order. */
enum { LEDGER_BATCH = 32, H_NAME = 0, H_TYPE, H_IDNUM, H_PHONE, H_COUNT };

typedef struct ledger_entry {
    const char *key;           /* the trimmed account_ref */
    const char *raw;           /* the record, for messages */
    size_t raw_len;
    uint64_t hash;
    int64_t fen;
    cl_field holder[H_COUNT];
    cl_field amount;
    uint32_t keylen;
    uint32_t line;
    uint8_t cat;
} ledger_entry;

/* The holder fields of an account: the first non-empty value of each, in
 * file order (flags, not the strings, say what is set: no pointer chasing
 * on the hot path). */
static int ledger_fill_holder(chunk_state *c, const ledger_entry *e, acct_acc *acc)
{
    cl_account *a = &acc->a;
    cl_field f;
    if (acc->filled == HOLDER_ALL)
        return 0;
    if (!(acc->filled & HOLDER_NAME) && (f = e->holder[H_NAME]).len) {
        if (!(a->name = store_norm(c, f, norm_name_fn)))
            return -1;
        if (a->name[0])
            acc->filled |= HOLDER_NAME;
    }
    if (!(acc->filled & HOLDER_TYPE) && (f = e->holder[H_TYPE]).len) {
        a->id_type = (uint8_t)cl_id_type_parse(f.p, f.len);
        if (a->id_type)
            acc->filled |= HOLDER_TYPE;
    }
    if (!(acc->filled & HOLDER_IDNUM) && (f = e->holder[H_IDNUM]).len) {
        if (!(acc->raw_idnum = store_norm(c, f, norm_text_fn)))
            return -1;
        if (acc->raw_idnum[0])
            acc->filled |= HOLDER_IDNUM;
    }
    if (!(acc->filled & HOLDER_PHONE) && (f = e->holder[H_PHONE]).len) {
        char *buf = cl_scratch_get(&c->tmp, f.len + 8);
        bool v;
        if (!buf || !(a->phone = store(c, buf, cl_norm_phone(f.p, f.len, buf, &v))))
            return -1;
        if (a->phone[0])
            acc->filled |= HOLDER_PHONE;
    }
    return 0;
}

/* The chunk's account for e's account_ref, created on first sight. */
static acct_acc *ledger_account(chunk_state *c, const ledger_entry *e)
{
    uint32_t found = acct_find(&c->index, c->rows, e->hash, e->key, e->keylen);
    if (found != CL_NONE)
        return (acct_acc *)c->rows + found;
    uint32_t idx = (uint32_t)c->nrows;
    const char *stored = store(c, e->key, e->keylen);
    acct_acc *acc;
    if (!stored || !(acc = push_row(c, sizeof *acc)))
        return NULL;
    acc->hash = e->hash;
    acc->reflen = e->keylen;
    if (e->keylen < sizeof acc->ref_inline)
        memcpy(acc->ref_inline, e->key, e->keylen);
    if (acct_insert(&c->index, c->rows, e->hash, idx) < 0)
        return NULL;
    acc->a.ref = stored;
    acc->a.name = acc->a.phone = acc->a.id_number = "";
    acc->raw_idnum = "";
    acc->a.first_line = e->line;
    acc->a.identity = CL_NONE;
    return acc;
}

static int ledger_apply(loader *l, chunk_state *c, const ledger_entry *e)
{
    acct_acc *acc = ledger_account(c, e);
    if (!acc)
        goto oom;
    if (!cl_money_add(acc->a.sum[e->cat], e->fen, &acc->a.sum[e->cat])) {
        cl_csv_row row = {.line = e->line, .raw = e->raw, .raw_len = e->raw_len};
        return ledger_bad(l, c, &row, L_AMOUNT, "account total out of range", e->amount);
    }
    acc->a.has_cat |= (uint8_t)(1u << e->cat);
    if (ledger_fill_holder(c, e, acc) < 0)
        goto oom;
    c->entries++;
    return 0;
oom:
    l->oom = CL_ERR_NOMEM;
    return -1;
}

/* Applies the batch in order, after prefetching its index slots and then
 * the records those slots name. */
static int ledger_flush(loader *l, chunk_state *c)
{
    const ledger_entry *e = c->batch;
    int n = c->nbatch;
    c->nbatch = 0;
    for (int i = 0; i < n; i++)
        __builtin_prefetch(&c->index.slots[e[i].hash & c->index.mask]);
    for (int i = 0; i < n; i++) {
        uint64_t s = c->index.slots[e[i].hash & c->index.mask];
        if (s && (uint32_t)(s >> 32) == (uint32_t)(e[i].hash >> 32)) {
            const char *r = (const char *)((acct_acc *)c->rows + ((uint32_t)s - 1));
            __builtin_prefetch(r);
            __builtin_prefetch(r + 64);
            __builtin_prefetch(r + 128);
        }
    }
    for (int i = 0; i < n; i++)
        if (ledger_apply(l, c, &e[i]) < 0)
            return -1;
    return 0;
}

static bool in_data(const loader *l, cl_field f)
{
    return f.len == 0 || (f.p >= l->file->data && f.p + f.len <= l->file->data + l->file->len);
}

static int ledger_row(void *ctx, int chunk, const cl_csv_row *row)
{
    loader *l = ctx;
    chunk_state *c = &l->chunks[chunk];
    if (row->error)
        return push_bad(l, c, row, -1, "", row->error) < 0 ? -1 : 0;
    cl_field ref = field_of(l, row, L_ACCOUNT);
    size_t rb, rn = trim_bounds(ref.p, ref.len, &rb);
    if (rn == 0)
        return ledger_bad(l, c, row, L_ACCOUNT, "empty account_ref", ref);
    cl_field f = field_of(l, row, L_CATEGORY);
    cl_category cat = cl_category_parse(f.p, f.len);
    if (!cat)
        return ledger_bad(l, c, row, L_CATEGORY, "unknown category", f);
    cl_field amount = field_of(l, row, L_AMOUNT);
    int64_t fen;
    if (cl_parse_amount(amount.p, amount.len, true, &fen) != CL_AMT_OK)
        return ledger_bad(l, c, row, L_AMOUNT, "not an amount", amount);
    f = field_of(l, row, L_BOOKED);
    if (!cl_parse_time(f.p, f.len, NULL))
        return ledger_bad(l, c, row, L_BOOKED, "not a time", f);

    if (!c->batch && !(c->batch = cl_malloc(LEDGER_BATCH * sizeof *c->batch))) {
        l->oom = CL_ERR_NOMEM;
        return -1;
    }
    ledger_entry *e = &c->batch[c->nbatch];
    e->key = ref.p + rb;
    e->keylen = (uint32_t)rn;
    e->hash = cl_hash_bytes(e->key, rn);
    e->fen = fen;
    e->cat = (uint8_t)cat;
    e->line = (uint32_t)row->line;
    e->raw = row->raw;
    e->raw_len = row->raw_len;
    e->amount = amount;
    e->holder[H_NAME] = field_of(l, row, L_NAME);
    e->holder[H_TYPE] = field_of(l, row, L_IDTYPE);
    e->holder[H_IDNUM] = field_of(l, row, L_IDNUM);
    e->holder[H_PHONE] = field_of(l, row, L_PHONE);
    /* a dequoted record lives in the parser's buffer until the next row:
     * apply it now, after the rows before it */
    bool stable = in_data(l, ref) && in_data(l, amount);
    for (int k = 0; k < H_COUNT; k++)
        stable = stable && in_data(l, e->holder[k]);
    c->nbatch++;
    if (c->nbatch == LEDGER_BATCH || !stable)
        return ledger_flush(l, c);
    return 0;
}

/* The rows still waiting when their chunk ended (the file stays mapped).
 * Fails only when out of memory. */
static int ledger_flush_all(loader *l)
{
    for (int i = 0; i < l->nchunks; i++)
        if (l->chunks[i].nbatch && ledger_flush(l, &l->chunks[i]) < 0)
            return -1;
    return 0;
}

static void merge_holder(cl_account *g, const char **g_raw, const acct_acc *a)
{
    if (!g->name[0] && (a->filled & HOLDER_NAME))
        g->name = a->a.name;
    if (!g->id_type)
        g->id_type = a->a.id_type;
    if (!(*g_raw)[0] && (a->filled & HOLDER_IDNUM))
        *g_raw = a->raw_idnum;
    if (!g->phone[0] && (a->filled & HOLDER_PHONE))
        g->phone = a->a.phone;
}

/* ---- merging the chunks' accounts --------------------------------------
 * Every account is owned by its first occurrence in file order. In parallel:
 * the chunks' records are grouped by account_ref (cl_group_first); owners
 * are numbered in file order and copied; the later records of an account
 * are folded into its owner in file order (threads split the owners, so no
 * two touch one); and the accounts are indexed by account_ref. */

typedef struct merge_state {
    uint64_t **first;   /* per chunk, per record: (chunk << 32 | row) of its owner */
    uint32_t **gidx;    /* per chunk, per owner record: its account number */
    int nchunks;
} merge_state;

static void merge_state_free(merge_state *m)
{
    for (int i = 0; i < m->nchunks; i++) {
        if (m->first) free(m->first[i]);
        if (m->gidx) free(m->gidx[i]);
    }
    free(m->first);
    free(m->gidx);
}

/* The chunks' account records as one list, in chunk order: an item is
 * (chunk, row), found from its index through the chunks' starts. */
typedef struct record_list {
    const loader *l;
    size_t *start;   /* per chunk, its first item; [nchunks] = the count */
} record_list;

static const acct_acc *record_at(const record_list *r, size_t item, int *chunk, size_t *row)
{
    int lo = 0, hi = r->l->nchunks - 1;
    while (lo < hi) {   /* the last chunk starting at or before item */
        int mid = (lo + hi + 1) / 2;
        if (r->start[mid] <= item)
            lo = mid;
        else
            hi = mid - 1;
    }
    *chunk = lo;
    *row = item - r->start[lo];
    return (const acct_acc *)r->l->chunks[lo].rows + *row;
}

static const char *record_key(const acct_acc *a)
{
    return a->reflen < sizeof a->ref_inline ? a->ref_inline : a->a.ref;
}

static bool same_account(const void *ctx, uint32_t x, uint32_t y)
{
    int cx, cy;
    size_t rx, ry;
    const acct_acc *a = record_at(ctx, x, &cx, &rx), *b = record_at(ctx, y, &cy, &ry);
    return a->reflen == b->reflen && memcmp(record_key(a), record_key(b), a->reflen) == 0;
}

/* Every record's owner: the first record of its account in file order,
 * which is the first in chunk order (a chunk lists its accounts in the
 * order it first met them). One parallel grouping (cl_group_first). */
static cl_err find_owners(loader *l, merge_state *m, int nthreads)
{
    size_t nch = l->nchunks > 0 ? (size_t)l->nchunks : 1;
    record_list r = {l, cl_malloc((nch + 1) * sizeof(size_t))};
    m->nchunks = l->nchunks;
    m->first = cl_calloc(nch, sizeof *m->first);
    m->gidx = cl_calloc(nch, sizeof *m->gidx);
    if (!r.start || !m->first || !m->gidx) {
        free(r.start);
        return CL_ERR_NOMEM;
    }
    size_t n = 0;
    for (int i = 0; i < l->nchunks; i++) {
        r.start[i] = n;
        n += l->chunks[i].nrows;
        size_t rows = l->chunks[i].nrows + 1;
        if (!(m->first[i] = cl_malloc(rows * sizeof **m->first)) ||
            !(m->gidx[i] = cl_malloc(rows * sizeof **m->gidx))) {
            free(r.start);
            return CL_ERR_NOMEM;
        }
    }
    r.start[l->nchunks] = n;
    uint64_t *h = cl_malloc((n + 1) * sizeof *h);
    uint32_t *first = cl_malloc((n + 1) * sizeof *first);
    cl_err err = h && first ? CL_OK : CL_ERR_NOMEM;
    if (!err) {
        for (int i = 0; i < l->nchunks; i++) {
            const acct_acc *rows = l->chunks[i].rows;
            #pragma omp parallel for schedule(static) num_threads(nthreads)
            for (size_t k = 0; k < l->chunks[i].nrows; k++)
                h[r.start[i] + k] = rows[k].hash;
        }
        err = cl_group_first(n, h, same_account, &r, nthreads, first);
    }
    if (!err) {
        #pragma omp parallel for schedule(static) num_threads(nthreads)
        for (size_t item = 0; item < n; item++) {
            int ci, co;
            size_t ri, ro;
            record_at(&r, item, &ci, &ri);
            record_at(&r, first[item], &co, &ro);
            m->first[ci][ri] = (uint64_t)co << 32 | ro;
        }
    }
    free(h);
    free(first);
    free(r.start);
    return err;
}

static bool is_owner(const merge_state *m, int i, size_t k)
{
    return m->first[i][k] == ((uint64_t)i << 32 | k);
}

/* Folds a later record of an account into its owner. false on overflow. */
static bool fold_into(cl_account *ga, const char **g_raw, const acct_acc *a)
{
    for (int cat = 0; cat < CL_CAT_COUNT; cat++)
        if (!cl_money_add(ga->sum[cat], a->a.sum[cat], &ga->sum[cat]))
            return false;
    ga->has_cat |= a->a.has_cat;
    merge_holder(ga, g_raw, a);
    return true;
}

static bool fold_later_records(cl_batch *b, loader *l, const merge_state *m, const char **raw)
{
    int overflow = 0;
    #pragma omp parallel num_threads(b->nthreads)
    {
        uint32_t t = (uint32_t)omp_get_thread_num(), nt = (uint32_t)omp_get_num_threads();
        for (int i = 1; i < l->nchunks; i++) {
            const acct_acc *rows = l->chunks[i].rows;
            for (size_t k = 0; k < l->chunks[i].nrows; k++) {
                uint64_t loc = m->first[i][k];
                if (loc == ((uint64_t)i << 32 | k))
                    continue;
                uint32_t g = m->gidx[loc >> 32][loc & 0xffffffffu];
                if (g % nt != t)
                    continue;
                if (!fold_into(&b->accounts[g], &raw[g], &rows[k])) {
                    #pragma omp atomic write
                    overflow = 1;
                }
            }
        }
    }
    return !overflow;
}

static cl_err index_accounts(cl_batch *b)
{
    size_t cap = 1024;
    while (cap < b->naccounts * 2)
        cap <<= 1;
    b->account_slots = cl_calloc(cap, sizeof *b->account_slots);
    if (!b->account_slots)
        return CL_ERR_NOMEM;
    b->account_mask = cap - 1;
    #pragma omp parallel for schedule(static) num_threads(b->nthreads)
    for (size_t g = 0; g < b->naccounts; g++) {
        uint64_t h = b->accounts[g].ref_hash;
        uint64_t v = (uint64_t)(uint32_t)(h >> 32) << 32 | (uint64_t)(g + 1);
        for (size_t i = h & b->account_mask;; i = (i + 1) & b->account_mask) {
            uint64_t empty = 0;
            if (__atomic_compare_exchange_n(&b->account_slots[i], &empty, v, false,
                                            __ATOMIC_RELAXED, __ATOMIC_RELAXED))
                break;
        }
    }
    return CL_OK;
}

void cl_account_prefetch(const cl_batch *b, const char *ref, size_t len, int level)
{
    if (!b->account_slots)
        return;
    const uint64_t *slot = &b->account_slots[cl_hash_bytes(ref, len) & b->account_mask];
    if (level == 0) {
        __builtin_prefetch(slot);
        return;
    }
    if (*slot)
        __builtin_prefetch(&b->accounts[(uint32_t)*slot - 1]);
}

uint32_t cl_account_find(const cl_batch *b, const char *ref, size_t len)
{
    if (!b->account_slots)
        return CL_NONE;
    uint64_t h = cl_hash_bytes(ref, len);
    uint32_t tag = (uint32_t)(h >> 32);
    for (size_t i = h & b->account_mask;; i = (i + 1) & b->account_mask) {
        uint64_t s = b->account_slots[i];
        if (!s)
            return CL_NONE;
        const cl_account *a = &b->accounts[(uint32_t)s - 1];
        if ((uint32_t)(s >> 32) == tag && a->ref_len == len && memcmp(a->ref, ref, len) == 0)
            return (uint32_t)s - 1;
    }
}

static cl_err merge_accounts(cl_batch *b, loader *l, const char ***raw_out)
{
    merge_state m = {0};
    const char **raw = NULL;
    cl_err err = find_owners(l, &m, b->nthreads);
    if (err)
        goto out;
    size_t n = 0;
    for (int i = 0; i < l->nchunks; i++)
        for (size_t k = 0; k < l->chunks[i].nrows; k++)
            m.gidx[i][k] = is_owner(&m, i, k) ? (uint32_t)n++ : CL_NONE;
    b->accounts = cl_calloc(n + 1, sizeof *b->accounts);
    raw = cl_calloc(n + 1, sizeof *raw);
    if (!b->accounts || !raw) {
        err = CL_ERR_NOMEM;
        goto out;
    }
    for (int i = 0; i < l->nchunks; i++) {
        const acct_acc *rows = l->chunks[i].rows;
        #pragma omp parallel for schedule(static) num_threads(b->nthreads)
        for (size_t k = 0; k < l->chunks[i].nrows; k++) {
            uint32_t g = m.gidx[i][k];
            if (g == CL_NONE)
                continue;
            b->accounts[g] = rows[k].a;
            b->accounts[g].ref_hash = rows[k].hash;
            b->accounts[g].ref_len = rows[k].reflen;
            raw[g] = rows[k].raw_idnum;
        }
    }
    b->naccounts = n;
    if (!fold_later_records(b, l, &m, raw))
        err = CL_ERR_OVERFLOW;
    else
        err = index_accounts(b);
out:
    merge_state_free(&m);
    if (err) {
        free(raw);
        raw = NULL;
    }
    *raw_out = raw;
    return err;
}

/* Normalizes each account's ID number with its ID type, in parallel (each
 * thread with an arena of its own); identities are resolved against the
 * claimants' later: cl_assign_identities. */
static cl_err account_identities(cl_batch *b, const char **raw)
{
    int nt = b->nthreads > 0 ? b->nthreads : 1;
    cl_arena **p = cl_realloc(b->chunk_arenas, (size_t)(b->nchunk_arenas + nt) * sizeof *p);
    if (!p)
        return CL_ERR_NOMEM;
    b->chunk_arenas = p;
    cl_arena **mine = p + b->nchunk_arenas;
    for (int t = 0; t < nt; t++)
        if (!(mine[t] = cl_arena_create(0)))
            return CL_ERR_NOMEM;
        else
            b->nchunk_arenas++;
    int failed = 0;
    #pragma omp parallel num_threads(nt)
    {
        cl_arena *arena = mine[omp_get_thread_num()];
        char buf[512];
        #pragma omp for schedule(static)
        for (size_t i = 0; i < b->naccounts; i++) {
            cl_account *a = &b->accounts[i];
            size_t len = strlen(raw[i]);
            if (len + 8 > sizeof buf)
                len = sizeof buf - 8;
            size_t n = cl_norm_id((cl_id_type)a->id_type, raw[i], len, buf);
            if (!(a->id_number = cl_arena_strndup(arena, buf, n))) {
                #pragma omp atomic write
                failed = 1;
                a->id_number = "";
            }
            a->identity = CL_NONE;
        }
    }
    return failed ? CL_ERR_NOMEM : CL_OK;
}

/* ---- identities ---------------------------------------------------------
 * One parallel grouping (cl_group_first) over the claimants, then the
 * accounts: identities are numbered in the order the claimants first name
 * them, and an account's holder is the claimant identity it equals. */

static void identity_of(const cl_batch *b, uint32_t item, uint8_t *type, const char **num)
{
    if (item < b->nsubs) {
        *type = b->subs[item].id_type;
        *num = b->subs[item].id_number;
    } else {
        *type = b->accounts[item - b->nsubs].id_type;
        *num = b->accounts[item - b->nsubs].id_number;
    }
}

static bool same_identity(const void *ctx, uint32_t x, uint32_t y)
{
    uint8_t tx, ty;
    const char *nx, *ny;
    identity_of(ctx, x, &tx, &nx);
    identity_of(ctx, y, &ty, &ny);
    return tx == ty && strcmp(nx, ny) == 0;
}

static uint64_t identity_hash(uint8_t type, const char *num)
{
    uint64_t h = cl_hash_bytes(num, strlen(num)) ^ ((uint64_t)type * 0x9E3779B97F4A7C15ull);
    return h ? h : 1;
}

static uint32_t new_identity(cl_batch *b, uint8_t type, const char *num)
{
    if (b->nids == b->ids_cap) {
        size_t cap = b->ids_cap ? b->ids_cap * 2 : 1024;
        cl_identity *p = cl_realloc(b->ids, cap * sizeof *p);
        if (!p)
            return CL_NONE;
        b->ids = p;
        b->ids_cap = cap;
    }
    b->ids[b->nids] = (cl_identity){.id_type = type, .id_number = num};
    return (uint32_t)b->nids++;
}

/* Employees listed from the books need identities of their own: one per
 * distinct holder, in account order. */
static cl_err intern_book_employees(cl_batch *b)
{
    cl_strmap *seen = cl_strmap_create(64);
    uint8_t *employee = cl_malloc(b->naccounts + 1);
    cl_err err = seen && employee ? CL_OK : CL_ERR_NOMEM;
    if (!err) {
        #pragma omp parallel for schedule(static) num_threads(b->nthreads)
        for (size_t i = 0; i < b->naccounts; i++)
            employee[i] = b->accounts[i].identity == CL_FOREIGN &&
                          (b->accounts[i].has_cat & (1u << CL_CAT_EMPLOYEE));
    }
    for (size_t i = 0; i < b->naccounts && !err; i++) {
        cl_account *a = &b->accounts[i];
        if (!employee[i])
            continue;
        size_t n = strlen(a->id_number);
        char *key = cl_arena_alloc(b->arena, n + 1);   /* "<type><number>" */
        uint32_t id = CL_NONE;
        if (!key) {
            err = CL_ERR_NOMEM;
            break;
        }
        key[0] = (char)('0' + a->id_type);
        memcpy(key + 1, a->id_number, n);
        if (!cl_strmap_get(seen, key, n + 1, &id) &&
            ((id = new_identity(b, a->id_type, a->id_number)) == CL_NONE ||
             cl_strmap_put(seen, key, n + 1, id, NULL) < 0))
            err = CL_ERR_NOMEM;
        a->identity = id;
    }
    cl_strmap_free(seen);
    free(employee);
    return err;
}

cl_err cl_assign_identities(cl_batch *b)
{
    size_t n = b->nsubs + b->naccounts;
    uint64_t *h = cl_malloc((n + 1) * sizeof *h);
    uint32_t *first = cl_malloc((n + 1) * sizeof *first);
    cl_err err = h && first ? CL_OK : CL_ERR_NOMEM;
    if (err)
        goto done;
    #pragma omp parallel for schedule(static) num_threads(b->nthreads)
    for (size_t i = 0; i < n; i++) {
        uint8_t type;
        const char *num;
        identity_of(b, (uint32_t)i, &type, &num);
        /* every claimant has an identity (even an empty one); an account
         * only when it names a holder */
        h[i] = i < b->nsubs || (type && num[0]) ? identity_hash(type, num) : 0;
    }
    if ((err = cl_group_first(n, h, same_identity, b, b->nthreads, first)))
        goto done;
    for (size_t i = 0; i < b->nsubs && !err; i++) {
        cl_sub *s = &b->subs[i];
        s->identity = first[i] == i ? new_identity(b, s->id_type, s->id_number)
                                    : b->subs[first[i]].identity;
        if (s->identity == CL_NONE)
            err = CL_ERR_NOMEM;
    }
    if (err)
        goto done;
    #pragma omp parallel for schedule(static) num_threads(b->nthreads)
    for (size_t k = 0; k < b->naccounts; k++) {
        uint32_t f = first[b->nsubs + k];
        b->accounts[k].identity = f == CL_GROUP_NONE ? CL_NONE
                                  : f < b->nsubs     ? b->subs[f].identity
                                                     : CL_FOREIGN;
    }
    err = intern_book_employees(b);
done:
    free(h);
    free(first);
    return err;
}

cl_err cl_load_ledger(cl_batch *b, const char *path, cl_encoding enc,
                      cl_input_facts *facts, cl_diag *d)
{
    cl_source src = cl_source_path(path);
    return cl_load_ledger_src(b, &src, enc, facts, d);
}

cl_err cl_load_ledger_src(cl_batch *b, const cl_source *src, cl_encoding enc,
                          cl_input_facts *facts, cl_diag *d)
{
    const char *path = cl_source_label(src);
    cl_csv_file *f = NULL;
    cl_csv_header h = {0};
    loader l = {0};
    const char **raw = NULL;
    cl_err err = open_input(src, enc, ledger_spec, L_NCOLS, &f, &h, d);
    if (err)
        goto done;
    if ((err = setup_loader(&l, f, &h, ledger_spec, b->nthreads, sizeof(acct_acc), &b->cfg)))
        goto fail;
    size_t expect = f->len / (size_t)l.nchunks / 512;   /* ~6 entries of ~80 bytes per account */
    for (int i = 0; i < l.nchunks; i++)
        if (acct_index_init(&l.chunks[i].index, expect > (1u << 16) ? expect : (1u << 16)) < 0) {
            err = CL_ERR_NOMEM;
            goto fail;
        }
    if ((err = parse_input(&l, ledger_row, b->nthreads, d)))
        goto done;
    if (ledger_flush_all(&l) < 0) {
        err = CL_ERR_NOMEM;
        goto fail;
    }
    if ((err = merge_accounts(b, &l, &raw)) || (err = account_identities(b, raw)))
        goto fail;
    uint64_t rows = 0;
    for (int i = 0; i < l.nchunks; i++)
        rows += l.chunks[i].entries;
    if ((err = finish_chunks(&l, b, CL_OK)) || (err = adopt_arenas(b, &l)))
        goto fail;
    b->ledger_rows = rows;
    fill_facts(facts, f, rows);
    goto done;
fail:
    if (err == CL_ERR_OVERFLOW)
        err = cl_diag_set(d, err, "%s: an account total is out of range", path);
    else
        err = cl_diag_set(d, CL_ERR_NOMEM, "out of memory reading %s", path);
done:
    free(raw);
    free_loader(&l);
    cl_csv_header_free(&h);
    cl_csv_file_free(f);
    return err;
}

/* -------------------------------------------------------------- overrides */

enum { O_ID, O_DECISION, O_AMOUNT, O_REVIEWER, O_AT, O_NOTE, O_NCOLS };

static const cl_csv_col override_spec[O_NCOLS] = {
    {"submission_id", "申报编号", 1}, {"decision", "决定", 1}, {"amount", "金额", 1},
    {"reviewer", "审核人", 1}, {"decided_at", "决定时间", 1}, {"note", "备注", 0},
};

/* A row no one has decided yet: decision and amount both empty. A filled-in
 * review queue (review_queue.csv, which carries the overrides' columns) is
 * read as overrides, and its undecided rows are skipped, not refused. A row
 * with an amount but no decision is kept (and refused, overrides_rejected.csv):
 * someone meant something there. */
static bool undecided(cl_field decision, cl_field amount)
{
    size_t b;
    return trim_bounds(decision.p, decision.len, &b) == 0 &&
           trim_bounds(amount.p, amount.len, &b) == 0;
}

static int override_row(void *ctx, int chunk, const cl_csv_row *row)
{
    loader *l = ctx;
    chunk_state *c = &l->chunks[chunk];
    if (row->error)
        return push_bad(l, c, row, -1, "", row->error) < 0 ? -1 : 0;
    if (undecided(field_of(l, row, O_DECISION), field_of(l, row, O_AMOUNT)))
        return 0;
    cl_override *o = push_row(c, sizeof *o);
    if (!o)
        goto oom;
    o->line = (uint32_t)row->line;
    o->submission_id = store_norm(c, field_of(l, row, O_ID), norm_text_fn);
    cl_field f = field_of(l, row, O_DECISION);
    o->decision = (uint8_t)cl_decision_parse(f.p, f.len);
    o->decision_raw = store_trim(c, f);
    f = field_of(l, row, O_AMOUNT);
    o->amount_ok = cl_parse_amount(f.p, f.len, false, &o->amount) == CL_AMT_OK;
    if (!o->amount_ok)
        o->amount = 0;
    o->reviewer = store_trim(c, field_of(l, row, O_REVIEWER));
    f = field_of(l, row, O_AT);
    if (!cl_parse_time(f.p, f.len, &o->decided_at))
        o->decided_at = CL_TIME_NONE;
    o->note = store_trim(c, field_of(l, row, O_NOTE));
    if (!o->submission_id || !o->decision_raw || !o->reviewer || !o->note)
        goto oom;
    return 0;
oom:
    l->oom = CL_ERR_NOMEM;
    return -1;
}

cl_err cl_load_overrides(cl_batch *b, const char *path, cl_encoding enc,
                         cl_input_facts *facts, cl_diag *d)
{
    cl_source src = cl_source_path(path);
    return cl_load_overrides_src(b, &src, enc, facts, d);
}

cl_err cl_load_overrides_src(cl_batch *b, const cl_source *src, cl_encoding enc,
                             cl_input_facts *facts, cl_diag *d)
{
    void *rows = NULL;
    cl_err err = load_records(b, src, enc, override_spec, O_NCOLS, override_row,
                              sizeof(cl_override), 1, &rows, &b->noverrides, facts, d);
    b->overrides = rows;
    return err;
}

/* ------------------------------------------------ specs for other readers */

const cl_csv_col *cl_input_spec(cl_input_kind kind, int *ncols)
{
    switch (kind) {
    case CL_IN_SUBMISSIONS: *ncols = S_NCOLS; return sub_spec;
    case CL_IN_LEDGER: *ncols = L_NCOLS; return ledger_spec;
    case CL_IN_OVERRIDES: *ncols = O_NCOLS; return override_spec;
    case CL_IN_BALLOTS: return cl_ballot_spec(ncols);
    default: *ncols = 0; return NULL;
    }
}

const char *cl_input_kind_name(cl_input_kind kind)
{
    static const char *const names[CL_IN_NKINDS] = {"submissions", "ledger", "overrides", "ballots"};
    return (unsigned)kind < CL_IN_NKINDS ? names[kind] : NULL;
}
