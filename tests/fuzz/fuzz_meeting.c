/* fuzz_meeting.c - libFuzzer target for meeting.conf (contract §9):
 * arbitrary bytes through cl_meeting_load_src from a memory source; a
 * meeting that loads must satisfy what the tally relies on. */
#include <stdint.h>
#include <stdlib.h>

#include "core/cl_source.h"
#include "engine/cl_meeting.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cl_meeting *m = NULL;
    cl_diag d = {0};
    cl_source s = cl_source_memory("meeting.conf", data, size);
    if (cl_meeting_load_src(&s, &m, &d) == CL_OK) {
        if (!m || !m->meeting_id || m->nresolutions == 0 || m->opens_at >= m->closes_at)
            abort();
        for (size_t i = 0; i < m->nresolutions; i++)
            if (m->types[i] <= CL_RES_INVALID || m->types[i] >= CL_RES_COUNT)
                abort();
    }
    cl_meeting_free(m);
    return 0;
}
