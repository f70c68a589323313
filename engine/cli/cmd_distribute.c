/* cmd_distribute.c - placeholder until the 'distribute' subcommand lands. */
#include <stdio.h>

#include "core/cl_error.h"
#include "engine/cli/cl_cli.h"

int cl_cmd_distribute(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cl_cli_error("'distribute' is not built yet");
    return CL_EXIT_INTERNAL;
}
