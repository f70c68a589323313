/* fuzz_rules.c - libFuzzer target for the rule language (rules/): arbitrary
 * bytes compiled as a rule file against the claims schema through a batch,
 * from a memory source (borrowed: ASan sees a read past the end). A rule
 * naming a list file reads it relative to the working directory. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cl_source.h"
#include "engine/cl_batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cl_batch_opts o = {.nthreads = 1};
    cl_case_init(&o.cfg);
    memcpy(o.cfg.key, "fuzz-rules-key", 14);
    o.cfg.key_len = 14;
    cl_batch *b = NULL;
    cl_diag d = {0};
    if (cl_batch_create(&o, &b, &d) != CL_OK)
        abort();
    cl_source s = cl_source_memory("fuzz.rules", data, size);
    (void)cl_batch_add_rules(b, &s, &d);
    cl_batch_free(b);
    return 0;
}
