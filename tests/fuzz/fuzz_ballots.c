/* fuzz_ballots.c - libFuzzer target for ballots.csv (contract §2, §6):
 * arbitrary bytes through cl_ballots_load_src against a fixed meeting and
 * roster, on 1 and 3 threads (the chunked parse must give the same ballots
 * and reasons), then the tally. A first byte 0x01/0x02 forces
 * UTF-8/GB18030. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cl_source.h"
#include "engine/cl_meeting.h"
#include "engine/cl_tally.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char conf[] = "meeting_id = M1\nopens_at = 2024-03-01 09:00\n"
                           "closes_at = 2024-03-01 18:00\nresolution.G = general\n"
                           "resolution.S = settlement\nresolution.P = reorganization\n";
static const char roster[] =
    "creditor_id,ordinary,secured,employee,tax,temporary,unsecured_voting,secured_voting,groups\n"
    "a,100.00,0,0,0,0,100.00,0,ordinary\nb,0,50.00,0,0,10.00,0,60.00,secured\n"
    "c,0,0,20.00,5.00,0,5.00,0,employee;tax\nd,0,0,0,0,7.00,7.00,0,small_ordinary\n";

static void setup(cl_meeting **m, cl_roster **r)
{
    cl_diag d = {0};
    cl_source s = cl_source_memory("meeting.conf", conf, sizeof conf - 1);
    if (cl_meeting_load_src(&s, m, &d))
        abort();
    s = cl_source_memory("roster.csv", roster, sizeof roster - 1);
    if (cl_roster_load_src(&s, CL_ENC_AUTO, r, &d))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cl_meeting *m;
    static cl_roster *r;
    if (!m)
        setup(&m, &r);
    cl_encoding enc = CL_ENC_AUTO;
    if (size && (data[0] == 1 || data[0] == 2)) {
        enc = data[0] == 1 ? CL_ENC_UTF8 : CL_ENC_GB18030;
        data++, size--;
    }
    cl_ballots *b1 = NULL, *b3 = NULL;
    cl_diag d = {0};
    cl_source s = cl_source_memory("ballots.csv", data, size);
    cl_err e1 = cl_ballots_load_src(&s, enc, m, r, 1, &b1, &d);
    cl_err e3 = cl_ballots_load_src(&s, enc, m, r, 3, &b3, &d);
    if (e1 != e3)
        abort();
    if (e1 == CL_OK) {
        if (b1->n != b3->n)
            abort();
        for (size_t i = 0; i < b1->n; i++) {
            const cl_ballot *x = &b1->ballots[i], *y = &b3->ballots[i];
            if (x->creditor != y->creditor || x->resolution != y->resolution ||
                x->choice != y->choice || x->group != y->group || x->cast_at != y->cast_at ||
                x->ballot_id_len != y->ballot_id_len ||
                memcmp(x->ballot_id, y->ballot_id, x->ballot_id_len))
                abort();
        }
        cl_tally_input in = {.nresolutions = m->nresolutions, .types = m->types,
                             .opens_at = m->opens_at, .closes_at = m->closes_at,
                             .nballots = b1->n, .ballots = b1->ballots};
        cl_roster_view(r, &in.roster);
        cl_tally_result res;
        if (cl_tally_run(&in, &res, &d) != CL_OK)
            abort();
        cl_tally_result_free(&res);
    }
    cl_ballots_free(b1);
    cl_ballots_free(b3);
    return 0;
}
