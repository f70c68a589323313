/* cl_conf.h - `key = value` files (case.conf, meeting.conf): UTF-8, `#`
 * comments, blank lines; values trimmed. The reader only splits lines; the
 * caller validates keys and values and reports with the stored line numbers. */
#ifndef CL_CONF_H
#define CL_CONF_H

#include <stddef.h>

#include "core/cl_error.h"

typedef struct cl_conf_entry {
    const char *key;
    const char *value;
    int line;
} cl_conf_entry;

typedef struct cl_conf {
    char *path;
    cl_conf_entry *entries;
    size_t count;
    void *priv_;
} cl_conf;

/* A line without '=' or with an empty key is CL_ERR_CONFIG "path:line: ...".
 * A key given twice is an error too. */
cl_err cl_conf_load(const char *path, cl_conf **out, cl_diag *d);
void cl_conf_free(cl_conf *c);

#endif
