/* cmd_run.c - `claims run`: the nightly batch from the command line. The
 * command picks what the library leaves to its caller: the default rule
 * set (CLAIMS_RULES), the case key file, the worker threads, and child
 * processes for the workbooks. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cl_error.h"
#include "core/cl_outdir.h"
#include "core/cl_path.h"
#include "engine/cl_run.h"
#include "cli/cl_cli.h"
#include "cli/cl_cli_run.h"

static const char help[] =
    "usage: claims run --case CASE.conf --submissions S.csv --ledger L.csv --out DIR\n"
    "                  [--overrides O.csv] [--rules R.rules] [--threads N]\n"
    "                  [--encoding auto|utf-8|gb18030] [--max-bad-rows N]\n"
    "                  [--no-xlsx] [--public] [--allow-shrink]\n"
    "                  [--progress|--no-progress] [--quiet]\n"
    "\n"
    "The nightly batch: reads the debtor's books and the online claim submissions,\n"
    "applies the decision table of the contract (duplicates, field checks by rules,\n"
    "amendments, book matching, supersession, books, manual review, employees from\n"
    "the books, late and phone flags, reviewers' overrides), and writes the verified\n"
    "creditor list, review queue and voting roster. The same inputs give\n"
    "byte-identical outputs on any thread count.\n"
    "\n"
    "options:\n"
    "  --case FILE          case.conf (contract §1); without creditor_key a random\n"
    "                       key is kept in case.key beside it (mode 0600)\n"
    "  --submissions FILE   submissions.csv (UTF-8 or GB18030; English or Chinese headers)\n"
    "  --ledger FILE        ledger.csv: the debtor's deposit records, payables, payroll\n"
    "  --overrides FILE     overrides.csv: reviewers' decisions from earlier runs; a\n"
    "                       filled-in review_queue.csv works as is (its decision,\n"
    "                       amount, reviewer, decided_at, note columns; rows with\n"
    "                       neither decision nor amount are skipped)\n"
    "  --rules FILE         a rule file; repeat to stack several, applied in order.\n"
    "                       Without --rules the shipped default.rules (the\n"
    "                       contract's field checks) is used: the installed\n"
    "                       PREFIX/share/claims/rules/default.rules beside the\n"
    "                       binary (run from a build directory: the source tree's\n"
    "                       rules/), or the file env CLAIMS_RULES names; the\n"
    "                       manifest records which. To add case rules on top of\n"
    "                       it, name both: --rules .../default.rules --rules case.rules\n"
    "  --out DIR            output directory, replaced atomically when the run succeeds;\n"
    "                       it must be new, empty, or earlier claims outputs (never an\n"
    "                       input, the case's folder or a folder above an input; a\n"
    "                       folder inside the case's folder such as CASE/out is fine)\n"
    "  --allow-shrink       replace the previous run's outputs even though submissions\n"
    "                       or ledger now have no rows or fewer than half as many\n"
    "                       (without it such a run is refused: an incomplete export?)\n"
    "  --threads N          worker threads (default: all cores)\n"
    "  --encoding E         auto (default: invalid UTF-8 means GB18030), utf-8, gb18030\n"
    "  --max-bad-rows N     skip up to N malformed input rows, listing them in\n"
    "                       rejected_rows.csv (default 0: any bad row fails the run)\n"
    "  --no-xlsx            do not write the workbooks (report.xlsx, claims.xlsx)\n"
    "  --public             also write public/creditors.csv and public/creditors.xlsx,\n"
    "                       with names, ID numbers, phones and accounts masked (§8)\n"
    "  --progress           show per-stage progress on stderr (default: when a terminal)\n"
    "  --no-progress        never show progress\n"
    "  --quiet              no summary on stdout\n"
    "  -h, --help           this help\n"
    "\n"
    "From the PostgreSQL store instead of files: claims run --db CONNINFO [--case-id ID]\n"
    "[--key FILE] [--out DIR] ... reads the loaded case, decides the same way and\n"
    "publishes the run in one transaction (see 'claims run --db x --help').\n"
    "\n"
    "outputs in DIR: claims.csv, changes.csv (claims new, gone, or with a changed\n"
    "status or confirmed total against the previous run in DIR: claim_key, change\n"
    "new|gone|status|amount|status+amount, status and confirmed total before and\n"
    "after), creditors.csv, roster.csv, review_queue.csv,\n"
    "overrides_rejected.csv, rejected_rows.csv, probable_duplicates.csv (clusters\n"
    "of submissions from different identities that are probably one person or one\n"
    "ring: score, members, identities, evidence; for reviewers only, never public;\n"
    "the review queue's column 'cluster' points to them; off with 'linkage = off'\n"
    "in case.conf), report.xlsx (the judges' workbook:\n"
    "汇总 summary with charts, 债权表 creditors, 待审核 review queue, 表决名册 roster,\n"
    "疑似重复 probable duplicates; printable: A4 landscape, one page wide, 合计 totals),\n"
    "claims.xlsx (申报明细: every claim row), payees.csv (private: each creditor's\n"
    "bank details, from the latest operative claim naming a bank account; read by\n"
    "'claims distribute --run DIR'), manifest.json (inputs with SHA-256 and\n"
    "row counts, rules and case digests, counts, per-stage timings), .claims-output\n"
    "(the marker that lets a later run replace DIR).\n"
    "\n"
    "exit codes: 0 ok; 1 bad input (file:line:column named, nothing written);\n"
    "            2 usage; 3 internal error (I/O, memory)\n";

enum { OPT_NO_XLSX = 256, OPT_PUBLIC, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_MAX_BAD, OPT_QUIET,
       OPT_ALLOW_SHRINK };

static const struct option longopts[] = {
    {"case", required_argument, NULL, 'c'},
    {"submissions", required_argument, NULL, 's'},
    {"ledger", required_argument, NULL, 'l'},
    {"overrides", required_argument, NULL, 'o'},
    {"rules", required_argument, NULL, 'r'},
    {"out", required_argument, NULL, 'O'},
    {"threads", required_argument, NULL, 't'},
    {"encoding", required_argument, NULL, 'e'},
    {"max-bad-rows", required_argument, NULL, OPT_MAX_BAD},
    {"no-xlsx", no_argument, NULL, OPT_NO_XLSX},
    {"public", no_argument, NULL, OPT_PUBLIC},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"allow-shrink", no_argument, NULL, OPT_ALLOW_SHRINK},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, cl_run_opts *o, const char **case_path)
{
    int c;
    long v;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': *case_path = optarg; break;
        case 's': o->submissions = optarg; break;
        case 'l': o->ledger = optarg; break;
        case 'o': o->overrides = optarg; break;
        case 'r':
            if (o->nrules == (int)(sizeof o->rules / sizeof o->rules[0])) {
                cl_cli_error("run: at most 8 --rules files");
                return CL_EXIT_USAGE;
            }
            o->rules[o->nrules++] = optarg;
            break;
        case 'O': o->out = optarg; break;
        case 't':
            if (parse_long(optarg, 1, 1024, &v) < 0) {
                cl_cli_error("run: --threads wants a number from 1 to 1024, not '%s'", optarg);
                return CL_EXIT_USAGE;
            }
            o->threads = (int)v;
            break;
        case 'e':
            if (cl_cli_encoding("run", optarg, &o->encoding))
                return CL_EXIT_USAGE;
            break;
        case OPT_MAX_BAD:
            if (parse_long(optarg, 0, 1000000000L, &o->max_bad_rows) < 0) {
                cl_cli_error("run: --max-bad-rows wants a non-negative number, not '%s'", optarg);
                return CL_EXIT_USAGE;
            }
            break;
        case OPT_NO_XLSX: o->xlsx = 0; break;
        case OPT_PUBLIC: o->publish = 1; break;
        case OPT_PROGRESS: o->progress = 1; break;
        case OPT_NO_PROGRESS: o->progress = 0; break;
        case OPT_QUIET: o->summary = NULL; break;
        case OPT_ALLOW_SHRINK: o->allow_shrink = 1; break;
        case 'h': fputs(help, stdout); return -1;
        default:
            cl_cli_error("run: unknown or incomplete option '%s' (see 'claims run --help')",
                         argv[optind - 1]);
            return CL_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cl_cli_error("run: unexpected argument '%s'", argv[optind]);
        return CL_EXIT_USAGE;
    }
    const char *missing = !*case_path ? "--case" : !o->submissions ? "--submissions"
                        : !o->ledger ? "--ledger" : !o->out ? "--out" : NULL;
    if (missing) {
        cl_cli_error("run: %s is required (see 'claims run --help')", missing);
        return CL_EXIT_USAGE;
    }
    return 0;
}

/* Refuses an --out that would destroy the case or an input, before any work. */
static cl_err check_out(const cl_run_opts *o, const char *case_path, cl_diag *d)
{
    const char *in[5 + 8];
    size_t n = 0;
    char *dir = cl_path_dir(case_path);
    char key[4096];
    if (!dir)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    snprintf(key, sizeof key, "%s/case.key", dir);
    free(dir);
    in[n++] = case_path;
    in[n++] = key;
    in[n++] = o->submissions;
    in[n++] = o->ledger;
    in[n++] = o->overrides;
    for (int i = 0; i < o->nrules; i++)
        in[n++] = o->rules[i];
    return cl_outdir_check(o->out, in, n, d);
}

static cl_err run(cl_run_opts *o, const char *case_path, cl_diag *d)
{
    cl_case cfg;
    cl_err err = cl_case_load(case_path, &cfg, d);
    if (!err)
        err = cl_cli_case_key(case_path, &cfg, d);
    if (!err) {
        o->cfg = &cfg;
        err = cl_run(o, d);
    }
    cl_case_release(&cfg);
    return err;
}

/* `claims run --db ...` is the run from the PostgreSQL store (cmd_run_db.c). */
static int wants_db(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            break;
        if (!strcmp(argv[i], "--db") || !strncmp(argv[i], "--db=", 5))
            return 1;
    }
    return 0;
}

int cl_cmd_run(int argc, char **argv)
{
    if (wants_db(argc, argv))
        return cl_cmd_run_db(argc, argv);
    cl_run_opts o;
    memset(&o, 0, sizeof o);
    o.xlsx = 1;
    o.progress = -1;
    o.summary = stdout;
    o.write_books = cl_cli_write_books;
    const char *case_path = NULL;
    int rc = parse_args(argc, argv, &o, &case_path);
    if (rc)
        return rc < 0 ? CL_EXIT_OK : rc;
    char rules[4096];
    if (o.nrules == 0) {
        if (!(o.rules[0] = cl_cli_rules_or_error("run", rules, sizeof rules)))
            return CL_EXIT_INPUT;
        o.nrules = 1;
    }
    cl_diag d;
    cl_diag_clear(&d);
    cl_err err = check_out(&o, case_path, &d);
    if (!err)
        err = run(&o, case_path, &d);
    if (err) {
        cl_cli_error("%s", d.msg[0] ? d.msg : cl_strerror(err));
        return cl_exit_code(err);
    }
    return CL_EXIT_OK;
}
