/* cl_cli.h - the claims subcommands. Each takes argv after the subcommand
 * name (argv[0] is the subcommand) and returns a process exit code
 * (CL_EXIT_* of core/cl_error.h). */
#ifndef CL_CLI_H
#define CL_CLI_H

#include "ingest/cl_csv.h"

int cl_cmd_run(int argc, char **argv);
int cl_cmd_gen(int argc, char **argv);
int cl_cmd_rules(int argc, char **argv);
int cl_cmd_tally(int argc, char **argv);
int cl_cmd_distribute(int argc, char **argv);
int cl_cmd_db(int argc, char **argv);   /* cmd_db.c: the PostgreSQL store */

/* Parses an --encoding value for command `cmd`: 0, or CL_EXIT_USAGE after
 * printing the error. */
int cl_cli_encoding(const char *cmd, const char *arg, cl_encoding *out);

/* Prints "claims: <msg>" to stderr. */
void cl_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
