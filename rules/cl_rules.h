/* cl_rules.h - the rule language: rule files parsed into passes of compiled
 * checks (PCRE2 with JIT, comparisons, list membership, checksum predicates)
 * and evaluated over records in parallel. The module knows fields and
 * outcomes, never the statute's stages: the caller describes its records
 * with a schema (field names, types, a getter) and interprets the outcomes.
 * Grammar and examples: rules/README.md. */
#ifndef CL_RULES_H
#define CL_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/cl_error.h"
#include "core/cl_source.h"

typedef enum cl_vtype {
    CL_VT_TEXT = 0,
    CL_VT_MONEY,   /* int64 fen */
    CL_VT_TIME,    /* cl_time: court-local seconds */
    CL_VT_INT,
    CL_VT_BOOL
} cl_vtype;

typedef enum cl_vstate {
    CL_V_OK = 0,
    CL_V_EMPTY,    /* the input was empty */
    CL_V_INVALID   /* the input did not parse; `s` holds the raw text */
} cl_vstate;

typedef struct cl_value {
    cl_vstate state;
    const char *s;   /* TEXT value (normalized), or raw text when INVALID */
    size_t len;
    int64_t i;       /* MONEY, TIME, INT, BOOL */
} cl_value;

typedef struct cl_rule_field {
    const char *name;
    cl_vtype type;
    int min_pass;    /* first pass (index into schema passes) that may read it */
} cl_rule_field;

/* Fills *out with field `field` (index into schema fields) of record `row`.
 * Must be thread-safe (it is called from OpenMP threads). */
typedef void (*cl_rule_get_fn)(const void *data, size_t row, int field, cl_value *out);

typedef struct cl_rule_schema {
    const cl_rule_field *fields;
    int nfields;
    const char *const *passes;     /* pass names in evaluation order */
    int npasses;
    const char *const *statuses;   /* outcome statuses a rule may name */
    int nstatuses;
    cl_rule_get_fn get;
} cl_rule_schema;

/* Named constants rules may read (e.g. acceptance_date), and the bound for
 * the prc_id() predicate's birth date. */
typedef struct cl_rule_const {
    const char *name;
    cl_vtype type;
    cl_value value;
} cl_rule_const;

typedef struct cl_rule_env {
    const cl_rule_const *consts;
    int nconsts;
    int64_t max_birth_day;   /* days since 1970-01-01; INT64_MAX: no bound */
} cl_rule_env;

typedef struct cl_rule_info {
    const char *id;
    int pass;          /* index into schema passes */
    int status;        /* index into schema statuses */
    const char *code;  /* reason code, e.g. NAME_MISSING */
    const char *msg_zh;
    const char *msg_en;
    int line;          /* where the rule starts in its file */
} cl_rule_info;

typedef struct cl_ruleset cl_ruleset;

/* Compiles a rule file (list files resolve relative to its directory). The
 * first error is returned in d as "file:line:col: message". */
cl_err cl_ruleset_load(const char *path, const cl_rule_schema *schema,
                       const cl_rule_env *env, cl_ruleset **out, cl_diag *d);
/* The same from a byte source (a file, memory, a stream); messages name its
 * label. List files resolve relative to the rule file's directory for a
 * path source, else to the working directory. A missing, unreadable or
 * non-regular rule file is CL_ERR_INPUT naming it. */
cl_err cl_ruleset_load_source(const cl_source *source, const cl_rule_schema *schema,
                              const cl_rule_env *env, cl_ruleset **out, cl_diag *d);
void cl_ruleset_free(cl_ruleset *rs);

/* `claims rules check`: compiles and writes every error to `report` as
 * "file:line:col: error: message", the source line, and a caret under the
 * column. Returns the number of errors (0: the file is good). */
int cl_ruleset_check(const char *path, const cl_rule_schema *schema,
                     const cl_rule_env *env, FILE *report);

int cl_ruleset_count(const cl_ruleset *rs);
const cl_rule_info *cl_ruleset_rule(const cl_ruleset *rs, int i);
/* SHA-256 (hex) over the rule file and every list file it reads. */
const char *cl_ruleset_digest(const cl_ruleset *rs);

/* Outcome bitsets: for each record, cl_ruleset_words() uint64 words; bit r
 * is set when rule r fired on the record (its condition held and its check
 * failed). */
int cl_ruleset_words(const cl_ruleset *rs);

/* Evaluates the rules of `pass` over rows [0, n) whose active[row] is
 * non-zero (active NULL: all rows), in parallel with nthreads OpenMP threads
 * (<= 0: default), and ORs the fired bits into hits[row * words ...].
 * Deterministic: results depend only on the records. */
cl_err cl_ruleset_eval(const cl_ruleset *rs, int pass, const void *data, size_t n,
                       const unsigned char *active, uint64_t *hits, int nthreads,
                       cl_diag *d);

/* Messages: "{field}" in a rule's `zh`/`en` text names a schema field whose
 * value on the record fills it when the reason is shown; "{{" and "}}" are
 * literal braces. cl_rule_message_check returns NULL when msg is well
 * formed, else `why` (filled, at most cap bytes) and *off, the byte offset of
 * the bad placeholder. cl_rule_message writes msg with its placeholders
 * filled from record `row` (text as read, money in yuan "299.00", time
 * "YYYY-MM-DD HH:MM:SS", an unparsed value as its raw text, an empty one as
 * "（空）" or, en != 0, "(empty)") into buf, NUL-ended, cut at a UTF-8
 * boundary when cap is short; returns its length. */
const char *cl_rule_message_check(const char *msg, const cl_rule_schema *schema, size_t *off,
                                  char *why, size_t cap);
size_t cl_rule_message(const char *msg, const cl_rule_schema *schema, const void *data,
                       size_t row, int en, char *buf, size_t cap);

#endif
