/* cl_conf.c - reader of `key = value` files (case.conf, meeting.conf). It
 * copies the source (a file, memory, a stream: core/cl_source) into one
 * buffer, splits it into lines, and cuts each line
 * into a trimmed key and value in place; callers validate the keys. */
#include "ingest/cl_conf.h"
#include "core/cl_alloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/cl_norm.h"

static bool is_ascii_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_ideo_space(const char *p, const char *e)
{
    return e - p >= 3 && (unsigned char)p[0] == 0xE3 && (unsigned char)p[1] == 0x80 &&
           (unsigned char)p[2] == 0x80;
}

/* Trims ASCII spaces and U+3000 from both ends of [*b, *e). */
static void trim(char **b, char **e)
{
    for (;;) {
        if (*b < *e && is_ascii_space((unsigned char)**b))
            (*b)++;
        else if (is_ideo_space(*b, *e))
            *b += 3;
        else
            break;
    }
    for (;;) {
        if (*e > *b && is_ascii_space((unsigned char)(*e)[-1]))
            (*e)--;
        else if (*e - *b >= 3 && is_ideo_space(*e - 3, *e))
            *e -= 3;
        else
            break;
    }
}

static const cl_conf_entry *find_entry(const cl_conf *c, const char *key)
{
    for (size_t i = 0; i < c->count; i++)
        if (strcmp(c->entries[i].key, key) == 0)
            return &c->entries[i];
    return NULL;
}

/* Cuts one line [b, e) into an entry, or leaves it for a comment/blank. */
static cl_err parse_line(cl_conf *c, char *b, char *e, int line, cl_diag *d)
{
    if (memchr(b, '\0', (size_t)(e - b)))
        return cl_diag_set(d, CL_ERR_ENCODING, "%s:%d: NUL byte in line", c->path, line);
    if (!cl_utf8_valid(b, (size_t)(e - b)))
        return cl_diag_set(d, CL_ERR_ENCODING, "%s:%d: not valid UTF-8", c->path, line);
    trim(&b, &e);
    if (b == e || *b == '#')
        return CL_OK;
    char *eq = memchr(b, '=', (size_t)(e - b));
    if (!eq)
        return cl_diag_set(d, CL_ERR_CONFIG, "%s:%d: expected 'key = value'", c->path, line);
    char *kb = b, *ke = eq, *vb = eq + 1, *ve = e;
    trim(&kb, &ke);
    trim(&vb, &ve);
    if (kb == ke)
        return cl_diag_set(d, CL_ERR_CONFIG, "%s:%d: expected 'key = value'", c->path, line);
    *ke = '\0';
    *ve = '\0';
    const cl_conf_entry *dup = find_entry(c, kb);
    if (dup)
        return cl_diag_set(d, CL_ERR_CONFIG, "%s:%d: duplicate key '%s' (first on line %d)",
                           c->path, line, kb, dup->line);
    c->entries[c->count++] = (cl_conf_entry){kb, vb, line};
    return CL_OK;
}

static size_t count_lines(const char *p, size_t n)
{
    size_t lines = 1;
    for (size_t i = 0; i < n; i++)
        lines += p[i] == '\n';
    return lines;
}

cl_err cl_conf_load(const char *path, cl_conf **out, cl_diag *d)
{
    cl_source src = cl_source_path(path);
    return cl_conf_load_source(&src, out, d);
}

cl_err cl_conf_load_source(const cl_source *src, cl_conf **out, cl_diag *d)
{
    const char *path = cl_source_label(src);
    *out = NULL;
    cl_conf *c = cl_calloc(1, sizeof *c);
    if (!c)
        return cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", path);
    cl_err err = CL_OK;
    char *buf = NULL;
    size_t n = 0;
    c->path = cl_strdup(path);
    if (!c->path) {
        err = cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    if ((err = cl_source_slurp(src, &buf, &n, d)) != CL_OK)
        goto fail;
    c->priv_ = buf;
    c->entries = cl_calloc(count_lines(buf, n), sizeof *c->entries);
    if (!c->entries) {
        err = cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    char *p = buf, *end = buf + n;
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    for (int line = 1; p <= end; line++) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *e = nl ? nl : end;
        if ((err = parse_line(c, p, e, line, d)) != CL_OK)
            goto fail;
        if (!nl)
            break;
        p = nl + 1;
    }
    *out = c;
    return CL_OK;
fail:
    cl_conf_free(c);
    return err;
}

void cl_conf_free(cl_conf *c)
{
    if (!c)
        return;
    free(c->priv_);
    free(c->entries);
    free(c->path);
    free(c);
}

const cl_conf_entry *cl_conf_find(const cl_conf *c, const char *key)
{
    return c ? find_entry(c, key) : NULL;
}
