/* cl_path.c - file path helpers. */
#include "core/cl_path.h"

#include <stdlib.h>
#include <string.h>

char *cl_path_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}
