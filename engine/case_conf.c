/* case_conf.c - case.conf (contract §1): keys, values, defaults, the
 * settings checked together (dates, threshold) and creditor_key. The library
 * only reads a key it is given; making case.key on first use is the `claims`
 * command's (cli/case_key.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cl_money.h"
#include "core/cl_alloc.h"
#include "core/cl_source.h"
#include "core/cl_time.h"
#include "engine/cl_linkage.h"
#include "engine/cl_model.h"
#include "ingest/cl_conf.h"

#define DEFAULT_INTEREST ((1u << CL_CAT_SUPPLIER) | (1u << CL_CAT_TAX) | (1u << CL_CAT_OTHER))
#define DEFAULT_OTHER ((1u << CL_CAT_SUPPLIER) | (1u << CL_CAT_OTHER))

/* "supplier,tax,other" (English or Chinese, ',' '，' or ';' separated). */
static int parse_categories(const char *v, unsigned *out)
{
    unsigned set = 0;
    const char *p = v;
    while (*p) {
        size_t n = strcspn(p, ",;");
        const char *fw = strstr(p, "，");
        if (fw && (size_t)(fw - p) < n)
            n = (size_t)(fw - p);
        cl_category c = cl_category_parse(p, n);
        int blank = 1;
        for (size_t i = 0; i < n; i++)
            if (p[i] != ' ' && p[i] != '\t')
                blank = 0;
        if (!blank) {
            if (c == CL_CAT_INVALID)
                return -1;
            set |= 1u << c;
        }
        p += n;
        if (!strncmp(p, "，", 3))
            p += 3;
        else if (*p)
            p++;
    }
    *out = set;
    return 0;
}

static cl_err bad_value(cl_diag *d, const char *path, int line, const char *key,
                        const char *value, const char *want)
{
    return cl_diag_set(d, CL_ERR_CONFIG, "%s:%d: bad value '%s' for %s: expected %s", path,
                       line, value, key, want);
}

/* The lines the settings checked together came from (0: not given). */
typedef struct conf_lines {
    int acceptance, deadline, threshold, creditor_key;
} conf_lines;

/* A whole number in [lo, hi]. */
static int parse_int_in(const char *v, int64_t lo, int64_t hi, int64_t *out)
{
    char *end;
    if (!*v || *v == '-' || *v == '+')
        return -1;
    long long x = strtoll(v, &end, 10);
    if (*end || x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

/* The probable-duplicates keys (engine/cl_linkage.h, docs/SPEC.md §2). */
static cl_err apply_linkage(cl_case *c, const cl_conf_entry *e, const char *path, cl_diag *d)
{
    const char *k = e->key, *v = e->value;
    if (!strcmp(k, "linkage")) {
        if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
            c->linkage = 1;
        else if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
            c->linkage = 0;
        else
            return bad_value(d, path, e->line, k, v, "on or off");
    } else if (!strcmp(k, "linkage_signals")) {
        if (cl_link_signals_parse(v, &c->linkage_signals) < 0)
            return bad_value(d, path, e->line, k, v,
                             "signals like bank,phone,account_ref,id_typo,id15_18,name_variant");
    } else if (!strcmp(k, "linkage_min_score")) {
        if (parse_int_in(v, 1, 1000000, &c->linkage_min_score) < 0)
            return bad_value(d, path, e->line, k, v, "a whole number from 1 to 1000000");
    } else if (!strcmp(k, "linkage_max_shared")) {
        if (parse_int_in(v, 2, 1000000, &c->linkage_max_shared) < 0)
            return bad_value(d, path, e->line, k, v, "a whole number from 2 to 1000000");
    } else {
        return cl_diag_set(d, CL_ERR_CONFIG, "%s:%d: unknown key '%s'", path, e->line, k);
    }
    return CL_OK;
}

static cl_err apply_entry(cl_case *c, const cl_conf_entry *e, const char *path, conf_lines *seen,
                          cl_diag *d)
{
    const char *k = e->key, *v = e->value;
    size_t vl = strlen(v);
    if (!strcmp(k, "case_no")) {
        free(c->case_no);
        if (!(c->case_no = cl_strdup(v)))
            return cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", path);
    } else if (!strcmp(k, "debtor")) {
        free(c->debtor);
        if (!(c->debtor = cl_strdup(v)))
            return cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", path);
    } else if (!strcmp(k, "acceptance_date")) {
        if (!cl_parse_date(v, vl, &c->acceptance_day))
            return bad_value(d, path, e->line, k, v, "a date YYYY-MM-DD");
        seen->acceptance = e->line;
    } else if (!strcmp(k, "declaration_deadline")) {
        if (!cl_parse_date(v, vl, &c->deadline_day))
            return bad_value(d, path, e->line, k, v, "a date YYYY-MM-DD");
        seen->deadline = e->line;
    } else if (!strcmp(k, "interest_allowed")) {
        if (parse_categories(v, &c->interest_allowed) < 0)
            return bad_value(d, path, e->line, k, v, "categories like supplier,tax,other");
    } else if (!strcmp(k, "other_allowed")) {
        if (parse_categories(v, &c->other_allowed) < 0)
            return bad_value(d, path, e->line, k, v, "categories like supplier,other");
    } else if (!strcmp(k, "small_claim_threshold")) {
        if (vl && cl_parse_amount(v, vl, false, &c->small_claim_threshold) != CL_AMT_OK)
            return bad_value(d, path, e->line, k, v, "an amount in yuan");
        if (!vl)
            c->small_claim_threshold = -1;
        else if (c->small_claim_threshold == 0)
            return bad_value(d, path, e->line, k, v,
                             "an amount above 0 in yuan (leave it empty for no small-claim group)");
        seen->threshold = e->line;
    } else if (!strcmp(k, "creditor_key")) {
        if (vl < 8 || vl > sizeof c->key)
            return bad_value(d, path, e->line, k, "(hidden)", "a secret of 8 to 64 bytes");
        memcpy(c->key, v, vl);
        c->key_len = vl;
        seen->creditor_key = e->line;
    } else if (!strncmp(k, "linkage", 7)) {
        return apply_linkage(c, e, path, d);
    } else {
        return cl_diag_set(d, CL_ERR_CONFIG, "%s:%d: unknown key '%s'", path, e->line, k);
    }
    return CL_OK;
}

/* ---- the settings checked together ---- */

/* The earliest acceptance date taken as real: the first PRC bankruptcy law
 * (1986-12-02). */
#define EARLIEST_YEAR 1986
#define EARLIEST_MONTH 12
#define EARLIEST_DAY 2
static void date_text(int64_t day, char out[16])
{
    int y, m, dd;
    cl_civil_from_days(day, &y, &m, &dd);
    snprintf(out, 16, "%04d-%02d-%02d", y % 10000, m, dd);
}

static cl_err check_dates(const cl_case *c, const char *path, const conf_lines *l, cl_diag *d)
{
    char acc[16], dl[16];
    date_text(c->acceptance_day, acc);
    date_text(c->deadline_day, dl);
    if (c->acceptance_day < cl_days_from_civil(EARLIEST_YEAR, EARLIEST_MONTH, EARLIEST_DAY))
        return cl_diag_set(d, CL_ERR_CONFIG,
                           "%s:%d: acceptance_date %s is before the first PRC bankruptcy law "
                           "(1986-12-02): a typo?", path, l->acceptance, acc);
    int64_t days = c->deadline_day - c->acceptance_day;
    if (days < 0)
        return cl_diag_set(d, CL_ERR_CONFIG,
                           "%s:%d: declaration_deadline %s is before acceptance_date %s (line %d): "
                           "every claim would be LATE", path, l->deadline, dl, acc, l->acceptance);
    return CL_OK;
}

void cl_case_init(cl_case *c)
{
    memset(c, 0, sizeof *c);
    c->interest_allowed = DEFAULT_INTEREST;
    c->other_allowed = DEFAULT_OTHER;
    c->small_claim_threshold = -1;
    c->linkage = 1;
    c->linkage_signals = CL_LINK_ALL_SIGNALS;
    c->linkage_min_score = CL_LINK_DEFAULT_MIN_SCORE;
    c->linkage_max_shared = CL_LINK_DEFAULT_MAX_SHARED;
}

static void derive_times(cl_case *c)
{
    c->acceptance_at = c->acceptance_day * 86400;
    c->deadline_end = c->deadline_day * 86400 + 86399;
}

cl_err cl_case_parse(const cl_source *src, cl_case *c, cl_diag *d)
{
    const char *path = cl_source_label(src);
    cl_case_init(c);
    c->path = cl_strdup(path);
    if (!c->path)
        return cl_diag_set(d, CL_ERR_NOMEM, "%s: out of memory", path);
    cl_conf *conf = NULL;
    cl_err err = cl_conf_load_source(src, &conf, d);
    if (err)
        return err;
    conf_lines seen = {0, 0, 0, 0};
    for (size_t i = 0; i < conf->count && !err; i++)
        err = apply_entry(c, &conf->entries[i], path, &seen, d);
    cl_conf_free(conf);
    if (err)
        return err;
    if (!seen.acceptance)
        return cl_diag_set(d, CL_ERR_CONFIG, "%s: missing key 'acceptance_date'", path);
    if (!seen.deadline)
        return cl_diag_set(d, CL_ERR_CONFIG, "%s: missing key 'declaration_deadline'", path);
    if ((err = check_dates(c, path, &seen, d)))
        return err;
    derive_times(c);
    if (!c->case_no)
        c->case_no = cl_strdup("");
    if (!c->debtor)
        c->debtor = cl_strdup("");
    return CL_OK;
}

cl_err cl_case_load(const char *path, cl_case *c, cl_diag *d)
{
    cl_source src = cl_source_path(path);
    return cl_case_parse(&src, c, d);
}

cl_err cl_case_copy(cl_case *dst, const cl_case *src)
{
    *dst = *src;
    dst->path = cl_strdup(src->path ? src->path : "");
    dst->case_no = cl_strdup(src->case_no ? src->case_no : "");
    dst->debtor = cl_strdup(src->debtor ? src->debtor : "");
    derive_times(dst);
    if (!dst->path || !dst->case_no || !dst->debtor) {
        cl_case_release(dst);
        return CL_ERR_NOMEM;
    }
    return CL_OK;
}

void cl_case_release(cl_case *c)
{
    if (!c)
        return;
    free(c->path);
    free(c->case_no);
    free(c->debtor);
    memset(c, 0, sizeof *c);
}
