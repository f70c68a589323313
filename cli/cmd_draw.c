/* cmd_draw.c - `claims draw`: the verifiable draw of on-site representatives
 * (issue 18). `draw commit` publishes the roster's digest and the parameters
 * before the beacon exists; `draw --beacon` selects (engine/cl_draw.h) and
 * writes draw.csv, public/draw.csv (names masked) and draw_proof.json;
 * `draw --verify` recomputes a proof and names any disagreement. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "core/cl_error.h"
#include "core/cl_hash.h"
#include "core/cl_money.h"
#include "core/cl_outdir.h"
#include "engine/cl_draw.h"
#include "ingest/cl_norm.h"
#include "cli/cl_cli.h"
#include "cli/cl_cli_rows.h"
#include "reports/cl_report.h"

static const char help[] =
    "usage: claims draw commit --roster ROSTER.csv --count N [--by kind --creditors C.csv\n"
    "                          | --by band --bands Y1,Y2,...] [--weight heads|amount]\n"
    "                          --out DIR\n"
    "       claims draw --roster ROSTER.csv --count N [--by ... as above] --beacon TEXT\n"
    "                   [--commitment DIR/draw_commit.json] --out DIR\n"
    "       claims draw --verify draw_proof.json --roster ROSTER.csv [--creditors C.csv]\n"
    "                   [--commitment draw_commit.json]\n"
    "\n"
    "A draw of creditors (e.g. the on-site representatives of a meeting) that anyone\n"
    "can check (docs/DRAW.md). Step 1, 'commit', writes draw_commit.json: the\n"
    "roster's SHA-256, the parameters and the seats per stratum; publish it before\n"
    "the beacon (a public random value such as a lottery result) is known. Step 2\n"
    "selects, algorithm claims-draw version 1:\n"
    "  seed  = SHA-256(roster SHA-256 as 32 bytes || beacon as UTF-8 bytes)\n"
    "  score = HMAC-SHA-256(key = seed, message = creditor_id)\n"
    "  creditors in ascending score order (bytewise) are taken while their\n"
    "  stratum has seats left, until N are taken; rank = that order.\n"
    "Seats per stratum are in proportion to its members (--weight heads, the\n"
    "default) or its voting amount (--weight amount), by largest remainder (tie:\n"
    "more members, then the stratum listed first: kinds alphabetically, bands\n"
    "from the lowest); a stratum never gets more seats than members (the rest are\n"
    "apportioned again among the others).\n"
    "\n"
    "options:\n"
    "  --roster FILE      roster.csv as 'claims run' writes it (creditor_id; name,\n"
    "                     voting_amount or unsecured_voting when present); every\n"
    "                     row is one creditor who may be drawn\n"
    "  --count N          how many creditors to draw (1 .. the roster's size)\n"
    "  --by kind          strata by kind from --creditors (creditors.csv of the run):\n"
    "                     'employee' (a creditor with an employee claim),\n"
    "                     else its kind (individual, organization)\n"
    "  --by band          strata by voting amount (roster voting_amount, else\n"
    "                     unsecured_voting): --bands 1000,10000 (yuan, ascending)\n"
    "                     makes [0,1000), [1000,10000), [10000,+)\n"
    "  --weight W         heads (default) or amount: what seats are proportional to\n"
    "  --beacon TEXT      the public random value, exactly as published (its bytes\n"
    "                     count: no trimming)\n"
    "  --commitment FILE  draw_commit.json of step 1: the draw fails when the\n"
    "                     roster or the parameters differ from it; with --verify,\n"
    "                     it must be the commitment the proof names\n"
    "  --verify FILE      recompute draw_proof.json from the roster (and\n"
    "                     creditors) and its beacon and parameters; exit 1 naming\n"
    "                     what disagrees\n"
    "  --out DIR          output directory, replaced atomically; new, empty or\n"
    "                     earlier claims outputs\n"
    "  --quiet            no summary on stdout\n"
    "  -h, --help         this help\n"
    "\n"
    "outputs: commit: DIR/draw_commit.json. draw: DIR/draw.csv (rank, creditor_id,\n"
    "stratum, name, score: internal), DIR/public/draw.csv (the same, names masked),\n"
    "DIR/draw_proof.json (algorithm and version, the commitment and its SHA-256 when\n"
    "--commitment was given, the beacon, the seed, the outcome: selected\n"
    "creditor_ids in rank order). Same inputs, same bytes.\n"
    "\n"
    "exit codes: 0 ok (verify: the proof holds); 1 bad input, or verify found a\n"
    "            disagreement (named); 2 usage; 3 internal error\n";

typedef enum { BY_NONE, BY_KIND, BY_BAND } draw_by;

typedef struct draw_opts {
    int commit, quiet, amount_weight;
    const char *roster, *creditors, *bands, *beacon, *commitment, *verify, *out;
    long count;
    draw_by by;
} draw_opts;

/* Everything a draw is computed from. */
typedef struct plan {
    cl_cli_rows *roster, *creditors;
    const char **ids;
    uint32_t *stratum;
    cl_draw_stratum *strata;
    char **names;          /* stratum names (owned) */
    size_t nstrata;
    int64_t *bounds;       /* band lower bounds (fen), nbounds */
    size_t nbounds;
    json_t *commit;        /* the commitment object */
} plan;

enum { OPT_QUIET = 256 };

static const struct option longopts[] = {
    {"roster", required_argument, NULL, 'r'},   {"count", required_argument, NULL, 'n'},
    {"by", required_argument, NULL, 'b'},       {"creditors", required_argument, NULL, 'c'},
    {"bands", required_argument, NULL, 'B'},    {"weight", required_argument, NULL, 'w'},
    {"beacon", required_argument, NULL, 'e'},   {"commitment", required_argument, NULL, 'C'},
    {"verify", required_argument, NULL, 'v'},   {"out", required_argument, NULL, 'O'},
    {"quiet", no_argument, NULL, OPT_QUIET},    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int usage_err(const char *msg, const char *arg)
{
    cl_cli_error("draw: %s%s%s (see 'claims draw --help')", msg, arg ? " " : "", arg ? arg : "");
    return CL_EXIT_USAGE;
}

static int parse_opt(draw_opts *o, int c, char **argv)
{
    switch (c) {
    case 'r': o->roster = optarg; return 0;
    case 'c': o->creditors = optarg; return 0;
    case 'B': o->bands = optarg; return 0;
    case 'e': o->beacon = optarg; return 0;
    case 'C': o->commitment = optarg; return 0;
    case 'v': o->verify = optarg; return 0;
    case 'O': o->out = optarg; return 0;
    case OPT_QUIET: o->quiet = 1; return 0;
    case 'n': {
        char *end;
        long v = strtol(optarg, &end, 10);
        if (!*optarg || *end || v < 1 || v > 100000000)
            return usage_err("--count wants a whole number from 1, not", optarg);
        o->count = v;
        return 0;
    }
    case 'b':
        if (!strcmp(optarg, "kind"))
            o->by = BY_KIND;
        else if (!strcmp(optarg, "band"))
            o->by = BY_BAND;
        else
            return usage_err("--by wants kind or band, not", optarg);
        return 0;
    case 'w':
        if (strcmp(optarg, "heads") && strcmp(optarg, "amount"))
            return usage_err("--weight wants heads or amount, not", optarg);
        o->amount_weight = !strcmp(optarg, "amount");
        return 0;
    case 'h': fputs(help, stdout); return -1;
    default: return usage_err("unknown or incomplete option", argv[optind - 1]);
    }
}

static int check_args(const draw_opts *o)
{
    if (!o->roster)
        return usage_err("--roster is required", NULL);
    if (o->verify) {
        if (o->commit || o->beacon || o->out || o->count || o->by || o->bands)
            return usage_err("--verify takes the parameters from the proof: give only "
                             "--roster, --creditors and --commitment", NULL);
        return 0;
    }
    if (!o->count)
        return usage_err("--count is required", NULL);
    if (!o->out)
        return usage_err("--out is required", NULL);
    if (o->commit && o->beacon)
        return usage_err("'draw commit' is made before the beacon exists: no --beacon", NULL);
    if (!o->commit && !o->beacon)
        return usage_err("--beacon is required (or 'claims draw commit' first)", NULL);
    if (o->commit && o->commitment)
        return usage_err("'draw commit' writes the commitment: no --commitment", NULL);
    if (o->by == BY_KIND && !o->creditors)
        return usage_err("--by kind needs --creditors", NULL);
    if (o->by == BY_BAND && !o->bands)
        return usage_err("--by band needs --bands", NULL);
    if (o->by != BY_KIND && o->creditors)
        return usage_err("--creditors is only for --by kind", NULL);
    if (o->by != BY_BAND && o->bands)
        return usage_err("--bands is only for --by band", NULL);
    return 0;
}

static int parse_args(int argc, char **argv, draw_opts *o)
{
    int c;
    optind = 1;
    opterr = 0;
    if (argc > 1 && !strcmp(argv[1], "commit")) {
        o->commit = 1;
        argc--;
        argv++;
    }
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int r = parse_opt(o, c, argv);
        if (r)
            return r;
    }
    if (optind < argc)
        return usage_err("unexpected argument", argv[optind]);
    return check_args(o);
}

/* ---- the plan: roster, strata, seats, commitment ------------------------ */

static void plan_free(plan *p)
{
    cl_cli_rows_free(p->roster);
    cl_cli_rows_free(p->creditors);
    free(p->ids);
    free(p->stratum);
    free(p->strata);
    for (size_t i = 0; p->names && i < p->nstrata; i++)
        free(p->names[i]);
    free(p->names);
    free(p->bounds);
    json_decref(p->commit);
}

static cl_err parse_bands(const char *text, plan *p, cl_diag *d)
{
    size_t n = 1;
    for (const char *s = text; *s; s++)
        n += *s == ',';
    p->bounds = calloc(n + 1, sizeof *p->bounds);
    if (!p->bounds)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    p->bounds[0] = 0;
    p->nbounds = 1;
    const char *s = text;
    for (size_t k = 0; k < n; k++) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        int64_t fen;
        if (cl_parse_amount(s, len, false, &fen) != CL_AMT_OK || fen <= p->bounds[p->nbounds - 1])
            return cl_diag_set(d, CL_ERR_USAGE, "draw: --bands wants ascending amounts in yuan "
                               "above 0, e.g. 1000,10000; not '%.*s'", (int)len, s);
        p->bounds[p->nbounds++] = fen;
        s = e ? e + 1 : s + len;
    }
    return CL_OK;
}

static char *band_name(const plan *p, size_t k)
{
    char a[CL_MONEY_BUFSZ], b[CL_MONEY_BUFSZ], buf[96];
    cl_money_format(p->bounds[k], a);
    if (k + 1 < p->nbounds) {
        cl_money_format(p->bounds[k + 1], b);
        snprintf(buf, sizeof buf, "[%s,%s)", a, b);
    } else {
        snprintf(buf, sizeof buf, "[%s,+)", a);
    }
    return strdup(buf);
}

/* Index of stratum `name`, adding it (kinds: kept sorted later). */
static int stratum_of(plan *p, const char *name, uint32_t *k)
{
    for (size_t i = 0; i < p->nstrata; i++)
        if (!strcmp(p->names[i], name)) {
            *k = (uint32_t)i;
            return 0;
        }
    char **nn = realloc(p->names, (p->nstrata + 1) * sizeof *nn);
    if (!nn)
        return -1;
    p->names = nn;
    if (!(nn[p->nstrata] = strdup(name)))
        return -1;
    *k = (uint32_t)p->nstrata++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

enum { RC_ID, RC_NAME, RC_VOTING, RC_UNSECURED };
static const cl_csv_col roster_spec[] = {
    {"creditor_id", "债权人编号", 1}, {"name", "债权人名称", 0},
    {"voting_amount", NULL, 0}, {"unsecured_voting", "无财产担保表决额", 0},
};
enum { CC_ID, CC_KIND, CC_EMPLOYEE };
static const cl_csv_col creditor_spec[] = {
    {"creditor_id", "债权人编号", 1}, {"kind", "债权人类型", 1}, {"employee", "职工债权", 0},
};

static cl_err roster_amount(const plan *p, size_t i, int64_t *fen, cl_diag *d)
{
    int col = p->roster->present[RC_VOTING] ? RC_VOTING : RC_UNSECURED;
    const char *s = cl_cli_rows_get(p->roster, i, col);
    if (!*s) {
        *fen = 0;
        return CL_OK;
    }
    if (cl_parse_amount(s, strlen(s), false, fen) != CL_AMT_OK)
        return cl_diag_set(d, CL_ERR_INPUT, "%s:%llu: %s '%s' is not an amount in yuan",
                           p->roster->path, (unsigned long long)cl_cli_rows_line(p->roster, i),
                           roster_spec[col].name, s);
    return CL_OK;
}

/* The creditors.csv kind of every roster creditor: "employee" when its
 * employee claim is above 0, else its kind. */
static cl_err kinds_of(plan *p, const char *path, cl_diag *d)
{
    cl_err e = cl_cli_rows_load(path, creditor_spec, 3, &p->creditors, d);
    if (e)
        return e;
    cl_strmap *m = cl_strmap_create(p->creditors->n);
    if (!m)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < p->creditors->n && !e; i++) {
        const char *id = cl_cli_rows_get(p->creditors, i, CC_ID);
        if (cl_strmap_put(m, id, strlen(id), (uint32_t)i, NULL) < 0)
            e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < p->roster->n && !e; i++) {
        uint32_t row;
        if (!cl_strmap_get(m, p->ids[i], strlen(p->ids[i]), &row)) {
            e = cl_diag_set(d, CL_ERR_INPUT, "%s:%llu: creditor %s is not in %s (its kind is "
                            "unknown)", p->roster->path,
                            (unsigned long long)cl_cli_rows_line(p->roster, i), p->ids[i], path);
            break;
        }
        const char *emp = cl_cli_rows_get(p->creditors, row, CC_EMPLOYEE);
        int64_t fen = 0;
        if (*emp && cl_parse_amount(emp, strlen(emp), false, &fen) != CL_AMT_OK)
            e = cl_diag_set(d, CL_ERR_INPUT, "%s:%llu: employee '%s' is not an amount in yuan",
                            path, (unsigned long long)cl_cli_rows_line(p->creditors, row), emp);
        const char *kind = fen > 0 ? "employee" : cl_cli_rows_get(p->creditors, row, CC_KIND);
        if (!e && !*kind)
            e = cl_diag_set(d, CL_ERR_INPUT, "%s:%llu: kind is empty", path,
                            (unsigned long long)cl_cli_rows_line(p->creditors, row));
        if (!e && stratum_of(p, kind, &p->stratum[i]))
            e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    cl_strmap_free(m);
    if (e)
        return e;
    /* strata in name order, bytewise: renumber */
    char **sorted = malloc(p->nstrata * sizeof *sorted);
    uint32_t *map = malloc(p->nstrata * sizeof *map);
    if (!sorted || !map) {
        free(sorted);
        free(map);
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    memcpy(sorted, p->names, p->nstrata * sizeof *sorted);
    qsort(sorted, p->nstrata, sizeof *sorted, cmp_str);
    for (size_t k = 0; k < p->nstrata; k++)
        for (size_t j = 0; j < p->nstrata; j++)
            if (p->names[k] == sorted[j])
                map[k] = (uint32_t)j;
    for (size_t i = 0; i < p->roster->n; i++)
        p->stratum[i] = map[p->stratum[i]];
    memcpy(p->names, sorted, p->nstrata * sizeof *sorted);
    free(sorted);
    free(map);
    return CL_OK;
}

static cl_err bands_of(plan *p, cl_diag *d)
{
    if (!p->roster->present[RC_VOTING] && !p->roster->present[RC_UNSECURED])
        return cl_diag_set(d, CL_ERR_COLUMN, "%s: --by band needs a voting_amount or "
                           "unsecured_voting column", p->roster->path);
    p->names = calloc(p->nbounds, sizeof *p->names);
    if (!p->names)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    p->nstrata = p->nbounds;
    for (size_t k = 0; k < p->nbounds; k++)
        if (!(p->names[k] = band_name(p, k)))
            return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < p->roster->n; i++) {
        int64_t fen;
        cl_err e = roster_amount(p, i, &fen, d);
        if (e)
            return e;
        size_t k = 0;
        while (k + 1 < p->nbounds && fen >= p->bounds[k + 1])
            k++;
        p->stratum[i] = (uint32_t)k;
    }
    return CL_OK;
}

/* Members and weights of each stratum. */
static cl_err weigh(plan *p, const draw_opts *o, cl_diag *d)
{
    p->strata = calloc(p->nstrata, sizeof *p->strata);
    if (!p->strata)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < p->nstrata; k++)
        p->strata[k].name = p->names[k];
    if (o->amount_weight && !p->roster->present[RC_VOTING] && !p->roster->present[RC_UNSECURED])
        return cl_diag_set(d, CL_ERR_COLUMN, "%s: --weight amount needs a voting_amount or "
                           "unsecured_voting column", p->roster->path);
    for (size_t i = 0; i < p->roster->n; i++) {
        cl_draw_stratum *s = &p->strata[p->stratum[i]];
        s->members++;
        int64_t w = 1;
        if (o->amount_weight) {
            cl_err e = roster_amount(p, i, &w, d);
            if (e)
                return e;
        }
        if (!cl_money_add(s->weight, w, &s->weight))
            return cl_diag_set(d, CL_ERR_OVERFLOW, "%s: voting amounts overflow", p->roster->path);
    }
    return cl_draw_seats(p->strata, p->nstrata, (size_t)o->count, d);
}

static json_t *sha_json(const unsigned char sha[32])
{
    char hex[65];
    cl_draw_hex(sha, 32, hex);
    return json_string(hex);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static json_t *commitment(const plan *p, const draw_opts *o)
{
    json_t *c = json_object(), *par = json_object(), *st = json_array();
    json_object_set_new(c, "algorithm", json_string(CL_DRAW_ALGORITHM));
    json_object_set_new(c, "version", json_integer(CL_DRAW_VERSION));
    json_object_set_new(c, "roster", json_pack("{s:s, s:o, s:I}", "file", base_name(o->roster),
                                               "sha256", sha_json(p->roster->sha256),
                                               "creditors", (json_int_t)p->roster->n));
    if (p->creditors)
        json_object_set_new(c, "creditors", json_pack("{s:s, s:o}", "file",
                                                      base_name(o->creditors), "sha256",
                                                      sha_json(p->creditors->sha256)));
    json_object_set_new(par, "count", json_integer(o->count));
    json_object_set_new(par, "by", json_string(o->by == BY_KIND ? "kind" : o->by == BY_BAND ? "band" : "none"));
    if (o->by == BY_BAND) {
        json_t *b = json_array();
        for (size_t k = 1; k < p->nbounds; k++) {
            char m[CL_MONEY_BUFSZ];
            cl_money_format(p->bounds[k], m);
            json_array_append_new(b, json_string(m));
        }
        json_object_set_new(par, "bands", b);
    }
    json_object_set_new(par, "weight", json_string(o->amount_weight ? "amount" : "heads"));
    json_object_set_new(c, "parameters", par);
    for (size_t k = 0; k < p->nstrata; k++) {
        char w[CL_MONEY_BUFSZ];
        if (o->amount_weight)
            cl_money_format(p->strata[k].weight, w);
        else
            snprintf(w, sizeof w, "%lld", (long long)p->strata[k].weight);
        json_array_append_new(st, json_pack("{s:s, s:I, s:s, s:I}", "stratum", p->names[k],
                                            "members", (json_int_t)p->strata[k].members,
                                            "weight", w, "seats", (json_int_t)p->strata[k].seats));
    }
    json_object_set_new(c, "strata", st);
    return c;
}

static cl_err plan_build(plan *p, const draw_opts *o, cl_diag *d)
{
    cl_err e = cl_cli_rows_load(o->roster, roster_spec, 4, &p->roster, d);
    if (e)
        return e;
    size_t n = p->roster->n;
    p->ids = calloc(n + 1, sizeof *p->ids);
    p->stratum = calloc(n + 1, sizeof *p->stratum);
    cl_strmap *seen = cl_strmap_create(n);
    if (!p->ids || !p->stratum || !seen) {
        cl_strmap_free(seen);
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n && !e; i++) {
        p->ids[i] = cl_cli_rows_get(p->roster, i, RC_ID);
        int r = cl_strmap_put(seen, p->ids[i], strlen(p->ids[i]), (uint32_t)i, NULL);
        if (!*p->ids[i] || r == 0)
            e = cl_diag_set(d, CL_ERR_INPUT, "%s:%llu:1: creditor_id %s", o->roster,
                            (unsigned long long)cl_cli_rows_line(p->roster, i),
                            *p->ids[i] ? "appears twice" : "is empty");
        else if (r < 0)
            e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    cl_strmap_free(seen);
    if (e)
        return e;
    if (o->by == BY_KIND)
        e = kinds_of(p, o->creditors, d);
    else if (o->by == BY_BAND)
        e = parse_bands(o->bands, p, d) ? d->err : bands_of(p, d);
    else if (!(p->names = calloc(1, sizeof *p->names)) || !(p->names[0] = strdup("all")))
        e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    else
        p->nstrata = 1;
    if (!e)
        e = weigh(p, o, d);
    if (!e && !(p->commit = commitment(p, o)))
        e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    return e;
}

/* ---- writing ------------------------------------------------------------- */

static cl_err write_json(const char *path, json_t *j, cl_diag *d)
{
    if (json_dump_file(j, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
        return cl_diag_set(d, CL_ERR_IO, "%s: cannot write", path);
    FILE *f = fopen(path, "a");   /* a final newline */
    if (!f || fputc('\n', f) == EOF || fclose(f) != 0)
        return cl_diag_set(d, CL_ERR_IO, "%s: cannot write", path);
    return CL_OK;
}

typedef struct draw_view {
    const plan *p;
    const size_t *sel;
    const unsigned char (*scores)[32];
    char hex[65];
} draw_view;

static const cl_col draw_cols[] = {
    {"rank", "名次", CL_COL_INT},
    {"creditor_id", "债权人编号", CL_COL_TEXT},
    {"stratum", "类别", CL_COL_TEXT},
    {"name", "债权人名称", CL_COL_PII_NAME},
    {"score", "HMAC-SHA-256", CL_COL_TEXT},
};

static void draw_row(void *vx, size_t row, cl_cell *cells)
{
    draw_view *v = vx;
    size_t i = v->sel[row];
    const char *name = cl_cli_rows_get(v->p->roster, i, RC_NAME);
    const char *st = v->p->names[v->p->stratum[i]];
    cl_draw_hex(v->scores[i], 32, v->hex);
    cells[0] = (cl_cell){.i = (int64_t)row + 1};
    cells[1] = (cl_cell){.s = v->p->ids[i], .len = strlen(v->p->ids[i])};
    cells[2] = (cl_cell){.s = st, .len = strlen(st)};
    cells[3] = (cl_cell){.s = name, .len = strlen(name)};
    cells[4] = (cl_cell){.s = v->hex, .len = 64};
}

static cl_err write_draw(cl_outdir *od, draw_view *v, size_t nsel, json_t *proof, cl_diag *d)
{
    cl_table t = {.name = "draw", .title = "抽选结果", .cols = draw_cols, .ncols = 5,
                  .nrows = nsel, .row = draw_row, .ctx = v};
    cl_err e = cl_report_csv(cl_outdir_path(od, "draw.csv"), &t, CL_AUDIENCE_INTERNAL, d);
    if (e)
        return e;
    const char *pub = cl_outdir_path(od, "public");
    if (mkdir(pub, 0755) != 0)
        return cl_diag_set(d, CL_ERR_IO, "%s: cannot create", pub);
    e = cl_report_csv(cl_outdir_path(od, "public/draw.csv"), &t, CL_AUDIENCE_PUBLIC, d);
    if (!e)
        e = write_json(cl_outdir_path(od, "draw_proof.json"), proof, d);
    return e;
}

/* ---- the three modes ----------------------------------------------------- */

static cl_err file_sha256(const char *path, unsigned char sha[32], cl_diag *d)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return cl_diag_set(d, CL_ERR_INPUT, "%s: cannot open", path);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned char buf[65536];
    size_t n;
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0)
        ok = EVP_DigestUpdate(c, buf, n);
    ok = ok && !ferror(f) && EVP_DigestFinal_ex(c, sha, NULL);
    EVP_MD_CTX_free(c);
    fclose(f);
    return ok ? CL_OK : cl_diag_set(d, CL_ERR_IO, "%s: cannot read", path);
}

static cl_err load_json(const char *path, json_t **out, cl_diag *d)
{
    json_error_t je;
    *out = json_load_file(path, 0, &je);
    if (!*out)
        return je.line < 1 ? cl_diag_set(d, CL_ERR_INPUT, "%s: %s", path, je.text)
                           : cl_diag_set(d, CL_ERR_INPUT, "%s:%d:%d: %s", path, je.line,
                                         je.column, je.text);
    return CL_OK;
}

/* Whether two commitments commit to the same: equal but for the file names
 * (a roster may be verified under another name). */
static int same_commitment(const json_t *a, const json_t *b)
{
    json_t *x = json_deep_copy(a), *y = json_deep_copy(b);
    const char *keys[] = {"roster", "creditors"};
    for (int k = 0; k < 2; k++) {
        json_object_del(json_object_get(x, keys[k]), "file");
        json_object_del(json_object_get(y, keys[k]), "file");
    }
    int eq = x && y && json_equal(x, y);
    json_decref(x);
    json_decref(y);
    return eq;
}

/* The committed parameters must be those of this draw. */
static cl_err check_commitment(const char *path, const json_t *mine, unsigned char sha[32],
                               cl_diag *d)
{
    json_t *c;
    cl_err e = load_json(path, &c, d);
    if (!e)
        e = file_sha256(path, sha, d);
    if (e)
        goto done;
    if (!same_commitment(c, mine)) {
        const char *what = "algorithm";
        const char *keys[] = {"roster", "creditors", "parameters", "strata"};
        for (int k = 3; k >= 0; k--)
            if (!json_equal(json_object_get(c, keys[k]), json_object_get(mine, keys[k])))
                what = keys[k];
        e = cl_diag_set(d, CL_ERR_INPUT, "%s: this draw's %s differs from the commitment's "
                        "(roster, creditors or parameters changed since it was made)", path, what);
    }
done:
    json_decref(c);
    return e;
}

static json_t *proof_of(const plan *p, const draw_opts *o, const unsigned char *commit_sha,
                        const unsigned char seed[32], const size_t *sel, size_t nsel)
{
    json_t *pr = json_object(), *out = json_array();
    json_object_set_new(pr, "algorithm", json_string(CL_DRAW_ALGORITHM));
    json_object_set_new(pr, "version", json_integer(CL_DRAW_VERSION));
    json_object_set(pr, "commitment", p->commit);
    json_object_set_new(pr, "commitment_sha256", commit_sha ? sha_json(commit_sha) : json_null());
    json_object_set_new(pr, "beacon", json_string(o->beacon));
    json_object_set_new(pr, "seed", sha_json(seed));
    json_object_set_new(pr, "ranking", json_string("HMAC-SHA-256(seed, creditor_id) ascending; "
                                                   "taken while the stratum has seats"));
    for (size_t k = 0; k < nsel; k++)
        json_array_append_new(out, json_string(p->ids[sel[k]]));
    json_object_set_new(pr, "outcome", out);
    return pr;
}

static cl_err run_draw(plan *p, const draw_opts *o, unsigned char seed[32], size_t **sel,
                       size_t *nsel, unsigned char (**scores)[32], cl_diag *d)
{
    size_t n = p->roster->n;
    cl_err e = cl_draw_seed(p->roster->sha256, o->beacon, strlen(o->beacon), seed, d);
    *sel = malloc(((size_t)o->count + 1) * sizeof **sel);
    *scores = malloc((n + 1) * sizeof **scores);
    if (!e && (!*sel || !*scores))
        e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    if (!e)
        e = cl_draw_select(seed, p->ids, n, p->stratum, p->strata, p->nstrata, *sel, nsel,
                           *scores, d);
    return e;
}

static int do_commit(plan *p, const draw_opts *o, cl_diag *d)
{
    const char *in[] = {o->roster, o->creditors};
    cl_outdir *od = NULL;
    cl_err e = cl_outdir_check(o->out, in, 2, d);
    if (!e)
        e = plan_build(p, o, d);
    if (!e)
        e = cl_outdir_begin_as(o->out, "draw", &od, d);
    if (!e)
        e = write_json(cl_outdir_path(od, "draw_commit.json"), p->commit, d);
    if (!e)
        e = cl_outdir_commit(od, d);
    cl_outdir_free(od);
    if (!e && !o->quiet) {
        char hex[65];
        cl_draw_hex(p->roster->sha256, 32, hex);
        printf("draw commitment written: %s/draw_commit.json\nroster SHA-256 %s (%zu creditors), "
               "count %ld\npublish it before the beacon is known\n", o->out, hex, p->roster->n,
               o->count);
    }
    return e ? cl_exit_code(e) : CL_EXIT_OK;
}

static int do_draw(plan *p, const draw_opts *o, cl_diag *d)
{
    const char *in[] = {o->roster, o->creditors, o->commitment};
    unsigned char seed[32], csha[32];
    size_t *sel = NULL, nsel = 0;
    unsigned char(*scores)[32] = NULL;
    json_t *proof = NULL;
    cl_outdir *od = NULL;
    cl_err e = cl_outdir_check(o->out, in, 3, d);
    if (!e)
        e = plan_build(p, o, d);
    if (!e && o->commitment)
        e = check_commitment(o->commitment, p->commit, csha, d);
    if (!e)
        e = run_draw(p, o, seed, &sel, &nsel, &scores, d);
    if (!e && !(proof = proof_of(p, o, o->commitment ? csha : NULL, seed, sel, nsel)))
        e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    if (!e)
        e = cl_outdir_begin_as(o->out, "draw", &od, d);
    draw_view v = {.p = p, .sel = sel, .scores = (const unsigned char(*)[32])scores};
    if (!e)
        e = write_draw(od, &v, nsel, proof, d);
    if (!e)
        e = cl_outdir_commit(od, d);
    cl_outdir_free(od);
    if (!e && !o->quiet)
        printf("drew %zu of %zu creditors into %s (draw.csv, public/draw.csv, "
               "draw_proof.json)\n", nsel, p->roster->n, o->out);
    json_decref(proof);
    free(sel);
    free(scores);
    return e ? cl_exit_code(e) : CL_EXIT_OK;
}

/* Reads the parameters of a proof into o; CL_ERR_INPUT when it is not one. */
static cl_err proof_params(const json_t *pr, draw_opts *o, char *bands, size_t cap, cl_diag *d)
{
    const json_t *c = json_object_get(pr, "commitment");
    const json_t *par = json_object_get(c, "parameters");
    const char *alg = json_string_value(json_object_get(pr, "algorithm"));
    const char *by = json_string_value(json_object_get(par, "by"));
    const char *w = json_string_value(json_object_get(par, "weight"));
    json_int_t n = json_integer_value(json_object_get(par, "count"));
    o->beacon = json_string_value(json_object_get(pr, "beacon"));
    if (!alg || strcmp(alg, CL_DRAW_ALGORITHM) ||
        json_integer_value(json_object_get(pr, "version")) != CL_DRAW_VERSION)
        return cl_diag_set(d, CL_ERR_INPUT, "%s: not a %s version %d proof", o->verify,
                           CL_DRAW_ALGORITHM, CL_DRAW_VERSION);
    if (!by || !w || n < 1 || !o->beacon || !json_is_array(json_object_get(pr, "outcome")))
        return cl_diag_set(d, CL_ERR_INPUT, "%s: incomplete proof (commitment.parameters "
                           "count/by/weight, beacon, outcome)", o->verify);
    o->count = (long)n;
    o->amount_weight = !strcmp(w, "amount");
    o->by = !strcmp(by, "kind") ? BY_KIND : !strcmp(by, "band") ? BY_BAND : BY_NONE;
    if (o->by == BY_KIND && !o->creditors)
        return cl_diag_set(d, CL_ERR_USAGE, "draw: this proof draws by kind: give --creditors");
    size_t len = 0;
    const json_t *b = json_object_get(par, "bands");
    for (size_t k = 0; o->by == BY_BAND && k < json_array_size(b); k++) {
        const char *s = json_string_value(json_array_get(b, k));
        int m = snprintf(bands + len, cap - len, "%s%s", k ? "," : "", s ? s : "?");
        if (m < 0 || (size_t)m >= cap - len)
            return cl_diag_set(d, CL_ERR_INPUT, "%s: bands too long", o->verify);
        len += (size_t)m;
    }
    o->bands = o->by == BY_BAND ? bands : NULL;
    return CL_OK;
}

static int disagree(const char *fmt, const char *a, const char *b)
{
    fputs("claims: draw --verify: FAILED: ", stderr);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return CL_EXIT_INPUT;
}

static int compare(const plan *p, const json_t *pr, const unsigned char seed[32],
                   const size_t *sel, size_t nsel, const draw_opts *o)
{
    const json_t *c = json_object_get(pr, "commitment");
    char hex[65];
    cl_draw_hex(p->roster->sha256, 32, hex);
    const char *rs = json_string_value(json_object_get(json_object_get(c, "roster"), "sha256"));
    if (!rs || strcmp(rs, hex))
        return disagree("the roster differs: its SHA-256 is %s, the proof committed to %s", hex,
                        rs ? rs : "nothing");
    if (p->creditors) {
        cl_draw_hex(p->creditors->sha256, 32, hex);
        rs = json_string_value(json_object_get(json_object_get(c, "creditors"), "sha256"));
        if (!rs || strcmp(rs, hex))
            return disagree("the creditors file differs: its SHA-256 is %s, the proof "
                            "committed to %s", hex, rs ? rs : "nothing");
    }
    if (!same_commitment(c, p->commit))
        return disagree("the commitment in the proof is not what its roster and parameters "
                        "give (strata, seats or counts altered)%s%s", "", "");
    cl_draw_hex(seed, 32, hex);
    rs = json_string_value(json_object_get(pr, "seed"));
    if (!rs || strcmp(rs, hex))
        return disagree("the seed does not follow from the beacon: SHA-256(roster || beacon) "
                        "is %s, the proof says %s", hex, rs ? rs : "nothing");
    const json_t *out = json_object_get(pr, "outcome");
    size_t m = json_array_size(out);
    for (size_t k = 0; k < nsel || k < m; k++) {
        const char *want = k < nsel ? p->ids[sel[k]] : "(none)";
        const char *got = json_string_value(json_array_get(out, k));
        if (!got || strcmp(got, want)) {
            char a[160], b[160];
            snprintf(a, sizeof a, "rank %zu: the proof says %s", k + 1, got ? got : "(none)");
            snprintf(b, sizeof b, "the draw gives %s", want);
            return disagree("the recorded outcome differs at %s, %s", a, b);
        }
    }
    if (!o->quiet)
        printf("draw verified: %zu creditors drawn from the roster (SHA-256 %s) with beacon "
               "\"%s\"\n", nsel, json_string_value(json_object_get(json_object_get(c, "roster"),
                                                                   "sha256")), o->beacon);
    return CL_EXIT_OK;
}

static int do_verify(plan *p, draw_opts *o, cl_diag *d)
{
    json_t *pr = NULL;
    char bands[1024];
    unsigned char seed[32], csha[32];
    size_t *sel = NULL, nsel = 0;
    unsigned char(*scores)[32] = NULL;
    int rc;
    cl_err e = load_json(o->verify, &pr, d);
    if (!e)
        e = proof_params(pr, o, bands, sizeof bands, d);
    if (!e && o->commitment) {
        e = file_sha256(o->commitment, csha, d);
        char hex[65];
        cl_draw_hex(csha, 32, hex);
        const char *ps = json_string_value(json_object_get(pr, "commitment_sha256"));
        json_t *cj = NULL;
        if (!e)
            e = load_json(o->commitment, &cj, d);
        if (!e && ((ps && strcmp(ps, hex)) || !same_commitment(cj, json_object_get(pr, "commitment"))))
            e = cl_diag_set(d, CL_ERR_INPUT, "draw --verify: FAILED: %s is not the commitment "
                            "the proof was drawn under", o->commitment);
        json_decref(cj);
    }
    if (!e)
        e = plan_build(p, o, d);
    if (!e)
        e = run_draw(p, o, seed, &sel, &nsel, &scores, d);
    if (e) {
        cl_cli_error("%s", d->msg);
        rc = cl_exit_code(e);
    } else {
        rc = compare(p, pr, seed, sel, nsel, o);
    }
    json_decref(pr);
    free(sel);
    free(scores);
    return rc;
}

int cl_cmd_draw(int argc, char **argv)
{
    draw_opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? CL_EXIT_OK : rc;
    plan p = {0};
    cl_diag d = {0};
    if (o.verify) {
        rc = do_verify(&p, &o, &d);
    } else {
        rc = o.commit ? do_commit(&p, &o, &d) : do_draw(&p, &o, &d);
        if (rc)
            cl_cli_error("%s", d.msg);
    }
    plan_free(&p);
    return rc;
}
