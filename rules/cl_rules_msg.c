/* cl_rules_msg.c - rule messages with placeholders: "{field}" in a `zh` or
 * `en` message is replaced, when a reason is shown, by that field's value on
 * the record the rule fired on ("{{" and "}}" stand for literal braces).
 * Checked when the rules compile (cl_rule_message_check), filled through
 * the schema's getter (cl_rule_message). */
#include <stdio.h>
#include <string.h>

#include "core/cl_money.h"
#include "core/cl_time.h"
#include "rules/cl_rules.h"

/* A placeholder value longer than this many code points is cut with "…". */
#define VALUE_MAX_CHARS 64

static int field_named(const cl_rule_schema *s, const char *name, size_t len)
{
    for (int f = 0; f < s->nfields; f++)
        if (strlen(s->fields[f].name) == len && !memcmp(s->fields[f].name, name, len))
            return f;
    return -1;
}

/* Length of the placeholder name at p (after '{'), up to '}'; -1: none. */
static long name_len(const char *p)
{
    long n = 0;
    while (p[n] && p[n] != '}' && p[n] != '{')
        n++;
    return p[n] == '}' ? n : -1;
}

const char *cl_rule_message_check(const char *msg, const cl_rule_schema *schema, size_t *off,
                                  char *why, size_t cap)
{
    for (const char *p = msg; *p; p++) {
        if (*p == '}' && p[1] == '}') {
            p++;
            continue;
        }
        if (*p != '{')
            continue;
        if (p[1] == '{') {
            p++;
            continue;
        }
        long n = name_len(p + 1);
        *off = (size_t)(p - msg);
        if (n <= 0) {
            snprintf(why, cap, "placeholder '{' not closed by '}' (write '{{' for a brace)");
            return why;
        }
        if (field_named(schema, p + 1, (size_t)n) < 0) {
            snprintf(why, cap, "unknown field '%.*s' in message placeholder", (int)n, p + 1);
            return why;
        }
        p += n + 1;
    }
    return NULL;
}

/* Appends s[0..n) to buf (NUL-ended), cutting at a UTF-8 boundary. */
static size_t put(char *buf, size_t cap, size_t used, const char *s, size_t n)
{
    if (used + 1 >= cap)
        return used;
    if (n > cap - 1 - used) {
        n = cap - 1 - used;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(buf + used, s, n);
    buf[used + n] = '\0';
    return used + n;
}

/* Bytes of the first max code points of s[0..len). */
static size_t first_chars(const char *s, size_t len, size_t max)
{
    size_t i = 0, chars = 0;
    while (i < len && chars < max) {
        i++;
        while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        chars++;
    }
    return i;
}

static size_t put_value(char *buf, size_t cap, size_t used, const cl_value *v, cl_vtype type,
                        int en)
{
    char tmp[CL_MONEY_BUFSZ + CL_TIME_BUFSZ];
    if (v->state == CL_V_EMPTY || (v->state == CL_V_OK && type == CL_VT_TEXT && !v->len)) {
        const char *e = en ? "(empty)" : "（空）";
        return put(buf, cap, used, e, strlen(e));
    }
    if (v->state == CL_V_INVALID || type == CL_VT_TEXT) {
        const char *s = v->s ? v->s : "";
        size_t len = v->s ? v->len : 0, cut = first_chars(s, len, VALUE_MAX_CHARS);
        used = put(buf, cap, used, s, cut);
        return cut < len ? put(buf, cap, used, "…", strlen("…")) : used;
    }
    int n = 0;
    switch (type) {
    case CL_VT_MONEY: n = cl_money_format(v->i, tmp); break;
    case CL_VT_TIME: n = cl_time_format(v->i, tmp); break;
    case CL_VT_INT: n = cl_int_format(v->i, tmp); break;
    case CL_VT_BOOL: n = snprintf(tmp, sizeof tmp, "%s", v->i ? "Y" : "N"); break;
    default: break;
    }
    return put(buf, cap, used, tmp, n > 0 ? (size_t)n : 0);
}

size_t cl_rule_message(const char *msg, const cl_rule_schema *schema, const void *data,
                       size_t row, int en, char *buf, size_t cap)
{
    size_t used = 0;
    if (!cap)
        return 0;
    buf[0] = '\0';
    for (const char *p = msg; *p; p++) {
        if ((*p == '{' && p[1] == '{') || (*p == '}' && p[1] == '}')) {
            used = put(buf, cap, used, p, 1);
            p++;
            continue;
        }
        long n = *p == '{' ? name_len(p + 1) : -1;
        int f = n > 0 ? field_named(schema, p + 1, (size_t)n) : -1;
        if (f < 0) {
            used = put(buf, cap, used, p, 1);
            continue;
        }
        cl_value v;
        memset(&v, 0, sizeof v);
        schema->get(data, row, f, &v);
        used = put_value(buf, cap, used, &v, schema->fields[f].type, en);
        p += n + 1;
    }
    return used;
}
