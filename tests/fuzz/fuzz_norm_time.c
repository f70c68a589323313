/* fuzz_norm_time.c - libFuzzer target: cl_parse_time / cl_parse_date on
 * arbitrary bytes. Invariants: an accepted time formats to a real local time
 * that parses back to the same seconds; an accepted date is also an accepted
 * time at midnight; folded text parses the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cl_time.h"
#include "ingest/cl_norm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    cl_time t = 0;
    bool ok = cl_parse_time(in, size, &t);
    if (ok) {
        char buf[CL_TIME_BUFSZ];
        int n = cl_time_format(t, buf);
        cl_time back = 0;
        if (!cl_parse_time(buf, (size_t)n, &back) || back != t)
            abort();
    }
    int64_t day = 0;
    if (cl_parse_date(in, size, &day)) {
        if (!ok || t != day * 86400)
            abort();
    }
    char *folded = malloc(size + 8);
    size_t fn = cl_norm_text(in, size, folded);
    cl_time t2 = 0;
    bool ok2 = cl_parse_time(folded, fn, &t2);
    if (ok2 != ok || (ok && t2 != t))
        abort();
    free(folded);
    return 0;
}
