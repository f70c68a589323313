/* cl_rules_lex.c - the rule language's lexer: identifiers, strings, numbers,
 * regex literals (after =~ and !~), operators; each token with its line and
 * column (columns count code points). Also the error list the compiler
 * fills. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/cl_rules_int.h"
#include "core/cl_alloc.h"

void rl_error_add(rl_errors *e, int line, int col, const char *fmt, ...)
{
    if (e->n == e->cap) {
        int cap = e->cap ? e->cap * 2 : 16;
        rl_error *v = cl_realloc(e->v, (size_t)cap * sizeof *v);
        if (!v)
            return;
        e->v = v;
        e->cap = cap;
    }
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *msg = cl_strdup(buf);
    if (!msg)
        return;
    e->v[e->n] = (rl_error){line, col, e->n, msg};
    e->n++;
}

void rl_errors_free(rl_errors *e)
{
    for (int i = 0; i < e->n; i++)
        free(e->v[i].msg);
    free(e->v);
    e->v = NULL;
    e->n = e->cap = 0;
}

int rl_col_of(const char *line_start, const char *p)
{
    int col = 1;
    for (const char *q = line_start; q < p; q++)
        if (((unsigned char)*q & 0xC0) != 0x80)
            col++;
    return col;
}

typedef struct lexer {
    const char *src, *end, *p;
    const char *line_start;
    int line;
    cl_arena *arena;
    rl_errors *errs;
    rl_token *toks;
    int n, cap;
} lexer;

static bool push(lexer *lx, rl_token t)
{
    if (lx->n == lx->cap) {
        int cap = lx->cap ? lx->cap * 2 : 256;
        rl_token *v = cl_realloc(lx->toks, (size_t)cap * sizeof *v);
        if (!v)
            return false;
        lx->toks = v;
        lx->cap = cap;
    }
    lx->toks[lx->n++] = t;
    return true;
}

static rl_token tok_at(lexer *lx, rl_tok kind, const char *at)
{
    rl_token t;
    memset(&t, 0, sizeof t);
    t.kind = kind;
    t.line = lx->line;
    t.col = rl_col_of(lx->line_start, at);
    t.s = "";
    return t;
}

static void skip_line(lexer *lx)
{
    while (lx->p < lx->end && *lx->p != '\n')
        lx->p++;
}

static bool is_ident_start(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_ident_char(int c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '-';
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* "..." with \" \\ \n \t escapes; no newline inside. */
static bool lex_string(lexer *lx, rl_token *t)
{
    const char *start = lx->p;
    const char *eol = memchr(start, '\n', (size_t)(lx->end - start));
    char *buf = cl_arena_alloc(lx->arena, (size_t)((eol ? eol : lx->end) - start) + 1);
    if (!buf)
        return false;
    size_t n = 0;
    t->kind = TK_STRING;
    lx->p++;
    while (lx->p < lx->end && *lx->p != '"' && *lx->p != '\n') {
        char c = *lx->p++;
        if (c == '\\' && lx->p < lx->end && *lx->p != '\n') {
            char e = *lx->p++;
            switch (e) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case '"': case '\\': c = e; break;
            default:
                rl_error_add(lx->errs, lx->line, rl_col_of(lx->line_start, lx->p - 2),
                             "unknown escape '\\%c' in string", e);
                t->kind = TK_ERROR;
                c = e;
            }
        }
        buf[n++] = c;
    }
    buf[n] = 0;
    if (lx->p >= lx->end || *lx->p != '"') {
        rl_error_add(lx->errs, t->line, t->col, "unterminated string");
        t->kind = TK_ERROR;
        return true;
    }
    lx->p++;
    t->s = buf;
    t->len = n;
    return true;
}

/* /pattern/flags: the pattern is kept byte for byte (\/ stays \/, which
 * PCRE2 reads as a slash), so PCRE2's error offsets map onto the source. */
static bool lex_regex(lexer *lx, rl_token *t)
{
    const char *start = ++lx->p;
    while (lx->p < lx->end && *lx->p != '/' && *lx->p != '\n') {
        if (*lx->p == '\\' && lx->p + 1 < lx->end && lx->p[1] != '\n')
            lx->p++;
        lx->p++;
    }
    if (lx->p >= lx->end || *lx->p != '/') {
        rl_error_add(lx->errs, t->line, t->col, "unterminated regex");
        t->kind = TK_ERROR;
        return true;
    }
    t->kind = TK_REGEX;
    t->s = cl_arena_strndup(lx->arena, start, (size_t)(lx->p - start));
    if (!t->s)
        return false;
    t->len = (size_t)(lx->p - start);
    t->pat_col = rl_col_of(lx->line_start, start);
    lx->p++;
    size_t nf = 0;
    while (lx->p < lx->end && is_ident_char((unsigned char)*lx->p)) {
        if (nf + 1 < sizeof t->flags)
            t->flags[nf++] = *lx->p;
        else {
            rl_error_add(lx->errs, lx->line, rl_col_of(lx->line_start, lx->p),
                         "too many regex flags");
            t->kind = TK_ERROR;
        }
        lx->p++;
    }
    t->flags[nf] = 0;
    return true;
}

static bool lex_word(lexer *lx, rl_token *t, rl_tok kind, bool (*more)(int))
{
    const char *start = lx->p;
    lx->p++;
    while (lx->p < lx->end && more((unsigned char)*lx->p))
        lx->p++;
    t->kind = kind;
    t->len = (size_t)(lx->p - start);
    t->s = cl_arena_strndup(lx->arena, start, t->len);
    return t->s != NULL;
}

static bool is_number_char(int c)
{
    return is_digit(c) || c == '.';
}

static bool lex_number(lexer *lx, rl_token *t)
{
    const char *start = lx->p;
    if (!lex_word(lx, t, TK_NUMBER, is_number_char))
        return false;
    /* -?digits(.digits)? and nothing glued after it */
    const char *s = t->s + (*t->s == '-');
    const char *dot = strchr(s, '.');
    bool ok = is_digit((unsigned char)*s) && (!dot || (is_digit((unsigned char)dot[1]) &&
                                                      !strchr(dot + 1, '.')));
    if (ok && lx->p < lx->end && is_ident_char((unsigned char)*lx->p))
        ok = false;
    if (!ok) {
        while (lx->p < lx->end && is_ident_char((unsigned char)*lx->p))
            lx->p++;
        rl_error_add(lx->errs, t->line, t->col, "malformed number '%.*s'",
                     (int)(lx->p - start), start);
        t->kind = TK_ERROR;
    }
    return true;
}

static bool op2(lexer *lx, rl_token *t, char second, rl_tok two, rl_tok one)
{
    if (lx->p + 1 < lx->end && lx->p[1] == second) {
        lx->p += 2;
        t->kind = two;
        return true;
    }
    if (one == TK_ERROR)
        return false;
    lx->p++;
    t->kind = one;
    return true;
}

/* One token at lx->p (whitespace and comments already skipped). */
static bool lex_one(lexer *lx, rl_tok prev, rl_token *t)
{
    int c = (unsigned char)*lx->p;
    *t = tok_at(lx, TK_ERROR, lx->p);
    if (c == '"')
        return lex_string(lx, t);
    if (c == '/' && (prev == TK_MATCH || prev == TK_NOMATCH))
        return lex_regex(lx, t);
    if (is_ident_start(c))
        return lex_word(lx, t, TK_IDENT, is_ident_char);
    if (is_digit(c) || (c == '-' && lx->p + 1 < lx->end && is_digit((unsigned char)lx->p[1])))
        return lex_number(lx, t);
    switch (c) {
    case '(': lx->p++; t->kind = TK_LPAREN; return true;
    case ')': lx->p++; t->kind = TK_RPAREN; return true;
    case ',': lx->p++; t->kind = TK_COMMA; return true;
    case '<': return op2(lx, t, '=', TK_LE, TK_LT);
    case '>': return op2(lx, t, '=', TK_GE, TK_GT);
    case '=':
        if (op2(lx, t, '=', TK_EQ, TK_ERROR) || op2(lx, t, '~', TK_MATCH, TK_ERROR))
            return true;
        break;
    case '!':
        if (op2(lx, t, '=', TK_NE, TK_ERROR) || op2(lx, t, '~', TK_NOMATCH, TK_ERROR))
            return true;
        break;
    default:
        break;
    }
    /* report the whole character; a run of non-ASCII text (a CJK word
     * where an identifier belongs) as one error */
    int n = 1;
    while (lx->p + n < lx->end && ((unsigned char)lx->p[n] & 0xC0) == 0x80)
        n++;
    if (c >= 0x80) {
        while (lx->p + n < lx->end && ((unsigned char)lx->p[n] & 0x80))
            n++;
        rl_error_add(lx->errs, t->line, t->col,
                     "unexpected text '%.*s' (names are ASCII; text goes in quotes)", n, lx->p);
    } else if (c == '=')
        rl_error_add(lx->errs, t->line, t->col, "unexpected '=' (use '==' to compare)");
    else
        rl_error_add(lx->errs, t->line, t->col, "unexpected character '%.*s'", n, lx->p);
    t->kind = TK_ERROR;
    lx->p += n;
    return true;
}

bool rl_lex(const char *src, size_t n, cl_arena *a, rl_token **toks, int *ntoks,
            rl_errors *errs)
{
    lexer lx = {.src = src, .end = src + n, .p = src, .line_start = src, .line = 1,
                .arena = a, .errs = errs};
    rl_tok prev = TK_EOF;
    for (;;) {
        while (lx.p < lx.end && (*lx.p == ' ' || *lx.p == '\t' || *lx.p == '\r' ||
                                 *lx.p == '\n' || *lx.p == '#')) {
            if (*lx.p == '#') {
                skip_line(&lx);
                continue;
            }
            if (*lx.p == '\n') {
                lx.line++;
                lx.line_start = lx.p + 1;
            }
            lx.p++;
        }
        if (lx.p >= lx.end)
            break;
        rl_token t;
        if (!lex_one(&lx, prev, &t) || !push(&lx, t))
            goto fail;
        prev = t.kind;
    }
    if (!push(&lx, tok_at(&lx, TK_EOF, lx.p)))
        goto fail;
    *toks = lx.toks;
    *ntoks = lx.n;
    return true;
fail:
    free(lx.toks);
    return false;
}
