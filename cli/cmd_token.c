/* cmd_token.c - `claims token create|revoke|list`: the API's bearer tokens
 * (docs/API.md). A new token is printed once, as the last line of stdout;
 * the database keeps only its SHA-256, and list never shows either. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cl_api.h"
#include "cli/cl_cli.h"

static const char help[] =
    "usage: claims token create --db CONNINFO --case-id ID --role ROLE [--creditor-id ID]\n"
    "                           [--submission SID]... [--expires WHEN] [--label TEXT]\n"
    "       claims token revoke --db CONNINFO --case-id ID --token-id N\n"
    "       claims token list   --db CONNINFO --case-id ID\n"
    "\n"
    "Bearer tokens of the HTTP API ('claims serve'). Run as the administrator (the\n"
    "schema's owner), not as the API role.\n"
    "\n"
    "  create  mints a token of 32 random bytes (base64url, 43 characters) and prints\n"
    "          it as the LAST line of stdout, once: only its SHA-256 is stored, so a lost\n"
    "          token cannot be shown again (create another, revoke the old)\n"
    "  revoke  revokes a token by its id: every later request with it gets 401\n"
    "  list    lists the case's tokens (id, role, creditor, submissions, label,\n"
    "          created, expires, state) - never a token\n"
    "\n"
    "options:\n"
    "  --db CONNINFO       libpq connection string (no password here: ~/.pgpass)\n"
    "  --case-id ID        the case the token opens (a token opens one case)\n"
    "  --role ROLE         creditor, reviewer, judge, administrator or platform (the\n"
    "                      platform's service token, which mints creditor tokens over\n"
    "                      POST /v1/tokens)\n"
    "  --creditor-id ID    creditor tokens: the verified identity's creditor_id\n"
    "  --submission SID    creditor tokens: a submission id that person filed (repeat)\n"
    "  --expires WHEN      a time ('2027-01-31T00:00:00Z') or an interval from now\n"
    "                      ('30 days'); default: never (creditor tokens should expire)\n"
    "  --label TEXT        who holds the token (e.g. a reviewer's name), shown by list\n"
    "  --token-id N        revoke: the token's id (from create or list)\n"
    "  -h, --help          this help\n"
    "\n"
    "exit codes: 0 ok; 1 bad input (unknown case or token id, bad time); 2 usage;\n"
    "            3 database error\n";

enum { O_DB = 256, O_CASE, O_ROLE, O_CRED, O_SUB, O_EXP, O_LABEL, O_ID };

static const struct option longopts[] = {
    {"db", required_argument, NULL, O_DB},
    {"case-id", required_argument, NULL, O_CASE},
    {"role", required_argument, NULL, O_ROLE},
    {"creditor-id", required_argument, NULL, O_CRED},
    {"submission", required_argument, NULL, O_SUB},
    {"expires", required_argument, NULL, O_EXP},
    {"label", required_argument, NULL, O_LABEL},
    {"token-id", required_argument, NULL, O_ID},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct tok_args {
    const char *sub, *db, *token_id;
    cl_api_token_spec spec;
    const char *subs[256];
} tok_args;

static int allowed(const char *sub, int o)
{
    if (o == O_DB || o == O_CASE)
        return 1;
    if (!strcmp(sub, "create"))
        return o >= O_ROLE && o <= O_LABEL;
    if (!strcmp(sub, "revoke"))
        return o == O_ID;
    return 0;
}

static int parse(int argc, char **argv, tok_args *a)
{
    int o;
    optind = 1;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (o == 'h') {
            fputs(help, stdout);
            return -1;
        }
        if (o == '?' || o == ':' || !allowed(a->sub, o)) {
            cl_cli_error("token %s: unknown or incomplete option '%s' (see 'claims token --help')",
                         a->sub, argv[optind - 1]);
            return CL_EXIT_USAGE;
        }
        switch (o) {
        case O_DB: a->db = optarg; break;
        case O_CASE: a->spec.case_id = optarg; break;
        case O_ROLE:
            if (!(a->spec.role = cl_api_role_parse(optarg))) {
                cl_cli_error("token create: unknown --role '%s' (creditor, reviewer, judge, "
                             "administrator, platform)", optarg);
                return CL_EXIT_USAGE;
            }
            break;
        case O_CRED: a->spec.creditor_id = optarg; break;
        case O_SUB:
            if (a->spec.nsubmissions == 256) {
                cl_cli_error("token create: at most 256 --submission");
                return CL_EXIT_USAGE;
            }
            a->subs[a->spec.nsubmissions++] = optarg;
            break;
        case O_EXP: a->spec.expires = optarg; break;
        case O_LABEL: a->spec.label = optarg; break;
        case O_ID: a->token_id = optarg; break;
        }
    }
    a->spec.submissions = a->subs;
    if (optind < argc || !a->spec.case_id) {
        cl_cli_error("token %s: --case-id is required and no extra arguments are taken", a->sub);
        return CL_EXIT_USAGE;
    }
    return 0;
}

static int run(tok_args *a)
{
    cl_diag d;
    cl_diag_clear(&d);
    cl_err err;
    if (!strcmp(a->sub, "create")) {
        char token[CL_API_TOKEN_LEN + 1];
        int64_t id = 0;
        if (!a->spec.role) {
            cl_cli_error("token create: --role is required");
            return CL_EXIT_USAGE;
        }
        if (!(err = cl_api_token_create(a->db, &a->spec, token, &id, &d))) {
            printf("token_id %lld, role %s, case %s\n%s\n", (long long)id,
                   cl_api_role_name(a->spec.role), a->spec.case_id, token);
            memset(token, 0, sizeof token);
        }
    } else if (!strcmp(a->sub, "revoke")) {
        char *end = NULL;
        long long id = a->token_id ? strtoll(a->token_id, &end, 10) : 0;
        if (!a->token_id || *end || id <= 0) {
            cl_cli_error("token revoke: --token-id N (a positive number) is required");
            return CL_EXIT_USAGE;
        }
        if (!(err = cl_api_token_revoke(a->db, a->spec.case_id, id, &d)))
            printf("token %lld revoked\n", id);
    } else {
        err = cl_api_token_list(a->db, a->spec.case_id, stdout, &d);
    }
    if (err) {
        cl_cli_error("token %s: %s", a->sub, d.msg);
        return cl_exit_code(err);
    }
    return CL_EXIT_OK;
}

int cl_cmd_token(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(help, stdout);
        return CL_EXIT_OK;
    }
    if (argc < 2 || (strcmp(argv[1], "create") && strcmp(argv[1], "revoke") &&
                     strcmp(argv[1], "list"))) {
        cl_cli_error("token: expected create, revoke or list (see 'claims token --help')");
        return CL_EXIT_USAGE;
    }
    tok_args a = {.sub = argv[1]};
    int rc = parse(argc - 1, argv + 1, &a);
    if (rc)
        return rc < 0 ? CL_EXIT_OK : rc;
    if (!a.db)
        a.db = "";
    return run(&a);
}
