/* cl_rules_parse.c - the rule compiler: parses a rule file's tokens into
 * rules with expression trees, checks them against the caller's schema
 * (fields, passes, types, statuses), compiles regexes with PCRE2 (UTF, UCP,
 * JIT), loads list files into hash sets, and computes the rule set's
 * SHA-256 digest. Errors are collected with their positions; `load` returns
 * the first, `check` prints them all with a caret under the column. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/cl_money.h"
#include "core/cl_alloc.h"
#include "core/cl_path.h"
#include "core/cl_time.h"
#include "rules/cl_rules_int.h"

typedef struct list_ref {
    char *path;   /* resolved */
    int set;
} list_ref;

typedef struct field_ref {
    int field, line, col;
} field_ref;

typedef struct parser {
    const char *path;
    char *dir;
    const cl_rule_schema *schema;
    const cl_rule_env *env;
    cl_ruleset *rs;
    rl_errors *errs;
    EVP_MD_CTX *md;
    bool nomem;

    rl_token *t;
    int nt, i;

    int cap_nodes, cap_items, cap_res, cap_sets, cap_rules;
    list_ref *lists;
    int nlists;

    /* the rule being parsed */
    field_ref *refs;
    int nrefs, cap_refs;
} parser;

static const char *const keywords[] = {
    "rule", "pass", "when", "require", "then", "zh", "en", "end",
    "and", "or", "not", "in", "true", "false",
};

static const char *const type_names[] = {"text", "money", "time", "int", "bool"};

/* ---- small helpers ---- */

static bool grow(void **v, int *cap, int need, size_t elem)
{
    if (need <= *cap)
        return true;
    int c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *nv = cl_realloc(*v, (size_t)c * elem);
    if (!nv)
        return false;
    *v = nv;
    *cap = c;
    return true;
}

static rl_token *peek(parser *p)
{
    return &p->t[p->i];
}

static rl_token *peek2(parser *p)
{
    return p->i + 1 < p->nt ? &p->t[p->i + 1] : &p->t[p->nt - 1];
}

static rl_token *advance(parser *p)
{
    rl_token *t = &p->t[p->i];
    if (t->kind != TK_EOF)
        p->i++;
    return t;
}

static bool is_kw(const rl_token *t, const char *kw)
{
    return t->kind == TK_IDENT && strcmp(t->s, kw) == 0;
}

static bool is_keyword(const rl_token *t)
{
    if (t->kind != TK_IDENT)
        return false;
    for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
        if (!strcmp(t->s, keywords[k]))
            return true;
    return false;
}

static bool is_clause_kw(const rl_token *t)
{
    return is_kw(t, "pass") || is_kw(t, "when") || is_kw(t, "require") ||
           is_kw(t, "then") || is_kw(t, "zh") || is_kw(t, "en");
}

/* Bytes of s to show: at most 40, not cutting a UTF-8 sequence. */
static int shown(const char *s)
{
    size_t n = strlen(s);
    if (n <= 40)
        return (int)n;
    n = 40;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return (int)n;
}

static void describe(const rl_token *t, char *buf, size_t n)
{
    switch (t->kind) {
    case TK_EOF: snprintf(buf, n, "end of file"); break;
    case TK_IDENT: snprintf(buf, n, "'%s'", t->s); break;
    case TK_STRING: snprintf(buf, n, "string \"%.*s\"", shown(t->s), t->s); break;
    case TK_NUMBER: snprintf(buf, n, "number %s", t->s); break;
    case TK_REGEX: snprintf(buf, n, "regex /%.*s/", shown(t->s), t->s); break;
    case TK_LPAREN: snprintf(buf, n, "'('"); break;
    case TK_RPAREN: snprintf(buf, n, "')'"); break;
    case TK_COMMA: snprintf(buf, n, "','"); break;
    case TK_EQ: snprintf(buf, n, "'=='"); break;
    case TK_NE: snprintf(buf, n, "'!='"); break;
    case TK_LT: snprintf(buf, n, "'<'"); break;
    case TK_LE: snprintf(buf, n, "'<='"); break;
    case TK_GT: snprintf(buf, n, "'>'"); break;
    case TK_GE: snprintf(buf, n, "'>='"); break;
    case TK_MATCH: snprintf(buf, n, "'=~'"); break;
    case TK_NOMATCH: snprintf(buf, n, "'!~'"); break;
    case TK_ERROR: snprintf(buf, n, "an invalid token"); break;
    }
}

/* A syntax error at t: "expected <what>, found <t>". TK_ERROR tokens were
 * reported by the lexer already. */
static void syntax(parser *p, const rl_token *t, const char *what)
{
    if (t->kind == TK_ERROR)
        return;
    char found[96];
    describe(t, found, sizeof found);
    rl_error_add(p->errs, t->line, t->col, "expected %s, found %s", what, found);
}

static void error_at(parser *p, const rl_token *t, const char *msg)
{
    rl_error_add(p->errs, t->line, t->col, "%s", msg);
}

/* Skips to the next `rule` (not consumed) or past the next `end`. */
static void sync(parser *p)
{
    for (;;) {
        rl_token *t = peek(p);
        if (t->kind == TK_EOF || is_kw(t, "rule"))
            return;
        advance(p);
        if (is_kw(t, "end"))
            return;
    }
}

static int find_field(const cl_rule_schema *s, const char *name)
{
    for (int f = 0; f < s->nfields; f++)
        if (!strcmp(s->fields[f].name, name))
            return f;
    return -1;
}

static int find_const(const cl_rule_env *env, const char *name)
{
    if (!env)
        return -1;
    for (int c = 0; c < env->nconsts; c++)
        if (!strcmp(env->consts[c].name, name))
            return c;
    return -1;
}

static int new_node(parser *p, rl_node n)
{
    cl_ruleset *rs = p->rs;
    if (!grow((void **)&rs->nodes, &p->cap_nodes, rs->nnodes + 1, sizeof n)) {
        p->nomem = true;
        return -1;
    }
    rs->nodes[rs->nnodes] = n;
    return rs->nnodes++;
}

static rl_node node_of(rl_op op)
{
    rl_node n;
    memset(&n, 0, sizeof n);
    n.op = (uint8_t)op;
    n.a = n.b = n.lf = n.rf = n.idx = -1;
    return n;
}

/* A placeholder for a sub-expression with a semantic error: parsing goes on
 * to find more errors; the rule set is not built. */
static int bad_node(parser *p)
{
    return new_node(p, node_of(RN_CONST));
}

static void use_field(parser *p, int field, const rl_token *t)
{
    if (!grow((void **)&p->refs, &p->cap_refs, p->nrefs + 1, sizeof *p->refs)) {
        p->nomem = true;
        return;
    }
    p->refs[p->nrefs++] = (field_ref){field, t->line, t->col};
}

/* ---- literals ---- */

static bool parse_money_lit(const char *s, int64_t *out, bool *too_many_decimals)
{
    bool neg = *s == '-';
    int64_t yuan = 0, frac = 0;
    int nd = 0;
    *too_many_decimals = false;
    s += neg;
    for (; *s >= '0' && *s <= '9'; s++)
        if (__builtin_mul_overflow(yuan, 10, &yuan) ||
            __builtin_add_overflow(yuan, *s - '0', &yuan))
            return false;
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++) {
            if (++nd > 2) {
                *too_many_decimals = true;
                return false;
            }
            frac = frac * 10 + (*s - '0');
        }
    if (nd == 1)
        frac *= 10;
    int64_t fen;
    if (__builtin_mul_overflow(yuan, CL_FEN_PER_YUAN, &fen) ||
        __builtin_add_overflow(fen, frac, &fen))
        return false;
    *out = neg ? -fen : fen;
    return true;
}

static bool parse_int_lit(const char *s, int64_t *out)
{
    bool neg = *s == '-';
    int64_t v = 0;
    s += neg;
    for (; *s >= '0' && *s <= '9'; s++)
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *s - '0', &v))
            return false;
    if (*s)
        return false;
    *out = neg ? -v : v;
    return true;
}

static bool digits(const char **s, int n, int *v)
{
    *v = 0;
    for (int k = 0; k < n; k++, (*s)++) {
        if (**s < '0' || **s > '9')
            return false;
        *v = *v * 10 + (**s - '0');
    }
    return true;
}

/* "YYYY-MM-DD" or "YYYY-MM-DD HH:MM[:SS]", court-local. */
static bool parse_time_lit(const char *s, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (!digits(&s, 4, &y) || *s++ != '-' || !digits(&s, 2, &mo) || *s++ != '-' ||
        !digits(&s, 2, &d))
        return false;
    if (*s == ' ') {
        s++;
        if (!digits(&s, 2, &h) || *s++ != ':' || !digits(&s, 2, &mi))
            return false;
        if (*s == ':') {
            s++;
            if (!digits(&s, 2, &sec))
                return false;
        }
    }
    if (*s || !cl_civil_valid(y, mo, d) || h > 23 || mi > 59 || sec > 59)
        return false;
    *out = cl_time_make(y, mo, d, h, mi, sec);
    return true;
}

/* ---- operands ---- */

typedef enum { OPD_BAD, OPD_FIELD, OPD_CONST, OPD_STR, OPD_NUM, OPD_BOOL } opd_kind;

typedef struct operand {
    opd_kind kind;
    int idx;              /* field or constant */
    const rl_token *tok;
} operand;

static cl_vtype opd_type(parser *p, const operand *o)
{
    return o->kind == OPD_FIELD ? p->schema->fields[o->idx].type
                                : p->env->consts[o->idx].type;
}

static const char *opd_name(parser *p, const operand *o)
{
    return o->kind == OPD_FIELD ? p->schema->fields[o->idx].name : p->env->consts[o->idx].name;
}

/* Returns false on a syntax error (reported). Unknown names give OPD_BAD. */
static bool parse_operand(parser *p, operand *o)
{
    rl_token *t = peek(p);
    o->tok = t;
    o->idx = -1;
    switch (t->kind) {
    case TK_STRING: advance(p); o->kind = OPD_STR; return true;
    case TK_NUMBER: advance(p); o->kind = OPD_NUM; return true;
    case TK_IDENT:
        if (is_kw(t, "true") || is_kw(t, "false")) {
            advance(p);
            o->kind = OPD_BOOL;
            return true;
        }
        if (is_keyword(t))
            break;
        advance(p);
        if ((o->idx = find_field(p->schema, t->s)) >= 0) {
            o->kind = OPD_FIELD;
            use_field(p, o->idx, t);
        } else if ((o->idx = find_const(p->env, t->s)) >= 0) {
            o->kind = OPD_CONST;
        } else {
            o->kind = OPD_BAD;
            rl_error_add(p->errs, t->line, t->col, "unknown field '%s'", t->s);
        }
        return true;
    default:
        break;
    }
    syntax(p, t, "a field or a value");
    return false;
}

static const char *lit_desc(opd_kind k)
{
    return k == OPD_STR ? "a string" : k == OPD_NUM ? "a number" : "true/false";
}

/* Converts literal `o` to a value of type `type` for field `fname`. */
static bool convert_lit(parser *p, cl_vtype type, const char *fname, const operand *o,
                        cl_value *v)
{
    const rl_token *t = o->tok;
    bool tmd;
    memset(v, 0, sizeof *v);
    v->state = CL_V_OK;
    if (type == CL_VT_TEXT && o->kind == OPD_STR) {
        v->s = t->s;
        v->len = t->len;
        return true;
    }
    if (type == CL_VT_TIME && o->kind == OPD_STR) {
        if (parse_time_lit(t->s, &v->i))
            return true;
        rl_error_add(p->errs, t->line, t->col,
                     "invalid time \"%s\" (expected \"YYYY-MM-DD\" or \"YYYY-MM-DD HH:MM:SS\")",
                     t->s);
        return false;
    }
    if (type == CL_VT_MONEY && o->kind == OPD_NUM) {
        if (parse_money_lit(t->s, &v->i, &tmd))
            return true;
        rl_error_add(p->errs, t->line, t->col,
                     tmd ? "invalid money amount %s (at most two decimals)"
                         : "invalid money amount %s (out of range)",
                     t->s);
        return false;
    }
    if (type == CL_VT_INT && o->kind == OPD_NUM) {
        if (parse_int_lit(t->s, &v->i))
            return true;
        rl_error_add(p->errs, t->line, t->col, "invalid integer %s", t->s);
        return false;
    }
    if (type == CL_VT_BOOL && o->kind == OPD_BOOL) {
        v->i = is_kw(t, "true");
        return true;
    }
    rl_error_add(p->errs, t->line, t->col, "cannot compare %s field '%s' with %s",
                 type_names[type], fname, lit_desc(o->kind));
    return false;
}

static rl_cmp mirror(rl_cmp c)
{
    switch (c) {
    case CMP_LT: return CMP_GT;
    case CMP_LE: return CMP_GE;
    case CMP_GT: return CMP_LT;
    case CMP_GE: return CMP_LE;
    default: return c;
    }
}

static const char *cmp_text[] = {"==", "!=", "<", "<=", ">", ">="};

static int make_cmp(parser *p, operand l, rl_cmp cmp, operand r, const rl_token *optok)
{
    if (l.kind == OPD_BAD || r.kind == OPD_BAD)
        return bad_node(p);
    bool l_lit = l.kind != OPD_FIELD && l.kind != OPD_CONST;
    bool r_lit = r.kind != OPD_FIELD && r.kind != OPD_CONST;
    if ((l_lit && !r_lit) || (l.kind == OPD_CONST && r.kind == OPD_FIELD)) {
        operand tmp = l;
        l = r;
        r = tmp;
        cmp = mirror(cmp);
    } else if (l_lit) {
        error_at(p, l.tok, "a comparison needs a field or a constant");
        return bad_node(p);
    }
    cl_vtype type = opd_type(p, &l);
    if ((type == CL_VT_BOOL) && cmp != CMP_EQ && cmp != CMP_NE) {
        rl_error_add(p->errs, optok->line, optok->col, "'%s' is not defined for bool field '%s'",
                     cmp_text[cmp], opd_name(p, &l));
        return bad_node(p);
    }
    rl_node n = node_of(RN_CMP);
    n.cmp = (uint8_t)cmp;
    n.type = (uint8_t)type;
    n.lf = l.kind == OPD_FIELD ? l.idx : -1;   /* -1: a constant, in items[idx] */
    if (r.kind == OPD_FIELD || r.kind == OPD_CONST) {
        cl_vtype rt = opd_type(p, &r);
        if (rt != type) {
            rl_error_add(p->errs, r.tok->line, r.tok->col,
                         "cannot compare %s %s '%s' with %s %s '%s'", type_names[type],
                         l.kind == OPD_FIELD ? "field" : "constant", opd_name(p, &l),
                         type_names[rt], r.kind == OPD_FIELD ? "field" : "constant",
                         opd_name(p, &r));
            return bad_node(p);
        }
        if (r.kind == OPD_FIELD)
            n.rf = r.idx;
        else
            n.rv = p->env->consts[r.idx].value;
    } else if (!convert_lit(p, type, opd_name(p, &l), &r, &n.rv)) {
        return bad_node(p);
    }
    if (l.kind == OPD_CONST) {
        /* fixed left side: keep it in `items` so the evaluator reads it */
        cl_ruleset *rs = p->rs;
        if (!grow((void **)&rs->items, &p->cap_items, rs->nitems + 1, sizeof(cl_value))) {
            p->nomem = true;
            return -1;
        }
        rs->items[rs->nitems] = p->env->consts[l.idx].value;
        n.idx = rs->nitems++;
    }
    return new_node(p, n);
}

/* ---- regex, lists, predicates ---- */

static int add_regex(parser *p, const rl_token *t)
{
    uint32_t opts = PCRE2_UTF | PCRE2_UCP;
    int pat_cps = rl_col_of(t->s, t->s + t->len) - 1;
    bool ok = true;
    for (int k = 0; t->flags[k]; k++) {
        switch (t->flags[k]) {
        case 'i': opts |= PCRE2_CASELESS; break;
        case 'x': opts |= PCRE2_EXTENDED; break;
        case 's': opts |= PCRE2_DOTALL; break;
        case 'm': opts |= PCRE2_MULTILINE; break;
        default:
            rl_error_add(p->errs, t->line, t->pat_col + pat_cps + 1 + k,
                         "unknown regex flag '%c' (allowed: i, x, s, m)", t->flags[k]);
            ok = false;
        }
    }
    if (!ok)
        return -1;
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)t->s, t->len, opts, &code, &off, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof msg);
        if (off > t->len)
            off = t->len;
        rl_error_add(p->errs, t->line, t->pat_col + rl_col_of(t->s, t->s + off) - 1,
                     "invalid regex: %s", (const char *)msg);
        return -1;
    }
    cl_ruleset *rs = p->rs;
    if (!grow((void **)&rs->res, &p->cap_res, rs->nres + 1, sizeof *rs->res)) {
        pcre2_code_free(re);
        p->nomem = true;
        return -1;
    }
    int cap = p->cap_res;
    bool *jit = cl_realloc(rs->jit, (size_t)cap * sizeof *jit);
    if (!jit) {
        pcre2_code_free(re);
        p->nomem = true;
        return -1;
    }
    rs->jit = jit;
    rs->jit[rs->nres] = pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0;
    rs->res[rs->nres] = re;
    return rs->nres++;
}

/* Reads a list file whole (core/cl_source); on failure *why is the reason
 * without the file name ("No such file or directory", "not a regular
 * file (a directory)"). */
static cl_err read_list_file(const char *path, char **buf, size_t *n, cl_diag *d,
                             const char **why)
{
    cl_source src = cl_source_path(path);
    cl_err err = cl_source_slurp(&src, buf, n, d);
    if (err) {
        size_t pl = strlen(path);
        *why = strncmp(d->msg, path, pl) == 0 && d->msg[pl] == ':' ? d->msg + pl + 2 : d->msg;
        if (!strncmp(*why, "cannot open: ", 13))
            *why += 13;
    }
    return err;
}

static bool is_trim(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Fills a set from a list file's text: one value per line, trimmed; blank
 * lines and lines starting with '#' skipped. */
static bool fill_set(parser *p, cl_strmap *set, const char *b, size_t n)
{
    if (n >= 3 && !memcmp(b, "\xEF\xBB\xBF", 3)) {
        b += 3;
        n -= 3;
    }
    const char *end = b + n;
    uint32_t line = 0;
    while (b < end) {
        const char *eol = memchr(b, '\n', (size_t)(end - b));
        if (!eol)
            eol = end;
        line++;
        const char *s = b, *e = eol;
        while (s < e && is_trim(*s))
            s++;
        while (e > s && is_trim(e[-1]))
            e--;
        if (s < e && *s != '#') {
            char *key = cl_arena_strndup(p->rs->arena, s, (size_t)(e - s));
            if (!key || cl_strmap_put(set, key, (size_t)(e - s), line, NULL) < 0)
                return false;
        }
        b = eol + 1;
    }
    return true;
}

static int load_list(parser *p, const rl_token *t)
{
    size_t dl = strlen(p->dir);
    char *path = cl_malloc(dl + t->len + 2);
    if (!path) {
        p->nomem = true;
        return -1;
    }
    if (t->s[0] == '/')
        memcpy(path, t->s, t->len + 1);
    else
        sprintf(path, "%s/%s", p->dir, t->s);
    for (int k = 0; k < p->nlists; k++)
        if (!strcmp(p->lists[k].path, path)) {
            free(path);
            return p->lists[k].set;
        }
    char *buf = NULL;
    size_t n = 0;
    cl_diag rd = {0};
    const char *why = "";
    if (read_list_file(path, &buf, &n, &rd, &why)) {
        rl_error_add(p->errs, t->line, t->col, "cannot read list file '%s': %s", t->s, why);
        free(path);
        return -1;
    }
    cl_ruleset *rs = p->rs;
    size_t lines = 1;
    for (size_t k = 0; k < n; k++)
        lines += buf[k] == '\n';
    cl_strmap *set = cl_strmap_create(lines);
    list_ref *nl = cl_realloc(p->lists, (size_t)(p->nlists + 1) * sizeof *nl);
    if (nl)
        p->lists = nl;
    if (!set || !nl || !grow((void **)&rs->sets, &p->cap_sets, rs->nsets + 1, sizeof *rs->sets) ||
        !fill_set(p, set, buf, n) || EVP_DigestUpdate(p->md, buf, n) != 1) {
        cl_strmap_free(set);
        free(buf);
        free(path);
        p->nomem = true;
        return -1;
    }
    free(buf);
    rs->sets[rs->nsets] = set;
    p->lists[p->nlists++] = (list_ref){path, rs->nsets};
    return rs->nsets++;
}

/* `in ( lit, ... )` or `in "file"`; `neg` for `not in`. */
static int parse_in(parser *p, operand l, bool neg)
{
    rl_token *t = peek(p);
    bool bad = l.kind == OPD_BAD;
    if (!bad && l.kind != OPD_FIELD) {
        error_at(p, l.tok, "'in' needs a field on the left");
        bad = true;
    }
    cl_vtype type = bad ? CL_VT_TEXT : opd_type(p, &l);
    if (t->kind == TK_STRING) {
        advance(p);
        if (!bad && type != CL_VT_TEXT) {
            rl_error_add(p->errs, l.tok->line, l.tok->col,
                         "a list file holds text; '%s' is %s", opd_name(p, &l),
                         type_names[type]);
            bad = true;
        }
        int set = load_list(p, t);
        if (p->nomem)
            return -1;
        if (bad || set < 0)
            return bad_node(p);
        rl_node n = node_of(RN_INSET);
        n.lf = l.idx;
        n.neg = neg;
        n.idx = set;
        return new_node(p, n);
    }
    if (t->kind != TK_LPAREN) {
        syntax(p, t, "'(' or a list file name after 'in'");
        return -1;
    }
    advance(p);
    cl_ruleset *rs = p->rs;
    int first = rs->nitems, count = 0;
    for (;;) {
        operand it;
        if (!parse_operand(p, &it))
            return -1;
        if (it.kind == OPD_FIELD || it.kind == OPD_CONST) {
            error_at(p, it.tok, "list items must be literals");
            bad = true;
        } else if (it.kind == OPD_BAD) {
            bad = true;
        } else if (!bad) {
            if (!grow((void **)&rs->items, &p->cap_items, rs->nitems + 1, sizeof(cl_value))) {
                p->nomem = true;
                return -1;
            }
            if (convert_lit(p, type, opd_name(p, &l), &it, &rs->items[rs->nitems]))
                rs->nitems++, count++;
            else
                bad = true;
        }
        rl_token *sep = peek(p);
        if (sep->kind == TK_RPAREN) {
            advance(p);
            break;
        }
        if (sep->kind != TK_COMMA) {
            syntax(p, sep, "',' or ')' in the list");
            return -1;
        }
        advance(p);
    }
    if (bad)
        return bad_node(p);
    rl_node n = node_of(RN_INLIST);
    n.lf = l.idx;
    n.neg = neg;
    n.idx = first;
    n.n = count;
    n.type = (uint8_t)type;
    return new_node(p, n);
}

static int parse_match(parser *p, operand l, bool neg)
{
    rl_token *t = peek(p);
    if (t->kind != TK_REGEX) {
        syntax(p, t, "a /regex/ after '=~' or '!~'");
        return -1;
    }
    advance(p);
    bool bad = l.kind == OPD_BAD;
    if (!bad && l.kind != OPD_FIELD) {
        error_at(p, l.tok, "a regex match needs a field on the left");
        bad = true;
    } else if (!bad && opd_type(p, &l) != CL_VT_TEXT) {
        rl_error_add(p->errs, l.tok->line, l.tok->col,
                     "a regex match needs a text field; '%s' is %s", opd_name(p, &l),
                     type_names[opd_type(p, &l)]);
        bad = true;
    }
    int re = add_regex(p, t);
    if (p->nomem)
        return -1;
    if (bad || re < 0)
        return bad_node(p);
    rl_node n = node_of(RN_MATCH);
    n.lf = l.idx;
    n.neg = neg;
    n.idx = re;
    return new_node(p, n);
}

static const struct {
    const char *name;
    rl_pred pred;
    bool text_only;
} preds[] = {
    {"empty", PRED_EMPTY, false},   {"valid", PRED_VALID, false},
    {"present", PRED_PRESENT, false}, {"prc_id", PRED_PRC_ID, true},
    {"uscc", PRED_USCC, true},      {"luhn", PRED_LUHN, true},
};

static int parse_pred(parser *p)
{
    rl_token *name = advance(p);
    advance(p); /* ( */
    int k = 0, np = (int)(sizeof preds / sizeof preds[0]);
    while (k < np && strcmp(preds[k].name, name->s))
        k++;
    bool bad = false;
    if (k == np) {
        rl_error_add(p->errs, name->line, name->col,
                     "unknown predicate '%s' (known: empty, valid, present, prc_id, uscc, luhn)",
                     name->s);
        bad = true;
    }
    operand a;
    if (!parse_operand(p, &a))
        return -1;
    if (peek(p)->kind != TK_RPAREN) {
        syntax(p, peek(p), "')'");
        return -1;
    }
    advance(p);
    if (bad || a.kind == OPD_BAD)
        return bad_node(p);
    if (a.kind != OPD_FIELD) {
        rl_error_add(p->errs, a.tok->line, a.tok->col, "%s() takes a field", preds[k].name);
        return bad_node(p);
    }
    if (preds[k].text_only && opd_type(p, &a) != CL_VT_TEXT) {
        rl_error_add(p->errs, a.tok->line, a.tok->col, "%s() needs a text field; '%s' is %s",
                     preds[k].name, opd_name(p, &a), type_names[opd_type(p, &a)]);
        return bad_node(p);
    }
    rl_node n = node_of(RN_PRED);
    n.pred = (uint8_t)preds[k].pred;
    n.lf = a.idx;
    return new_node(p, n);
}

/* ---- expressions ---- */

static int parse_expr(parser *p);

static int cmp_of(rl_tok k)
{
    switch (k) {
    case TK_EQ: return CMP_EQ;
    case TK_NE: return CMP_NE;
    case TK_LT: return CMP_LT;
    case TK_LE: return CMP_LE;
    case TK_GT: return CMP_GT;
    case TK_GE: return CMP_GE;
    default: return -1;
    }
}

static int parse_primary(parser *p)
{
    rl_token *t = peek(p);
    if (t->kind == TK_LPAREN) {
        advance(p);
        int e = parse_expr(p);
        if (e < 0)
            return -1;
        if (peek(p)->kind != TK_RPAREN) {
            syntax(p, peek(p), "')'");
            return -1;
        }
        advance(p);
        return e;
    }
    if (t->kind == TK_IDENT && !is_keyword(t) && peek2(p)->kind == TK_LPAREN)
        return parse_pred(p);
    operand l;
    if (!parse_operand(p, &l))
        return -1;
    rl_token *op = peek(p);
    int cmp = cmp_of(op->kind);
    if (cmp >= 0) {
        advance(p);
        operand r;
        if (!parse_operand(p, &r))
            return -1;
        return make_cmp(p, l, (rl_cmp)cmp, r, op);
    }
    if (op->kind == TK_MATCH || op->kind == TK_NOMATCH) {
        advance(p);
        return parse_match(p, l, op->kind == TK_NOMATCH);
    }
    if (is_kw(op, "in")) {
        advance(p);
        return parse_in(p, l, false);
    }
    if (is_kw(op, "not") && is_kw(peek2(p), "in")) {
        advance(p);
        advance(p);
        return parse_in(p, l, true);
    }
    /* a lone operand: a bool field, constant or literal */
    if (l.kind == OPD_BAD)
        return bad_node(p);
    if (l.kind == OPD_BOOL) {
        rl_node n = node_of(RN_CONST);
        n.neg = is_kw(l.tok, "true");
        return new_node(p, n);
    }
    if ((l.kind == OPD_FIELD || l.kind == OPD_CONST) && opd_type(p, &l) == CL_VT_BOOL) {
        rl_node n = node_of(l.kind == OPD_FIELD ? RN_BOOLF : RN_CONST);
        if (l.kind == OPD_FIELD)
            n.lf = l.idx;
        else
            n.neg = p->env->consts[l.idx].value.state == CL_V_OK &&
                    p->env->consts[l.idx].value.i != 0;
        return new_node(p, n);
    }
    syntax(p, op, "a comparison, '=~', '!~' or 'in' after the operand");
    return -1;
}

static int parse_not(parser *p)
{
    if (is_kw(peek(p), "not")) {
        advance(p);
        int a = parse_not(p);
        if (a < 0)
            return -1;
        rl_node n = node_of(RN_NOT);
        n.a = a;
        return new_node(p, n);
    }
    return parse_primary(p);
}

static int parse_binary(parser *p, const char *kw, rl_op op, int (*sub)(parser *))
{
    int l = sub(p);
    while (l >= 0 && is_kw(peek(p), kw)) {
        advance(p);
        int r = sub(p);
        if (r < 0)
            return -1;
        rl_node n = node_of(op);
        n.a = l;
        n.b = r;
        l = new_node(p, n);
    }
    return l;
}

static int parse_and(parser *p)
{
    return parse_binary(p, "and", RN_AND, parse_not);
}

static int parse_expr(parser *p)
{
    return parse_binary(p, "or", RN_OR, parse_and);
}

/* ---- rules ---- */

typedef struct rule_acc {
    const rl_token *kw, *id;
    const rl_token *pass_t, *when_t, *req_t, *then_t, *zh_t, *en_t;
    int pass, status;
    int when, req;
    const char *code, *zh, *en;
    int errs_before;
} rule_acc;

static bool is_upper_snake(const char *s)
{
    if (!(*s >= 'A' && *s <= 'Z'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

/* Reports a repeated clause; parsing goes on (the rule is not built). */
static void clause_once(parser *p, const rl_token *t, const rl_token **slot)
{
    if (*slot)
        rl_error_add(p->errs, t->line, t->col, "duplicate '%s' clause (first at line %d)", t->s,
                     (*slot)->line);
    else
        *slot = t;
}

static void list_names(const char *const *names, int n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = 0;
    for (int k = 0; k < n && used < size; k++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", k ? ", " : "", names[k]);
}

static bool parse_pass(parser *p, rule_acc *r)
{
    rl_token *t = peek(p);
    if (t->kind != TK_IDENT || is_keyword(t)) {
        syntax(p, t, "a pass name after 'pass'");
        return false;
    }
    advance(p);
    for (int k = 0; k < p->schema->npasses; k++)
        if (!strcmp(p->schema->passes[k], t->s)) {
            r->pass = k;
            return true;
        }
    char names[512];
    list_names(p->schema->passes, p->schema->npasses, names, sizeof names);
    rl_error_add(p->errs, t->line, t->col, "unknown pass '%s' (expected one of %s)", t->s, names);
    return true;
}

static bool parse_then(parser *p, rule_acc *r)
{
    rl_token *st = peek(p);
    if (st->kind != TK_IDENT || is_keyword(st)) {
        syntax(p, st, "a status after 'then'");
        return false;
    }
    advance(p);
    for (int k = 0; k < p->schema->nstatuses; k++)
        if (!strcmp(p->schema->statuses[k], st->s))
            r->status = k;
    if (r->status < 0) {
        char names[512];
        list_names(p->schema->statuses, p->schema->nstatuses, names, sizeof names);
        rl_error_add(p->errs, st->line, st->col, "unknown status '%s' (expected one of %s)",
                     st->s, names);
    }
    rl_token *code = peek(p);
    if (code->kind != TK_IDENT || is_keyword(code)) {
        syntax(p, code, "a reason code after the status");
        return false;
    }
    advance(p);
    if (!is_upper_snake(code->s))
        rl_error_add(p->errs, code->line, code->col,
                     "reason code '%s' must be UPPER_SNAKE_CASE", code->s);
    r->code = code->s;
    return true;
}

static bool parse_message(parser *p, const char **out)
{
    rl_token *t = peek(p);
    if (t->kind != TK_STRING) {
        syntax(p, t, "a quoted message");
        return false;
    }
    advance(p);
    if (t->len == 0)
        error_at(p, t, "empty message");
    char why[160];
    size_t off = 0;
    if (cl_rule_message_check(t->s, p->schema, &off, why, sizeof why))
        error_at(p, t, why);
    *out = t->s;
    return true;
}

/* One clause; false on a syntax error (the caller resynchronizes). */
static bool parse_clause(parser *p, rule_acc *r)
{
    rl_token *t = peek(p);
    if (!is_clause_kw(t)) {
        syntax(p, t, "a clause (pass, when, require, then, zh, en) or 'end'");
        return false;
    }
    advance(p);
    if (is_kw(t, "pass")) {
        clause_once(p, t, &r->pass_t);
        return parse_pass(p, r);
    }
    if (is_kw(t, "when") || is_kw(t, "require")) {
        bool when = is_kw(t, "when");
        clause_once(p, t, when ? &r->when_t : &r->req_t);
        int e = parse_expr(p);
        if (e < 0)
            return false;
        *(when ? &r->when : &r->req) = e;
        return true;
    }
    if (is_kw(t, "then")) {
        clause_once(p, t, &r->then_t);
        return parse_then(p, r);
    }
    bool zh = is_kw(t, "zh");
    clause_once(p, t, zh ? &r->zh_t : &r->en_t);
    return parse_message(p, zh ? &r->zh : &r->en);
}

static void check_rule(parser *p, rule_acc *r)
{
    static const struct { size_t off; const char *name; } need[] = {
        {offsetof(rule_acc, pass_t), "pass"}, {offsetof(rule_acc, req_t), "require"},
        {offsetof(rule_acc, then_t), "then"}, {offsetof(rule_acc, zh_t), "zh"},
        {offsetof(rule_acc, en_t), "en"},
    };
    for (size_t k = 0; k < sizeof need / sizeof need[0]; k++)
        if (!*(const rl_token **)((const char *)r + need[k].off))
            rl_error_add(p->errs, r->id->line, r->id->col, "rule '%s' has no '%s' clause",
                         r->id->s, need[k].name);
    if (r->pass < 0)
        return;
    for (int k = 0; k < p->nrefs; k++) {
        const cl_rule_field *f = &p->schema->fields[p->refs[k].field];
        if (f->min_pass > r->pass)
            rl_error_add(p->errs, p->refs[k].line, p->refs[k].col,
                         "field '%s' is not available in pass '%s' (first in pass '%s')",
                         f->name, p->schema->passes[r->pass], p->schema->passes[f->min_pass]);
    }
}

static void add_rule(parser *p, rule_acc *r)
{
    cl_ruleset *rs = p->rs;
    if (rs->nrules == p->cap_rules) {
        int cap = p->cap_rules ? p->cap_rules * 2 : 64;
        cl_rule_info *rules = cl_realloc(rs->rules, (size_t)cap * sizeof *rules);
        if (rules)
            rs->rules = rules;
        int *when = cl_realloc(rs->when, (size_t)cap * sizeof *when);
        if (when)
            rs->when = when;
        int *req = cl_realloc(rs->req, (size_t)cap * sizeof *req);
        if (req)
            rs->req = req;
        if (!rules || !when || !req) {
            p->nomem = true;
            return;
        }
        p->cap_rules = cap;
    }
    rs->rules[rs->nrules] = (cl_rule_info){r->id->s, r->pass, r->status, r->code,
                                           r->zh, r->en, r->kw->line};
    rs->when[rs->nrules] = r->when;
    rs->req[rs->nrules] = r->req;
    rs->nrules++;
}

/* Rule ids seen so far (also those of rules with errors). */
typedef struct id_seen {
    const rl_token **v;
    int n, cap;
} id_seen;

static void parse_rule(parser *p, id_seen *ids)
{
    rule_acc r = {.kw = advance(p), .pass = -1, .status = -1, .when = -1, .req = -1,
                  .errs_before = p->errs->n};
    p->nrefs = 0;
    rl_token *id = peek(p);
    if (id->kind != TK_IDENT || is_keyword(id)) {
        syntax(p, id, "a rule id after 'rule'");
        sync(p);
        return;
    }
    advance(p);
    r.id = id;
    for (int k = 0; k < ids->n; k++)
        if (!strcmp(ids->v[k]->s, id->s)) {
            rl_error_add(p->errs, id->line, id->col, "duplicate rule id '%s' (first at line %d)",
                         id->s, ids->v[k]->line);
            break;
        }
    if (grow((void **)&ids->v, &ids->cap, ids->n + 1, sizeof *ids->v))
        ids->v[ids->n++] = id;
    else
        p->nomem = true;   /* duplicate ids could no longer be told */
    for (;;) {
        rl_token *t = peek(p);
        if (is_kw(t, "end")) {
            advance(p);
            break;
        }
        if (t->kind == TK_EOF || is_kw(t, "rule")) {
            char what[128];
            snprintf(what, sizeof what, "'end' to close rule '%s'", id->s);
            syntax(p, t, what);
            return;
        }
        if (!parse_clause(p, &r) || p->nomem) {
            sync(p);
            return;
        }
    }
    check_rule(p, &r);
    if (p->errs->n == r.errs_before)
        add_rule(p, &r);
}

static void parse_file(parser *p)
{
    id_seen ids = {0};
    while (peek(p)->kind != TK_EOF && !p->nomem) {
        if (is_kw(peek(p), "rule")) {
            parse_rule(p, &ids);
            continue;
        }
        syntax(p, peek(p), "'rule'");
        advance(p);
        sync(p);
    }
    free(ids.v);
}

static bool build_passes(cl_ruleset *rs)
{
    int np = rs->schema->npasses;
    rs->pass_rules = cl_calloc((size_t)np, sizeof *rs->pass_rules);
    rs->pass_n = cl_calloc((size_t)np, sizeof *rs->pass_n);
    if (!rs->pass_rules || !rs->pass_n)
        return false;
    for (int k = 0; k < np; k++) {
        rs->pass_rules[k] = cl_malloc(((size_t)rs->nrules + 1) * sizeof(int));
        if (!rs->pass_rules[k])
            return false;
    }
    for (int r = 0; r < rs->nrules; r++) {
        int k = rs->rules[r].pass;
        rs->pass_rules[k][rs->pass_n[k]++] = r;
    }
    return true;
}

/* ---- the compile driver shared by load and check ---- */

void cl_ruleset_free(cl_ruleset *rs)
{
    if (!rs)
        return;
    for (int k = 0; k < rs->nres; k++)
        pcre2_code_free(rs->res[k]);
    for (int k = 0; k < rs->nsets; k++)
        cl_strmap_free(rs->sets[k]);
    if (rs->pass_rules)
        for (int k = 0; k < rs->schema->npasses; k++)
            free(rs->pass_rules[k]);
    free(rs->pass_rules);
    free(rs->pass_n);
    free(rs->res);
    free(rs->jit);
    free(rs->sets);
    free(rs->nodes);
    free(rs->items);
    free(rs->rules);
    free(rs->when);
    free(rs->req);
    cl_arena_free(rs->arena);
    free(rs);
}

static int err_cmp(const void *a, const void *b)
{
    const rl_error *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Compiles `path`. On success *out is the rule set (NULL when errors were
 * found: they are in errs, sorted). *src receives the file text for carets.
 * Returns CL_ERR_IO / CL_ERR_NOMEM for failures that are not rule errors. */
static cl_err compile(const cl_source *source, const cl_rule_schema *schema,
                      const cl_rule_env *env, cl_ruleset **out, rl_errors *errs, char **src,
                      cl_diag *d)
{
    const char *path = cl_source_label(source);
    static const cl_rule_env no_env = {NULL, 0, INT64_MAX};
    cl_err rc = CL_OK;
    size_t n = 0;
    parser p = {.path = path, .schema = schema, .env = env ? env : &no_env, .errs = errs};
    *out = NULL;
    *src = NULL;
    cl_err rerr = cl_source_slurp(source, src, &n, d);
    if (rerr)
        return rerr;
    cl_ruleset *rs = cl_calloc(1, sizeof *rs);
    p.rs = rs;
    /* list files: beside a rule file; else relative to the working directory */
    p.dir = source->kind == CL_SRC_PATH ? cl_path_dir(source->path) : cl_strdup(".");
    p.md = EVP_MD_CTX_new();
    if (!rs || !p.dir || !p.md || !(rs->arena = cl_arena_create(0)))
        goto nomem;
    rs->schema = schema;
    rs->max_birth_day = p.env->max_birth_day;
    if (EVP_DigestInit_ex(p.md, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(p.md, *src, n) != 1)
        goto nomem;
    if (!rl_lex(*src, n, rs->arena, &p.t, &p.nt, errs))
        goto nomem;
    parse_file(&p);
    if (p.nomem)
        goto nomem;
    if (errs->n) {
        qsort(errs->v, (size_t)errs->n, sizeof *errs->v, err_cmp);
        goto done;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_DigestFinal_ex(p.md, md, &mdlen) != 1 || !build_passes(rs))
        goto nomem;
    for (unsigned k = 0; k < mdlen && k < 32; k++)
        sprintf(rs->digest + 2 * k, "%02x", md[k]);
    *out = rs;
    rs = NULL;
    goto done;
nomem:
    rc = cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory compiling rules", path);
done:
    cl_ruleset_free(rs);
    for (int k = 0; k < p.nlists; k++)
        free(p.lists[k].path);
    free(p.lists);
    free(p.refs);
    free(p.t);
    free(p.dir);
    EVP_MD_CTX_free(p.md);
    return rc;
}

cl_err cl_ruleset_load(const char *path, const cl_rule_schema *schema,
                       const cl_rule_env *env, cl_ruleset **out, cl_diag *d)
{
    cl_source source = cl_source_path(path);
    return cl_ruleset_load_source(&source, schema, env, out, d);
}

cl_err cl_ruleset_load_source(const cl_source *source, const cl_rule_schema *schema,
                              const cl_rule_env *env, cl_ruleset **out, cl_diag *d)
{
    const char *path = cl_source_label(source);
    rl_errors errs = {0};
    char *src = NULL;
    *out = NULL;
    cl_err rc = compile(source, schema, env, out, &errs, &src, d);
    if (rc == CL_OK && errs.n)
        rc = cl_diag_set(d, CL_ERR_RULES, "%s:%d:%d: %s", path, errs.v[0].line, errs.v[0].col,
                         errs.v[0].msg);
    rl_errors_free(&errs);
    free(src);
    return rc;
}

/* Display width of code point cp in a terminal: 2 for East Asian wide and
 * fullwidth characters, else 1. */
static int cp_width(uint32_t cp)
{
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
                   (cp >= 0x3041 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
                   (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
                   (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) ||
                   (cp >= 0x1F300 && cp <= 0x1F64F) || (cp >= 0x20000 && cp <= 0x3FFFD)
               ? 2
               : 1;
}

static size_t u8_next(const char *s, const char *end, uint32_t *cp)
{
    unsigned char c = (unsigned char)*s;
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if ((size_t)(end - s) < n)
        n = (size_t)(end - s);
    uint32_t v = n == 1 ? c : n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
    for (size_t k = 1; k < n; k++)
        v = (v << 6) | ((unsigned char)s[k] & 0x3Fu);
    *cp = v;
    return n;
}

/* The source line, then spaces (tabs kept) up to the column and a caret. */
static void print_caret(FILE *f, const char *src, int line, int col)
{
    const char *s = src;
    for (int l = 1; l < line && s; l++) {
        s = strchr(s, '\n');
        if (s)
            s++;
    }
    if (!s)
        return;
    const char *e = strchr(s, '\n');
    if (!e)
        e = s + strlen(s);
    if (e > s && e[-1] == '\r')
        e--;
    fprintf(f, "%.*s\n", (int)(e - s), s);
    int c = 1;
    while (c < col) {
        uint32_t cp = ' ';
        if (s < e)
            s += u8_next(s, e, &cp);
        if (cp == '\t')
            fputc('\t', f);
        else
            fprintf(f, "%s", cp_width(cp) == 2 ? "  " : " ");
        c++;
    }
    fputs("^\n", f);
}

int cl_ruleset_check(const char *path, const cl_rule_schema *schema,
                     const cl_rule_env *env, FILE *report)
{
    rl_errors errs = {0};
    char *src = NULL;
    cl_ruleset *rs = NULL;
    cl_diag d = {0};
    int count;
    cl_source source = cl_source_path(path);
    if (compile(&source, schema, env, &rs, &errs, &src, &d) != CL_OK) {
        fprintf(report, "%s: error: %s\n", path,
                strncmp(d.msg, path, strlen(path)) ? d.msg : d.msg + strlen(path) + 2);
        count = 1;
    } else {
        for (int k = 0; k < errs.n; k++) {
            fprintf(report, "%s:%d:%d: error: %s\n", path, errs.v[k].line, errs.v[k].col,
                    errs.v[k].msg);
            print_caret(report, src, errs.v[k].line, errs.v[k].col);
        }
        count = errs.n;
    }
    cl_ruleset_free(rs);
    rl_errors_free(&errs);
    free(src);
    return count;
}

int cl_ruleset_count(const cl_ruleset *rs)
{
    return rs ? rs->nrules : 0;
}

const cl_rule_info *cl_ruleset_rule(const cl_ruleset *rs, int i)
{
    return rs && i >= 0 && i < rs->nrules ? &rs->rules[i] : NULL;
}

const char *cl_ruleset_digest(const cl_ruleset *rs)
{
    return rs ? rs->digest : "";
}

int cl_ruleset_words(const cl_ruleset *rs)
{
    return rs ? (rs->nrules + 63) / 64 : 0;
}
