/* cmd_notices.c - placeholder replaced below */
#include "cli/cl_cli.h"
int cl_cmd_notices(int argc, char **argv) { (void)argc; (void)argv; return 2; }
