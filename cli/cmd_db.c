/* cmd_db.c - `claims db`: the PostgreSQL store from the command line
 * (docs/STORE.md): init (schema and roles), load (a case's input files),
 * runs (the published runs of a case). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cl_error.h"
#include "cli/cl_cli.h"
#include "store/cl_store.h"

static const char help[] =
    "usage: claims db init --db CONNINFO [--engine-role NAME] [--api-role NAME]\n"
    "       claims db load --db CONNINFO --case-id ID [--case-dir DIR] [--case FILE]\n"
    "                      [--submissions FILE] [--ledger FILE] [--overrides FILE]\n"
    "                      [--ballots FILE] [--encoding auto|utf-8|gb18030]\n"
    "       claims db runs --db CONNINFO --case-id ID\n"
    "\n"
    "The PostgreSQL store (docs/STORE.md).\n"
    "\n"
    "  init   creates or upgrades the schema 'claims' (versioned migrations built into\n"
    "         this binary, one transaction each, recorded in claims.schema_migrations;\n"
    "         a second run does nothing and says so; a schema newer than this binary\n"
    "         is refused) and the roles: an engine role that loads and publishes and\n"
    "         an API role that reads published results and only inserts ballots and\n"
    "         review decisions. The roles are NOLOGIN groups: grant them to login\n"
    "         users (GRANT claims_engine TO nightly). Needs CREATE on the database\n"
    "         and CREATEROLE while a role is missing; no superuser.\n"
    "  load   reads a case's exports with the same CSV reader as 'claims run'\n"
    "         (UTF-8 or GB18030, English or Chinese headers) and COPYs them into the\n"
    "         raw tables in ONE transaction, each row with its line in its file. A bad\n"
    "         file names file, line and column and changes nothing. A file whose\n"
    "         bytes were loaded before (same SHA-256) is not copied again. case.conf\n"
    "         is stored with the case; its secret key never enters the database\n"
    "         (case.key stays a file; a creditor_key line is withheld).\n"
    "  runs   lists the case's published runs, oldest first; '*' marks the current.\n"
    "\n"
    "options:\n"
    "  --db CONNINFO        a libpq connection string or URI ('host=/run/pg dbname=claims'\n"
    "                       or 'postgresql://user@host/claims'); PG* environment\n"
    "                       variables, service files and ~/.pgpass apply as in psql.\n"
    "                       Without --db, the PG* environment alone. Never put a\n"
    "                       password here: use ~/.pgpass or PGPASSFILE\n"
    "  --engine-role NAME   the engine role (default claims_engine)\n"
    "  --api-role NAME      the API role (default claims_api)\n"
    "  --case-id ID         the case: 1-64 letters, digits, '.', '_', '-'\n"
    "  --case-dir DIR       take case.conf, submissions.csv, ledger.csv, overrides.csv\n"
    "                       and ballots.csv from DIR (those present); the flags below\n"
    "                       name a file instead\n"
    "  --case FILE          case.conf (needed when the case is new; replaces the stored)\n"
    "  --submissions FILE   submissions.csv\n"
    "  --ledger FILE        ledger.csv (deposit records, payables, payroll)\n"
    "  --overrides FILE     overrides.csv (reviewers' decisions)\n"
    "  --ballots FILE       ballots.csv (votes cast at a meeting)\n"
    "  --encoding E         auto (default), utf-8, gb18030\n"
    "  -h, --help           this help\n"
    "\n"
    "exit codes: 0 ok; 1 bad input or a database this binary cannot use (newer\n"
    "            schema, no schema yet); 2 usage; 3 database or internal error\n";

enum { OPT_DB = 256, OPT_ENGINE_ROLE, OPT_API_ROLE, OPT_CASE_ID, OPT_CASE_DIR, OPT_CASE,
       OPT_SUB, OPT_LEDGER, OPT_OVERRIDES, OPT_BALLOTS, OPT_ENCODING };

static const struct option longopts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"engine-role", required_argument, NULL, OPT_ENGINE_ROLE},
    {"api-role", required_argument, NULL, OPT_API_ROLE},
    {"case-id", required_argument, NULL, OPT_CASE_ID},
    {"case-dir", required_argument, NULL, OPT_CASE_DIR},
    {"case", required_argument, NULL, OPT_CASE},
    {"submissions", required_argument, NULL, OPT_SUB},
    {"ledger", required_argument, NULL, OPT_LEDGER},
    {"overrides", required_argument, NULL, OPT_OVERRIDES},
    {"ballots", required_argument, NULL, OPT_BALLOTS},
    {"encoding", required_argument, NULL, OPT_ENCODING},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct db_args {
    const char *sub;          /* init | load | runs */
    const char *db;
    cl_store_init_opts init;
    cl_store_load_opts load;
    const char *case_dir;
    char dir_paths[CL_IN_NKINDS + 1][4096];
} db_args;

/* Options valid for each subcommand. */
static int allowed(const char *sub, int opt)
{
    if (opt == OPT_DB)
        return 1;
    if (!strcmp(sub, "init"))
        return opt == OPT_ENGINE_ROLE || opt == OPT_API_ROLE;
    if (!strcmp(sub, "runs"))
        return opt == OPT_CASE_ID;
    return opt >= OPT_CASE_ID && opt <= OPT_ENCODING;   /* load */
}

static int parse_args(int argc, char **argv, db_args *a)
{
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(help, stdout);
            return -1;
        }
        if (c == '?' || c == ':' || !allowed(a->sub, c)) {
            cl_cli_error("db %s: unknown or incomplete option '%s' (see 'claims db --help')",
                         a->sub, argv[optind - 1]);
            return CL_EXIT_USAGE;
        }
        switch (c) {
        case OPT_DB: a->db = optarg; break;
        case OPT_ENGINE_ROLE: a->init.engine_role = optarg; break;
        case OPT_API_ROLE: a->init.api_role = optarg; break;
        case OPT_CASE_ID: a->load.case_id = optarg; break;
        case OPT_CASE_DIR: a->case_dir = optarg; break;
        case OPT_CASE: a->load.case_conf = optarg; break;
        case OPT_SUB: a->load.files[CL_IN_SUBMISSIONS] = optarg; break;
        case OPT_LEDGER: a->load.files[CL_IN_LEDGER] = optarg; break;
        case OPT_OVERRIDES: a->load.files[CL_IN_OVERRIDES] = optarg; break;
        case OPT_BALLOTS: a->load.files[CL_IN_BALLOTS] = optarg; break;
        case OPT_ENCODING:
            if (cl_cli_encoding("db load", optarg, &a->load.encoding))
                return CL_EXIT_USAGE;
            break;
        default: break;
        }
    }
    if (optind < argc) {
        cl_cli_error("db %s: unexpected argument '%s'", a->sub, argv[optind]);
        return CL_EXIT_USAGE;
    }
    if (strcmp(a->sub, "init") && !a->load.case_id) {
        cl_cli_error("db %s: --case-id is required", a->sub);
        return CL_EXIT_USAGE;
    }
    if (a->load.case_id && !cl_store_case_id_ok(a->load.case_id)) {
        cl_cli_error("db %s: --case-id wants 1-64 letters, digits, '.', '_' or '-'", a->sub);
        return CL_EXIT_USAGE;
    }
    return 0;
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Fills the files --case-dir holds into the slots no flag named. */
static int take_case_dir(db_args *a)
{
    static const char *const names[CL_IN_NKINDS] = {
        "submissions.csv", "ledger.csv", "overrides.csv", "ballots.csv",
    };
    struct stat st;
    if (stat(a->case_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cl_cli_error("db load: --case-dir %s: not a directory", a->case_dir);
        return CL_EXIT_INPUT;
    }
    for (int k = 0; k <= CL_IN_NKINDS; k++) {
        const char *name = k < CL_IN_NKINDS ? names[k] : "case.conf";
        int n = snprintf(a->dir_paths[k], sizeof a->dir_paths[k], "%s/%s", a->case_dir, name);
        if (n < 0 || (size_t)n >= sizeof a->dir_paths[k] || !is_file(a->dir_paths[k]))
            continue;
        if (k < CL_IN_NKINDS && !a->load.files[k])
            a->load.files[k] = a->dir_paths[k];
        if (k == CL_IN_NKINDS && !a->load.case_conf)
            a->load.case_conf = a->dir_paths[k];
    }
    return 0;
}

static int fail(const char *sub, cl_err err, const cl_diag *d)
{
    cl_cli_error("db %s: %s", sub, d->msg[0] ? d->msg : cl_strerror(err));
    return cl_exit_code(err);
}

static int do_init(cl_store *s, db_args *a)
{
    cl_diag d = {0};
    cl_store_init_report r;
    cl_err err = cl_store_init(s, &a->init, &r, &d);
    if (err)
        return fail("init", err, &d);
    const char *eng = a->init.engine_role ? a->init.engine_role : "claims_engine";
    const char *api = a->init.api_role ? a->init.api_role : "claims_api";
    if (r.applied == 0 && r.roles_created == 0) {
        printf("claims db init: schema already at version %d; nothing to do (roles %s and %s "
               "present, grants checked)\n", r.to_version, eng, api);
        return CL_EXIT_OK;
    }
    if (r.applied)
        printf("claims db init: schema upgraded from version %d to %d (%d migration%s applied)\n",
               r.from_version, r.to_version, r.applied, r.applied == 1 ? "" : "s");
    else
        printf("claims db init: schema already at version %d\n", r.to_version);
    printf("claims db init: roles %s (engine) and %s (API): %d created, privileges granted\n",
           eng, api, r.roles_created);
    return CL_EXIT_OK;
}

static int do_load(cl_store *s, db_args *a)
{
    if (a->case_dir) {
        int rc = take_case_dir(a);
        if (rc)
            return rc;
    }
    int any = a->load.case_conf != NULL;
    for (int k = 0; k < CL_IN_NKINDS; k++)
        any |= a->load.files[k] != NULL;
    if (!any) {
        cl_cli_error("db load: nothing to load: give --case-dir or a file (--case, "
                     "--submissions, --ledger, --overrides, --ballots)");
        return CL_EXIT_USAGE;
    }
    cl_diag d = {0};
    cl_store_load_report r;
    cl_err err = cl_store_load(s, &a->load, &r, &d);
    if (err)
        return fail("load", err, &d);
    if (r.conf_key_line)
        printf("case %s: %s:%d: creditor_key withheld: the key never enters the database; keep it "
               "on the engine's host (see docs/STORE.md)\n", a->load.case_id, a->load.case_conf,
               r.conf_key_line);
    if (r.case_created)
        printf("case %s: created with its case.conf\n", a->load.case_id);
    else if (r.conf_stored)
        printf("case %s: case.conf replaced\n", a->load.case_id);
    for (int k = 0; k < CL_IN_NKINDS; k++) {
        if (!r.file[k].given)
            continue;
        if (r.file[k].skipped)
            printf("%-12s already loaded (batch %lld, %llu row%s, sha256 %.16s): not copied again\n",
                   cl_input_kind_name((cl_input_kind)k), (long long)r.file[k].batch_id,
                   (unsigned long long)r.file[k].rows, r.file[k].rows == 1 ? "" : "s",
                   r.file[k].sha256);
        else
            printf("%-12s %llu row%s loaded from %s (%s, sha256 %.16s) as batch %lld\n",
                   cl_input_kind_name((cl_input_kind)k), (unsigned long long)r.file[k].rows,
                   r.file[k].rows == 1 ? "" : "s",
                   a->load.files[k], r.file[k].encoding, r.file[k].sha256,
                   (long long)r.file[k].batch_id);
    }
    return CL_EXIT_OK;
}

static int print_run(void *user, const cl_store_run_row *row)
{
    int *n = user;
    printf("%c %-8lld %-20s %-10s %s\n", row->current ? '*' : ' ', (long long)row->run_id,
           row->published_at, row->engine_version, row->counts);
    (*n)++;
    return 0;
}

static int do_runs(cl_store *s, db_args *a)
{
    cl_diag d = {0};
    int n = 0;
    printf("  %-8s %-20s %-10s %s\n", "run", "published (UTC)", "engine", "claims by status");
    cl_err err = cl_store_list_runs(s, a->load.case_id, print_run, &n, &d);
    if (err)
        return fail("runs", err, &d);
    if (n == 0)
        printf("(no runs published for case %s yet)\n", a->load.case_id);
    return CL_EXIT_OK;
}

int cl_cmd_db(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        fputs(help, argc < 2 ? stderr : stdout);
        return argc < 2 ? CL_EXIT_USAGE : CL_EXIT_OK;
    }
    db_args a = {.sub = argv[1]};
    if (strcmp(a.sub, "init") && strcmp(a.sub, "load") && strcmp(a.sub, "runs")) {
        cl_cli_error("db: unknown subcommand '%s' (init, load, runs)", a.sub);
        return CL_EXIT_USAGE;
    }
    int rc = parse_args(argc - 1, argv + 1, &a);
    if (rc)
        return rc < 0 ? CL_EXIT_OK : rc;
    if (a.db && cl_store_conninfo_has_password(a.db))
        cl_cli_error("db %s: warning: --db carries a password, which other users of this "
                     "machine can see in the process list; use ~/.pgpass or PGPASSFILE", a.sub);
    cl_diag d = {0};
    cl_store *s = NULL;
    cl_err err = cl_store_open(a.db ? a.db : "", &s, &d);
    if (err)
        return fail(a.sub, err, &d);
    if (!strcmp(a.sub, "init"))
        rc = do_init(s, &a);
    else if (!strcmp(a.sub, "load"))
        rc = do_load(s, &a);
    else
        rc = do_runs(s, &a);
    cl_store_close(s);
    return rc;
}
