/* cmd_run_db.c - `claims run --db`: the nightly batch from the PostgreSQL
 * store. The case's inputs are read with COPY TO STDOUT into the same
 * ingest path as files, decided by the same pipeline (engine/run.c) and
 * published in one transaction (store/store_publish.c); --out also writes
 * the files, the same bytes as a file run. The case key stays a file on
 * this host. */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cl_error.h"
#include "core/cl_outdir.h"
#include "engine/cl_run.h"
#include "store/cl_store.h"
#include "cli/cl_cli.h"
#include "cli/cl_cli_run.h"

static const char help[] =
    "usage: claims run --db CONNINFO [--case-id ID] [--key FILE] [--out DIR]\n"
    "                  [--rules R.rules] [--threads N] [--max-bad-rows N]\n"
    "                  [--retain-runs N] [--no-xlsx] [--public] [--allow-shrink]\n"
    "                  [--progress|--no-progress] [--quiet]\n"
    "\n"
    "The nightly batch from the PostgreSQL store (docs/STORE.md): reads the case's\n"
    "case.conf and its current submissions, ledger and overrides (then the reviewers'\n"
    "decisions recorded in review_decisions, in the order recorded) with COPY, in\n"
    "file order, decides exactly as 'claims run' on the files, and publishes in ONE\n"
    "transaction: the runs row (inputs' digests, rules and case digests, engine\n"
    "version, counts by status, stage timings, manifest, workbooks), every output\n"
    "table (run_claims, run_creditors, run_roster, run_review_queue,\n"
    "run_overrides_rejected, run_rejected_rows), run_changes (per claim against the\n"
    "previous published run: new, gone, status, amount) and the case's current-run\n"
    "pointer; listeners of 'claims_run_published' are told at commit. Killed at any\n"
    "instant, the previous run stays current and whole. 'claims db runs' lists runs.\n"
    "\n"
    "options:\n"
    "  --db CONNINFO        a libpq connection string or URI (PG* variables, service\n"
    "                       files and .pgpass apply; never put a password here)\n"
    "  --case-id ID         the case (default: the database's only case)\n"
    "  --key FILE           the case's creditor_id key, which never enters the\n"
    "                       database: a case.key (hex) or a case.conf holding\n"
    "                       creditor_key. Default: the creditor_key of the case.conf\n"
    "                       the case was loaded from (its path is recorded by\n"
    "                       'claims db load'), else case.key beside it (created, as\n"
    "                       by a file run, when the case never had a key)\n"
    "  --out DIR            also write the outputs to DIR, as 'claims run --out' does\n"
    "                       (same bytes; changes.csv compares with DIR's previous run)\n"
    "  --rules FILE         a rule file; repeat to stack (default: the shipped\n"
    "                       default.rules, as for 'claims run')\n"
    "  --retain-runs N      keep the N newest published runs of the case (stored as\n"
    "                       the case's setting; default 30); older ones are pruned,\n"
    "                       never the current run nor one the court confirmed\n"
    "  --threads N, --max-bad-rows N, --no-xlsx, --public, --allow-shrink,\n"
    "  --progress, --no-progress, --quiet   as for 'claims run'\n"
    "  -h, --help           this help\n"
    "\n"
    "exit codes: 0 ok; 1 bad input (label, line and column named, nothing published);\n"
    "            2 usage; 3 internal error (database, I/O, memory)\n";

enum { OPT_NO_XLSX = 256, OPT_PUBLIC, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_MAX_BAD, OPT_QUIET,
       OPT_ALLOW_SHRINK, OPT_DB, OPT_CASE_ID, OPT_KEY, OPT_RETAIN, OPT_KILL };

static const struct option longopts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"case-id", required_argument, NULL, OPT_CASE_ID},
    {"key", required_argument, NULL, OPT_KEY},
    {"rules", required_argument, NULL, 'r'},
    {"out", required_argument, NULL, 'O'},
    {"threads", required_argument, NULL, 't'},
    {"max-bad-rows", required_argument, NULL, OPT_MAX_BAD},
    {"retain-runs", required_argument, NULL, OPT_RETAIN},
    {"no-xlsx", no_argument, NULL, OPT_NO_XLSX},
    {"public", no_argument, NULL, OPT_PUBLIC},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"allow-shrink", no_argument, NULL, OPT_ALLOW_SHRINK},
    /* hidden, for the atomicity test: SIGKILL after this publish step */
    {"test-kill-at", required_argument, NULL, OPT_KILL},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct db_run_args {
    cl_run_opts run;
    const char *db, *case_id, *key, *kill_at;
    long retain;
} db_run_args;

static int parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int bad_number(const char *opt, const char *arg)
{
    cl_cli_error("run: %s wants a number in range, not '%s'", opt, arg);
    return CL_EXIT_USAGE;
}

static int parse_args(int argc, char **argv, db_run_args *a)
{
    cl_run_opts *o = &a->run;
    int c;
    long v;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_DB: a->db = optarg; break;
        case OPT_CASE_ID: a->case_id = optarg; break;
        case OPT_KEY: a->key = optarg; break;
        case OPT_KILL: a->kill_at = optarg; break;
        case 'r':
            if (o->nrules == (int)(sizeof o->rules / sizeof o->rules[0])) {
                cl_cli_error("run: at most 8 --rules files");
                return CL_EXIT_USAGE;
            }
            o->rules[o->nrules++] = optarg;
            break;
        case 'O': o->out = optarg; break;
        case 't':
            if (parse_long(optarg, 1, 1024, &v) < 0)
                return bad_number("--threads", optarg);
            o->threads = (int)v;
            break;
        case OPT_MAX_BAD:
            if (parse_long(optarg, 0, 1000000000L, &o->max_bad_rows) < 0)
                return bad_number("--max-bad-rows", optarg);
            break;
        case OPT_RETAIN:
            if (parse_long(optarg, 1, 1000000L, &a->retain) < 0)
                return bad_number("--retain-runs", optarg);
            break;
        case OPT_NO_XLSX: o->xlsx = 0; break;
        case OPT_PUBLIC: o->publish = 1; break;
        case OPT_PROGRESS: o->progress = 1; break;
        case OPT_NO_PROGRESS: o->progress = 0; break;
        case OPT_QUIET: o->summary = NULL; break;
        case OPT_ALLOW_SHRINK: o->allow_shrink = 1; break;
        case 'h': fputs(help, stdout); return -1;
        default:
            cl_cli_error("run: unknown or incomplete option '%s' (see 'claims run --db x --help')",
                         argv[optind - 1]);
            return CL_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cl_cli_error("run: unexpected argument '%s'", argv[optind]);
        return CL_EXIT_USAGE;
    }
    if (a->case_id && !cl_store_case_id_ok(a->case_id)) {
        cl_cli_error("run: --case-id wants 1 to 64 of A-Z a-z 0-9 . _ -");
        return CL_EXIT_USAGE;
    }
    return 0;
}

/* ------------------------------------------------------------ the key */

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && !strcmp(s + n - k, tail);
}

/* The key from a case.conf's creditor_key; CL_ERR_CONFIG when it has none. */
static cl_err key_from_conf(const char *path, cl_case *cfg, cl_diag *d)
{
    cl_case other;
    cl_err err = cl_case_load(path, &other, d);
    if (!err && other.key_len == 0)
        err = cl_diag_set(d, CL_ERR_CONFIG, "%s: has no creditor_key", path);
    if (!err) {
        memcpy(cfg->key, other.key, other.key_len);
        cfg->key_len = other.key_len;
    }
    memset(other.key, 0, sizeof other.key);
    cl_case_release(&other);
    return err;
}

static cl_err find_key(const db_run_args *a, const cl_store_case *c, cl_case *cfg, cl_diag *d)
{
    if (a->key)
        return ends_with(a->key, ".conf") ? key_from_conf(a->key, cfg, d)
                                          : cl_cli_read_key(a->key, cfg, d);
    if (!c->conf_path)
        return cl_diag_set(d, CL_ERR_CONFIG, "case '%s': where its case.conf was loaded from is "
                           "not recorded; give the key with --key FILE", c->case_id);
    cl_diag ignore;
    if (access(c->conf_path, R_OK) == 0 && key_from_conf(c->conf_path, cfg, &ignore) == CL_OK)
        return CL_OK;
    if (strstr(c->conf, "creditor_key withheld")) {   /* never make a new key for it */
        char kp[4096];
        const char *slash = strrchr(c->conf_path, '/');
        snprintf(kp, sizeof kp, "%.*s/case.key", slash ? (int)(slash - c->conf_path) : 1,
                 slash ? c->conf_path : ".");
        if (access(kp, R_OK) == 0)
            return cl_cli_read_key(kp, cfg, d);
        return cl_diag_set(d, CL_ERR_CONFIG, "case '%s': its case.conf had a creditor_key, kept "
                           "out of the database, and %s no longer holds it: give the key with "
                           "--key FILE", c->case_id, c->conf_path);
    }
    return cl_cli_case_key(c->conf_path, cfg, d);
}

/* ------------------------------------------------------- scratch output */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(path);
}

/* ------------------------------------------------------------ publish */

typedef struct db_run {
    db_run_args *a;
    cl_store *s;
    cl_store_case c;
    cl_store_publish_report rep;
    const char *out_given;
} db_run;

static void kill_step(void *user, const char *step)
{
    const char *at = user;
    if (at && !strcmp(at, step)) {
        fflush(NULL);
        raise(SIGKILL);
    }
}

static cl_err publish(void *user, cl_run_result *r, cl_diag *d)
{
    db_run *x = user;
    cl_store_publish_opts po = {&x->c, (int)x->a->retain, kill_step, (void *)x->a->kill_at};
    cl_err err = cl_store_publish(x->s, &po, r, &x->rep, d);
    if (err)
        return err;
    *r->changes = x->rep.changes;
    r->changes->where = "run_changes";
    char after[48] = "";
    if (x->rep.previous)
        snprintf(after, sizeof after, ", after run %lld", (long long)x->rep.previous);
    snprintf(r->where, sizeof r->where, "the database: case %s, run %lld (current%s)%s%s",
             x->c.case_id, (long long)x->rep.run_id, after, x->out_given ? " and " : "",
             x->out_given ? x->out_given : "");
    if (x->rep.pruned && x->a->run.summary)
        fprintf(x->a->run.summary, "  pruned %d old run%s (retention)\n", x->rep.pruned,
                x->rep.pruned == 1 ? "" : "s");
    return CL_OK;
}

/* A reader's own failure (the database's message) beats the engine's
 * "cannot read" of its source. */
static void reader_error(cl_store_reader *const *rd, cl_diag *d)
{
    for (int k = 0; k < 3; k++)
        if (rd[k] && cl_store_raw_error(rd[k], NULL))
            cl_store_raw_error(rd[k], d);
}

static cl_err run_db(db_run *x, cl_diag *d)
{
    db_run_args *a = x->a;
    cl_case cfg;
    cl_case_init(&cfg);
    cl_store_reader *rd[3] = {NULL, NULL, NULL};
    cl_source src[3];
    char id[65], scratch[] = "/tmp/claims-run-db-XXXXXX", out[64];
    int made_scratch = 0;
    cl_err err = cl_store_open(a->db, &x->s, d);
    if (!err && !a->case_id && !(err = cl_store_only_case(x->s, id, d)))
        a->case_id = id;
    if (!err)
        err = cl_store_case_get(x->s, a->case_id, &x->c, d);
    if (!err) {
        cl_source conf = cl_source_memory("db:case.conf", x->c.conf, strlen(x->c.conf));
        err = cl_case_parse(&conf, &cfg, d);
    }
    if (!err)
        err = find_key(a, &x->c, &cfg, d);
    static const cl_input_kind kinds[3] = {CL_IN_SUBMISSIONS, CL_IN_LEDGER, CL_IN_OVERRIDES};
    for (int k = 0; k < 3 && !err; k++) {
        if (kinds[k] == CL_IN_OVERRIDES && !x->c.in[CL_IN_OVERRIDES].batch_id && !x->c.reviews)
            continue;
        if (!(err = cl_store_input_open(x->s, &x->c, kinds[k], &rd[k], d))) {
            src[k] = cl_store_raw_source(rd[k]);
            a->run.src[k] = &src[k];
        }
    }
    if (!err && a->run.out) {
        const char *in[2] = {a->key, x->c.conf_path};
        err = cl_outdir_check(a->run.out, in, 2, d);
    }
    if (!err && !a->run.out) {   /* the files are written aside, then removed */
        if (!mkdtemp(scratch))
            err = cl_diag_set(d, CL_ERR_IO, "cannot make a scratch directory: %s",
                              strerror(errno));
        made_scratch = !err;
        snprintf(out, sizeof out, "%s/out", scratch);
        a->run.out = out;
    }
    x->out_given = made_scratch ? NULL : a->run.out;
    if (!err) {
        a->run.cfg = &cfg;
        a->run.publish_fn = publish;
        a->run.publish_user = x;
        err = cl_run(&a->run, d);
        if (err)
            reader_error(rd, d);
    }
    for (int k = 0; k < 3; k++)
        cl_store_raw_close(rd[k]);
    if (made_scratch)
        nftw(scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    memset(cfg.key, 0, sizeof cfg.key);
    cl_case_release(&cfg);
    cl_store_case_release(&x->c);
    cl_store_close(x->s);
    return err;
}

int cl_cmd_run_db(int argc, char **argv)
{
    db_run_args a;
    memset(&a, 0, sizeof a);
    a.run.xlsx = 1;
    a.run.progress = -1;
    a.run.summary = stdout;
    a.run.write_books = cl_cli_write_books;
    a.run.encoding = CL_ENC_UTF8;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? CL_EXIT_OK : rc;
    if (a.db && cl_store_conninfo_has_password(a.db))
        cl_cli_error("run: warning: --db carries a password, which other users of this "
                     "machine can see; use ~/.pgpass or a service file");
    char rules[4096];
    if (a.run.nrules == 0) {
        if (!(a.run.rules[0] = cl_cli_rules_or_error("run", rules, sizeof rules)))
            return CL_EXIT_INPUT;
        a.run.nrules = 1;
    }
    db_run x;
    memset(&x, 0, sizeof x);
    x.a = &a;
    cl_diag d;
    cl_diag_clear(&d);
    cl_err err = run_db(&x, &d);
    if (err) {
        cl_cli_error("run: %s", d.msg[0] ? d.msg : cl_strerror(err));
        return cl_exit_code(err);
    }
    return CL_EXIT_OK;
}
