/* fuzz_norm_phone.c - libFuzzer target: cl_norm_phone on arbitrary bytes.
 * Invariants: output fits len + 8; valid means exactly 11 ASCII digits
 * starting 1[3-9]; a valid result normalizes to itself and stays valid. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/cl_norm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    char *out = malloc(size + 8);
    bool valid = false;
    size_t n = cl_norm_phone(in, size, out, &valid);
    if (n > size + 8)
        abort();
    if (valid) {
        if (n != 11 || out[0] != '1' || out[1] < '3' || out[1] > '9')
            abort();
        for (size_t i = 0; i < n; i++)
            if (out[i] < '0' || out[i] > '9')
                abort();
        char again[11 + 8];
        bool valid2 = false;
        size_t m = cl_norm_phone(out, n, again, &valid2);
        if (!valid2 || m != n || memcmp(out, again, n) != 0)
            abort();
    }
    free(out);
    return 0;
}
