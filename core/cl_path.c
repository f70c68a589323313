/* cl_path.c - file path helpers. */
#include "core/cl_path.h"
#include "core/cl_alloc.h"

#include <stdlib.h>
#include <string.h>

char *cl_path_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return cl_strdup(".");
    if (slash == path)
        return cl_strdup("/");
    return cl_strndup(path, (size_t)(slash - path));
}
