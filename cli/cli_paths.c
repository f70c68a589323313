/* cli_paths.c - where the command line finds the shipped default rule set:
 * $CLAIMS_RULES if set; else beside the running binary's install prefix
 * (<prefix>/bin/claims -> <prefix>/share/claims/rules/default.rules); else,
 * for a binary run from its build directory, the source tree's rules. The
 * library never guesses: the resolved path is passed in explicitly. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cl_cli.h"

#ifndef CL_RULES_REL
#define CL_RULES_REL "../share/claims/rules/default.rules"
#endif
#ifndef CL_BUILD_BINDIR
#define CL_BUILD_BINDIR ""
#endif
#ifndef CL_SOURCE_RULES
#define CL_SOURCE_RULES ""
#endif

/* The directory of the running executable into dir (no trailing slash). */
static int exe_dir(char *dir, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    if ((size_t)snprintf(dir, cap, "%s", exe[0] ? exe : "/") >= cap)
        return -1;
    return 0;
}

static int readable(const char *path)
{
    return access(path, R_OK) == 0;
}

const char *cl_cli_default_rules(char *buf, size_t cap)
{
    const char *env = getenv("CLAIMS_RULES");
    if (env && *env)
        return (size_t)snprintf(buf, cap, "%s", env) < cap ? buf : NULL;
    char dir[PATH_MAX];
    if (exe_dir(dir, sizeof dir) < 0)
        return NULL;
    char cand[PATH_MAX + 64];
    if ((size_t)snprintf(cand, sizeof cand, "%s/%s", dir, CL_RULES_REL) < sizeof cand &&
        readable(cand)) {
        char *real = realpath(cand, NULL);
        int ok = real && (size_t)snprintf(buf, cap, "%s", real) < cap;
        free(real);
        return ok ? buf : NULL;
    }
    /* run from the build directory: the rules of the tree it was built from */
    char build[PATH_MAX];
    if (CL_BUILD_BINDIR[0] && realpath(CL_BUILD_BINDIR, build) && !strcmp(build, dir) &&
        readable(CL_SOURCE_RULES))
        return (size_t)snprintf(buf, cap, "%s", CL_SOURCE_RULES) < cap ? buf : NULL;
    return NULL;
}

const char *cl_cli_rules_or_error(const char *cmd, char *buf, size_t cap)
{
    const char *p = cl_cli_default_rules(buf, cap);
    if (!p)
        cl_cli_error("%s: the default rule set was not found (looked for %s beside the "
                     "claims binary); name a rule file with --rules or set CLAIMS_RULES",
                     cmd, CL_RULES_REL);
    return p;
}
