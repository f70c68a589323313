/* cmd_gen.c - `claims gen`: parses the options and runs the synthetic case
 * generator (bench/gen) into an output directory. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gen/cl_gen.h"
#include "core/cl_error.h"
#include "core/cl_outdir.h"
#include "core/cl_progress.h"
#include "cli/cl_cli.h"

static const char help[] =
    "usage: claims gen --out DIR [--scenario xiaoming] [--scale K] [--seed N]\n"
    "                  [--encoding utf-8|gb18030] [--progress|--no-progress]\n"
    "\n"
    "Writes a synthetic, realistic case in the input formats of the contract:\n"
    "  DIR/case.conf        case number, debtor, acceptance date, declaration\n"
    "                       deadline, and a fixed per-seed creditor_key\n"
    "  DIR/submissions.csv  online claim submissions (+ column source_channel)\n"
    "  DIR/ledger.csv       the debtor's books: deposits, refunds, top-ups, ride\n"
    "                       charges, supplier payables, unpaid payroll\n"
    "  DIR/overrides.csv    reviewers' decisions (some meant to be refused)\n"
    "  DIR/meeting.conf     the first creditors' meeting: two general resolutions,\n"
    "                       online voting 2018-07-20 09:00 to 07-27 18:00\n"
    "  DIR/ballots.csv      its ballots, naming creditor_ids derived under the\n"
    "                       case's creditor_key (as 'claims run' derives them) for\n"
    "                       creditors with on-time valid claims; some cast late, on\n"
    "                       an unknown resolution, under a mistyped id, or replaced\n"
    "                       by a later vote - what a tally must reject\n"
    "  DIR/README.txt       what was generated: rows per file, anomalies by kind\n"
    "  DIR/linkage_truth.csv  ground truth of the probable duplicates planted at\n"
    "                       the end of submissions.csv (ids LK2018...): group, kind,\n"
    "                       submission_id; kinds id_typo, id15_18, name_variant,\n"
    "                       bank, phone, account_ref, ring_bank_phone, and the\n"
    "                       innocent look-alikes innocent_family_phone and\n"
    "                       innocent_lookalike (bench/linkage reads it)\n"
    "The directory is replaced atomically; on failure the previous one stays.\n"
    "\n"
    "Scenario xiaoming: the 2018 Xiaoming Bike bankruptcy, (2018)粤01破12号,\n"
    "acceptance 2018-03-27, deadline 2018-06-27. At scale 1: about 127,000\n"
    "submissions (about 118,700 user claims averaging about 200 yuan),\n"
    "300,000 user accounts and about 2 million ledger rows. Suppliers (28,\n"
    "30,035,081.47 yuan) and payroll (115 employees, 1,619,365.51 yuan) stay\n"
    "fixed at every scale. Every kind of mess the engine handles is injected:\n"
    "resubmissions, amendments (incl. of sent-back rows), duplicate rows, bad\n"
    "ID checksums, 15-digit IDs, full-width digits, ¥/RMB/元 amounts, Excel\n"
    "and ISO times, shared accounts, claims with no book record, late claims,\n"
    "secured, tax and other claims, and refused overrides.\n"
    "\n"
    "options:\n"
    "  -o, --out DIR        output directory (required; created, or replaced when it\n"
    "                       is empty or earlier claims outputs; a folder holding a\n"
    "                       case key case.key is never replaced)\n"
    "  -s, --scenario NAME  only 'xiaoming' (default)\n"
    "  -k, --scale K        size factor, a decimal > 0 and <= 1000 (default 1;\n"
    "                       0.01 for tests; 8 is about 1M submissions, 1.7 GB)\n"
    "  -S, --seed N         unsigned integer (default 1); same seed and scale give\n"
    "                       byte-identical files on any machine\n"
    "  -e, --encoding ENC   utf-8 (default) or gb18030: submissions.csv as Excel\n"
    "                       on Chinese Windows writes it\n"
    "      --progress       show stage progress on stderr (default: when a terminal)\n"
    "      --no-progress    never show progress\n"
    "  -h, --help           this help\n"
    "\n"
    "exit codes: 0 success; 1 bad input; 2 usage error; 3 internal error\n"
    "            (I/O, memory)\n";

enum { OPT_PROGRESS = 256, OPT_NO_PROGRESS };

static const struct option longopts[] = {
    {"out", required_argument, NULL, 'o'},
    {"scenario", required_argument, NULL, 's'},
    {"scale", required_argument, NULL, 'k'},
    {"seed", required_argument, NULL, 'S'},
    {"encoding", required_argument, NULL, 'e'},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct gen_args {
    const char *out;
    int progress;   /* -1 auto */
    cl_gen_opts opts;
} gen_args;

static int parse_seed(const char *s, uint64_t *out)
{
    if (!*s)
        return 0;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return 0;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 1;
}

/* 0 ok, -1 help printed, else an exit code. */
static int parse_args(int argc, char **argv, gen_args *a)
{
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "ho:s:k:S:e:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': a->out = optarg; break;
        case 's':
            if (strcmp(optarg, "xiaoming")) {
                cl_cli_error("gen: unknown scenario '%s' (only 'xiaoming')", optarg);
                return CL_EXIT_USAGE;
            }
            break;
        case 'k':
            if (!cl_gen_parse_scale(optarg, &a->opts.scale_ppm)) {
                cl_cli_error("gen: bad --scale '%s' (a decimal > 0 and <= 1000, e.g. 1, 0.05, 8)",
                             optarg);
                return CL_EXIT_USAGE;
            }
            break;
        case 'S':
            if (!parse_seed(optarg, &a->opts.seed)) {
                cl_cli_error("gen: bad --seed '%s' (an unsigned integer)", optarg);
                return CL_EXIT_USAGE;
            }
            break;
        case 'e':
            if (!strcasecmp(optarg, "utf-8") || !strcasecmp(optarg, "utf8")) {
                a->opts.encoding = CL_GEN_UTF8;
            } else if (!strcasecmp(optarg, "gb18030")) {
                a->opts.encoding = CL_GEN_GB18030;
            } else {
                cl_cli_error("gen: unknown --encoding '%s' (utf-8, gb18030)", optarg);
                return CL_EXIT_USAGE;
            }
            break;
        case OPT_PROGRESS: a->progress = 1; break;
        case OPT_NO_PROGRESS: a->progress = 0; break;
        case 'h': fputs(help, stdout); return -1;
        default:
            cl_cli_error("gen: unknown or incomplete option '%s' (see 'claims gen --help')",
                         argv[optind - 1]);
            return CL_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cl_cli_error("gen: unexpected argument '%s'", argv[optind]);
        return CL_EXIT_USAGE;
    }
    if (!a->out) {
        cl_cli_error("gen: --out is required (see 'claims gen --help')");
        return CL_EXIT_USAGE;
    }
    return 0;
}

int cl_cmd_gen(int argc, char **argv)
{
    gen_args a = { .progress = -1, .opts = { .scale_ppm = CL_GEN_SCALE_ONE, .seed = 1 } };
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? CL_EXIT_OK : rc;
    cl_progress *p = cl_progress_create(a.progress);
    if (!p) {
        cl_cli_error("gen: out of memory");
        return CL_EXIT_INTERNAL;
    }
    cl_gen_stats st;
    cl_diag d = { 0 };
    cl_err e = cl_outdir_check(a.out, NULL, 0, &d);   /* before any work */
    if (e == CL_OK)
        e = cl_gen_xiaoming(&a.opts, a.out, p, &st, &d);
    cl_progress_free(p);
    if (e != CL_OK) {
        cl_cli_error("gen: %s", d.msg[0] ? d.msg : cl_strerror(e));
        return cl_exit_code(e);
    }
    return CL_EXIT_OK;
}
