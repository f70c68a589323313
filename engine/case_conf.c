/* case_conf.c - case.conf (contract §1): keys, values, defaults, the
 * settings checked together (dates, threshold, key source), and the
 * creditor_id key (creditor_key, or a random key kept in case.key). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "core/cl_money.h"
#include "core/cl_source.h"
#include "core/cl_time.h"
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

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void key_file_path(const char *conf_path, char *out, size_t cap)
{
    const char *slash = strrchr(conf_path, '/');
    if (slash)
        snprintf(out, cap, "%.*s/case.key", (int)(slash - conf_path), conf_path);
    else
        snprintf(out, cap, "case.key");
}

static cl_err read_key_file(const char *path, cl_case *c, cl_diag *d)
{
    cl_source src = cl_source_path(path);
    char *hex = NULL;
    size_t n = 0;
    cl_err err = cl_source_slurp(&src, &hex, &n, d);
    if (err)
        return err;
    while (n && (hex[n - 1] == '\n' || hex[n - 1] == '\r' || hex[n - 1] == ' '))
        n--;
    if (n < 32 || n % 2 || n / 2 > sizeof c->key)
        err = cl_diag_set(d, CL_ERR_CONFIG, "%s: expected 32 to 128 hex digits", path);
    for (size_t i = 0; !err && i < n / 2; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            err = cl_diag_set(d, CL_ERR_CONFIG, "%s: not a hex key", path);
        else
            c->key[i] = (unsigned char)(hi * 16 + lo);
    }
    free(hex);
    if (!err)
        c->key_len = n / 2;
    return err;
}

static cl_err create_key_file(const char *path, cl_case *c, cl_diag *d)
{
    unsigned char key[32];
    if (RAND_bytes(key, sizeof key) != 1)
        return cl_diag_set(d, CL_ERR_INTERNAL, "cannot draw a random case key");
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return cl_diag_set(d, CL_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    char hex[65];
    for (size_t i = 0; i < sizeof key; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    hex[64] = '\n';
    int ok = write(fd, hex, 65) == 65 && fsync(fd) == 0;
    close(fd);
    if (!ok)
        return cl_diag_set(d, CL_ERR_IO, "%s: cannot write the case key", path);
    memcpy(c->key, key, sizeof key);
    c->key_len = sizeof key;
    c->key_created = 1;
    return CL_OK;
}

static cl_err load_key(const char *conf_path, cl_case *c, cl_diag *d)
{
    char path[4096];
    key_file_path(conf_path, path, sizeof path);
    c->key_from_file = 1;
    if (access(path, F_OK) == 0)
        return read_key_file(path, c, d);
    return create_key_file(path, c, d);
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

static cl_err apply_entry(cl_case *c, const cl_conf_entry *e, const char *path, conf_lines *seen,
                          cl_diag *d)
{
    const char *k = e->key, *v = e->value;
    size_t vl = strlen(v);
    if (!strcmp(k, "case_no")) {
        free(c->case_no);
        c->case_no = strdup(v);
    } else if (!strcmp(k, "debtor")) {
        free(c->debtor);
        c->debtor = strdup(v);
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

cl_err cl_case_load(const char *path, cl_case *c, cl_diag *d)
{
    memset(c, 0, sizeof *c);
    c->interest_allowed = DEFAULT_INTEREST;
    c->other_allowed = DEFAULT_OTHER;
    c->small_claim_threshold = -1;
    c->path = strdup(path);
    cl_conf *conf = NULL;
    cl_err err = cl_conf_load(path, &conf, d);
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
    c->acceptance_at = c->acceptance_day * 86400;
    c->deadline_end = c->deadline_day * 86400 + 86399;
    if (!c->case_no)
        c->case_no = strdup("");
    if (!c->debtor)
        c->debtor = strdup("");
    if (c->key_len == 0)
        return load_key(path, c, d);
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
