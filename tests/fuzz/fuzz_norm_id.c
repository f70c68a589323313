/* fuzz_norm_id.c - libFuzzer target: cl_norm_id on arbitrary bytes (first
 * byte picks the ID type). Invariants: output fits len + 8, no whitespace or
 * lowercase ASCII remains, normalizing valid UTF-8 twice changes nothing, and
 * validity never crashes; a valid PRC_ID is 18 chars. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/cl_norm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    cl_id_type type = (cl_id_type)(data[0] % CL_IDT_COUNT);
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    char *out = malloc(len + 8);
    size_t n = cl_norm_id(type, in, len, out);
    if (n > len + 8)
        abort();
    for (size_t i = 0; i < n; i++)
        if (out[i] == ' ' || out[i] == '\t' || out[i] == '\n' || out[i] == '\r' ||
            (out[i] >= 'a' && out[i] <= 'z'))
            abort();
    if (cl_utf8_valid(in, len)) {
        char *again = malloc(n + 8);
        size_t m = cl_norm_id(type, out, n, again);
        if (m != n || memcmp(out, again, n) != 0)
            abort();
        free(again);
    }
    if (cl_id_valid(type, out, n, INT64_MAX) && type == CL_IDT_PRC_ID && n != 18)
        abort();
    (void)cl_uscc_valid(out, n);
    (void)cl_luhn_valid(out, n);
    free(out);
    return 0;
}
