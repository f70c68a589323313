/* cl_gen_meeting.c - the generated case's first creditors' meeting:
 * meeting.conf (two general resolutions, a week of online voting) and
 * ballots.csv from the creditors likely on the roster, their creditor_ids
 * derived by the engine's own function under the case's creditor_key, plus
 * the usual share of ballots a tally must reject: cast late, on a
 * resolution the meeting does not have, under a mistyped creditor_id, and
 * earlier votes replaced by a later one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/cl_gen_int.h"
#include "engine/cl_stages.h"

#define MEETING_ID "M2018-1"

void cl_gen_voter_add(cl_gen_ctx *g, const char *idtype, const char *id)
{
    if (g->nvoters == g->capvoters) {
        size_t nc = g->capvoters ? g->capvoters * 2 : 1024;
        cl_gen_voter *n = realloc(g->voters, nc * sizeof *n);
        if (!n) {
            g->oom = 1;
            return;
        }
        g->voters = n;
        g->capvoters = nc;
    }
    cl_gen_voter *v = &g->voters[g->nvoters++];
    snprintf(v->idtype, sizeof v->idtype, "%s", idtype);
    snprintf(v->id, sizeof v->id, "%s", id);
}

static const char MEETING_CONF[] =
    "# 小鸣单车破产清算案 第一次债权人会议（网络表决） - synthetic\n"
    "# R1 破产财产管理方案, R2 破产财产变价方案: general resolutions (Art. 64)\n"
    "meeting_id = " MEETING_ID "\n"
    "opens_at = 2018-07-20 09:00:00\n"
    "closes_at = 2018-07-27 18:00:00\n"
    "resolution.R1 = general\n"
    "resolution.R2 = general\n";

typedef struct bw {
    cl_gen_ctx *g;
    cl_gen_out *o;
    uint64_t n;
} bw;

static void ballot(bw *w, const char *res, const char *cid, const char *choice, cl_time at,
                   const char *chan, int bad)
{
    char id[16];
    id[0] = 'B';
    cl_gen_fmt_u64(id + 1, ++w->n, 7);
    const char *f[8] = { id, MEETING_ID, res, cid, "", choice, NULL, chan };
    for (int i = 0; i < 8; i++) {
        if (i)
            cl_gen_putc(w->o, ',');
        if (i == 6)
            cl_gen_time(w->o, at);
        else
            cl_gen_field(w->o, f[i]);
    }
    cl_gen_row_end(w->o);
    w->g->st->ballot_rows++;
    w->g->st->ballots_bad += bad;
}

static const char *choice_text(cl_gen_rng *r)
{
    static const char *const C[] = { "同意", "for", "反对", "against", "弃权", "abstain" };
    uint64_t x = cl_gen_below(r, 100);
    int k = x < 78 ? 0 : x < 90 ? 2 : 4;
    return C[k + (cl_gen_below(r, 100) < 15)];
}

/* One voter's ballots on R1 and R2 (most vote on both). */
static void voter_ballots(bw *w, const char *cid, int org, cl_gen_rng *r)
{
    static const char *const CH[3] = { "online", "网络", "线上" };
    const cl_time opens = cl_days_from_civil(2018, 7, 20) * 86400 + 9 * 3600;
    const cl_time span = 7 * 86400 + 9 * 3600;   /* to 07-27 18:00 */
    if (!cl_gen_chance(r, org ? 90 : 30, 100))
        return;
    const char *chan = CH[cl_gen_below(r, 3)];   /* an online meeting */
    for (int k = 0; k < 2; k++) {
        const char *res = k ? "R2" : "R1";
        if (k && cl_gen_chance(r, 8, 100))
            continue;
        cl_time at = opens + (cl_time)cl_gen_below(r, (uint64_t)span);
        uint64_t x = cl_gen_below(r, 1000);
        if (x < 15) {          /* after the close */
            ballot(w, res, cid, choice_text(r), opens + span + 60 +
                   (cl_time)cl_gen_below(r, 86400), chan, 1);
        } else if (x < 25) {   /* a resolution the meeting does not have */
            ballot(w, "R3", cid, choice_text(r), at, chan, 1);
        } else if (x < 55) {   /* changed their mind: the later vote counts */
            cl_time later = at + (cl_time)cl_gen_below(r, (uint64_t)(opens + span - at));
            ballot(w, res, cid, choice_text(r), at, chan, 1);
            ballot(w, res, cid, choice_text(r), later, chan, 0);
        } else {
            ballot(w, res, cid, choice_text(r), at, chan, 0);
        }
    }
}

/* A creditor_id with one hex digit mistyped: on no roster. */
static void mistype(char cid[17], cl_gen_rng *r)
{
    static const char hex[] = "0123456789abcdef";
    int pos = (int)cl_gen_below(r, 16);
    char c = cid[pos];
    while (c == cid[pos])
        c = hex[cl_gen_below(r, 16)];
    cid[pos] = c;
}

static cl_err write_ballots(cl_gen_ctx *g, cl_gen_out *o, cl_diag *d)
{
    bw w = { g, o, 0 };
    cl_gen_puts(o, "ballot_id,meeting_id,resolution_id,creditor_id,group,choice,cast_at,channel");
    cl_gen_row_end(o);
    const unsigned char *key = (const unsigned char *)g->key;
    for (size_t i = 0; i < g->nvoters; i++) {
        const cl_gen_voter *v = &g->voters[i];
        cl_gen_rng r = cl_gen_stream(g->seed, 0xBA11, i);
        cl_id_type t = cl_id_type_parse(v->idtype, strlen(v->idtype));
        if (t == CL_IDT_INVALID)
            continue;
        char norm[192], cid[17];
        norm[cl_norm_id(t, v->id, strlen(v->id), norm)] = '\0';
        cl_err e = cl_creditor_id(key, strlen(g->key), t, norm, cid, d);
        if (e != CL_OK)
            return e;
        if (cl_gen_chance(&r, 1, 100)) {
            mistype(cid, &r);
            int64_t rows = g->st->ballot_rows, bad = g->st->ballots_bad;
            voter_ballots(&w, cid, t == CL_IDT_USCC, &r);
            g->st->ballots_bad = bad + (g->st->ballot_rows - rows);   /* all rejected */
            continue;
        }
        voter_ballots(&w, cid, t == CL_IDT_USCC, &r);
    }
    return CL_OK;
}

cl_err cl_gen_write_meeting(cl_gen_ctx *g, const char *conf_path, const char *ballots_path,
                            cl_diag *d)
{
    if (g->oom)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    cl_gen_out *o = malloc(sizeof *o);
    if (!o)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    cl_err e = cl_gen_out_open(o, conf_path, 0, d);
    if (e == CL_OK) {
        cl_gen_puts(o, MEETING_CONF);
        e = cl_gen_out_close(o, d);
    }
    if (e == CL_OK)
        e = cl_gen_out_open(o, ballots_path, 0, d);
    if (e == CL_OK) {
        e = write_ballots(g, o, d);
        if (e == CL_OK)
            e = cl_gen_out_close(o, d);
        else
            cl_gen_out_discard(o);
    }
    free(o);
    return e;
}
