/* cl_cli.h - the claims subcommands. Each takes argv after the subcommand
 * name (argv[0] is the subcommand) and returns a process exit code
 * (CL_EXIT_* of core/cl_error.h). */
#ifndef CL_CLI_H
#define CL_CLI_H

#include <stddef.h>

#include "ingest/cl_csv.h"

int cl_cmd_run(int argc, char **argv);
int cl_cmd_run_db(int argc, char **argv);   /* cmd_run_db.c: claims run --db */
int cl_cmd_gen(int argc, char **argv);
int cl_cmd_rules(int argc, char **argv);
int cl_cmd_tally(int argc, char **argv);
int cl_cmd_tally_db(int argc, char **argv);   /* cmd_tally_db.c: claims tally --db */
int cl_cmd_distribute(int argc, char **argv);
int cl_cmd_db(int argc, char **argv);   /* cmd_db.c: the PostgreSQL store */
int cl_cmd_draw(int argc, char **argv);     /* cmd_draw.c: the verifiable draw */
int cl_cmd_notices(int argc, char **argv);  /* cmd_notices.c: notices to creditors */

int cl_cmd_serve(int argc, char **argv);   /* cmd_serve.c: the HTTP API */
int cl_cmd_token(int argc, char **argv);   /* cmd_token.c: the API's tokens */

/* Parses an --encoding value for command `cmd`: 0, or CL_EXIT_USAGE after
 * printing the error. */
int cl_cli_encoding(const char *cmd, const char *arg, cl_encoding *out);

/* The shipped default rule set (cli_paths.c): $CLAIMS_RULES, else
 * <prefix>/share/claims/rules/default.rules beside the running binary's
 * install prefix, else the source tree's when run from the build directory.
 * Writes the path into buf; NULL when none is found. */
const char *cl_cli_default_rules(char *buf, size_t cap);
/* Same; on NULL also prints an error naming command cmd. */
const char *cl_cli_rules_or_error(const char *cmd, char *buf, size_t cap);

/* Prints "claims: <msg>" to stderr. */
void cl_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
