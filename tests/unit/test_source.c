/* test_source.c - unit tests of core/cl_source: a memory buffer borrowed, a
 * stream read to its end in small pieces, a file mapped (and a file whose
 * size the kernel does not report, read), the one slurp helper, and a
 * missing file, a directory and a FIFO refused as bad input naming the
 * label. Fixtures go to a mkdtemp dir. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cl_source.h"
#include "tests/cl_test.h"

static char g_dir[] = "/tmp/cl_test_source_XXXXXX";

static const char text[] = "submission_id,name\nSB1,张三\nSB2,李四\n";

typedef struct pieces {
    const char *p;
    size_t len, off, step;
    int fail_at;   /* fail on this call (1-based); 0: never */
    int calls;
} pieces;

static ssize_t piece_read(void *user, void *buf, size_t cap)
{
    pieces *s = user;
    if (++s->calls == s->fail_at) {
        errno = ECONNRESET;
        return -1;
    }
    size_t n = s->len - s->off;
    if (n > s->step) n = s->step;
    if (n > cap) n = cap;
    memcpy(buf, s->p + s->off, n);
    s->off += n;
    return (ssize_t)n;
}

static const char *path_of(const char *name)
{
    static char p[4][512];
    static int k;
    char *r = p[k++ % 4];
    snprintf(r, 512, "%s/%s", g_dir, name);
    return r;
}

static void test_memory(void)
{
    cl_source s = cl_source_memory("db:submissions", text, sizeof text - 1);
    CHECK_EQ_STR(cl_source_label(&s), "db:submissions");
    cl_bytes b;
    cl_diag d = {0};
    CHECK_EQ_INT(cl_source_read_all(&s, &b, &d), CL_OK);
    CHECK(b.data == text);   /* borrowed, not copied */
    CHECK_EQ_INT(b.len, sizeof text - 1);
    cl_bytes_release(&b);
    cl_bytes_release(&b);    /* a released value may be released again */

    s = cl_source_memory(NULL, NULL, 0);
    CHECK_EQ_STR(cl_source_label(&s), "(input)");
    CHECK_EQ_INT(cl_source_read_all(&s, &b, &d), CL_OK);
    CHECK(b.data != NULL && b.len == 0);
    cl_bytes_release(&b);
}

static void test_stream(void)
{
    /* 3 bytes at a time: the pieces are joined in order */
    pieces p = {text, sizeof text - 1, 0, 3, 0, 0};
    cl_source s = cl_source_stream("request body", piece_read, &p);
    cl_bytes b;
    cl_diag d = {0};
    CHECK_EQ_INT(cl_source_read_all(&s, &b, &d), CL_OK);
    CHECK_EQ_INT(b.len, sizeof text - 1);
    CHECK(b.len == sizeof text - 1 && memcmp(b.data, text, b.len) == 0);
    cl_bytes_release(&b);

    /* a large stream grows its buffer */
    size_t big = (1u << 20) + 17;
    char *src = malloc(big);
    for (size_t i = 0; src && i < big; i++) src[i] = (char)('a' + i % 26);
    pieces q = {src, big, 0, 100000, 0, 0};
    s = cl_source_stream("db:ledger", piece_read, &q);
    char *all = NULL;
    size_t n = 0;
    CHECK_EQ_INT(cl_source_slurp(&s, &all, &n, &d), CL_OK);
    CHECK(n == big && all && memcmp(all, src, big) == 0 && all[n] == '\0');
    free(all);
    free(src);

    /* a failing read is an I/O error naming the label and the reason */
    pieces f = {text, sizeof text - 1, 0, 4, 3, 0};
    s = cl_source_stream("db:submissions", piece_read, &f);
    CHECK_EQ_INT(cl_source_read_all(&s, &b, &d), CL_ERR_IO);
    CHECK_EQ_STR(d.msg, "db:submissions: read failed: Connection reset by peer");
    CHECK(b.data == NULL);
    cl_bytes_release(&b);
}

static void test_file(void)
{
    const char *p = path_of("in.csv");
    FILE *f = fopen(p, "wb");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
    cl_source s = cl_source_path(p);
    CHECK_EQ_STR(cl_source_label(&s), p);
    cl_bytes b;
    cl_diag d = {0};
    CHECK_EQ_INT(cl_source_read_all(&s, &b, &d), CL_OK);
    CHECK(b.map_ != NULL);   /* mapped, not copied */
    CHECK(b.len == sizeof text - 1 && memcmp(b.data, text, b.len) == 0);
    cl_bytes_release(&b);

    /* a label replaces the path in messages */
    s.label = "submissions.csv";
    CHECK_EQ_STR(cl_source_label(&s), "submissions.csv");

    /* slurp: a NUL-terminated copy */
    char *all = NULL;
    size_t n = 0;
    CHECK_EQ_INT(cl_source_slurp(&s, &all, &n, &d), CL_OK);
    CHECK(all && n == sizeof text - 1 && strcmp(all, text) == 0);
    free(all);

    /* an empty file is empty, not an error */
    p = path_of("empty.csv");
    f = fopen(p, "wb");
    if (f) fclose(f);
    s = cl_source_path(p);
    CHECK_EQ_INT(cl_source_read_all(&s, &b, &d), CL_OK);
    CHECK_EQ_INT(b.len, 0);
    cl_bytes_release(&b);

    /* a file whose size stat does not report (procfs) is read */
    s = cl_source_path("/proc/self/status");
    CHECK_EQ_INT(cl_source_read_all(&s, &b, &d), CL_OK);
    CHECK(b.len > 0 && b.map_ == NULL && memmem(b.data, b.len, "Pid:", 4) != NULL);
    cl_bytes_release(&b);
}

/* Missing, a directory, a FIFO, no name: bad input (exit 1) naming the label. */
static void test_refused(void)
{
    cl_bytes b;
    cl_diag d = {0};
    cl_source s = cl_source_path(path_of("missing.csv"));
    s.label = "ledger.csv";
    CHECK_EQ_INT(cl_source_read_all(&s, &b, &d), CL_ERR_INPUT);
    CHECK_EQ_STR(d.msg, "ledger.csv: cannot open: No such file or directory");
    CHECK(b.data == NULL);

    s = cl_source_path(g_dir);
    CHECK_EQ_INT(cl_source_read_all(&s, &b, &d), CL_ERR_INPUT);
    char want[600];
    snprintf(want, sizeof want, "%s: not a regular file (a directory)", g_dir);
    CHECK_EQ_STR(d.msg, want);

    const char *fifo = path_of("fifo");
    CHECK(mkfifo(fifo, 0600) == 0);
    s = cl_source_path(fifo);   /* no writer: must not block */
    CHECK_EQ_INT(cl_source_read_all(&s, &b, &d), CL_ERR_INPUT);
    snprintf(want, sizeof want, "%s: not a regular file (a device, FIFO or socket)", fifo);
    CHECK_EQ_STR(d.msg, want);
    char *all = NULL;
    size_t n = 0;
    CHECK_EQ_INT(cl_source_slurp(&s, &all, &n, &d), CL_ERR_INPUT);
    CHECK(all == NULL);
    unlink(fifo);

    s = cl_source_path(NULL);
    s.label = "case.conf";
    CHECK_EQ_INT(cl_source_read_all(&s, &b, &d), CL_ERR_INPUT);
    CHECK_EQ_STR(d.msg, "case.conf: no file name given");

    /* an unreadable file (when not root, who reads anything) */
    if (geteuid() != 0) {
        const char *p = path_of("secret.csv");
        FILE *f = fopen(p, "wb");
        if (f) fclose(f);
        chmod(p, 0);
        s = cl_source_path(p);
        CHECK_EQ_INT(cl_source_read_all(&s, &b, &d), CL_ERR_INPUT);
        CHECK(strstr(d.msg, "cannot open: Permission denied") != NULL);
        unlink(p);
    }
}

int main(void)
{
    if (!mkdtemp(g_dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_memory();
    test_stream();
    test_file();
    test_refused();
    unlink(path_of("in.csv"));
    unlink(path_of("empty.csv"));
    rmdir(g_dir);
    return cl_test_summary("test_source");
}
