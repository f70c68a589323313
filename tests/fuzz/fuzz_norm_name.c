/* fuzz_norm_name.c - libFuzzer target: cl_norm_text and cl_norm_name on
 * arbitrary bytes. Invariants: outputs fit len + 8 and never grow; text
 * folding is idempotent on any bytes; name normalization is idempotent on
 * valid UTF-8, keeps it valid, and leaves no leading/trailing space. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/cl_norm.h"

static void check_text(const char *in, size_t len)
{
    char *out = malloc(len + 8);
    size_t n = cl_norm_text(in, len, out);
    if (n > len)
        abort();
    char *again = malloc(n + 8);
    size_t m = cl_norm_text(out, n, again);
    if (m != n || memcmp(out, again, n) != 0)
        abort();
    if (cl_utf8_valid(in, len) && !cl_utf8_valid(out, n))
        abort();
    free(again);
    free(out);
}

static void check_name(const char *in, size_t len)
{
    char *out = malloc(len + 8);
    size_t n = cl_norm_name(in, len, out);
    if (n > len)
        abort();
    if (n > 0 && (out[0] == ' ' || out[n - 1] == ' '))
        abort();
    if (cl_utf8_valid(in, len)) {
        if (!cl_utf8_valid(out, n))
            abort();
        char *again = malloc(n + 8);
        size_t m = cl_norm_name(out, n, again);
        if (m != n || memcmp(out, again, n) != 0)
            abort();
        free(again);
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_text((const char *)data, size);
    check_name((const char *)data, size);
    return 0;
}
