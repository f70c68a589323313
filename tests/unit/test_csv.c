/* test_csv.c - unit tests of ingest/cl_csv: encodings (UTF-8, BOM, GB18030
 * detected and forced), line endings, RFC 4180 quoting, blank lines, header
 * binding (aliases, case, extra and missing columns), row errors, fatal
 * errors with their positions, chunked parsing equal to a single-chunk
 * parse, and the SHA-256 of the raw bytes. Fixtures go to a mkdtemp dir. */
#include <iconv.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/cl_csv.h"
#include "ingest/cl_norm.h"
#include "ingest/cl_utf8.h"
#include "tests/cl_test.h"

static char g_dir[] = "/tmp/cl_test_csv_XXXXXX";

/* ---- helpers ---------------------------------------------------------------- */

static const char *fixture(const char *name, const char *bytes, size_t len)
{
    static char path[8][512];
    static int slot;
    char *p = path[slot++ % 8];
    snprintf(p, 512, "%s/%s", g_dir, name);
    FILE *fp = fopen(p, "wb");
    if (!fp) { perror(p); exit(2); }
    if (len && fwrite(bytes, 1, len, fp) != len) { perror(p); exit(2); }
    fclose(fp);
    return p;
}

static const char *fixture_str(const char *name, const char *text)
{
    return fixture(name, text, strlen(text));
}

/* A growable text buffer. */
typedef struct sbuf { char *p; size_t len, cap; } sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p) exit(2);
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_addf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_addf(sbuf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    sb_add(b, tmp, (size_t)n);
}

/* Rows rendered as "line|error|f1|f2|...\n" per chunk. */
typedef struct collect {
    sbuf chunk[1024];  /* one per chunk: each is written by one thread only */
    int stop_at;       /* stop after this many rows (0: never) */
    _Atomic int seen;  /* rows seen on all threads (atomic: TSan) */
} collect;

static int on_row(void *ctx, int chunk, const cl_csv_row *row)
{
    collect *c = ctx;
    sbuf *b = &c->chunk[chunk];
    sb_addf(b, "%llu|%s", (unsigned long long)row->line, row->error ? row->error : "-");
    for (int i = 0; i < row->nfields; i++) {
        sb_add(b, "|", 1);
        sb_add(b, row->fields[i].p, row->fields[i].len);
    }
    sb_add(b, "\n", 1);
    int seen = ++c->seen;
    return c->stop_at && seen >= c->stop_at ? 7 : 0;
}

static collect *collect_new(void) { return calloc(1, sizeof(collect)); }

static char *collect_join(collect *c)
{
    sbuf all = {0};
    sb_add(&all, "", 0);
    for (int i = 0; i < 1024; i++)
        if (c->chunk[i].p) sb_add(&all, c->chunk[i].p, c->chunk[i].len);
    return all.p;
}

static void collect_free(collect *c)
{
    if (!c) return;
    for (int i = 0; i < 1024; i++) free(c->chunk[i].p);
    free(c);
}

/* Loads a source, binds and parses (all threads); returns the rows rendered. */
static char *parse_source(const cl_source *src, cl_encoding enc, const cl_csv_col *spec,
                          int nspec, cl_csv_header *h, cl_err *err, cl_diag *d)
{
    cl_csv_file *f = NULL;
    collect *c = collect_new();
    char *out = NULL;
    cl_csv_header hh;
    if (!h) h = &hh;
    memset(h, 0, sizeof *h);
    *err = cl_csv_load_source(src, enc, &f, d);
    if (*err == CL_OK) *err = cl_csv_bind(f, spec, nspec, h, d);
    if (*err == CL_OK) *err = cl_csv_parse_all(f, h, 0, on_row, c, NULL, d);
    if (*err == CL_OK) out = collect_join(c);
    if (h == &hh) cl_csv_header_free(h);
    collect_free(c);
    cl_csv_file_free(f);
    return out;
}

static char *parse_text(const char *path, cl_encoding enc, const cl_csv_col *spec, int nspec,
                        cl_csv_header *h, cl_err *err, cl_diag *d)
{
    cl_source src = cl_source_path(path);
    return parse_source(&src, enc, spec, nspec, h, err, d);
}

static const cl_csv_col abc[] = {{"a", NULL, 1}, {"b", NULL, 1}, {"c", NULL, 1}};

/* A stream handing out a buffer `step` bytes at a time (a COPY stream). */
typedef struct chunked {
    const char *p;
    size_t len, off, step;
} chunked;

static ssize_t chunked_read(void *user, void *buf, size_t cap)
{
    chunked *c = user;
    size_t n = c->len - c->off;
    if (n > c->step) n = c->step;
    if (n > cap) n = cap;
    memcpy(buf, c->p + c->off, n);
    c->off += n;
    return (ssize_t)n;
}

/* The message with its leading label cut off ("" if it does not start so). */
static const char *after_label(const char *msg, const char *label)
{
    size_t n = strlen(label);
    return strncmp(msg, label, n) == 0 ? msg + n : "";
}

/* ---- tests ------------------------------------------------------------------- */

static void test_line_endings(void)
{
    cl_diag d;
    cl_err err;
    const char *lf = fixture_str("lf.csv", "a,b,c\n1,2,3\n4,,6\n");
    char *s = parse_text(lf, CL_ENC_AUTO, abc, 3, NULL, &err, &d);
    CHECK_EQ_INT(err, CL_OK);
    CHECK_EQ_STR(s, "2|-|1|2|3\n3|-|4||6\n");
    free(s);

    const char *crlf = fixture_str("crlf.csv", "a,b,c\r\n1,2,3\r\n4,,6\r\n");
    s = parse_text(crlf, CL_ENC_AUTO, abc, 3, NULL, &err, &d);
    CHECK_EQ_INT(err, CL_OK);
    CHECK_EQ_STR(s, "2|-|1|2|3\n3|-|4||6\n");
    free(s);

    const char *noeol = fixture_str("noeol.csv", "a,b,c\r\n1,2,3\r\n4,5,\"6\"");
    s = parse_text(noeol, CL_ENC_AUTO, abc, 3, NULL, &err, &d);
    CHECK_EQ_INT(err, CL_OK);
    CHECK_EQ_STR(s, "2|-|1|2|3\n3|-|4|5|6\n");
    free(s);

    const char *noeol2 = fixture_str("noeol2.csv", "a,b,c\n1,2,3");
    s = parse_text(noeol2, CL_ENC_AUTO, abc, 3, NULL, &err, &d);
    CHECK_EQ_STR(s, "2|-|1|2|3\n");
    free(s);

    /* blank lines (empty or CR only) are skipped; line numbers keep counting */
    const char *blank = fixture_str("blank.csv", "\na,b,c\n\n1,2,3\r\n\r\n \n4,5,6\n\n");
    s = parse_text(blank, CL_ENC_AUTO, abc, 3, NULL, &err, &d);
    CHECK_EQ_INT(err, CL_OK);
    CHECK_EQ_STR(s, "4|-|1|2|3\n6|expected 3 fields, found 1| \n7|-|4|5|6\n");
    free(s);
}

static void test_bom_and_raw(void)
{
    cl_diag d;
    cl_csv_file *f = NULL;
    cl_csv_header h;
    const char *p = fixture_str("bom.csv", "\xEF\xBB\xBF" "a,b,c\r\n1,\"x\"\"y\",3\r\n");
    CHECK_EQ_INT(cl_csv_load(p, CL_ENC_AUTO, &f, &d), CL_OK);
    if (!f) return;
    CHECK_EQ_INT(f->encoding, CL_ENC_UTF8);
    CHECK_EQ_INT(f->raw_bytes, 3 + 7 + 12);
    CHECK(f->len == f->raw_bytes - 3 && f->data[0] == 'a');
    CHECK_EQ_INT(cl_csv_bind(f, abc, 3, &h, &d), CL_OK);
    CHECK_EQ_INT(h.index[0], 0);
    CHECK_EQ_INT(h.body_line, 2);
    CHECK_EQ_INT(h.body_offset, 7);
    int n = cl_csv_plan(f, &h, 4);
    CHECK_EQ_INT(n, 1);
    cl_csv_chunk ch[4];
    CHECK_EQ_INT(cl_csv_split(f, &h, 4, ch), 1);
    CHECK(ch[0].begin == 7 && ch[0].end == f->len && ch[0].first_line == 2);
    cl_csv_header_free(&h);
    cl_csv_header_free(&h);   /* tolerant */
    cl_csv_file_free(f);
    cl_csv_file_free(NULL);

    /* a header without body: no chunks, no rows */
    p = fixture_str("hdronly.csv", "a,b,c\r\n\r\n");
    CHECK_EQ_INT(cl_csv_load(p, CL_ENC_AUTO, &f, &d), CL_OK);
    CHECK_EQ_INT(cl_csv_bind(f, abc, 3, &h, &d), CL_OK);
    CHECK_EQ_INT(cl_csv_split(f, &h, 4, ch), 1);   /* the blank line is body */
    collect *c = collect_new();
    int nch = -1;
    CHECK_EQ_INT(cl_csv_parse_all(f, &h, 2, on_row, c, &nch, &d), CL_OK);
    CHECK_EQ_INT(nch, 1);
    CHECK_EQ_INT(c->seen, 0);
    cl_csv_header_free(&h);
    cl_csv_file_free(f);
    p = fixture_str("hdronly2.csv", "a,b,c");
    CHECK_EQ_INT(cl_csv_load(p, CL_ENC_AUTO, &f, &d), CL_OK);
    CHECK_EQ_INT(cl_csv_bind(f, abc, 3, &h, &d), CL_OK);
    CHECK_EQ_INT(cl_csv_plan(f, &h, 2), 0);
    CHECK_EQ_INT(cl_csv_parse_all(f, &h, 2, on_row, c, &nch, &d), CL_OK);
    CHECK_EQ_INT(nch, 0);
    CHECK_EQ_INT(c->seen, 0);
    collect_free(c);
    cl_csv_header_free(&h);
    cl_csv_file_free(f);
}

typedef struct raw_check { char raw[64]; uint64_t line; int rows; } raw_check;

static int on_raw(void *ctx, int chunk, const cl_csv_row *row)
{
    raw_check *r = ctx;
    if (r->rows++ == 1) {
        snprintf(r->raw, sizeof r->raw, "%.*s", (int)row->raw_len, row->raw);
        r->line = row->line;
    }
    return 0;
}

static void test_quoting(void)
{
    cl_diag d;
    cl_err err;
    const cl_csv_col spec[] = {{"id", NULL, 1}, {"note", NULL, 1}, {"amt", NULL, 1}};
    const char *text = "id,note,amt\r\n"
                       "1,\"x, y\",3\r\n"
                       "2,\"say \"\"hi\"\"\",4\r\n"
                       "3,\"multi\nline\r\nnote\",5\r\n"
                       "4,z,\"\"\r\n"
                       "\"5\",\" lead\",\"\"\"\"\n";
    const char *p = fixture_str("quoted.csv", text);
    char *s = parse_text(p, CL_ENC_AUTO, spec, 3, NULL, &err, &d);
    CHECK_EQ_INT(err, CL_OK);
    CHECK_EQ_STR(s, "2|-|1|x, y|3\n"
                    "3|-|2|say \"hi\"|4\n"
                    "4|-|3|multi\nline\r\nnote|5\n"
                    "7|-|4|z|\n"
                    "8|-|5| lead|\"\n");
    free(s);

    /* raw spans the record without its line end */
    cl_csv_file *f = NULL;
    cl_csv_header h;
    raw_check rc = {{0}, 0, 0};
    CHECK_EQ_INT(cl_csv_load(p, CL_ENC_AUTO, &f, &d), CL_OK);
    CHECK_EQ_INT(cl_csv_bind(f, spec, 3, &h, &d), CL_OK);
    CHECK_EQ_INT(cl_csv_parse_all(f, &h, 1, on_raw, &rc, NULL, &d), CL_OK);
    CHECK_EQ_STR(rc.raw, "2,\"say \"\"hi\"\"\",4");
    CHECK_EQ_INT(rc.line, 3);
    CHECK_EQ_INT(rc.rows, 5);
    cl_csv_header_free(&h);
    cl_csv_file_free(f);
}

static const cl_csv_col sub_spec[] = {
    {"submission_id", "申报编号", 1}, {"name", "债权人名称", 1}, {"principal", "本金", 1},
    {"phone", "手机号码", 1}, {"note", "备注", 0}, {"interest", "利息", 0},
};

static void test_header_binding(void)
{
    cl_diag d;
    cl_csv_file *f = NULL;
    cl_csv_header h;
    /* Chinese aliases, upper-case English, U+3000 and spaces trimmed, quoted
     * header, an unknown extra column, a duplicate (first wins) */
    const char *p = fixture_str("alias.csv",
                                "\"申报编号\",extra,NAME ,\xE3\x80\x80本金\xE3\x80\x80,Phone,手机号码,备注\n"
                                "SB1,x,张三,299.00,138,139,n\n");
    CHECK_EQ_INT(cl_csv_load(p, CL_ENC_AUTO, &f, &d), CL_OK);
    if (!f) return;
    CHECK_EQ_INT(cl_csv_bind(f, sub_spec, 6, &h, &d), CL_OK);
    CHECK_EQ_INT(h.ncols, 7);
    CHECK_EQ_INT(h.index[0], 0);
    CHECK_EQ_INT(h.index[1], 2);
    CHECK_EQ_INT(h.index[2], 3);
    CHECK_EQ_INT(h.index[3], 4);
    CHECK_EQ_INT(h.index[4], 6);
    CHECK_EQ_INT(h.index[5], -1);   /* optional, absent */
    cl_csv_header_free(&h);
    cl_csv_file_free(f);

    /* one missing required column: exact message */
    p = fixture_str("miss1.csv", "submission_id,name,phone\nSB1,x,1\n");
    CHECK_EQ_INT(cl_csv_load(p, CL_ENC_AUTO, &f, &d), CL_OK);
    CHECK_EQ_INT(cl_csv_bind(f, sub_spec, 6, &h, &d), CL_ERR_COLUMN);
    char want[600];
    snprintf(want, sizeof want, "%s: missing required column 'principal' (本金)", p);
    CHECK_EQ_STR(d.msg, want);
    CHECK(h.index == NULL);
    cl_csv_file_free(f);

    /* several: all named in one message */
    p = fixture_str("miss2.csv", "submission_id,name,note\nSB1,x,y\n");
    CHECK_EQ_INT(cl_csv_load(p, CL_ENC_AUTO, &f, &d), CL_OK);
    CHECK_EQ_INT(cl_csv_bind(f, sub_spec, 6, &h, &d), CL_ERR_COLUMN);
    snprintf(want, sizeof want, "%s: missing required columns 'principal' (本金), 'phone' (手机号码)", p);
    CHECK_EQ_STR(d.msg, want);
    cl_csv_file_free(f);
}

static void test_row_errors(void)
{
    cl_diag d;
    cl_err err;
    char want[600];
    const char *p = fixture_str("count.csv", "a,b,c\n1,2,3\n4,5\n6,7,8,9\n");
    char *s = parse_text(p, CL_ENC_AUTO, abc, 3, NULL, &err, &d);
    CHECK_EQ_INT(err, CL_OK);
    CHECK_EQ_STR(s, "2|-|1|2|3\n3|expected 3 fields, found 2|4|5\n"
                    "4|expected 3 fields, found 4|6|7|8|9\n");
    free(s);

    p = fixture_str("unterm.csv", "a,b,c\n1,2,3\n4,\"ok\nstill\",6\n7,\"open\n8,9\n");
    s = parse_text(p, CL_ENC_AUTO, abc, 3, NULL, &err, &d);
    CHECK(s == NULL);
    CHECK_EQ_INT(err, CL_ERR_CSV);
    snprintf(want, sizeof want, "%s:5: unterminated quoted field (opened on this line; still open where the "
             "parser gave up, at the end of the input on line 6)", p);
    CHECK_EQ_STR(d.msg, want);

    p = fixture_str("stray.csv", "a,b,c\n1,2,3\n4,x\"y,6\n");
    s = parse_text(p, CL_ENC_AUTO, abc, 3, NULL, &err, &d);
    CHECK_EQ_INT(err, CL_ERR_CSV);
    snprintf(want, sizeof want, "%s:3:2: field 2 (b): quote inside an unquoted field", p);
    CHECK_MSG(strncmp(d.msg, want, strlen(want)) == 0, "%s", d.msg);

    p = fixture_str("after.csv", "a,b,c\n1,2,3\n4,5,\"x\"y\n");
    s = parse_text(p, CL_ENC_AUTO, abc, 3, NULL, &err, &d);
    CHECK_EQ_INT(err, CL_ERR_CSV);
    snprintf(want, sizeof want, "%s:3:3: field 3 (c): text after the closing quote", p);
    CHECK_MSG(strncmp(d.msg, want, strlen(want)) == 0, "%s", d.msg);

    /* the row callback stops the parse */
    cl_csv_file *f = NULL;
    cl_csv_header h;
    collect *c = collect_new();
    c->stop_at = 2;
    p = fixture_str("stop.csv", "a,b,c\n1,2,3\n4,5,6\n7,8,9\n");
    CHECK_EQ_INT(cl_csv_load(p, CL_ENC_AUTO, &f, &d), CL_OK);
    CHECK_EQ_INT(cl_csv_bind(f, abc, 3, &h, &d), CL_OK);
    CHECK_EQ_INT(cl_csv_parse_all(f, &h, 2, on_row, c, NULL, &d), CL_ERR_INPUT);
    CHECK_EQ_INT(c->seen, 2);
    snprintf(want, sizeof want, "%s:3: parsing stopped by the row handler (code 7)", p);
    CHECK_EQ_STR(d.msg, want);
    collect_free(c);
    cl_csv_header_free(&h);
    cl_csv_file_free(f);
}

static void test_load_errors(void)
{
    cl_diag d;
    cl_csv_file *f = NULL;
    char want[600];
    const char *p = fixture("empty.csv", "", 0);
    CHECK_EQ_INT(cl_csv_load(p, CL_ENC_AUTO, &f, &d), CL_ERR_CSV);
    snprintf(want, sizeof want, "%s: empty file (no header row)", p);
    CHECK_EQ_STR(d.msg, want);
    CHECK(f == NULL);

    p = fixture_str("blanks.csv", "\r\n\n");
    CHECK_EQ_INT(cl_csv_load(p, CL_ENC_AUTO, &f, &d), CL_OK);
    cl_csv_header h;
    CHECK_EQ_INT(cl_csv_bind(f, abc, 3, &h, &d), CL_ERR_CSV);
    snprintf(want, sizeof want, "%s: empty file (no header row)", p);
    CHECK_EQ_STR(d.msg, want);
    cl_csv_file_free(f);
    f = NULL;

    snprintf(want, sizeof want, "%s/does-not-exist.csv", g_dir);
    /* a missing file or a directory is bad input naming it, not an I/O failure */
    CHECK_EQ_INT(cl_csv_load(want, CL_ENC_AUTO, &f, &d), CL_ERR_INPUT);
    CHECK(strstr(d.msg, "does-not-exist.csv: cannot open: No such file or directory") != NULL);

    CHECK_EQ_INT(cl_csv_load(g_dir, CL_ENC_AUTO, &f, &d), CL_ERR_INPUT);
    CHECK(strstr(d.msg, "not a regular file (a directory)") != NULL);

    CHECK_EQ_INT(cl_encoding_parse("UTF-8"), CL_ENC_UTF8);
    CHECK_EQ_INT(cl_encoding_parse("utf8"), CL_ENC_UTF8);
    CHECK_EQ_INT(cl_encoding_parse("GBK"), CL_ENC_GB18030);
    CHECK_EQ_INT(cl_encoding_parse("gb18030"), CL_ENC_GB18030);
    CHECK_EQ_INT(cl_encoding_parse("Auto"), CL_ENC_AUTO);
    CHECK_EQ_INT(cl_encoding_parse("latin1"), -1);
    CHECK_EQ_STR(cl_encoding_name(CL_ENC_GB18030), "gb18030");
    CHECK_EQ_STR(cl_encoding_name(CL_ENC_UTF8), "utf-8");
}

/* UTF-8 text to GB18030 bytes with iconv; returns the length. */
static size_t to_gb18030(const char *utf8, char *out, size_t cap)
{
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    char *in = (char *)utf8, *o = out;
    size_t inleft = strlen(utf8), oleft = cap;
    if (cd == (iconv_t)-1 || iconv(cd, &in, &inleft, &o, &oleft) == (size_t)-1) exit(2);
    iconv_close(cd);
    return cap - oleft;
}

static void test_gb18030(void)
{
    cl_diag d;
    cl_err err;
    char gb[256], want[600];
    const cl_csv_col spec[] = {{"name", "名称", 1}, {"category", "债权类别", 1}, {"amount", "金额", 1}};
    const char *utf8 = "名称,债权类别,amount\r\n张三,押金,￥299.00\r\n李四,\"余额,退款\",\"-1.00\"\r\n";
    size_t n = to_gb18030(utf8, gb, sizeof gb);
    CHECK(n > 0 && n != strlen(utf8));
    const char *p = fixture("gb.csv", gb, n);

    cl_csv_file *f = NULL;
    CHECK_EQ_INT(cl_csv_load(p, CL_ENC_AUTO, &f, &d), CL_OK);
    if (f) {
        CHECK_EQ_INT(f->encoding, CL_ENC_GB18030);
        CHECK_EQ_INT(f->raw_bytes, n);
        CHECK_EQ_INT(f->len, strlen(utf8));
        CHECK(memcmp(f->data, utf8, f->len) == 0);
        cl_csv_file_free(f);
    }
    char *s = parse_text(p, CL_ENC_AUTO, spec, 3, NULL, &err, &d);
    CHECK_EQ_INT(err, CL_OK);
    CHECK_EQ_STR(s, "2|-|张三|押金|￥299.00\n3|-|李四|余额,退款|-1.00\n");
    free(s);
    s = parse_text(p, CL_ENC_GB18030, spec, 3, NULL, &err, &d);
    CHECK_EQ_STR(s, "2|-|张三|押金|￥299.00\n3|-|李四|余额,退款|-1.00\n");
    free(s);

    /* forced UTF-8 on GB18030 bytes: the first bad byte is at line 1 (名) */
    CHECK_EQ_INT(cl_csv_load(p, CL_ENC_UTF8, &f, &d), CL_ERR_ENCODING);
    snprintf(want, sizeof want, "%s:1:1: invalid UTF-8 (try --encoding gb18030)", p);
    CHECK_EQ_STR(d.msg, want);
    /* ... and on line 2 column 3 when the header is ASCII */
    n = to_gb18030("name,category,amount\nab张三,押金,1\n", gb, sizeof gb);
    p = fixture("gb2.csv", gb, n);
    CHECK_EQ_INT(cl_csv_load(p, CL_ENC_UTF8, &f, &d), CL_ERR_ENCODING);
    snprintf(want, sizeof want, "%s:2:3: invalid UTF-8 (try --encoding gb18030)", p);
    CHECK_EQ_STR(d.msg, want);

    /* neither UTF-8 nor GB18030: named with its line */
    p = fixture_str("bad.csv", "a,b,c\n1,2,3\nx,\x81\x20,y\n");
    CHECK_EQ_INT(cl_csv_load(p, CL_ENC_AUTO, &f, &d), CL_ERR_ENCODING);
    snprintf(want, sizeof want, "%s:3:3: invalid GB18030 byte 0x81", p);
    CHECK_MSG(strncmp(d.msg, want, strlen(want)) == 0, "%s", d.msg);

    /* a UTF-8 file with 4-byte and 3-byte characters stays UTF-8 */
    p = fixture_str("utf8.csv", "a,b,c\n😀,张,\xC3\xA9\n");
    s = parse_text(p, CL_ENC_UTF8, abc, 3, NULL, &err, &d);
    CHECK_EQ_STR(s, "2|-|😀|张|\xC3\xA9\n");
    free(s);
    /* an overlong encoding and a surrogate are not UTF-8 */
    p = fixture_str("overlong.csv", "a,b,c\n\xC0\xAF,\xED\xA0\x80,x\n");
    CHECK_EQ_INT(cl_csv_load(p, CL_ENC_UTF8, &f, &d), CL_ERR_ENCODING);
    snprintf(want, sizeof want, "%s:2:1: invalid UTF-8 (try --encoding gb18030)", p);
    CHECK_EQ_STR(d.msg, want);
}

/* A multi-MiB ledger-like file with quoted fields, quoted newlines, CRLF,
 * blank lines and a few short rows. */
static const char *big_fixture(size_t target, int bom)
{
    sbuf b = {0};
    unsigned x = 12345;
    if (bom) sb_add(&b, "\xEF\xBB\xBF", 3);
    const char *hdr = "entry_id,account_ref,category,amount,booked_at,name,id_type,id_number,phone\r\n";
    sb_add(&b, hdr, strlen(hdr));
    for (long i = 0; b.len < target; i++) {
        x = x * 1103515245u + 12345u;
        unsigned r = (x >> 16) % 100;
        if (r == 0) { sb_add(&b, "\r\n", 2); continue; }
        if (r == 1) { sb_addf(&b, "LE%09ld,short\n", i); continue; }
        sb_addf(&b, "LE%09ld,XM%08u,balance,%s%u.%02u,2017-11-30 18:38:05,", i, x % 100000000u,
                r < 50 ? "-" : "", x % 1000, r);
        if (r < 10) sb_addf(&b, "\"Zhang, \"\"Tian\"\"\nline %u\r\nend\",", r);
        else if (r < 30) sb_add(&b, "\"张添嘉\",", strlen("\"张添嘉\","));
        else sb_add(&b, "张添嘉,", strlen("张添嘉,"));
        sb_addf(&b, "PRC_ID,4413021989%08u,186%08u%s", x % 100000000u, r, r & 1 ? "\r\n" : "\n");
    }
    const char *p = fixture(bom ? "big_bom.csv" : "big.csv", b.p, b.len);
    free(b.p);
    return p;
}

static char *parse_chunks(const cl_csv_file *f, const cl_csv_header *h, const cl_csv_chunk *ch,
                          int n)
{
    collect *c = collect_new();
    cl_diag d;
    int ok = 1;
    for (int i = 0; i < n && ok; i++) {
        ok = cl_csv_parse_chunk(f, h, &ch[i], i, on_row, c, &d) == CL_OK;
        CHECK_MSG(ok, "chunk %d: %s", i, d.msg);
    }
    char *s = ok ? collect_join(c) : NULL;
    collect_free(c);
    return s;
}

static void test_chunking(void)
{
    cl_diag d;
    cl_csv_file *f = NULL;
    cl_csv_header h;
    const cl_csv_col spec[] = {{"entry_id", "流水号", 1}, {"amount", "金额", 1}};
    const char *p = big_fixture((size_t)6 << 20, 0);
    CHECK_EQ_INT(cl_csv_load(p, CL_ENC_AUTO, &f, &d), CL_OK);
    if (!f) return;
    CHECK_EQ_INT(cl_csv_bind(f, spec, 2, &h, &d), CL_OK);
    cl_csv_chunk one, ch[16];
    CHECK_EQ_INT(cl_csv_split(f, &h, 1, &one), 1);
    char *ref = parse_chunks(f, &h, &one, 1);
    CHECK(ref != NULL && strlen(ref) > ((size_t)4 << 20));
    CHECK(ref && strstr(ref, "expected 9 fields, found 2") != NULL);
    static const int counts[] = {2, 3, 7, 16};
    for (int k = 0; k < 4; k++) {
        int n = cl_csv_split(f, &h, counts[k], ch);
        CHECK_EQ_INT(n, counts[k]);
        for (int i = 1; i < n; i++) CHECK(ch[i].begin == ch[i - 1].end && f->data[ch[i].begin - 1] == '\n');
        char *s = parse_chunks(f, &h, ch, n);
        CHECK_MSG(s && ref && strcmp(s, ref) == 0, "%d chunks differ from one", counts[k]);
        free(s);
    }
    /* parse_all on 2 threads: chunks in order give the same rows */
    collect *c = collect_new();
    int nchunks = 0;
    CHECK_EQ_INT(cl_csv_parse_all(f, &h, 2, on_row, c, &nchunks, &d), CL_OK);
    CHECK_EQ_INT(nchunks, cl_csv_plan(f, &h, 2));
    CHECK(nchunks >= 4);
    char *s = collect_join(c);
    CHECK(ref && strcmp(s, ref) == 0);
    free(s);
    collect_free(c);
    /* small inputs can be split too with split_ex (as the fuzzer does) */
    cl_csv_file *g = NULL;
    cl_csv_header gh;
    const char *q = fixture_str("small.csv", "a,b,c\n1,\"x\ny\",3\n\n4,5,6\r\n7,\"\"\"\",9\n10,11\n");
    CHECK_EQ_INT(cl_csv_load(q, CL_ENC_AUTO, &g, &d), CL_OK);
    CHECK_EQ_INT(cl_csv_bind(g, abc, 3, &gh, &d), CL_OK);
    CHECK_EQ_INT(cl_csv_split_ex(g, &gh, 1, 0, ch), 1);
    char *r1 = parse_chunks(g, &gh, ch, 1);
    for (int m = 2; m <= 16; m++) {
        int n = cl_csv_split_ex(g, &gh, m, 0, ch);
        CHECK(n >= 1 && n <= m);
        char *sm = parse_chunks(g, &gh, ch, n);
        CHECK_MSG(sm && r1 && strcmp(sm, r1) == 0, "small: %d chunks differ", m);
        free(sm);
    }
    CHECK_EQ_STR(r1, "2|-|1|x\ny|3\n5|-|4|5|6\n6|-|7|\"|9\n7|expected 3 fields, found 2|10|11\n");
    free(r1);
    cl_csv_header_free(&gh);
    cl_csv_file_free(g);
    free(ref);
    cl_csv_header_free(&h);
    cl_csv_file_free(f);
}

/* The split reuses the quote and newline counts the UTF-8 validation took
 * when it cut the file into as many parts as the split wants (6 parts of a
 * 6 MiB file on 2 threads): the rows must be those of a one-chunk parse,
 * with or without a BOM, and with any other chunk count. */
static void test_counted_split(int bom)
{
    cl_diag d;
    cl_csv_file *f = NULL;
    cl_csv_header h;
    const cl_csv_col spec[] = {{"entry_id", "流水号", 1}, {"amount", "金额", 1}};
    const char *p = big_fixture((size_t)6 << 20, bom);
    int saved = omp_get_max_threads();
    omp_set_num_threads(2);
    CHECK_EQ_INT(cl_csv_load(p, CL_ENC_AUTO, &f, &d), CL_OK);
    omp_set_num_threads(saved);
    if (!f) return;
    CHECK_EQ_INT(cl_csv_bind(f, spec, 2, &h, &d), CL_OK);
    cl_csv_chunk one, ch[16];
    CHECK_EQ_INT(cl_csv_split(f, &h, 1, &one), 1);
    char *ref = parse_chunks(f, &h, &one, 1);
    CHECK(ref && strstr(ref, "Tian") != NULL);
    for (int n = 5; n <= 7; n++) {
        CHECK_EQ_INT(cl_csv_split(f, &h, n, ch), n);
        for (int i = 1; i < n; i++) CHECK(ch[i].begin == ch[i - 1].end && f->data[ch[i].begin - 1] == '\n');
        char *s = parse_chunks(f, &h, ch, n);
        CHECK_MSG(s && ref && strcmp(s, ref) == 0, "bom %d: %d chunks differ from one", bom, n);
        free(s);
    }
    collect *c = collect_new();
    CHECK_EQ_INT(cl_csv_parse_all(f, &h, 2, on_row, c, NULL, &d), CL_OK);
    char *s = collect_join(c);
    CHECK(ref && s && strcmp(s, ref) == 0);
    free(s);
    collect_free(c);
    free(ref);
    cl_csv_header_free(&h);
    cl_csv_file_free(f);
}

/* The vectorized UTF-8 check against the byte-by-byte decoder: every pair
 * of a non-ASCII byte and any byte, followed by bytes at the edges of the
 * continuation ranges, placed across a 16-byte block boundary; then random
 * mixes of valid characters and stray bytes of every length. */
static int simd_agrees(const unsigned char *b, size_t n)
{
    return cl_utf8_valid_simd(b, n) == cl_utf8_valid((const char *)b, n);
}

static void test_utf8_simd(void)
{
    if (!__builtin_cpu_supports("ssse3")) {
        CHECK(!cl_utf8_valid_simd((const unsigned char *)"a", 1));   /* defers to the scalar check */
        return;
    }
    static const unsigned char edge[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F,
                                         0xA0, 0xBF, 0xC0, 0xE0, 0xF0, 0xFF};
    static const unsigned char last[] = {0x41, 0x80, 0xBF, 0xC2};
    static const size_t at[] = {0, 13, 14, 15, 30};
    unsigned char buf[48];
    long wrong = 0, checked = 0;
    for (size_t o = 0; o < sizeof at / sizeof at[0]; o++)
        for (unsigned b0 = 0x80; b0 <= 0xFF; b0++)
            for (unsigned b1 = 0; b1 <= 0xFF; b1++)
                for (size_t k = 0; k < sizeof edge; k++)
                    for (size_t m = 0; m < sizeof last; m++) {
                        memset(buf, 'a', sizeof buf);
                        buf[at[o]] = (unsigned char)b0;
                        buf[at[o] + 1] = (unsigned char)b1;
                        buf[at[o] + 2] = edge[k];
                        buf[at[o] + 3] = last[m];
                        size_t n = at[o] + 4 + (m & 1) * 5;   /* ends right after, or later */
                        wrong += !simd_agrees(buf, n);
                        checked++;
                    }
    CHECK_MSG(wrong == 0, "%ld of %ld byte patterns judged differently", wrong, checked);
    static const char *const piece[] = {"a", ",", "\n", "\xc3\xa9", "\xe5\xbc\xa0", "\xf0\x9f\x98\x80",
                                        "\xef\xbc\x91", "\xed\x9f\xbf", "\xf4\x8f\xbf\xbf"};
    static const unsigned char stray[] = {0x80, 0xBF, 0xC0, 0xC1, 0xE0, 0xED, 0xF0, 0xF4, 0xF5, 0xFF};
    uint64_t x = 0x9E3779B97F4A7C15ull;
    unsigned char big[256];
    wrong = 0;
    for (int t = 0; t < 200000; t++) {
        size_t n = 0;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t want = x % 200;
        while (n < want) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            if (x % 50 == 0) {
                big[n++] = stray[(x >> 8) % sizeof stray];
                continue;
            }
            const char *p = piece[(x >> 8) % (sizeof piece / sizeof piece[0])];
            size_t l = strlen(p);
            if (n + l > sizeof big)
                break;
            memcpy(big + n, p, l);
            n += l;
        }
        if (t % 7 == 0 && n > 0)
            n--;   /* may cut the last character */
        wrong += !simd_agrees(big, n);
    }
    CHECK_MSG(wrong == 0, "%ld random buffers judged differently", wrong);
}

static void test_sha256(void)
{
    cl_diag d;
    cl_csv_file *f = NULL;
    char cmd[700], line[200] = "", hex[65];
    const char *p = big_fixture((size_t)3 << 20, 0);
    CHECK_EQ_INT(cl_csv_load(p, CL_ENC_AUTO, &f, &d), CL_OK);
    if (!f) return;
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", cl_csv_sha256(f)[i]);
    snprintf(cmd, sizeof cmd, "sha256sum '%s'", p);
    FILE *pp = popen(cmd, "r");
    CHECK(pp && fgets(line, sizeof line, pp));
    if (pp) pclose(pp);
    CHECK_MSG(strncmp(line, hex, 64) == 0, "%s vs %.64s", hex, line);
    cl_csv_file_free(f);

    /* the hash is of the raw bytes, BOM and GB18030 included */
    const char *q = fixture_str("abc.csv", "\xEF\xBB\xBF" "abc\n");
    CHECK_EQ_INT(cl_csv_load(q, CL_ENC_AUTO, &f, &d), CL_OK);
    snprintf(cmd, sizeof cmd, "sha256sum '%s'", q);
    pp = popen(cmd, "r");
    CHECK(pp && fgets(line, sizeof line, pp));
    if (pp) pclose(pp);
    for (int i = 0; f && i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", cl_csv_sha256(f)[i]);
    CHECK(strncmp(line, hex, 64) == 0);
    cl_csv_file_free(f);
}

/* The same bytes from a path, a memory buffer and a stream give the same rows
 * and the same messages, each naming its own label. */
static void check_three_ways(const char *name, const char *text, size_t len, cl_encoding enc)
{
    const char *path = fixture(name, text, len);
    cl_source srcs[3] = {cl_source_path(path), cl_source_memory("db:submissions", text, len),
                         cl_source_stream("request body", chunked_read, NULL)};
    chunked ch = {text, len, 0, 7};
    srcs[2].user = &ch;
    char *rows[3];
    cl_err err[3];
    cl_diag d[3];
    for (int i = 0; i < 3; i++) {
        memset(&d[i], 0, sizeof d[i]);
        rows[i] = parse_source(&srcs[i], enc, abc, 3, NULL, &err[i], &d[i]);
    }
    for (int i = 1; i < 3; i++) {
        CHECK_MSG(err[i] == err[0], "%s: source %d: %d vs %d", name, i, err[i], err[0]);
        CHECK_MSG((rows[i] == NULL) == (rows[0] == NULL), "%s: source %d", name, i);
        if (rows[0] && rows[i])
            CHECK_MSG(strcmp(rows[i], rows[0]) == 0, "%s: source %d: %s", name, i, rows[i]);
        if (err[0]) {
            const char *m0 = after_label(d[0].msg, path);
            const char *mi = after_label(d[i].msg, cl_source_label(&srcs[i]));
            CHECK_MSG(m0[0] && strcmp(mi, m0) == 0, "%s: '%s' vs '%s'", name, d[i].msg, d[0].msg);
        }
    }
    for (int i = 0; i < 3; i++) free(rows[i]);
}

static void test_sources(void)
{
    static const char ok[] = "\xEF\xBB\xBF" "a,b,c\r\n1,\"x\ny\",3\n\n4,5,6\n7,8\n";
    check_three_ways("s_ok.csv", ok, sizeof ok - 1, CL_ENC_AUTO);
    static const char gb[] = "a,b,c\n1,\xD5\xC5\xC8\xFD,3\n";   /* 张三 in GB18030 */
    check_three_ways("s_gb.csv", gb, sizeof gb - 1, CL_ENC_AUTO);
    static const char unterm[] = "a,b,c\n1,2,3\n4,\"open,6\n7,8,9\n";
    check_three_ways("s_unterm.csv", unterm, sizeof unterm - 1, CL_ENC_AUTO);
    static const char badu8[] = "a,b,c\n1,\xFF,3\n";
    check_three_ways("s_bad.csv", badu8, sizeof badu8 - 1, CL_ENC_UTF8);
    check_three_ways("s_empty.csv", "", 0, CL_ENC_AUTO);

    /* a UTF-8 memory source is borrowed, not copied; the digest is of its bytes */
    cl_source m = cl_source_memory("request body", ok, sizeof ok - 1);
    cl_csv_file *f = NULL;
    cl_diag d = {0};
    CHECK_EQ_INT(cl_csv_load_source(&m, CL_ENC_AUTO, &f, &d), CL_OK);
    CHECK(f && f->data == ok + 3 && f->len == sizeof ok - 4);
    CHECK_EQ_STR(f ? f->path : NULL, "request body");
    const char *p = fixture("s_ok.csv", ok, sizeof ok - 1);
    cl_csv_file *g = NULL;
    CHECK_EQ_INT(cl_csv_load(p, CL_ENC_AUTO, &g, &d), CL_OK);
    CHECK(f && g && memcmp(cl_csv_sha256(f), cl_csv_sha256(g), 32) == 0);
    CHECK(f && f->raw_bytes == sizeof ok - 1);
    cl_csv_file_free(f);
    cl_csv_file_free(g);

    /* an empty stream is reported like an empty file, naming the label */
    chunked ch = {ok, sizeof ok - 1, 0, 4};
    cl_source bad = cl_source_stream("db:ledger", chunked_read, &ch);
    ch.len = 0;
    f = NULL;
    CHECK_EQ_INT(cl_csv_load_source(&bad, CL_ENC_AUTO, &f, &d), CL_ERR_CSV);
    CHECK_EQ_STR(d.msg, "db:ledger: empty file (no header row)");
}

/* A quote left open on line 50 and a quoted field on line 59: the message
 * names line 50, where it opened, and line 59, where the parser gave up. */
static void test_unterminated_line(void)
{
    sbuf b = {0};
    sb_add(&b, "a,b,c\n", 6);
    for (int line = 2; line <= 70; line++) {
        if (line == 50) sb_addf(&b, "%d,\"open,x\n", line);
        else if (line == 59) sb_addf(&b, "%d,\"q\",z\n", line);
        else sb_addf(&b, "%d,v,w\n", line);
    }
    const char *p = fixture("open50.csv", b.p, b.len);
    cl_err err;
    cl_diag d = {0};
    char *s = parse_text(p, CL_ENC_AUTO, abc, 3, NULL, &err, &d);
    CHECK(s == NULL);
    CHECK_EQ_INT(err, CL_ERR_CSV);
    char want[700];
    snprintf(want, sizeof want, "%s:50:2: field 2 (b): the quoted field opened on this line is "
             "not closed properly: the parser gave up on line 59", p);
    CHECK_MSG(strncmp(d.msg, want, strlen(want)) == 0, "%s", d.msg);
    CHECK(strstr(d.msg, "closing quote missing on line 50") != NULL);
    free(s);
    free(b.p);
}

int main(void)
{
    if (!mkdtemp(g_dir)) { perror("mkdtemp"); return 2; }
    test_line_endings();
    test_bom_and_raw();
    test_quoting();
    test_header_binding();
    test_row_errors();
    test_load_errors();
    test_gb18030();
    test_utf8_simd();
    test_chunking();
    test_counted_split(0);
    test_counted_split(1);
    test_sha256();
    test_sources();
    test_unterminated_line();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", g_dir);
    return cl_test_summary("test_csv");
}
