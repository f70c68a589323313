/* cl_rules_int.h - internals shared by the rule compiler (cl_rules_parse.c),
 * its lexer (cl_rules_lex.c) and the evaluator (cl_rules_eval.c). Not a
 * public header: only the rules module include it. */
#ifndef CL_RULES_INT_H
#define CL_RULES_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>

#include "core/cl_arena.h"
#include "core/cl_hash.h"
#include "rules/cl_rules.h"

/* ---- tokens ---- */

typedef enum rl_tok {
    TK_EOF = 0,
    TK_IDENT,    /* [A-Za-z_][A-Za-z0-9_-]* (keywords too) */
    TK_STRING,   /* "..." (unescaped text in s/len) */
    TK_NUMBER,   /* -?[0-9]+(.[0-9]+)? */
    TK_REGEX,    /* /pattern/flags: pattern in s/len, flags in flags */
    TK_LPAREN, TK_RPAREN, TK_COMMA,
    TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE, TK_MATCH, TK_NOMATCH,
    TK_ERROR     /* a lexical error, already reported */
} rl_tok;

typedef struct rl_token {
    rl_tok kind;
    int line, col;      /* 1-based; col counts code points */
    const char *s;      /* text (arena, NUL-terminated) */
    size_t len;
    char flags[8];      /* regex flags */
    int pat_col;        /* regex: column of the pattern's first character */
} rl_token;

/* ---- diagnostics collected while compiling ---- */

typedef struct rl_error {
    int line, col;
    int seq;            /* order of discovery, to keep sorting stable */
    char *msg;
} rl_error;

typedef struct rl_errors {
    rl_error *v;
    int n, cap;
} rl_errors;

void rl_error_add(rl_errors *e, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void rl_errors_free(rl_errors *e);

/* Tokenizes src (NUL-terminated, n bytes) into *toks (malloc'd, ends with
 * TK_EOF). Strings go into the arena. Lexical errors are added to errs and
 * leave a TK_ERROR token. Returns false only when out of memory. */
bool rl_lex(const char *src, size_t n, cl_arena *a, rl_token **toks, int *ntoks,
            rl_errors *errs);

/* Column (1-based, code points) of byte offset `off` within the line that
 * starts at `line_start`. */
int rl_col_of(const char *line_start, const char *p);

/* ---- compiled expressions ---- */

typedef enum rl_op {
    RN_AND, RN_OR, RN_NOT, RN_CONST, RN_BOOLF, RN_CMP, RN_MATCH,
    RN_INLIST, RN_INSET, RN_PRED
} rl_op;

typedef enum rl_cmp { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE } rl_cmp;

typedef enum rl_pred {
    PRED_EMPTY, PRED_VALID, PRED_PRESENT, PRED_PRC_ID, PRED_USCC, PRED_LUHN
} rl_pred;

typedef struct rl_node {
    uint8_t op;         /* rl_op */
    uint8_t cmp;        /* rl_cmp for RN_CMP */
    uint8_t neg;        /* RN_MATCH: !~ ; RN_INLIST/RN_INSET: not in ; RN_CONST value */
    uint8_t pred;       /* rl_pred */
    uint8_t type;       /* cl_vtype of the comparison */
    int a, b;           /* children of AND/OR/NOT */
    int lf;             /* left field (index into schema fields) */
    int rf;             /* right field, or -1: rv holds the value */
    cl_value rv;
    int idx;            /* regex / set / first list item */
    int n;              /* number of list items */
} rl_node;

struct cl_ruleset {
    const cl_rule_schema *schema;
    int64_t max_birth_day;
    cl_arena *arena;

    cl_rule_info *rules;
    int *when;          /* root node per rule, -1: no condition */
    int *req;           /* root node per rule */
    int nrules;

    rl_node *nodes;
    int nnodes;
    cl_value *items;    /* list literal items */
    int nitems;
    pcre2_code **res;
    bool *jit;          /* res[i] was JIT-compiled */
    int nres;
    cl_strmap **sets;
    int nsets;

    int **pass_rules;   /* per pass: indices of its rules, in file order */
    int *pass_n;

    char digest[65];
};

#endif
