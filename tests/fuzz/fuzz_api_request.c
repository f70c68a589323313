/* fuzz_api_request.c - libFuzzer target: the API's request parsing on
 * arbitrary bytes. The first line is a method and a path (route matching,
 * path parameter), the rest a JSON body for the token and review schemas.
 * Invariants: a match's parameter fits its buffer and holds no '/'; a body
 * either parses to the schema's fields or fails with a message; never a
 * crash or a leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/cl_api.h"

static const cl_api_field fields[] = {
    {"creditor_id", CL_JF_STRING, 0, 0, 64},
    {"submissions", CL_JF_STRINGS, 0, 0, 100},
    {"ttl_seconds", CL_JF_INT, 0, 60, 366 * 86400},
    {"decision", CL_JF_STRING, 1, 0, 32},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nl = memchr(data, '\n', size);
    size_t head = nl ? (size_t)(nl - (const char *)data) : size;
    char *line = malloc(head + 1);
    if (!line)
        return 0;
    memcpy(line, data, head);
    line[head] = '\0';
    char *sp = strchr(line, ' ');
    const char *method = "GET", *path = line;
    if (sp) {
        *sp = '\0';
        method = line;
        path = sp + 1;
    }
    char param[80];
    int r = cl_api_route_find(method, path, param, sizeof param);
    if (r >= 0 && (strlen(param) >= sizeof param || strchr(param, '/')))
        abort();
    free(line);
    if (nl) {
        cl_api_body b;
        cl_diag d;
        cl_diag_clear(&d);
        const char *body = nl + 1;
        size_t len = size - head - 1;
        if (cl_api_body_parse(body, len, fields, 4, &b, &d) == CL_OK) {
            if (!b.vals[3].present || !b.vals[3].s)
                abort();
            cl_api_body_free(&b);
        } else if (!d.msg[0]) {
            abort();
        }
    }
    return 0;
}
