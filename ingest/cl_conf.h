/* cl_conf.h - `key = value` files (case.conf, meeting.conf): UTF-8, `#`
 * comments, blank lines; values trimmed. The reader only splits lines; the
 * caller validates keys and values and reports with the stored line numbers.
 *
 * Syntax: UTF-8 (a leading BOM is skipped), LF or CRLF line ends. A line whose
 * first non-space character is `#` is a comment; a `#` after a value is part
 * of the value (`debtor = A#1` has value "A#1"). Blank lines are skipped.
 * Otherwise a line is split at its first `=`; key and value are trimmed of
 * ASCII and U+3000 spaces (no other folding). Values may be empty. Keys are
 * case-sensitive. Entries keep file order; line numbers count from 1. */
#ifndef CL_CONF_H
#define CL_CONF_H

#include <stddef.h>

#include "core/cl_error.h"
#include "core/cl_source.h"

typedef struct cl_conf_entry {
    const char *key;
    const char *value;
    int line;
} cl_conf_entry;

typedef struct cl_conf {
    char *path;              /* the source's label */
    cl_conf_entry *entries;
    size_t count;
    void *priv_;
} cl_conf;

/* A line without '=' or with an empty key is CL_ERR_CONFIG
 * "path:LINE: expected 'key = value'"; a key given twice is CL_ERR_CONFIG
 * "path:LINE: duplicate key 'k' (first on line N)"; a line that is not valid
 * UTF-8 is CL_ERR_ENCODING "path:LINE: ..."; a missing, unreadable or
 * non-regular file is CL_ERR_INPUT naming it (a failing read: CL_ERR_IO). On
 * error *out is NULL. Messages name the source's label; cl_conf_load is the
 * same with the path as the label. */
cl_err cl_conf_load_source(const cl_source *src, cl_conf **out, cl_diag *d);
cl_err cl_conf_load(const char *path, cl_conf **out, cl_diag *d);
void cl_conf_free(cl_conf *c);

/* The entry with this key, or NULL. */
const cl_conf_entry *cl_conf_find(const cl_conf *c, const char *key);

#endif
