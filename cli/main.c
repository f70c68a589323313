/* main.c - the claims command line: dispatches to subcommands. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cl_alloc.h"
#include "core/cl_error.h"
#include "cli/cl_cli.h"

static const char usage[] =
    "claims - mass-creditor bankruptcy claims engine (PRC Enterprise Bankruptcy Law)\n"
    "\n"
    "usage: claims <command> [options]\n"
    "       claims --help | --version\n"
    "\n"
    "commands:\n"
    "  run         the nightly batch: validate, deduplicate and match claims against\n"
    "              the debtor's books; write the creditor list, review queue, voting\n"
    "              roster, workbook and manifest (contract §4, §5, §10)\n"
    "  gen         generate a synthetic, realistic case (e.g. the Xiaoming scenario)\n"
    "  rules check check a rule file; every error with file:line:column\n"
    "  tally       tally creditors' meeting ballots (contract §6)\n"
    "  distribute  compute a distribution to the fen (contract §7)\n"
    "  db          the PostgreSQL store: init (schema, roles), load a case, list runs\n"
    "  draw        a verifiable draw of creditors (e.g. on-site representatives):\n"
    "              commit, draw with a public beacon, verify\n"
    "  notices     one notice per creditor and event (correction, decision, meeting,\n"
    "              resolution result, distribution), Chinese with English\n"
    "\n"
    "Run 'claims <command> --help' for a command's options.\n"
    "\n"
    "exit codes:\n"
    "  0  success\n"
    "  1  bad input: malformed data, configuration or rules (the message names\n"
    "     file, line and column)\n"
    "  2  usage error: unknown command or option, missing argument\n"
    "  3  internal error: I/O, memory, library failure\n";

void cl_cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("claims: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cl_cli_encoding(const char *cmd, const char *arg, cl_encoding *out)
{
    int e = cl_encoding_parse(arg);
    if (e < 0) {
        cl_cli_error("%s: unknown --encoding '%s' (auto, utf-8, gb18030)", cmd, arg);
        return CL_EXIT_USAGE;
    }
    *out = (cl_encoding)e;
    return 0;
}

static const struct {
    const char *name;
    int (*fn)(int, char **);
} commands[] = {
    {"run", cl_cmd_run},
    {"gen", cl_cmd_gen},
    {"rules", cl_cmd_rules},
    {"tally", cl_cmd_tally},
    {"distribute", cl_cmd_distribute},
    {"db", cl_cmd_db},
    {"draw", cl_cmd_draw},
    {"notices", cl_cmd_notices},
    {"serve", cl_cmd_serve},
    {"token", cl_cmd_token},
};

#ifdef CL_TORTURE
/* Test only, in a -DCL_TORTURE=ON build: "claims --torture N <command> ..."
 * fails the N-th allocation of the project's own code (0: none) and prints
 * "torture: <count> allocations" on stderr at exit (tests/torture). */
static void torture_report(void)
{
    fprintf(stderr, "torture: %ld allocations\n", cl_torture_count());
}
#endif

int main(int argc, char **argv)
{
#ifdef CL_TORTURE
    if (argc > 2 && !strcmp(argv[1], "--torture")) {
        cl_torture_fail_at(atol(argv[2]));
        atexit(torture_report);
        argc -= 2;
        argv += 2;
    }
#endif
    if (argc < 2) {
        fputs(usage, stderr);
        return CL_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(usage, stdout);
        return CL_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("claims %s\n", CL_VERSION);
        return CL_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    cl_cli_error("unknown command '%s' (see 'claims --help')", argv[1]);
    return CL_EXIT_USAGE;
}
