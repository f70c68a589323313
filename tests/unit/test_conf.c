/* test_conf.c - the key = value reader: comments, blank lines, BOM, CRLF,
 * trimming, empty values, and the errors with their line numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/cl_conf.h"
#include "tests/cl_test.h"

static char dir[] = "/tmp/cl_test_conf_XXXXXX";

/* Writes text to dir/name and returns the path (static buffer). */
static const char *write_conf(const char *name, const char *text, size_t len)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return path;
    fwrite(text, 1, len, f);
    fclose(f);
    return path;
}

static const char *value_of(const cl_conf *c, const char *key)
{
    const cl_conf_entry *e = cl_conf_find(c, key);
    return e ? e->value : NULL;
}

static void test_good(void)
{
    static const char text[] =
        "\xEF\xBB\xBF# 小鸣单车 case\r\n"
        "case_no = (2018)粤01破12号\r\n"
        "\r\n"
        "   # indented comment\n"
        "debtor=广州悦骑信息科技有限公司\n"
        "\tacceptance_date   =   2018-03-27  \n"
        "\xE3\x80\x80" "declaration_deadline\xE3\x80\x80=\xE3\x80\x80" "2018-06-27\xE3\x80\x80\n"
        "small_claim_threshold =\n"
        "note = a # not a comment\n"
        "url = x=y=z\n"
        "resolution.R1 = general";   /* no final newline */
    cl_diag d = {0};
    cl_conf *c = NULL;
    const char *path = write_conf("good.conf", text, sizeof text - 1);
    CHECK_EQ_INT(cl_conf_load(path, &c, &d), CL_OK);
    if (!c)
        return;
    CHECK_EQ_STR(c->path, path);
    CHECK_EQ_INT(c->count, 8);
    CHECK_EQ_STR(c->entries[0].key, "case_no");
    CHECK_EQ_STR(c->entries[0].value, "(2018)粤01破12号");
    CHECK_EQ_INT(c->entries[0].line, 2);
    CHECK_EQ_STR(value_of(c, "debtor"), "广州悦骑信息科技有限公司");
    CHECK_EQ_INT(cl_conf_find(c, "debtor")->line, 5);
    CHECK_EQ_STR(value_of(c, "acceptance_date"), "2018-03-27");
    CHECK_EQ_STR(value_of(c, "declaration_deadline"), "2018-06-27");
    CHECK_EQ_INT(cl_conf_find(c, "declaration_deadline")->line, 7);
    CHECK_EQ_STR(value_of(c, "small_claim_threshold"), "");
    CHECK_EQ_STR(value_of(c, "note"), "a # not a comment");
    CHECK_EQ_STR(value_of(c, "url"), "x=y=z");
    CHECK_EQ_STR(value_of(c, "resolution.R1"), "general");
    CHECK_EQ_INT(cl_conf_find(c, "resolution.R1")->line, 11);
    CHECK(cl_conf_find(c, "Debtor") == NULL);
    CHECK(cl_conf_find(c, "missing") == NULL);
    cl_conf_free(c);
}

static void test_empty_file(void)
{
    cl_diag d = {0};
    cl_conf *c = NULL;
    CHECK_EQ_INT(cl_conf_load(write_conf("empty.conf", "", 0), &c, &d), CL_OK);
    CHECK(c && c->count == 0);
    cl_conf_free(c);
    c = NULL;
    CHECK_EQ_INT(cl_conf_load(write_conf("comments.conf", "# a\n\n  \n#b\n", 11), &c, &d), CL_OK);
    CHECK(c && c->count == 0);
    cl_conf_free(c);
}

typedef struct bad_case {
    const char *text;
    cl_err err;
    const char *msg_suffix;   /* after "path" */
} bad_case;

static void test_errors(void)
{
    static const bad_case cases[] = {
        {"a = 1\nno equals sign\n", CL_ERR_CONFIG, ":2: expected 'key = value'"},
        {"# c\n\n = value\n", CL_ERR_CONFIG, ":3: expected 'key = value'"},
        {"\xE3\x80\x80=x\n", CL_ERR_CONFIG, ":1: expected 'key = value'"},
        {"a = 1\r\nb = 2\r\n\r\na = 3\r\n", CL_ERR_CONFIG, ":4: duplicate key 'a' (first on line 1)"},
        {"k = v\nk=\n", CL_ERR_CONFIG, ":2: duplicate key 'k' (first on line 1)"},
        {"a = 1\ndebtor = \xD5\xC5\xC8\xFD\n", CL_ERR_ENCODING, ":2: not valid UTF-8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cl_diag d = {0};
        cl_conf *c = (cl_conf *)&d;   /* must be reset to NULL */
        const char *path = write_conf("bad.conf", cases[i].text, strlen(cases[i].text));
        char want[1024];
        snprintf(want, sizeof want, "%s%s", path, cases[i].msg_suffix);
        CHECK_EQ_INT(cl_conf_load(path, &c, &d), cases[i].err);
        CHECK(c == NULL);
        CHECK_EQ_INT(d.err, cases[i].err);
        CHECK_EQ_STR(d.msg, want);
    }
    cl_diag d = {0};
    cl_conf *c = NULL;
    char path[512];
    snprintf(path, sizeof path, "%s/does-not-exist.conf", dir);
    /* missing or a directory: bad input naming it (exit 1), not an I/O failure */
    CHECK_EQ_INT(cl_conf_load(path, &c, &d), CL_ERR_INPUT);
    CHECK(c == NULL);
    CHECK(strstr(d.msg, path) != NULL);
    CHECK_EQ_INT(cl_conf_load(dir, &c, &d), CL_ERR_INPUT);
    CHECK(c == NULL);
    CHECK(strstr(d.msg, "a directory") != NULL);
    cl_conf_free(NULL);
}

/* From memory: the caller's (read-only) bytes are not written to, and the
 * messages name the label. */
static void test_memory(void)
{
    static const char good[] = "\xEF\xBB\xBF" "case_no = (2026) 1\n# c\ndebtor=A#1\n";
    cl_source m = cl_source_memory("db:case", good, sizeof good - 1);
    cl_conf *c = NULL;
    cl_diag d = {0};
    CHECK_EQ_INT(cl_conf_load_source(&m, &c, &d), CL_OK);
    CHECK(c && c->count == 2);
    CHECK_EQ_STR(c ? c->path : NULL, "db:case");
    CHECK_EQ_STR(cl_conf_find(c, "debtor") ? cl_conf_find(c, "debtor")->value : NULL, "A#1");
    cl_conf_free(c);
    static const char bad[] = "a = 1\nno key here\n";
    m = cl_source_memory("request body", bad, sizeof bad - 1);
    CHECK_EQ_INT(cl_conf_load_source(&m, &c, &d), CL_ERR_CONFIG);
    CHECK_EQ_STR(d.msg, "request body:2: expected 'key = value'");
}

static void test_sample(void)
{
    const char *samples = getenv("CL_SAMPLES");
    char path[512];
    snprintf(path, sizeof path, "%s/xiaoming-mini/case.conf", samples ? samples : "../data");
    CHECK_MSG(access(path, R_OK) == 0, "sample %s not found", path);
    cl_diag d = {0};
    cl_conf *c = NULL;
    CHECK_EQ_INT(cl_conf_load(path, &c, &d), CL_OK);
    CHECK_EQ_STR(value_of(c, "case_no"), "(2018)粤01破12号");
    CHECK_EQ_STR(value_of(c, "acceptance_date"), "2018-03-27");
    CHECK_EQ_STR(value_of(c, "creditor_key"), "sample-case-key-not-secret");
    cl_conf_free(c);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_good();
    test_empty_file();
    test_errors();
    test_sample();
    test_memory();
    static const char *names[] = {"good.conf", "empty.conf", "comments.conf", "bad.conf"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
    return cl_test_summary("test_conf");
}
