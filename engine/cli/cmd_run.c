/* cmd_run.c - placeholder until the 'run' subcommand lands. */
#include <stdio.h>

#include "core/cl_error.h"
#include "engine/cli/cl_cli.h"

int cl_cmd_run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cl_cli_error("'run' is not built yet");
    return CL_EXIT_INTERNAL;
}
