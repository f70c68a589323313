/* meeting.c - the inputs of a creditors' meeting: meeting.conf (§9), the
 * voting roster (§5, §10 roster.csv) and ballots.csv (§2), read with
 * ingest/ and turned into the arrays of engine/cl_tally.h. */
#include "engine/cl_meeting.h"
#include "core/cl_alloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/cl_money.h"
#include "ingest/cl_conf.h"
#include "ingest/cl_norm.h"
#include "engine/cl_formats.h"
#include "engine/cl_input_spec.h"

/* ---- meeting.conf ------------------------------------------------------ */

#define RES_PREFIX "resolution."

static cl_err conf_time(const cl_conf *c, const cl_conf_entry *e, cl_time *t, cl_diag *d)
{
    if (!cl_parse_time(e->value, strlen(e->value), t))
        return cl_diag_set(d, CL_ERR_CONFIG,
                           "%s:%d: %s: '%s' is not a time (YYYY-MM-DD HH:MM[:SS])", c->path,
                           e->line, e->key, e->value);
    return CL_OK;
}

static cl_err conf_resolution(cl_meeting *m, const cl_conf *c, const cl_conf_entry *e,
                              cl_diag *d)
{
    const char *id = e->key + strlen(RES_PREFIX);
    if (!*id)
        return cl_diag_set(d, CL_ERR_CONFIG, "%s:%d: resolution id missing after '%s'",
                           c->path, e->line, RES_PREFIX);
    cl_resolution_type t = cl_resolution_type_parse(e->value, strlen(e->value));
    if (t == CL_RES_INVALID)
        return cl_diag_set(d, CL_ERR_CONFIG,
                           "%s:%d: %s: '%s' is not general, settlement or reorganization "
                           "(一般/和解/重整)",
                           c->path, e->line, e->key, e->value);
    cl_resolution *r = &m->resolutions[m->nresolutions];
    if (!(r->id = cl_strdup(id)))
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    r->type = t;
    r->line = e->line;
    m->types[m->nresolutions++] = t;
    return CL_OK;
}

static cl_err conf_entry(cl_meeting *m, const cl_conf *c, const cl_conf_entry *e, int *opens_line,
                         int *closes_line, cl_diag *d)
{
    if (!strcmp(e->key, "meeting_id")) {
        if (!*e->value)
            return cl_diag_set(d, CL_ERR_CONFIG, "%s:%d: meeting_id is empty", c->path, e->line);
        m->meeting_id = cl_strdup(e->value);
        return m->meeting_id ? CL_OK : cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    if (!strcmp(e->key, "opens_at")) {
        *opens_line = e->line;
        return conf_time(c, e, &m->opens_at, d);
    }
    if (!strcmp(e->key, "closes_at")) {
        *closes_line = e->line;
        return conf_time(c, e, &m->closes_at, d);
    }
    if (!strncmp(e->key, RES_PREFIX, strlen(RES_PREFIX)))
        return conf_resolution(m, c, e, d);
    return cl_diag_set(d, CL_ERR_CONFIG,
                       "%s:%d: unknown key '%s' (expected meeting_id, opens_at, closes_at, "
                       "resolution.<id>)",
                       c->path, e->line, e->key);
}

static cl_err meeting_check(const cl_meeting *m, const cl_conf *c, int opens_line,
                            int closes_line, cl_diag *d)
{
    if (!m->meeting_id)
        return cl_diag_set(d, CL_ERR_CONFIG, "%s: missing key 'meeting_id'", c->path);
    if (!opens_line)
        return cl_diag_set(d, CL_ERR_CONFIG, "%s: missing key 'opens_at'", c->path);
    if (!closes_line)
        return cl_diag_set(d, CL_ERR_CONFIG, "%s: missing key 'closes_at'", c->path);
    if (m->opens_at > m->closes_at)
        return cl_diag_set(d, CL_ERR_CONFIG, "%s:%d: closes_at is before opens_at (line %d)",
                           c->path, closes_line, opens_line);
    if (m->opens_at == m->closes_at)
        return cl_diag_set(d, CL_ERR_CONFIG,
                           "%s:%d: closes_at is the same time as opens_at (line %d): no ballot "
                           "could be cast", c->path, closes_line, opens_line);
    if (m->nresolutions == 0)
        return cl_diag_set(d, CL_ERR_CONFIG, "%s: no 'resolution.<id> = <type>' line", c->path);
    return CL_OK;
}

cl_err cl_meeting_load(const char *path, cl_meeting **out, cl_diag *d)
{
    cl_source src = cl_source_path(path);
    return cl_meeting_load_src(&src, out, d);
}

cl_err cl_meeting_load_src(const cl_source *src, cl_meeting **out, cl_diag *d)
{
    const char *path = cl_source_label(src);
    cl_conf *c = NULL;
    cl_meeting *m = NULL;
    int opens_line = 0, closes_line = 0;
    *out = NULL;
    cl_err e = cl_conf_load_source(src, &c, d);
    if (e)
        return e;
    m = cl_calloc(1, sizeof *m);
    if (!m || !(m->path = cl_strdup(path)) ||
        !(m->resolutions = cl_calloc(c->count + 1, sizeof *m->resolutions)) ||
        !(m->types = cl_calloc(c->count + 1, sizeof *m->types))) {
        e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < c->count && !e; i++)
        e = conf_entry(m, c, &c->entries[i], &opens_line, &closes_line, d);
    if (!e)
        e = meeting_check(m, c, opens_line, closes_line, d);
done:
    cl_conf_free(c);
    if (e)
        cl_meeting_free(m);
    else
        *out = m;
    return e;
}

void cl_meeting_free(cl_meeting *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nresolutions; i++)
        free(m->resolutions[i].id);
    free(m->resolutions);
    free(m->types);
    free(m->meeting_id);
    free(m->path);
    free(m);
}

int cl_meeting_find(const cl_meeting *m, const char *id, size_t len)
{
    for (size_t i = 0; i < m->nresolutions; i++)
        if (strlen(m->resolutions[i].id) == len && !memcmp(m->resolutions[i].id, id, len))
            return (int)i;
    return -1;
}

void cl_meeting_view(const cl_meeting *m, cl_tally_meeting *v)
{
    v->nresolutions = m->nresolutions;
    v->types = m->types;
    v->opens_at = m->opens_at;
    v->closes_at = m->closes_at;
}

/* ---- field helpers ------------------------------------------------------ */

/* A growable scratch buffer for normalized fields of one row. */
typedef struct scratch {
    char *buf;
    size_t cap, used;
} scratch;

static bool scratch_reserve(scratch *s, const cl_csv_row *row)
{
    size_t need = 64;
    for (int i = 0; i < row->nfields; i++)
        need += row->fields[i].len + 8;
    s->used = 0;
    if (need <= s->cap)
        return true;
    char *nb = cl_realloc(s->buf, need);
    if (!nb)
        return false;
    s->buf = nb;
    s->cap = need;
    return true;
}

/* ASCII without a space at either end: cl_norm_text would leave it as is. */
static bool plain_ascii(const char *p, size_t n)
{
    if (n && ((unsigned char)p[0] <= ' ' || (unsigned char)p[n - 1] <= ' '))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] >= 0x80)
            return false;
    return true;
}

/* The trimmed, folded text of column col (-1: absent -> ""). */
static const char *field_text(scratch *s, const cl_csv_row *row, int col, size_t *len)
{
    char *out = s->buf + s->used;
    *len = 0;
    if (col >= 0 && col < row->nfields) {
        const cl_field *f = &row->fields[col];
        if (plain_ascii(f->p, f->len)) {   /* nothing to trim or fold */
            memcpy(out, f->p, f->len);
            *len = f->len;
        } else {
            *len = cl_norm_text(f->p, f->len, out);
        }
    }
    out[*len] = 0;
    s->used += *len + 1;
    return out;
}

/* ---- roster.csv --------------------------------------------------------- */

enum {
    R_ID, R_NAME, R_ORDINARY, R_SECURED, R_EMPLOYEE, R_TAX, R_TEMPORARY, R_UNSECURED_VOTING,
    R_SECURED_VOTING, R_VOTING_AMOUNT, R_GROUPS, R_GROUP0, R_NCOLS = R_GROUP0 + CL_GROUP_COUNT
};

static const cl_csv_col roster_cols[R_NCOLS] = {
    {CL_FMT_ROSTER_CREDITOR_ID, 1},
    {CL_FMT_ROSTER_NAME, 0},
    {CL_FMT_ROSTER_ORDINARY, 0},
    {CL_FMT_ROSTER_SECURED, 0},
    {CL_FMT_ROSTER_EMPLOYEE, 0},
    {CL_FMT_ROSTER_TAX, 0},
    {CL_FMT_ROSTER_TEMPORARY, 0},
    {CL_FMT_ROSTER_UNSECURED_VOTING, 1},
    {CL_FMT_ROSTER_SECURED_VOTING, 1},
    {"voting_amount", "表决额", 0},
    {"groups", "表决组", 0},
    {"group_secured", "有财产担保债权组表决额", 0},
    {"group_employee", "职工债权组表决额", 0},
    {"group_tax", "税款债权组表决额", 0},
    {"group_ordinary", "普通债权组表决额", 0},
    {"group_small_ordinary", "小额普通债权组表决额", 0},
};

/* Amount columns read per row (the group_<g> columns are read apart). */
static const int roster_amount_cols[] = {R_ORDINARY, R_SECURED, R_EMPLOYEE, R_TAX, R_TEMPORARY,
                                         R_UNSECURED_VOTING, R_SECURED_VOTING, R_VOTING_AMOUNT};
#define N_AMOUNT_COLS (int)(sizeof roster_amount_cols / sizeof roster_amount_cols[0])

typedef struct roster_ctx {
    cl_roster *r;
    const cl_csv_file *f;
    const cl_csv_header *h;
    scratch s;
    size_t cap;
    uint64_t *lines;
    int64_t a[R_NCOLS];       /* this row's amounts, by column */
    bool given[R_NCOLS];      /* this row's cell was present and not empty */
    cl_diag *d;
    cl_err err;
} roster_ctx;

static int roster_fail(roster_ctx *x, cl_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int roster_fail(roster_ctx *x, cl_err e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cl_diag_vset(x->d, e, fmt, ap);
    va_end(ap);
    x->err = e;
    return 1;
}

static bool roster_grow(roster_ctx *x)
{
    cl_roster *r = x->r;
    if (r->n < x->cap)
        return true;
    size_t cap = x->cap ? x->cap * 2 : 1024;
#define GROW(p)                                              \
    do {                                                     \
        void *np_ = cl_realloc((p), cap * sizeof *(p));         \
        if (!np_)                                            \
            return false;                                    \
        (p) = np_;                                           \
    } while (0)
    GROW(r->creditor_id);
    GROW(r->unsecured_voting);
    GROW(r->secured_voting);
    GROW(r->groups);
    GROW(x->lines);
    for (int g = 0; g < CL_GROUP_COUNT; g++)
        GROW(r->group_amount[g]);
#undef GROW
    x->cap = cap;
    return true;
}

/* An unsigned amount in yuan into x->a[spec]; empty (or no column) is 0. */
static int roster_amount(roster_ctx *x, const cl_csv_row *row, int spec)
{
    size_t len;
    const char *t = field_text(&x->s, row, x->h->index[spec], &len);
    int64_t *fen = &x->a[spec];
    *fen = 0;
    x->given[spec] = len > 0;
    if (len == 0)
        return 0;
    cl_amount_status st = cl_parse_amount(t, len, false, fen);
    if (st != CL_AMT_OK)
        return roster_fail(x, CL_ERR_INPUT, "%s:%llu: column '%s': invalid amount '%s'",
                           x->f->path, (unsigned long long)row->line, roster_cols[spec].name, t);
    return 0;
}

/* Bytes of the separator of groups at p (';' ',' or the full-width '；'
 * '，' '、' the workbook and Chinese editors write), 0 if none. */
static size_t group_separator(const char *p, size_t n)
{
    static const char *const wide[] = {"\xef\xbc\x9b", "\xef\xbc\x8c", "\xe3\x80\x81"};
    if (*p == ';' || *p == ',')
        return 1;
    for (size_t k = 0; k < sizeof wide / sizeof wide[0]; k++)
        if (n >= 3 && !memcmp(p, wide[k], 3))
            return 3;
    return 0;
}

static int roster_groups(roster_ctx *x, const cl_csv_row *row, uint8_t *bits)
{
    size_t len;
    const char *t = field_text(&x->s, row, x->h->index[R_GROUPS], &len);
    *bits = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i, w = 0;
        while (j < len && !(w = group_separator(t + j, len - j)))
            j++;
        int g = cl_vote_group_parse(t + i, j - i);
        if (g == CL_GROUP_UNKNOWN)
            return roster_fail(x, CL_ERR_INPUT, "%s:%llu: column 'groups': unknown group '%.*s'",
                               x->f->path, (unsigned long long)row->line, (int)(j - i), t + i);
        if (g >= 0)
            *bits |= (uint8_t)(1u << g);
        i = j + (w ? w : 1);
    }
    return 0;
}

/* "1234.56" for messages. */
typedef struct yuan_buf {
    char s[CL_MONEY_BUFSZ];
} yuan_buf;

static yuan_buf yuan(int64_t fen)
{
    yuan_buf b;
    cl_money_format(fen, b.s);
    return b;
}

/* The temporary parts of §6: t_sec, t_unsec, t_emp, each >= 0, and
 * voting_amount = unsecured_voting where given. */
typedef struct roster_tmp {
    int64_t sec, unsec, emp;
} roster_tmp;

static int roster_temporaries(roster_ctx *x, unsigned long long line, roster_tmp *t)
{
    const int64_t *a = x->a;
    const char *p = x->f->path;
    t->sec = a[R_SECURED_VOTING] - a[R_SECURED];   /* both >= 0: no overflow */
    if (t->sec < 0)
        return roster_fail(x, CL_ERR_INPUT,
                           "%s:%llu: secured_voting %s is less than secured %s", p, line,
                           yuan(a[R_SECURED_VOTING]).s, yuan(a[R_SECURED]).s);
    t->unsec = a[R_UNSECURED_VOTING] - a[R_ORDINARY];
    if (t->unsec < 0 || (t->unsec -= a[R_TAX]) < 0)
        return roster_fail(x, CL_ERR_INPUT,
                           "%s:%llu: unsecured_voting %s is less than ordinary %s + tax %s", p,
                           line, yuan(a[R_UNSECURED_VOTING]).s, yuan(a[R_ORDINARY]).s,
                           yuan(a[R_TAX]).s);
    t->emp = 0;
    if (x->h->index[R_TEMPORARY] >= 0 &&
        ((t->emp = a[R_TEMPORARY] - t->sec) < 0 || (t->emp -= t->unsec) < 0))
        return roster_fail(x, CL_ERR_INPUT,
                           "%s:%llu: temporary %s is less than the temporary amounts the voting "
                           "columns imply (secured_voting - secured = %s, unsecured_voting - "
                           "ordinary - tax = %s)",
                           p, line, yuan(a[R_TEMPORARY]).s, yuan(t->sec).s, yuan(t->unsec).s);
    if (x->given[R_VOTING_AMOUNT] && a[R_VOTING_AMOUNT] != a[R_UNSECURED_VOTING])
        return roster_fail(x, CL_ERR_INPUT,
                           "%s:%llu: voting_amount %s differs from unsecured_voting %s", p, line,
                           yuan(a[R_VOTING_AMOUNT]).s, yuan(a[R_UNSECURED_VOTING]).s);
    return 0;
}

static bool has_col(const roster_ctx *x, int g)
{
    return x->h->index[R_GROUP0 + g] >= 0;
}

/* Where t_unsec goes (§6): CL_GROUP_TAX, the ordinary group named, or
 * CL_GROUP_NONE when nothing is temporary or the row's own group columns
 * hold it. *ord_group: CL_GROUP_ORDINARY or _SMALL_ORDINARY (the one named,
 * else ordinary). Without a groups column, an unplaceable t_unsec is
 * remembered (r->unplaced_line): only a reorganization needs it. */
static int roster_place(roster_ctx *x, unsigned long long line, uint8_t bits, int64_t t_unsec,
                        int *ord_group, int *to)
{
    const char *p = x->f->path;
    bool tax = bits >> CL_GROUP_TAX & 1u, ord = bits >> CL_GROUP_ORDINARY & 1u,
         small = bits >> CL_GROUP_SMALL_ORDINARY & 1u;
    if (ord && small)
        return roster_fail(x, CL_ERR_INPUT,
                           "%s:%llu: column 'groups' names both ordinary and small_ordinary", p,
                           line);
    *ord_group = small ? CL_GROUP_SMALL_ORDINARY : CL_GROUP_ORDINARY;
    *to = CL_GROUP_NONE;
    if (t_unsec == 0)
        return 0;
    if (tax && (ord || small)) {
        if (has_col(x, CL_GROUP_TAX) && has_col(x, *ord_group))
            return 0;
        return roster_fail(x, CL_ERR_INPUT,
                           "%s:%llu: temporary unsecured amount %s (unsecured_voting - ordinary "
                           "- tax) cannot be placed: groups names both tax and %s; give "
                           "group_tax and group_%s columns",
                           p, line, yuan(t_unsec).s, cl_vote_group_name(*ord_group),
                           cl_vote_group_name(*ord_group));
    }
    if (tax || ord || small) {
        *to = tax ? CL_GROUP_TAX : *ord_group;
        return 0;
    }
    if (x->h->index[R_GROUPS] < 0) {
        if (!x->r->unplaced_line)
            x->r->unplaced_line = line;
        return 0;
    }
    return roster_fail(x, CL_ERR_INPUT,
                       "%s:%llu: temporary unsecured amount %s (unsecured_voting - ordinary - "
                       "tax) cannot be placed: groups names neither tax nor ordinary nor "
                       "small_ordinary",
                       p, line, yuan(t_unsec).s);
}

/* The group amounts of one row (§6 "Group amounts when the tally reads a
 * roster with only the §10 columns"); a group_<g> column, where present,
 * is the amount of g as given. */
static int roster_group_amounts(roster_ctx *x, const cl_csv_row *row, size_t i)
{
    cl_roster *r = x->r;
    const int64_t *a = x->a;
    unsigned long long line = (unsigned long long)row->line;
    roster_tmp t = {0};
    if (roster_temporaries(x, line, &t))
        return 1;
    int64_t derived[CL_GROUP_COUNT] = {0};
    derived[CL_GROUP_SECURED] = a[R_SECURED_VOTING];   /* secured + t_sec */
    if (!cl_money_add(a[R_EMPLOYEE], t.emp, &derived[CL_GROUP_EMPLOYEE]))
        return roster_fail(x, CL_ERR_OVERFLOW, "%s:%llu: employee amount out of range",
                           x->f->path, line);
    uint8_t bits = r->groups[i];
    if (x->h->index[R_GROUPS] < 0) {   /* no groups column: the tiers with an amount */
        bits = (uint8_t)((derived[CL_GROUP_SECURED] > 0) << CL_GROUP_SECURED |
                         (derived[CL_GROUP_EMPLOYEE] > 0) << CL_GROUP_EMPLOYEE |
                         (a[R_TAX] > 0) << CL_GROUP_TAX | (a[R_ORDINARY] > 0) << CL_GROUP_ORDINARY);
        r->groups[i] = bits;
    }
    int ord_group = CL_GROUP_ORDINARY, to = CL_GROUP_NONE;
    if (roster_place(x, line, bits, t.unsec, &ord_group, &to))
        return 1;
    derived[CL_GROUP_TAX] = a[R_TAX] + (to == CL_GROUP_TAX ? t.unsec : 0);
    derived[ord_group] = a[R_ORDINARY] + (to == ord_group ? t.unsec : 0);   /* <= uv */
    for (int g = 0; g < CL_GROUP_COUNT; g++) {
        if (has_col(x, g)) {
            if (roster_amount(x, row, R_GROUP0 + g))
                return 1;
            r->group_amount[g][i] = x->a[R_GROUP0 + g];
            continue;
        }
        bool member = bits >> g & 1u;
        if (derived[g] > 0 && !member)
            return roster_fail(x, CL_ERR_INPUT,
                               "%s:%llu: %s amount %s but column 'groups' does not name %s",
                               x->f->path, line, cl_vote_group_name(g), yuan(derived[g]).s,
                               g == CL_GROUP_ORDINARY ? "ordinary or small_ordinary"
                                                      : cl_vote_group_name(g));
        r->group_amount[g][i] = member ? derived[g] : 0;
    }
    return 0;
}

static int roster_row(void *ctx, int chunk, const cl_csv_row *row)
{
    roster_ctx *x = ctx;
    cl_roster *r = x->r;
    (void)chunk;
    if (row->error)
        return roster_fail(x, CL_ERR_CSV, "%s:%llu: %s", x->f->path,
                           (unsigned long long)row->line, row->error);
    if (!roster_grow(x) || !scratch_reserve(&x->s, row))
        return roster_fail(x, CL_ERR_NOMEM, "out of memory");
    size_t i = r->n, len;
    const char *id = field_text(&x->s, row, x->h->index[R_ID], &len);
    if (len == 0)
        return roster_fail(x, CL_ERR_INPUT, "%s:%llu: column 'creditor_id': empty", x->f->path,
                           (unsigned long long)row->line);
    if (!(r->creditor_id[i] = cl_arena_strndup(r->arena, id, len)))
        return roster_fail(x, CL_ERR_NOMEM, "out of memory");
    uint32_t first;
    int put = cl_strmap_put(r->index, r->creditor_id[i], len, (uint32_t)i, &first);
    if (put < 0)
        return roster_fail(x, CL_ERR_NOMEM, "out of memory");
    if (put == 0)
        return roster_fail(x, CL_ERR_INPUT,
                           "%s:%llu: column 'creditor_id': duplicate '%s' (first on line %llu)",
                           x->f->path, (unsigned long long)row->line, id,
                           (unsigned long long)x->lines[first]);
    x->lines[i] = row->line;
    for (int k = 0; k < N_AMOUNT_COLS; k++)
        if (roster_amount(x, row, roster_amount_cols[k]))
            return 1;
    r->unsecured_voting[i] = x->a[R_UNSECURED_VOTING];
    r->secured_voting[i] = x->a[R_SECURED_VOTING];
    if (roster_groups(x, row, &r->groups[i]) || roster_group_amounts(x, row, i))
        return 1;
    r->n++;
    return 0;
}

cl_err cl_roster_load(const char *path, cl_encoding enc, cl_roster **out, cl_diag *d)
{
    cl_source src = cl_source_path(path);
    return cl_roster_load_src(&src, enc, out, d);
}

cl_err cl_roster_load_src(const cl_source *src, cl_encoding enc, cl_roster **out, cl_diag *d)
{
    cl_csv_file *f = NULL;
    cl_csv_header h = {0};
    roster_ctx x = {.d = d};
    cl_roster *r = cl_calloc(1, sizeof *r);
    *out = NULL;
    cl_err e = CL_OK;
    if (!r || !(r->arena = cl_arena_create(0)) || !(r->index = cl_strmap_create(1024))) {
        e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((e = cl_csv_load_source(src, enc, &f, d)) ||
        (e = cl_csv_bind(f, roster_cols, R_NCOLS, &h, d)))
        goto done;
    x.r = r;
    x.f = f;
    x.h = &h;
    cl_csv_chunk chunk;
    if (cl_csv_split(f, &h, 1, &chunk) == 1) {
        e = cl_csv_parse_chunk(f, &h, &chunk, 0, roster_row, &x, d);
        if (x.err)
            e = x.err;   /* d was filled by roster_fail */
        if (e)
            goto done;
    }
    if (!roster_grow(&x)) {   /* arrays exist even when the roster is empty */
        e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int g = 0; g < CL_GROUP_COUNT; g++)
        r->has_group_columns = r->has_group_columns || has_col(&x, g);
    if (r->unplaced_line && !(r->label = cl_arena_strndup(r->arena, f->path, strlen(f->path)))) {
        e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
        goto done;
    }
done:
    free(x.s.buf);
    free(x.lines);
    cl_csv_header_free(&h);
    cl_csv_file_free(f);
    if (e)
        cl_roster_free(r);
    else
        *out = r;
    return e;
}

cl_err cl_roster_fits(const cl_roster *r, const cl_meeting *m, cl_diag *d)
{
    if (!r->unplaced_line)
        return CL_OK;
    for (size_t i = 0; i < m->nresolutions; i++)
        if (m->types[i] == CL_RES_REORGANIZATION)
            return cl_diag_set(d, CL_ERR_INPUT,
                               "%s:%llu: unsecured_voting beyond ordinary and tax cannot be "
                               "placed in a reorganization group (%s, resolution %s): the "
                               "roster has no groups column",
                               r->label, (unsigned long long)r->unplaced_line, m->path,
                               m->resolutions[i].id);
    return CL_OK;
}

void cl_roster_free(cl_roster *r)
{
    if (!r)
        return;
    free(r->creditor_id);
    free(r->unsecured_voting);
    free(r->secured_voting);
    free(r->groups);
    for (int g = 0; g < CL_GROUP_COUNT; g++)
        free(r->group_amount[g]);
    cl_strmap_free(r->index);
    cl_arena_free(r->arena);
    free(r);
}

void cl_roster_view(const cl_roster *r, cl_tally_roster *v)
{
    memset(v, 0, sizeof *v);
    v->n = r->n;
    v->unsecured_voting = r->unsecured_voting;
    v->secured_voting = r->secured_voting;
    for (int g = 0; g < CL_GROUP_COUNT; g++)
        v->group_amount[g] = r->group_amount[g];
    v->groups = r->groups;
}

/* ---- ballots.csv -------------------------------------------------------- */

enum { B_ID, B_MEETING, B_RES, B_CRED, B_GROUP, B_CHOICE, B_CAST, B_CHANNEL, B_NCOLS };

static const cl_csv_col ballot_cols[B_NCOLS] = {
    {CL_FMT_BALLOT_ID, 1},      {CL_FMT_BALLOT_MEETING_ID, 1}, {CL_FMT_BALLOT_RESOLUTION_ID, 1},
    {CL_FMT_BALLOT_CREDITOR_ID, 1}, {CL_FMT_BALLOT_GROUP, 0},  {CL_FMT_BALLOT_CHOICE, 1},
    {CL_FMT_BALLOT_CAST_AT, 1}, {CL_FMT_BALLOT_CHANNEL, 0},
};

/* Per-chunk state: rows of one chunk, in order. */
typedef struct ballot_chunk {
    size_t n, cap;
    cl_ballot *b;
    cl_ballot_text *t;
    cl_arena *arena;
    scratch s;
    cl_diag d;
    cl_err err;
} ballot_chunk;

typedef struct ballots_ctx {
    const cl_csv_file *f;
    const cl_csv_header *h;
    const cl_meeting *m;
    const cl_roster *r;
    ballot_chunk *chunks;
    int nchunks;
} ballots_ctx;

static int chunk_fail(ballot_chunk *c, cl_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int chunk_fail(ballot_chunk *c, cl_err e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cl_diag_vset(&c->d, e, fmt, ap);
    va_end(ap);
    c->err = e;
    return 1;
}

static bool chunk_grow(ballot_chunk *c)
{
    if (c->n < c->cap)
        return true;
    size_t cap = c->cap ? c->cap * 2 : 4096;
    cl_ballot *nb = cl_realloc(c->b, cap * sizeof *nb);
    if (!nb)
        return false;
    c->b = nb;
    cl_ballot_text *nt = cl_realloc(c->t, cap * sizeof *nt);
    if (!nt)
        return false;
    c->t = nt;
    c->cap = cap;
    return true;
}

/* Copies a field's text into the chunk arena ("" stays static). */
static const char *keep(ballot_chunk *c, const char *s, size_t len)
{
    return len ? cl_arena_strndup(c->arena, s, len) : "";
}

static int resolve_resolution(const ballots_ctx *x, const char *meeting, size_t mlen,
                              const char *res, size_t rlen)
{
    if (mlen != strlen(x->m->meeting_id) || memcmp(meeting, x->m->meeting_id, mlen))
        return -1;
    return cl_meeting_find(x->m, res, rlen);
}

static int ballot_row(void *ctx, int chunk, const cl_csv_row *row)
{
    ballots_ctx *x = ctx;
    const int *ix = x->h->index;
    if (chunk < 0 || chunk >= x->nchunks)
        return 1;
    ballot_chunk *c = &x->chunks[chunk];
    unsigned long long line = (unsigned long long)row->line;
    if (row->error)
        return chunk_fail(c, CL_ERR_CSV, "%s:%llu: %s", x->f->path, line, row->error);
    if (!chunk_grow(c) || !scratch_reserve(&c->s, row))
        return chunk_fail(c, CL_ERR_NOMEM, "out of memory");
    size_t lid, lm, lr, lc, lg, lch, lt, lchan;
    const char *id = field_text(&c->s, row, ix[B_ID], &lid);
    const char *meeting = field_text(&c->s, row, ix[B_MEETING], &lm);
    const char *res = field_text(&c->s, row, ix[B_RES], &lr);
    const char *cred = field_text(&c->s, row, ix[B_CRED], &lc);
    const char *grp = field_text(&c->s, row, ix[B_GROUP], &lg);
    const char *choice = field_text(&c->s, row, ix[B_CHOICE], &lch);
    const char *cast = field_text(&c->s, row, ix[B_CAST], &lt);
    const char *chan = field_text(&c->s, row, ix[B_CHANNEL], &lchan);
    if (lid == 0)
        return chunk_fail(c, CL_ERR_INPUT, "%s:%llu: column 'ballot_id': empty", x->f->path,
                          line);
    if (lid > UINT32_MAX)
        return chunk_fail(c, CL_ERR_INPUT, "%s:%llu: column 'ballot_id': too long", x->f->path,
                          line);
    uint32_t ci;
    int creditor = cl_strmap_get(x->r->index, cred, lc, &ci) ? (int)ci : -1;
    int resolution = resolve_resolution(x, meeting, lm, res, lr);
    cl_time at;
    if (!cl_parse_time(cast, lt, &at))
        at = CL_TIME_NONE;
    cl_ballot *b = &c->b[c->n];
    cl_ballot_text *t = &c->t[c->n];
    int g = cl_vote_group_parse(grp, lg);
    cl_choice ch = cl_choice_parse(choice, lch);
    cl_channel chn = cl_channel_parse(chan, lchan);
    *b = (cl_ballot){.ballot_id = keep(c, id, lid), .ballot_id_len = (uint32_t)lid,
                     .creditor = creditor, .resolution = resolution, .choice = (int8_t)ch,
                     .group = (int8_t)g, .cast_at = at};
    /* Canonical text where the value parsed, the text as given where not. */
    *t = (cl_ballot_text){
        .line = row->line,
        .creditor_id = creditor >= 0 ? x->r->creditor_id[creditor] : keep(c, cred, lc),
        .resolution_id = resolution >= 0 ? x->m->resolutions[resolution].id : keep(c, res, lr),
        .group = g == CL_GROUP_UNKNOWN ? keep(c, grp, lg) : cl_vote_group_name(g),
        .choice = ch != CL_CHOICE_INVALID ? cl_choice_name(ch) : keep(c, choice, lch),
        .cast_at = at != CL_TIME_NONE ? "" : keep(c, cast, lt),
        .channel = chn != CL_CHAN_INVALID ? cl_channel_name(chn) : keep(c, chan, lchan)};
    if (!b->ballot_id || !t->creditor_id || !t->resolution_id || !t->group || !t->choice ||
        !t->cast_at || !t->channel)
        return chunk_fail(c, CL_ERR_NOMEM, "out of memory");
    c->n++;
    return 0;
}

/* Concatenates the chunks in file order. */
static cl_err ballots_join(cl_ballots *out, ballots_ctx *x, cl_diag *d)
{
    size_t n = 0;
    for (int i = 0; i < x->nchunks; i++)
        n += x->chunks[i].n;
    out->ballots = cl_malloc((n ? n : 1) * sizeof *out->ballots);
    out->text = cl_malloc((n ? n : 1) * sizeof *out->text);
    if (!out->ballots || !out->text)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    for (int i = 0; i < x->nchunks; i++) {
        ballot_chunk *c = &x->chunks[i];
        if (c->n) {
            memcpy(out->ballots + out->n, c->b, c->n * sizeof *c->b);
            memcpy(out->text + out->n, c->t, c->n * sizeof *c->t);
        }
        out->n += c->n;
        out->arenas[i] = c->arena;   /* strings stay alive with out */
        c->arena = NULL;
    }
    return CL_OK;
}

static void chunks_free(ballots_ctx *x)
{
    for (int i = 0; x->chunks && i < x->nchunks; i++) {
        free(x->chunks[i].b);
        free(x->chunks[i].t);
        free(x->chunks[i].s.buf);
        cl_arena_free(x->chunks[i].arena);
    }
    free(x->chunks);
}

/* After a failed parse: the first chunk's own error, in file order. */
static cl_err chunk_error(const ballots_ctx *x, cl_err e, cl_diag *d)
{
    for (int i = 0; i < x->nchunks; i++)
        if (x->chunks[i].err) {
            if (d)
                *d = x->chunks[i].d;
            return x->chunks[i].err;
        }
    return e;
}

cl_err cl_ballots_load(const char *path, cl_encoding enc, const cl_meeting *m,
                       const cl_roster *r, int nthreads, cl_ballots **out, cl_diag *d)
{
    cl_source src = cl_source_path(path);
    return cl_ballots_load_src(&src, enc, m, r, nthreads, out, d);
}

cl_err cl_ballots_load_src(const cl_source *src, cl_encoding enc, const cl_meeting *m,
                           const cl_roster *r, int nthreads, cl_ballots **out, cl_diag *d)
{
    cl_csv_file *f = NULL;
    cl_csv_header h = {0};
    ballots_ctx x = {.m = m, .r = r};
    cl_ballots *b = cl_calloc(1, sizeof *b);
    *out = NULL;
    cl_err e = CL_OK;
    if (!b) {
        e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((e = cl_roster_fits(r, m, d)))
        goto done;
    if ((e = cl_csv_load_source(src, enc, &f, d)) ||
        (e = cl_csv_bind(f, ballot_cols, B_NCOLS, &h, d)))
        goto done;
    x.f = f;
    x.h = &h;
    x.nchunks = cl_csv_plan(f, &h, nthreads);
    if (x.nchunks < 0) {
        e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (x.nchunks < 1)
        x.nchunks = 1;
    x.chunks = cl_calloc((size_t)x.nchunks, sizeof *x.chunks);
    b->arenas = cl_calloc((size_t)x.nchunks, sizeof *b->arenas);
    if (!x.chunks || !b->arenas) {
        e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
        goto done;
    }
    b->narenas = x.nchunks;
    for (int i = 0; i < x.nchunks; i++)
        if (!(x.chunks[i].arena = cl_arena_create(0))) {
            e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
            goto done;
        }
    int used = 0;
    e = cl_csv_parse_all(f, &h, nthreads, ballot_row, &x, &used, d);
    if (e || used > x.nchunks) {
        e = chunk_error(&x, e ? e : CL_ERR_INTERNAL, d);
        goto done;
    }
    e = ballots_join(b, &x, d);
done:
    chunks_free(&x);
    cl_csv_header_free(&h);
    cl_csv_file_free(f);
    if (e)
        cl_ballots_free(b);
    else
        *out = b;
    return e;
}

void cl_ballots_free(cl_ballots *b)
{
    if (!b)
        return;
    free(b->ballots);
    free(b->text);
    for (int i = 0; i < b->narenas; i++)
        cl_arena_free(b->arenas[i]);
    free(b->arenas);
    free(b);
}

cl_ballot_reason cl_ballot_check_ids(const cl_roster *r, const cl_meeting *m,
                                     const char *meeting_id, const char *resolution_id,
                                     const char *creditor_id, int group, int choice,
                                     cl_time cast_at)
{
    uint32_t ci;
    int64_t creditor = cl_strmap_get(r->index, creditor_id, strlen(creditor_id), &ci) ? (int64_t)ci : -1;
    int64_t res = strcmp(meeting_id, m->meeting_id)
                      ? -1
                      : cl_meeting_find(m, resolution_id, strlen(resolution_id));
    cl_tally_roster rv;
    cl_tally_meeting mv;
    cl_roster_view(r, &rv);
    cl_meeting_view(m, &mv);
    return cl_ballot_check(&rv, creditor, &mv, res, group, choice, cast_at);
}

const cl_csv_col *cl_ballot_spec(int *ncols)
{
    *ncols = B_NCOLS;
    return ballot_cols;
}
