/* cmd_rules.c - placeholder until the 'rules' subcommand lands. */
#include <stdio.h>

#include "core/cl_error.h"
#include "engine/cli/cl_cli.h"

int cl_cmd_rules(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cl_cli_error("'rules' is not built yet");
    return CL_EXIT_INTERNAL;
}
