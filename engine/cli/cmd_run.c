/* cmd_run.c - `claims run`: the nightly batch from the command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cl_error.h"
#include "engine/cl_run.h"
#include "engine/cli/cl_cli.h"

static const char help[] =
    "usage: claims run --case CASE.conf --submissions S.csv --ledger L.csv --out DIR\n"
    "                  [--overrides O.csv] [--rules R.rules] [--threads N]\n"
    "                  [--encoding auto|utf-8|gb18030] [--max-bad-rows N]\n"
    "                  [--no-xlsx] [--public] [--progress|--no-progress] [--quiet]\n"
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
    "                       Without --rules the shipped rules/default.rules (the\n"
    "                       contract's field checks) is used; to add case rules on\n"
    "                       top of it, name both: --rules rules/default.rules\n"
    "                       --rules case.rules (env CLAIMS_RULES moves the default)\n"
    "  --out DIR            output directory, replaced atomically when the run succeeds\n"
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
    "outputs in DIR: claims.csv, creditors.csv, roster.csv, review_queue.csv,\n"
    "overrides_rejected.csv, rejected_rows.csv, report.xlsx (the judges' workbook:\n"
    "汇总 summary with charts, 债权表 creditors, 待审核 review queue, 表决名册 roster;\n"
    "printable: A4 landscape, one page wide, 合计 totals),\n"
    "claims.xlsx (申报明细: every claim row), manifest.json (inputs with SHA-256 and\n"
    "row counts, rules and case digests, counts, per-stage timings).\n"
    "\n"
    "exit codes: 0 ok; 1 bad input (file:line:column named, nothing written);\n"
    "            2 usage; 3 internal error (I/O, memory)\n";

enum { OPT_NO_XLSX = 256, OPT_PUBLIC, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_MAX_BAD, OPT_QUIET };

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

static int parse_args(int argc, char **argv, cl_run_opts *o)
{
    int c;
    long v;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': o->case_path = optarg; break;
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
    const char *missing = !o->case_path ? "--case" : !o->submissions ? "--submissions"
                        : !o->ledger ? "--ledger" : !o->out ? "--out" : NULL;
    if (missing) {
        cl_cli_error("run: %s is required (see 'claims run --help')", missing);
        return CL_EXIT_USAGE;
    }
    return 0;
}

int cl_cmd_run(int argc, char **argv)
{
    cl_run_opts o;
    memset(&o, 0, sizeof o);
    o.xlsx = 1;
    o.progress = -1;
    o.summary = stdout;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? CL_EXIT_OK : rc;
    cl_diag d;
    cl_diag_clear(&d);
    cl_err err = cl_run(&o, &d);
    if (err) {
        cl_cli_error("%s", d.msg[0] ? d.msg : cl_strerror(err));
        return cl_exit_code(err);
    }
    return CL_EXIT_OK;
}
