/* cmd_gen.c - placeholder until the 'gen' subcommand lands. */
#include <stdio.h>

#include "core/cl_error.h"
#include "engine/cli/cl_cli.h"

int cl_cmd_gen(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cl_cli_error("'gen' is not built yet");
    return CL_EXIT_INTERNAL;
}
