/* cmd_rules.c - `claims rules check FILE [--case CASE.conf]`: compiles a rule
 * file against the engine's record schema and prints every error with
 * file:line:column, the source line and a caret; on success the rule count
 * and the rule set's digest. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/cl_error.h"
#include "core/cl_time.h"
#include "engine/cl_claim_schema.h"
#include "cli/cl_cli.h"
#include "ingest/cl_conf.h"
#include "ingest/cl_norm.h"
#include "rules/cl_rules.h"

static const char usage[] =
    "usage: claims rules check [FILE] [--case CASE.conf]\n"
    "       claims rules --help\n"
    "\n"
    "Checks a rule file (the rule language of rules/README.md) against the\n"
    "engine's record schema: syntax, unknown fields, a field read in a pass\n"
    "before it is set, type mismatches, unknown statuses and predicates, invalid\n"
    "regexes (PCRE2's message, at the column it points to), missing list files,\n"
    "duplicate rule ids, missing clauses and message placeholders ({field})\n"
    "naming an unknown field or left unclosed. Every error is printed to stderr as\n"
    "\n"
    "  FILE:LINE:COLUMN: error: MESSAGE\n"
    "  <the source line>\n"
    "        ^\n"
    "\n"
    "(columns count characters; the caret allows for wide CJK characters).\n"
    "On success it prints to stdout\n"
    "\n"
    "  FILE: N rules, OK (digest SHA256)\n"
    "\n"
    "where the digest covers the rule file and every list file it reads (runs\n"
    "record it in their manifest).\n"
    "\n"
    "Without FILE the shipped default rule set is checked, the one 'claims run'\n"
    "uses without --rules: PREFIX/share/claims/rules/default.rules beside the\n"
    "installed binary (from a build directory: the source tree's), or the file\n"
    "env CLAIMS_RULES names.\n"
    "\n"
    "options:\n"
    "  --case CASE.conf  take acceptance_date (the bound of prc_id()'s birth\n"
    "                    date) and declaration_deadline from the case's\n"
    "                    configuration; without it the constants exist with\n"
    "                    placeholder values, which is enough to check types\n"
    "  -h, --help        this help\n"
    "\n"
    "exit codes:\n"
    "  0  the file compiles\n"
    "  1  the file has errors (each printed), or case.conf is bad\n"
    "  2  usage error\n"
    "  3  internal error\n";

/* Reads acceptance_date and declaration_deadline from case.conf. */
static int env_from_case(const char *path, cl_rule_const consts[2], cl_rule_env *env)
{
    cl_conf *conf = NULL;
    cl_diag d = {0};
    cl_err rc = cl_conf_load(path, &conf, &d);
    if (rc != CL_OK) {
        cl_cli_error("%s", d.msg);
        return cl_exit_code(rc);
    }
    int found = 0, status = CL_EXIT_OK;
    for (size_t k = 0; k < conf->count && status == CL_EXIT_OK; k++) {
        const cl_conf_entry *e = &conf->entries[k];
        int which = !strcmp(e->key, "acceptance_date")        ? 0
                    : !strcmp(e->key, "declaration_deadline") ? 1
                                                              : -1;
        if (which < 0)
            continue;
        int64_t day;
        if (!cl_parse_date(e->value, strlen(e->value), &day)) {
            cl_cli_error("%s:%d: %s: not a date: '%s'", path, e->line, e->key, e->value);
            status = CL_EXIT_INPUT;
            break;
        }
        found |= 1 << which;
        cl_time t = (cl_time)day * 86400 + (which ? 86399 : 0);
        consts[which].value = (cl_value){CL_V_OK, NULL, 0, t};
        if (which == 0)
            env->max_birth_day = day;
    }
    for (int which = 0; which < 2 && status == CL_EXIT_OK; which++)
        if (!(found & (1 << which))) {
            cl_cli_error("%s: %s is missing", path, consts[which].name);
            status = CL_EXIT_INPUT;
        }
    cl_conf_free(conf);
    return status;
}

static int check(const char *file, const char *case_path)
{
    cl_rule_const consts[2] = {
        {"acceptance_date", CL_VT_TIME, {CL_V_OK, NULL, 0, 0}},
        {"declaration_deadline", CL_VT_TIME, {CL_V_OK, NULL, 0, 86399}},
    };
    cl_rule_env env = {consts, 2, INT64_MAX};
    if (case_path) {
        int st = env_from_case(case_path, consts, &env);
        if (st != CL_EXIT_OK)
            return st;
    }
    const cl_rule_schema *schema = cl_claim_rule_schema();
    int errors = cl_ruleset_check(file, schema, &env, stderr);
    if (errors) {
        fprintf(stderr, "%s: %d error%s\n", file, errors, errors == 1 ? "" : "s");
        return CL_EXIT_INPUT;
    }
    cl_ruleset *rs = NULL;
    cl_diag d = {0};
    cl_err rc = cl_ruleset_load(file, schema, &env, &rs, &d);
    if (rc != CL_OK) {
        cl_cli_error("%s", d.msg);
        return cl_exit_code(rc);
    }
    printf("%s: %d rule%s, OK (digest %s)\n", file, cl_ruleset_count(rs),
           cl_ruleset_count(rs) == 1 ? "" : "s", cl_ruleset_digest(rs));
    cl_ruleset_free(rs);
    return CL_EXIT_OK;
}

int cl_cmd_rules(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return CL_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, stdout);
        return CL_EXIT_OK;
    }
    if (strcmp(argv[1], "check")) {
        cl_cli_error("rules: unknown subcommand '%s' (see 'claims rules --help')", argv[1]);
        return CL_EXIT_USAGE;
    }
    const char *file = NULL, *case_path = NULL;
    for (int k = 2; k < argc; k++) {
        if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) {
            fputs(usage, stdout);
            return CL_EXIT_OK;
        } else if (!strcmp(argv[k], "--case")) {
            if (k + 1 >= argc) {
                cl_cli_error("rules check: --case needs a file");
                return CL_EXIT_USAGE;
            }
            case_path = argv[++k];
        } else if (!strncmp(argv[k], "--case=", 7)) {
            case_path = argv[k] + 7;
        } else if (argv[k][0] == '-' && argv[k][1]) {
            cl_cli_error("rules check: unknown option '%s' (see 'claims rules --help')", argv[k]);
            return CL_EXIT_USAGE;
        } else if (file) {
            cl_cli_error("rules check: one rule file at a time ('%s' and '%s')", file, argv[k]);
            return CL_EXIT_USAGE;
        } else {
            file = argv[k];
        }
    }
    char rules[4096];
    if (!file && !(file = cl_cli_rules_or_error("rules check", rules, sizeof rules)))
        return CL_EXIT_INPUT;
    return check(file, case_path);
}
