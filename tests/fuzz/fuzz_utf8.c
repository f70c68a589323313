/* fuzz_utf8.c - libFuzzer target: the vectorized UTF-8 check against the
 * byte-by-byte decoder on arbitrary bytes, whole and from every offset of
 * the first 16 (so that each byte meets each lane of a block). */
#include <stdint.h>
#include <stdlib.h>

#include "ingest/cl_norm.h"
#include "ingest/cl_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!__builtin_cpu_supports("ssse3"))
        return 0;
    for (size_t off = 0; off < 16 && off <= size; off++) {
        const uint8_t *s = data + off;
        size_t n = size - off;
        if (cl_utf8_valid_simd(s, n) != cl_utf8_valid((const char *)s, n))
            abort();
    }
    return 0;
}
