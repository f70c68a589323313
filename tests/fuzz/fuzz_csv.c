/* fuzz_csv.c - libFuzzer target for ingest/cl_csv: load (encoding
 * detection, BOM, GB18030 conversion), bind and parse arbitrary bytes, and
 * check that a parse split into 2..8 chunks on record boundaries yields the
 * same rows (fields, line numbers, row errors) and the same first error as a
 * single-chunk parse. A first byte 0x01/0x02 forces UTF-8/GB18030. The
 * bytes are a memory source (borrowed, not copied), so AddressSanitizer sees
 * any read past the input's end. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/cl_csv.h"

typedef struct out { char *p; size_t len, cap; } out;

static void put(out *o, const void *s, size_t n)
{
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 1024;
        while (cap < o->len + n) cap *= 2;
        o->p = realloc(o->p, cap);
        if (!o->p) abort();
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

static int on_row(void *ctx, int chunk, const cl_csv_row *row)
{
    out *o = ctx;
    char head[96];
    int n = snprintf(head, sizeof head, "%llu|%d|%s", (unsigned long long)row->line, row->nfields,
                     row->error ? row->error : "-");
    put(o, head, (size_t)n);
    for (int i = 0; i < row->nfields; i++) {
        put(o, "\x1f", 1);
        put(o, row->fields[i].p, row->fields[i].len);
    }
    if (row->raw_len) (void)(volatile char)row->raw[row->raw_len - 1];
    put(o, "\x1e", 1);
    return 0;
}

/* Parses chunks in order up to and including the first failing one. */
static cl_err parse_chunks(const cl_csv_file *f, const cl_csv_header *h, const cl_csv_chunk *ch,
                           int n, out *o, cl_diag *d)
{
    for (int i = 0; i < n; i++) {
        if (i > 0 && (ch[i].begin != ch[i - 1].end || f->data[ch[i].begin - 1] != '\n')) abort();
        cl_err err = cl_csv_parse_chunk(f, h, &ch[i], i, on_row, o, d);
        if (err != CL_OK) return err;
    }
    return CL_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const cl_csv_col spec[] = {{"a", "甲", 0}, {"b", NULL, 0}, {"ID", "编号", 0}};
    cl_encoding enc = CL_ENC_AUTO;
    if (size > 0 && (data[0] == 1 || data[0] == 2)) {
        enc = data[0] == 1 ? CL_ENC_UTF8 : CL_ENC_GB18030;
        data++;
        size--;
    }
    cl_source src = cl_source_memory("fuzz input", data, size);

    cl_csv_file *f = NULL;
    cl_csv_header h;
    cl_diag d1, d2;
    out o1 = {0}, o2 = {0};
    cl_csv_chunk ch[8];
    if (cl_csv_load_source(&src, enc, &f, &d1) != CL_OK) goto done;
    if (f->raw_bytes != size) abort();
    if (cl_csv_bind(f, spec, 3, &h, &d1) != CL_OK) goto done;
    if (h.body_offset > f->len) abort();

    if (cl_csv_split_ex(f, &h, 1, 0, ch) != (h.body_offset < f->len ? 1 : 0)) abort();
    cl_err e1 = parse_chunks(f, &h, ch, h.body_offset < f->len ? 1 : 0, &o1, &d1);

    int want = 2 + (int)(size % 7);
    int n = cl_csv_split_ex(f, &h, want, 0, ch);
    if (n < 0 || n > want || (n == 0) != (h.body_offset == f->len)) abort();
    cl_err e2 = parse_chunks(f, &h, ch, n, &o2, &d2);
    if (e1 != e2) abort();
    if (e1 != CL_OK && strcmp(d1.msg, d2.msg) != 0) abort();
    if (o1.len != o2.len || (o1.len && memcmp(o1.p, o2.p, o1.len) != 0)) abort();

    /* parse_all agrees too (one chunk for an input this small) */
    out o3 = {0};
    cl_err e3 = cl_csv_parse_all(f, &h, 2, on_row, &o3, NULL, &d2);
    if (e3 != e1 || o3.len != o1.len || (o1.len && memcmp(o1.p, o3.p, o1.len) != 0)) abort();
    free(o3.p);
    cl_csv_header_free(&h);
done:
    free(o1.p);
    free(o2.p);
    cl_csv_file_free(f);
    return 0;
}
