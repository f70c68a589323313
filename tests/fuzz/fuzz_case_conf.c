/* fuzz_case_conf.c - libFuzzer target for case.conf (contract §1): arbitrary
 * bytes parsed by cl_case_parse from a memory source, then released. */
#include <stdint.h>
#include <stdlib.h>

#include "core/cl_source.h"
#include "engine/cl_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cl_case c;
    cl_case_init(&c);
    cl_diag d = {0};
    cl_source s = cl_source_memory("case.conf", data, size);
    (void)cl_case_parse(&s, &c, &d);
    cl_case_release(&c);
    return 0;
}
