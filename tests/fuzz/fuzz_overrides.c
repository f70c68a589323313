/* fuzz_overrides.c - libFuzzer target for overrides.csv (contract §2):
 * arbitrary bytes through cl_batch_load_overrides from a memory source, into
 * a fresh batch (a first byte 0x01/0x02 forces UTF-8/GB18030). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cl_source.h"
#include "engine/cl_batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cl_encoding enc = CL_ENC_AUTO;
    if (size && (data[0] == 1 || data[0] == 2)) {
        enc = data[0] == 1 ? CL_ENC_UTF8 : CL_ENC_GB18030;
        data++, size--;
    }
    cl_batch_opts o = {.nthreads = 1};
    cl_case_init(&o.cfg);
    memcpy(o.cfg.key, "fuzz-overrides", 14);
    o.cfg.key_len = 14;
    cl_batch *b = NULL;
    cl_diag d = {0};
    if (cl_batch_create(&o, &b, &d) != CL_OK)
        abort();
    cl_source s = cl_source_memory("overrides.csv", data, size);
    (void)cl_batch_load_overrides(b, &s, enc, NULL, &d);
    cl_batch_free(b);
    return 0;
}
