/* cmd_tally_db.c - `claims tally --db`: a creditors' meeting tallied from
 * the PostgreSQL store. The current run's roster and the meeting's ballots
 * come through COPY streams into the same readers as the files; the tally
 * is the file tally's (cmd_tally.c) and is published in one transaction
 * before --out (or a scratch directory) is replaced. */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/cl_error.h"
#include "core/cl_progress.h"
#include "engine/cl_meeting.h"
#include "store/cl_store.h"
#include "cli/cl_cli.h"
#include "cli/cl_cli_tally.h"

static const char help[] =
    "usage: claims tally --db CONNINFO --case-id ID --meeting MEETING.conf\n"
    "                    [--meeting-id M] [--out DIR] [--threads N] [--no-xlsx]\n"
    "                    [--progress|--no-progress] [--quiet]\n"
    "\n"
    "Tallies a creditors' meeting from the PostgreSQL store (docs/STORE.md): the\n"
    "roster of the case's current published run (run_roster) and the meeting's\n"
    "ballots - the loaded ballots file's rows of this meeting in file order, then\n"
    "the ballots cast on the platform (claims.ballots) in the order recorded - are\n"
    "read with COPY and tallied exactly as 'claims tally' tallies the files. The\n"
    "tally is published in ONE transaction: a tallies row (the run it used, the\n"
    "meeting.conf text, counts, tally.xlsx), tally_results (tally.csv),\n"
    "tally_ballots_rejected (ballots_rejected.csv) and the meeting's current_tally;\n"
    "listeners of 'claims_tally_published' are told at commit.\n"
    "\n"
    "options:\n"
    "  --db CONNINFO      a libpq connection string or URI (never a password)\n"
    "  --case-id ID       the case\n"
    "  --meeting FILE     meeting.conf (meeting_id, opens_at, closes_at, resolutions)\n"
    "  --meeting-id M     checked against meeting.conf's meeting_id (default: it)\n"
    "  --out DIR          also write tally.csv, ballots_rejected.csv, tally.xlsx to DIR\n"
    "  --threads N, --no-xlsx, --progress, --no-progress, --quiet   as for 'claims tally'\n"
    "  -h, --help         this help\n"
    "\n"
    "exit codes: 0 ok (whether or not resolutions pass); 1 bad input; 2 usage;\n"
    "            3 internal error (database, I/O, memory)\n";

enum { OPT_NO_XLSX = 256, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_QUIET, OPT_DB, OPT_CASE_ID,
       OPT_MEETING_ID };

static const struct option longopts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"case-id", required_argument, NULL, OPT_CASE_ID},
    {"meeting", required_argument, NULL, 'm'},
    {"meeting-id", required_argument, NULL, OPT_MEETING_ID},
    {"out", required_argument, NULL, 'O'},
    {"threads", required_argument, NULL, 't'},
    {"no-xlsx", no_argument, NULL, OPT_NO_XLSX},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct tally_db {
    tally_opts t;
    const char *db, *case_id, *meeting_id;
    cl_store *s;
    cl_store_tally_in in;
    char *conf;
    int64_t tally_id;
} tally_db;

static int parse_args(int argc, char **argv, tally_db *a)
{
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_DB: a->db = optarg; break;
        case OPT_CASE_ID: a->case_id = optarg; break;
        case OPT_MEETING_ID: a->meeting_id = optarg; break;
        case 'm': a->t.meeting = optarg; break;
        case 'O': a->t.out = optarg; break;
        case 't': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end || v < 1 || v > 1024) {
                cl_cli_error("tally: --threads wants a number from 1 to 1024, not '%s'", optarg);
                return CL_EXIT_USAGE;
            }
            a->t.threads = (int)v;
            break;
        }
        case OPT_NO_XLSX: a->t.xlsx = 0; break;
        case OPT_PROGRESS: a->t.progress = 1; break;
        case OPT_NO_PROGRESS: a->t.progress = 0; break;
        case OPT_QUIET: a->t.quiet = 1; break;
        case 'h': fputs(help, stdout); return -1;
        default:
            cl_cli_error("tally: unknown or incomplete option '%s' (see 'claims tally --db x "
                         "--help')", argv[optind - 1]);
            return CL_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cl_cli_error("tally: unexpected argument '%s'", argv[optind]);
        return CL_EXIT_USAGE;
    }
    const char *missing = !a->case_id ? "--case-id" : !a->t.meeting ? "--meeting" : NULL;
    if (missing) {
        cl_cli_error("tally: %s is required with --db (see 'claims tally --db x --help')",
                     missing);
        return CL_EXIT_USAGE;
    }
    if (!cl_store_case_id_ok(a->case_id)) {
        cl_cli_error("tally: --case-id wants 1 to 64 of A-Z a-z 0-9 . _ -");
        return CL_EXIT_USAGE;
    }
    return 0;
}

static char *counts_json(const cl_tally_result *t, size_t nballots)
{
    json_t *by = json_object();
    for (int r = 1; r < CL_BR_COUNT; r++)
        if (t->by_reason[r])
            json_object_set_new(by, cl_ballot_reason_name((cl_ballot_reason)r),
                                json_integer((json_int_t)t->by_reason[r]));
    json_t *o = json_pack("{s:I, s:I, s:o}", "ballots", (json_int_t)nballots, "counted",
                          (json_int_t)t->counted, "rejected", by);
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    return s;
}

static cl_err publish(void *user, cl_outdir *staged, const cl_tally_result *t, size_t nballots,
                      cl_diag *d)
{
    tally_db *x = user;
    char *counts = counts_json(t, nballots);
    if (!counts)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    char tally[4096], rejected[4096], xlsx[4096];
    snprintf(tally, sizeof tally, "%s", cl_outdir_path(staged, "tally.csv"));
    snprintf(rejected, sizeof rejected, "%s", cl_outdir_path(staged, "ballots_rejected.csv"));
    snprintf(xlsx, sizeof xlsx, "%s", cl_outdir_path(staged, "tally.xlsx"));
    cl_store_tally_opts o = {&x->in, x->conf, counts, tally, rejected,
                             x->t.xlsx ? xlsx : NULL};
    cl_err err = cl_store_tally_publish(x->s, &o, &x->tally_id, d);
    free(counts);
    return err;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(path);
}

/* meeting.conf's text, and its meeting_id checked against --meeting-id. */
static cl_err read_meeting(tally_db *x, cl_diag *d)
{
    cl_meeting *m = NULL;
    cl_err err = cl_meeting_load(x->t.meeting, &m, d);
    if (err)
        return err;
    if (x->meeting_id && strcmp(x->meeting_id, m->meeting_id))
        err = cl_diag_set(d, CL_ERR_INPUT, "%s: meeting_id is '%s', not '%s' (--meeting-id)",
                          x->t.meeting, m->meeting_id, x->meeting_id);
    if (!err)
        x->meeting_id = strdup(m->meeting_id);
    cl_meeting_free(m);
    if (!err && !x->meeting_id)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    size_t len;
    cl_source src = cl_source_path(x->t.meeting);
    return err ? err : cl_source_slurp(&src, &x->conf, &len, d);
}

static cl_err tally_from_db(tally_db *x, cl_diag *d)
{
    cl_store_reader *roster = NULL, *ballots = NULL;
    cl_source rs, bs;
    char scratch[] = "/tmp/claims-tally-db-XXXXXX", out[64];
    int made_scratch = 0;
    const char *given_id = x->meeting_id;
    cl_err err = read_meeting(x, d);
    if (!err)
        err = cl_store_open(x->db, &x->s, d);
    if (!err)
        err = cl_store_tally_inputs(x->s, x->case_id, x->meeting_id, &x->in, d);
    if (!err && !(err = cl_store_tally_roster_open(x->s, &x->in, &roster, d)))
        err = cl_store_tally_ballots_open(x->s, &x->in, &ballots, d);
    if (!err && x->t.out) {
        const char *in[1] = {x->t.meeting};
        err = cl_outdir_check(x->t.out, in, 1, d);
    }
    if (!err && !x->t.out) {
        if (!mkdtemp(scratch))
            err = cl_diag_set(d, CL_ERR_IO, "cannot make a scratch directory: %s",
                              strerror(errno));
        made_scratch = !err;
        snprintf(out, sizeof out, "%s/out", scratch);
        x->t.out = out;
    }
    if (!err) {
        rs = cl_store_raw_source(roster);
        bs = cl_store_raw_source(ballots);
        x->t.roster_src = &rs;
        x->t.ballots_src = &bs;
        x->t.roster = x->t.ballots = "";
        x->t.encoding = CL_ENC_UTF8;
        x->t.publish = publish;
        x->t.publish_user = x;
        cl_progress *p = cl_progress_create(x->t.progress);
        err = p ? cl_cli_tally_main(&x->t, p, d) : cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
        cl_progress_free(p);
        if (err && roster && cl_store_raw_error(roster, NULL))
            cl_store_raw_error(roster, d);
        if (err && ballots && cl_store_raw_error(ballots, NULL))
            cl_store_raw_error(ballots, d);
    }
    if (!err && !x->t.quiet)
        printf("published: case %s, meeting %s, tally %lld on the roster of run %lld%s%s\n",
               x->case_id, x->meeting_id, (long long)x->tally_id, (long long)x->in.run_id,
               made_scratch ? "" : "; files in ", made_scratch ? "" : x->t.out);
    cl_store_raw_close(roster);
    cl_store_raw_close(ballots);
    if (made_scratch)
        nftw(scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (x->meeting_id != given_id)
        free((char *)x->meeting_id);
    free(x->conf);
    cl_store_close(x->s);
    return err;
}

int cl_cmd_tally_db(int argc, char **argv)
{
    tally_db x;
    memset(&x, 0, sizeof x);
    x.t.xlsx = 1;
    x.t.progress = -1;
    int rc = parse_args(argc, argv, &x);
    if (rc)
        return rc < 0 ? CL_EXIT_OK : rc;
    if (x.db && cl_store_conninfo_has_password(x.db))
        cl_cli_error("tally: warning: --db carries a password, which other users of this "
                     "machine can see; use ~/.pgpass or a service file");
    cl_diag d;
    cl_diag_clear(&d);
    cl_err err = tally_from_db(&x, &d);
    if (err) {
        cl_cli_error("tally: %s", d.msg[0] ? d.msg : cl_strerror(err));
        return cl_exit_code(err);
    }
    return CL_EXIT_OK;
}
