/* fuzz_norm_amount.c - libFuzzer target: cl_parse_amount on arbitrary bytes,
 * with and without signs. Invariants: on OK, |fen| <= 10^11 yuan and the
 * value round-trips through cl_money_format and cl_parse_amount; without
 * allow_sign an OK value is never negative; non-OK leaves *fen = 0; the
 * folded text (cl_norm_text) parses to the same result. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cl_money.h"
#include "ingest/cl_norm.h"

static void check_one(const char *in, size_t len, bool allow_sign)
{
    int64_t fen = 7;
    cl_amount_status st = cl_parse_amount(in, len, allow_sign, &fen);
    if (st != CL_AMT_OK) {
        if (fen != 0)
            abort();
        return;
    }
    if (fen > CL_AMOUNT_MAX_FEN || fen < -CL_AMOUNT_MAX_FEN || (!allow_sign && fen < 0))
        abort();
    char buf[CL_MONEY_BUFSZ];
    int n = cl_money_format(fen, buf);
    int64_t back = 0;
    if (cl_parse_amount(buf, (size_t)n, true, &back) != CL_AMT_OK || back != fen)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    check_one(in, size, false);
    check_one(in, size, true);
    char *folded = malloc(size + 8);
    size_t n = cl_norm_text(in, size, folded);
    int64_t a = 0, b = 0;
    if (cl_parse_amount(in, size, true, &a) != cl_parse_amount(folded, n, true, &b) || a != b)
        abort();
    free(folded);
    return 0;
}
