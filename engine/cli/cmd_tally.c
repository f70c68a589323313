/* cmd_tally.c - placeholder until the 'tally' subcommand lands. */
#include <stdio.h>

#include "core/cl_error.h"
#include "engine/cli/cl_cli.h"

int cl_cmd_tally(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cl_cli_error("'tally' is not built yet");
    return CL_EXIT_INTERNAL;
}
