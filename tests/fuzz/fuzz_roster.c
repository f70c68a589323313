/* fuzz_roster.c - libFuzzer target for roster.csv as tally input (contract
 * §6, §10): arbitrary bytes through cl_roster_load_src (a first byte
 * 0x01/0x02 forces UTF-8/GB18030). A roster that loads must satisfy §6:
 * group amounts >= 0 and no more than the voting amounts they come from,
 * where no group_<g> column carries them; then a tally over it with no
 * ballots must succeed or report overflow. */
#include <stdint.h>
#include <stdlib.h>

#include "core/cl_source.h"
#include "engine/cl_meeting.h"
#include "engine/cl_tally.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cl_encoding enc = CL_ENC_AUTO;
    if (size && (data[0] == 1 || data[0] == 2)) {
        enc = data[0] == 1 ? CL_ENC_UTF8 : CL_ENC_GB18030;
        data++, size--;
    }
    cl_roster *r = NULL;
    cl_diag d = {0};
    cl_source s = cl_source_memory("roster.csv", data, size);
    if (cl_roster_load_src(&s, enc, &r, &d) != CL_OK)
        return 0;
    for (size_t i = 0; i < r->n; i++) {
        for (int g = 0; g < CL_GROUP_COUNT; g++)
            if (r->group_amount[g][i] < 0)
                abort();
        if (!r->has_group_columns &&
            ((r->group_amount[CL_GROUP_SECURED][i] != r->secured_voting[i] &&
              r->group_amount[CL_GROUP_SECURED][i] != 0) ||
             r->group_amount[CL_GROUP_TAX][i] > r->unsecured_voting[i] ||
             r->group_amount[CL_GROUP_ORDINARY][i] > r->unsecured_voting[i] ||
             r->group_amount[CL_GROUP_SMALL_ORDINARY][i] > r->unsecured_voting[i]))
            abort();
    }
    static const cl_resolution_type types[3] = {CL_RES_GENERAL, CL_RES_SETTLEMENT,
                                                CL_RES_REORGANIZATION};
    cl_tally_input in = {.nresolutions = 3, .types = types, .opens_at = 0, .closes_at = 1};
    cl_roster_view(r, &in.roster);
    cl_tally_result res;
    cl_err e = cl_tally_run(&in, &res, &d);
    if (e != CL_OK && e != CL_ERR_OVERFLOW)
        abort();
    cl_tally_result_free(&res);
    cl_roster_free(r);
    return 0;
}
