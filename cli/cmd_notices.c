/* cmd_notices.c - `claims notices` (issue 18 part 2): one notice per creditor
 * (per submission for rows sent back for correction) and event, rendered in
 * Chinese with English beside from {placeholder} templates (built in, or a
 * case's file overriding them; docs/NOTICES.md), with a stable notice id, as
 * notices.csv and notices.jsonl for the platform to send by its channels. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/cl_error.h"
#include "core/cl_hash.h"
#include "core/cl_money.h"
#include "core/cl_outdir.h"
#include "core/cl_time.h"
#include "engine/cl_draw.h"
#include "engine/cl_meeting.h"
#include "ingest/cl_norm.h"
#include "cli/cl_cli.h"
#include "cli/cl_cli_rows.h"
#include "reports/cl_report.h"

static const char help[] =
    "usage: claims notices --run RUN_OUT --out DIR [--tally DIR] [--distribution DIR]\n"
    "                      [--meeting MEETING.conf] [--templates FILE] [--quiet]\n"
    "       claims notices --print-templates\n"
    "\n"
    "Writes one notice per recipient and event, in Chinese with English beside,\n"
    "for the platform to send by its own channels (docs/NOTICES.md):\n"
    "  correction              per submission sent back (NEEDS_CORRECTION in\n"
    "                          review_queue.csv), with its per-field reasons\n"
    "  claim_confirmed         per creditor whose review is finished (no pending\n"
    "  claim_partly_confirmed  amount): confirmed in full, in part, or rejected,\n"
    "  claim_rejected          with the declared and confirmed amounts\n"
    "  meeting                 per roster creditor (with --meeting): meeting,\n"
    "                          voting window, groups, voting amount, how to vote\n"
    "  resolution_result       per roster creditor and resolution (with --tally)\n"
    "  distribution            per creditor with a share (with --distribution)\n"
    "Each notice has a stable id: the first 16 bytes (hex) of SHA-256 of the\n"
    "event, the recipient, the reference and the facts the notice states (its\n"
    "placeholder values), not of the wording: a rerun on the same inputs gives\n"
    "the same ids, a changed amount or reason gives a new one, a reworded\n"
    "template does not. Notices carry no names, ID numbers, phones or accounts\n"
    "(a reason quoting the submission's ID number or phone shows it masked).\n"
    "\n"
    "options:\n"
    "  --run DIR           output folder of 'claims run' (review_queue.csv,\n"
    "                      creditors.csv, roster.csv)\n"
    "  --meeting FILE      meeting.conf: adds the meeting notices\n"
    "  --tally DIR         output folder of 'claims tally' (tally.csv): adds the\n"
    "                      resolution results\n"
    "  --distribution DIR  output folder of 'claims distribute'\n"
    "                      (distribution.csv): adds the distribution notices\n"
    "  --templates FILE    a template file whose entries replace the built-in\n"
    "                      ones (the others stay); see --print-templates\n"
    "  --print-templates   print the built-in templates (the file format) and exit\n"
    "  --out DIR           output directory, replaced atomically; new, empty or\n"
    "                      earlier claims outputs\n"
    "  --quiet             no summary on stdout\n"
    "  -h, --help          this help\n"
    "\n"
    "outputs in DIR:\n"
    "  notices.csv    notice_id, event, recipient_type (submission|creditor),\n"
    "                 recipient, ref, title_zh, title_en, body_zh, body_en\n"
    "  notices.jsonl  one JSON object per line: the same keys and \"facts\" (the\n"
    "                 placeholder values)\n"
    "\n"
    "exit codes: 0 ok; 1 bad input (file:line[:column] named); 2 usage;\n"
    "            3 internal error\n";

/* ---- templates ------------------------------------------------------------ */

enum { EV_CORRECTION, EV_CONFIRMED, EV_PARTLY, EV_REJECTED, EV_MEETING, EV_RESULT, EV_DIST,
       EV_COUNT };
static const char *const ev_names[EV_COUNT] = {
    "correction", "claim_confirmed", "claim_partly_confirmed", "claim_rejected",
    "meeting", "resolution_result", "distribution"};
/* The placeholders of each event, in the order facts are hashed. */
static const char *const ev_fields[EV_COUNT][12] = {
    {"submission_id", "codes", "reasons_zh", "reasons_en", "declared_total", NULL},
    {"creditor_id", "declared_total", "confirmed_total", "unconfirmed_total", NULL},
    {"creditor_id", "declared_total", "confirmed_total", "unconfirmed_total", NULL},
    {"creditor_id", "declared_total", "confirmed_total", "unconfirmed_total", NULL},
    {"creditor_id", "meeting_id", "opens_at", "closes_at", "groups", "voting_amount",
     "resolutions", NULL},
    {"creditor_id", "meeting_id", "resolution_id", "type", "result_zh", "result_en", "present",
     "for", "for_amount", "base_amount", NULL},
    {"creditor_id", "amount", "tiers", NULL},
};
enum { T_TITLE_ZH, T_TITLE_EN, T_BODY_ZH, T_BODY_EN, T_COUNT };
static const char *const t_keys[T_COUNT] = {"title_zh", "title_en", "body_zh", "body_en"};

static const char default_templates[] =
    "# claims notice templates (docs/NOTICES.md). [event] starts a section;\n"
    "# key = value on one line; \\n in a value is a line break; {name} is a\n"
    "# placeholder of the event; {{ and }} are literal braces. A case file may\n"
    "# give any subset: the rest stay as built in.\n"
    "\n"
    "[correction]\n"
    "title_zh = 债权申报需要更正（申报编号 {submission_id}）\n"
    "title_en = Your claim submission {submission_id} needs correction\n"
    "body_zh = 您的债权申报（申报编号 {submission_id}，申报金额 {declared_total} 元）未能通过审查，需要更正：{reasons_zh}。请登录申报平台更正后重新提交。\n"
    "body_en = Your claim submission {submission_id} (declared {declared_total} yuan) cannot be accepted as it stands: {reasons_en}. Please log in to the claims platform, correct it and submit it again.\n"
    "\n"
    "[claim_confirmed]\n"
    "title_zh = 债权审查结果：确认\n"
    "title_en = Claim review: confirmed\n"
    "body_zh = 债权人 {creditor_id}：经管理人审查，您申报的债权 {declared_total} 元已全额确认，确认金额 {confirmed_total} 元。如有异议，请在规定期限内向管理人提出。\n"
    "body_en = Creditor {creditor_id}: the administrator has reviewed your claim of {declared_total} yuan and confirmed it in full at {confirmed_total} yuan. Any objection must reach the administrator within the time allowed.\n"
    "\n"
    "[claim_partly_confirmed]\n"
    "title_zh = 债权审查结果：部分确认\n"
    "title_en = Claim review: partly confirmed\n"
    "body_zh = 债权人 {creditor_id}：经管理人审查，您申报的债权 {declared_total} 元中确认 {confirmed_total} 元，未予确认 {unconfirmed_total} 元。如有异议，请在规定期限内向管理人提出。\n"
    "body_en = Creditor {creditor_id}: of your claim of {declared_total} yuan the administrator has confirmed {confirmed_total} yuan; {unconfirmed_total} yuan is not confirmed. Any objection must reach the administrator within the time allowed.\n"
    "\n"
    "[claim_rejected]\n"
    "title_zh = 债权审查结果：不予确认\n"
    "title_en = Claim review: not confirmed\n"
    "body_zh = 债权人 {creditor_id}：经管理人审查，您申报的债权 {declared_total} 元不予确认。如有异议，请在规定期限内向管理人提出。\n"
    "body_en = Creditor {creditor_id}: the administrator has reviewed your claim of {declared_total} yuan and does not confirm it. Any objection must reach the administrator within the time allowed.\n"
    "\n"
    "[meeting]\n"
    "title_zh = 债权人会议通知（{meeting_id}）\n"
    "title_en = Notice of the creditors' meeting {meeting_id}\n"
    "body_zh = 债权人 {creditor_id}：债权人会议 {meeting_id} 网络表决期间为 {opens_at} 至 {closes_at}。您所在表决组：{groups}，表决额 {voting_amount} 元。表决事项：{resolutions}。请在表决期间内登录债权人会议平台，对每项议案选择同意、反对或弃权；逾期视为未表决。\n"
    "body_en = Creditor {creditor_id}: online voting for creditors' meeting {meeting_id} is open from {opens_at} to {closes_at}. Your voting group(s): {groups}; your voting amount: {voting_amount} yuan. Resolutions: {resolutions}. Log in to the meeting platform within that window and vote for, against or abstain on each resolution; a vote outside it does not count.\n"
    "\n"
    "[resolution_result]\n"
    "title_zh = 表决结果：议案 {resolution_id} {result_zh}\n"
    "title_en = Result: resolution {resolution_id} {result_en}\n"
    "body_zh = 债权人 {creditor_id}：债权人会议 {meeting_id} 议案 {resolution_id}（{type}）表决结果为{result_zh}：出席表决 {present} 人，同意 {for} 人，同意债权额 {for_amount} 元，计算基数 {base_amount} 元。\n"
    "body_en = Creditor {creditor_id}: resolution {resolution_id} ({type}) of creditors' meeting {meeting_id} {result_en}: {present} voted, {for} for, representing {for_amount} yuan of a base of {base_amount} yuan.\n"
    "\n"
    "[distribution]\n"
    "title_zh = 破产财产分配通知\n"
    "title_en = Notice of distribution\n"
    "body_zh = 债权人 {creditor_id}：根据破产财产分配方案，您本次可获分配 {amount} 元（{tiers}）。款项将支付至您申报时提供的收款账户。\n"
    "body_en = Creditor {creditor_id}: under the distribution plan you receive {amount} yuan in this distribution ({tiers}). It will be paid to the account you gave in your claim.\n";

typedef struct templates {
    char *text[EV_COUNT][T_COUNT];
} templates;

static void templates_free(templates *t)
{
    for (int e = 0; e < EV_COUNT; e++)
        for (int k = 0; k < T_COUNT; k++)
            free(t->text[e][k]);
}

static int field_index(int ev, const char *name, size_t len)
{
    for (int i = 0; ev_fields[ev][i]; i++)
        if (strlen(ev_fields[ev][i]) == len && !memcmp(ev_fields[ev][i], name, len))
            return i;
    return -1;
}

/* Every {name} of text is a placeholder of the event; braces balance. */
static cl_err check_text(const char *label, int line, int col0, int ev, const char *v,
                         size_t len, cl_diag *d)
{
    for (size_t i = 0; i < len; i++) {
        if ((v[i] == '{' || v[i] == '}') && i + 1 < len && v[i + 1] == v[i]) {
            i++;
            continue;
        }
        if (v[i] == '}')
            return cl_diag_set(d, CL_ERR_CONFIG, "%s:%d:%d: a lone '}' (write }} for a brace)",
                               label, line, col0 + (int)i);
        if (v[i] != '{')
            continue;
        const char *end = memchr(v + i, '}', len - i);
        if (!end)
            return cl_diag_set(d, CL_ERR_CONFIG, "%s:%d:%d: '{' without '}' (write {{ for a "
                               "brace)", label, line, col0 + (int)i);
        size_t n = (size_t)(end - (v + i + 1));
        if (field_index(ev, v + i + 1, n) < 0)
            return cl_diag_set(d, CL_ERR_CONFIG, "%s:%d:%d: no placeholder {%.*s} in event %s",
                               label, line, col0 + (int)i, (int)n, v + i + 1, ev_names[ev]);
        i += n + 1;
    }
    return CL_OK;
}

static char *unescape(const char *v, size_t len)
{
    char *o = malloc(len + 1), *p = o;
    if (!o)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (v[i] == '\\' && i + 1 < len && (v[i + 1] == 'n' || v[i + 1] == '\\')) {
            *p++ = v[i + 1] == 'n' ? '\n' : '\\';
            i++;
        } else {
            *p++ = v[i];
        }
    }
    *p = '\0';
    return o;
}

static size_t trim_len(const char *s, size_t n)
{
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    return n;
}

/* One line of a template file: a section, an entry, a comment or blank. */
static cl_err template_line(templates *t, const char *label, int line, const char *s,
                            size_t n, int *ev, cl_diag *d)
{
    size_t a = 0;
    while (a < n && (s[a] == ' ' || s[a] == '\t'))
        a++;
    n = trim_len(s, n);
    if (a >= n || s[a] == '#')
        return CL_OK;
    if (s[a] == '[') {
        if (s[n - 1] != ']')
            return cl_diag_set(d, CL_ERR_CONFIG, "%s:%d:%zu: a section is [event]", label, line,
                               a + 1);
        for (int e = 0; e < EV_COUNT; e++)
            if (strlen(ev_names[e]) == n - a - 2 && !memcmp(ev_names[e], s + a + 1, n - a - 2)) {
                *ev = e;
                return CL_OK;
            }
        return cl_diag_set(d, CL_ERR_CONFIG, "%s:%d:%zu: unknown event [%.*s] (correction, "
                           "claim_confirmed, claim_partly_confirmed, claim_rejected, meeting, "
                           "resolution_result, distribution)", label, line, a + 2,
                           (int)(n - a - 2), s + a + 1);
    }
    const char *eq = memchr(s + a, '=', n - a);
    if (!eq)
        return cl_diag_set(d, CL_ERR_CONFIG, "%s:%d:%zu: expected key = value", label, line, a + 1);
    if (*ev < 0)
        return cl_diag_set(d, CL_ERR_CONFIG, "%s:%d:%zu: an entry before any [event] section",
                           label, line, a + 1);
    size_t klen = trim_len(s + a, (size_t)(eq - (s + a)));
    int k = -1;
    for (int i = 0; i < T_COUNT; i++)
        if (strlen(t_keys[i]) == klen && !memcmp(t_keys[i], s + a, klen))
            k = i;
    if (k < 0)
        return cl_diag_set(d, CL_ERR_CONFIG, "%s:%d:%zu: unknown key '%.*s' (title_zh, "
                           "title_en, body_zh, body_en)", label, line, a + 1, (int)klen, s + a);
    const char *v = eq + 1;
    while (v < s + n && (*v == ' ' || *v == '\t'))
        v++;
    cl_err e = check_text(label, line, (int)(v - s) + 1, *ev, v, (size_t)(s + n - v), d);
    if (e)
        return e;
    char *u = unescape(v, (size_t)(s + n - v));
    if (!u)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    free(t->text[*ev][k]);
    t->text[*ev][k] = u;
    return CL_OK;
}

static cl_err templates_parse(templates *t, const char *label, const char *s, size_t len,
                              cl_diag *d)
{
    int ev = -1, line = 0;
    if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
        s += 3;
        len -= 3;
    }
    while (len) {
        const char *nl = memchr(s, '\n', len);
        size_t n = nl ? (size_t)(nl - s) : len;
        cl_err e = template_line(t, label, ++line, s, n, &ev, d);
        if (e)
            return e;
        s += n + (nl ? 1 : 0);
        len -= n + (nl ? 1 : 0);
    }
    return CL_OK;
}

static cl_err templates_load(templates *t, const char *path, cl_diag *d)
{
    cl_err e = templates_parse(t, "<built-in templates>", default_templates,
                               sizeof default_templates - 1, d);
    if (e || !path)
        return e;
    FILE *f = fopen(path, "rb");
    if (!f)
        return cl_diag_set(d, CL_ERR_INPUT, "%s: cannot open", path);
    char *buf = NULL;
    size_t cap = 0, n = 0, m;
    do {
        if (n + 65536 > cap) {
            char *nb = realloc(buf, cap = n + 65536 * 2);
            if (!nb) {
                free(buf);
                fclose(f);
                return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
            }
            buf = nb;
        }
        m = fread(buf + n, 1, cap - n, f);
        n += m;
    } while (m);
    fclose(f);
    e = templates_parse(t, path, buf, n, d);
    free(buf);
    return e;
}

/* ---- writing notices ------------------------------------------------------ */

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static int buf_put(buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 4096;
        while (c < b->n + n + 1)
            c *= 2;
        char *q = realloc(b->p, c);
        if (!q)
            return -1;
        b->p = q;
        b->cap = c;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

typedef struct writer {
    const templates *t;
    FILE *csv, *jsonl;
    buf text[T_COUNT], line;
    size_t count[EV_COUNT];
    EVP_MD_CTX *md;
    int failed;
} writer;

static int render(buf *out, const char *tpl, int ev, const char *const *vals)
{
    out->n = 0;
    if (buf_put(out, "", 0))
        return -1;
    for (const char *s = tpl; *s;) {
        if ((*s == '{' || *s == '}') && s[1] == *s) {
            if (buf_put(out, s, 1))
                return -1;
            s += 2;
        } else if (*s == '{') {
            const char *end = strchr(s, '}');
            int k = field_index(ev, s + 1, (size_t)(end - s - 1));
            if (buf_put(out, vals[k], strlen(vals[k])))
                return -1;
            s = end + 1;
        } else {
            size_t n = strcspn(s, "{}");
            if (buf_put(out, s, n ? n : 1))
                return -1;
            s += n ? n : 1;
        }
    }
    return 0;
}

/* Appends s as one CSV field (quoted when it must be) and sep. */
static int csv_field(buf *o, const char *s, char sep)
{
    int r = 0;
    if (!strpbrk(s, ",\"\n\r")) {
        r = buf_put(o, s, strlen(s));
    } else {
        r = buf_put(o, "\"", 1);
        while (!r && *s) {
            size_t n = strcspn(s, "\"");
            r = buf_put(o, s, n);
            s += n;
            if (!r && *s) {
                r = buf_put(o, "\"\"", 2);
                s++;
            }
        }
        r = r || buf_put(o, "\"", 1);
    }
    return r || buf_put(o, &sep, 1);
}

/* Appends s as a JSON string. */
static int json_str(buf *o, const char *s)
{
    int r = buf_put(o, "\"", 1);
    while (!r && *s) {
        size_t n = 0;
        while (s[n] && s[n] != '"' && s[n] != '\\' && (unsigned char)s[n] >= 0x20)
            n++;
        r = buf_put(o, s, n);
        s += n;
        if (r || !*s)
            break;
        char esc[8];
        unsigned char c = (unsigned char)*s++;
        if (c == '"' || c == '\\')
            snprintf(esc, sizeof esc, "\\%c", c);
        else if (c == '\n')
            snprintf(esc, sizeof esc, "\\n");
        else
            snprintf(esc, sizeof esc, "\\u%04x", c);
        r = buf_put(o, esc, strlen(esc));
    }
    return r || buf_put(o, "\"", 1);
}

/* notice_id: SHA-256 over "claims-notice/1", event, recipient type and id,
 * ref and each fact as name=value, NUL-separated; first 16 bytes in hex. */
static int notice_id(writer *w, int ev, const char *rtype, const char *rcpt, const char *ref,
                     const char *const *vals, char out[33])
{
    unsigned char md[32];
    const char *head[] = {"claims-notice/1", ev_names[ev], rtype, rcpt, ref};
    int ok = EVP_DigestInit_ex(w->md, EVP_sha256(), NULL);
    for (size_t i = 0; ok && i < 5; i++)
        ok = EVP_DigestUpdate(w->md, head[i], strlen(head[i]) + 1);
    for (int i = 0; ok && ev_fields[ev][i]; i++)
        ok = EVP_DigestUpdate(w->md, ev_fields[ev][i], strlen(ev_fields[ev][i])) &&
             EVP_DigestUpdate(w->md, "=", 1) &&
             EVP_DigestUpdate(w->md, vals[i], strlen(vals[i]) + 1);
    if (!ok || !EVP_DigestFinal_ex(w->md, md, NULL))
        return -1;
    cl_draw_hex(md, 16, out);
    return 0;
}

static int emit(writer *w, int ev, const char *rtype, const char *rcpt, const char *ref,
                const char *const *vals)
{
    char id[33];
    if (notice_id(w, ev, rtype, rcpt, ref, vals, id))
        return -1;
    for (int k = 0; k < T_COUNT; k++)
        if (render(&w->text[k], w->t->text[ev][k] ? w->t->text[ev][k] : "", ev, vals))
            return -1;
    const char *cols[] = {id, ev_names[ev], rtype, rcpt, ref, w->text[0].p, w->text[1].p,
                          w->text[2].p, w->text[3].p};
    static const char *const keys[] = {"notice_id", "event", "recipient_type", "recipient",
                                       "ref", "title_zh", "title_en", "body_zh", "body_en"};
    buf *o = &w->line;
    o->n = 0;
    int r = 0;
    for (int i = 0; i < 9 && !r; i++)
        r = csv_field(o, cols[i], i == 8 ? '\n' : ',');
    if (r || fwrite(o->p, 1, o->n, w->csv) != o->n)
        return -1;
    o->n = 0;
    for (int i = 0; i < 9 && !r; i++)
        r = buf_put(o, i ? ",\"" : "{\"", 2) || buf_put(o, keys[i], strlen(keys[i])) ||
            buf_put(o, "\":", 2) || json_str(o, cols[i]);
    r = r || buf_put(o, ",\"facts\":{", 10);
    for (int i = 0; ev_fields[ev][i] && !r; i++)
        r = buf_put(o, i ? ",\"" : "\"", i ? 2 : 1) ||
            buf_put(o, ev_fields[ev][i], strlen(ev_fields[ev][i])) || buf_put(o, "\":", 2) ||
            json_str(o, vals[i]);
    r = r || buf_put(o, "}}\n", 3);
    if (r || fwrite(o->p, 1, o->n, w->jsonl) != o->n)
        return -1;
    w->count[ev]++;
    return 0;
}

static cl_err emit_failed(cl_diag *d)
{
    return cl_diag_set(d, CL_ERR_IO, "cannot write the notices (disk full or out of memory)");
}

/* ---- the events ------------------------------------------------------------ */

typedef struct notices_opts {
    const char *run, *tally, *distribution, *meeting, *templates, *out;
    int quiet, print;
} notices_opts;

static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static cl_err load_table(const char *dir, const char *name, const cl_csv_col *spec, int n,
                         cl_cli_rows **out, char **path, cl_diag *d)
{
    *path = join_path(dir, name);
    if (!*path)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    return cl_cli_rows_load(*path, spec, n, out, d);
}

static cl_err amount_of(const cl_cli_rows *r, size_t i, int col, const char *name, int64_t *fen,
                        char text[CL_MONEY_BUFSZ], cl_diag *d)
{
    const char *s = cl_cli_rows_get(r, i, col);
    *fen = 0;
    if (*s && cl_parse_amount(s, strlen(s), false, fen) != CL_AMT_OK)
        return cl_diag_set(d, CL_ERR_INPUT, "%s:%llu: %s '%s' is not an amount in yuan", r->path,
                           (unsigned long long)cl_cli_rows_line(r, i), name, s);
    if (text)
        cl_money_format(*fen, text);
    return CL_OK;
}

/* The reasons quote the values they are about; a notice travels by SMS or
 * app message, so the submission's own ID number and phone are masked in
 * them as in any public copy (contract §8). */
static int mask_in(buf *out, const char *text, const char *const *pii, const cl_col_kind *kind,
                   int npii)
{
    out->n = 0;
    if (buf_put(out, "", 0))
        return -1;
    for (const char *s = text; *s;) {
        int hit = -1;
        for (int k = 0; k < npii && hit < 0; k++)
            if (strlen(pii[k]) >= 6 && !strncmp(s, pii[k], strlen(pii[k])))
                hit = k;
        if (hit < 0) {
            if (buf_put(out, s++, 1))
                return -1;
            continue;
        }
        size_t n = strlen(pii[hit]);
        char *m = malloc(n + 16);
        if (!m)
            return -1;
        size_t mn = cl_mask(kind[hit], pii[hit], n, m);
        int r = buf_put(out, m, mn);
        free(m);
        if (r)
            return -1;
        s += n;
    }
    return 0;
}

static cl_err corrections(writer *w, const char *run, cl_diag *d)
{
    static const cl_csv_col spec[] = {
        {"submission_id", "申报编号", 1}, {"status", "状态", 1}, {"codes", "原因代码", 1},
        {"reasons", "原因说明", 1}, {"reasons_en", NULL, 1}, {"declared_total", "申报总额", 1},
        {"id_number", "证件号码", 0}, {"phone", "手机号码", 0}};
    static const cl_col_kind kinds[] = {CL_COL_PII_ID, CL_COL_PII_PHONE};
    cl_cli_rows *r = NULL;
    char *path = NULL, amt[CL_MONEY_BUFSZ];
    buf zh = {0}, en = {0};
    cl_err e = load_table(run, "review_queue.csv", spec, 8, &r, &path, d);
    for (size_t i = 0; !e && r && i < r->n; i++) {
        if (strcmp(cl_cli_rows_get(r, i, 1), "NEEDS_CORRECTION"))
            continue;
        int64_t fen;
        if ((e = amount_of(r, i, 5, "declared_total", &fen, amt, d)))
            break;
        const char *sub = cl_cli_rows_get(r, i, 0);
        const char *pii[] = {cl_cli_rows_get(r, i, 6), cl_cli_rows_get(r, i, 7)};
        if (mask_in(&zh, cl_cli_rows_get(r, i, 3), pii, kinds, 2) ||
            mask_in(&en, cl_cli_rows_get(r, i, 4), pii, kinds, 2)) {
            e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
            break;
        }
        const char *vals[] = {sub, cl_cli_rows_get(r, i, 2), zh.p, en.p, amt};
        if (emit(w, EV_CORRECTION, "submission", sub, "", vals))
            e = emit_failed(d);
    }
    free(zh.p);
    free(en.p);
    cl_cli_rows_free(r);
    free(path);
    return e;
}

static cl_err decisions(writer *w, const char *run, cl_diag *d)
{
    static const cl_csv_col spec[] = {
        {"creditor_id", "债权人编号", 1}, {"declared_total", "申报总额", 1},
        {"confirmed_total", "确认总额", 1}, {"pending_total", "待审核总额", 1}};
    cl_cli_rows *r = NULL;
    char *path = NULL, dec[CL_MONEY_BUFSZ], conf[CL_MONEY_BUFSZ], un[CL_MONEY_BUFSZ];
    cl_err e = load_table(run, "creditors.csv", spec, 4, &r, &path, d);
    for (size_t i = 0; !e && r && i < r->n; i++) {
        int64_t df, cf, pf;
        if ((e = amount_of(r, i, 1, "declared_total", &df, dec, d)) ||
            (e = amount_of(r, i, 2, "confirmed_total", &cf, conf, d)) ||
            (e = amount_of(r, i, 3, "pending_total", &pf, NULL, d)))
            break;
        if (pf > 0)
            continue;   /* review not finished: no decision to tell yet */
        cl_money_format(df > cf ? df - cf : 0, un);
        int ev = cf == 0 ? EV_REJECTED : cf >= df ? EV_CONFIRMED : EV_PARTLY;
        const char *id = cl_cli_rows_get(r, i, 0);
        const char *vals[] = {id, dec, conf, un};
        if (emit(w, ev, "creditor", id, "", vals))
            e = emit_failed(d);
    }
    cl_cli_rows_free(r);
    free(path);
    return e;
}

enum { RO_ID, RO_GROUPS, RO_VOTING, RO_UNSECURED };
static const cl_csv_col roster_spec[] = {
    {"creditor_id", "债权人编号", 1}, {"groups", "表决组", 0}, {"voting_amount", NULL, 0},
    {"unsecured_voting", "无财产担保表决额", 1}};

static cl_err meeting_notices(writer *w, const cl_cli_rows *ro, const char *mpath, cl_diag *d)
{
    cl_meeting *m = NULL;
    cl_err e = cl_meeting_load(mpath, &m, d);
    if (e)
        return e;
    char opens[CL_TIME_BUFSZ], closes[CL_TIME_BUFSZ], amt[CL_MONEY_BUFSZ];
    cl_time_format(m->opens_at, opens);
    cl_time_format(m->closes_at, closes);
    buf res = {0};
    for (size_t k = 0; k < m->nresolutions; k++) {
        char one[256];
        snprintf(one, sizeof one, "%s%s (%s)", k ? ", " : "", m->resolutions[k].id,
                 cl_resolution_type_name(m->resolutions[k].type));
        if (buf_put(&res, one, strlen(one)))
            e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    int col = ro->present[RO_VOTING] ? RO_VOTING : RO_UNSECURED;
    for (size_t i = 0; !e && i < ro->n; i++) {
        int64_t fen;
        if ((e = amount_of(ro, i, col, roster_spec[col].name, &fen, amt, d)))
            break;
        const char *id = cl_cli_rows_get(ro, i, RO_ID);
        const char *g = cl_cli_rows_get(ro, i, RO_GROUPS);
        const char *vals[] = {id, m->meeting_id, opens, closes, *g ? g : "-", amt,
                              res.p ? res.p : ""};
        if (emit(w, EV_MEETING, "creditor", id, m->meeting_id, vals))
            e = emit_failed(d);
    }
    free(res.p);
    cl_meeting_free(m);
    return e;
}

static cl_err result_notices(writer *w, const cl_cli_rows *ro, const char *dir,
                             const char *meeting_id, cl_diag *d)
{
    static const cl_csv_col spec[] = {
        {"resolution_id", NULL, 1}, {"type", NULL, 1}, {"group", NULL, 1}, {"present", NULL, 1},
        {"for", NULL, 1}, {"for_amount", NULL, 1}, {"base_amount", NULL, 1}, {"passed", NULL, 1}};
    cl_cli_rows *t = NULL;
    char *path = NULL;
    cl_err e = load_table(dir, "tally.csv", spec, 8, &t, &path, d);
    for (size_t r = 0; !e && r < t->n; r++) {
        if (*cl_cli_rows_get(t, r, 2))
            continue;   /* per-group rows of a plan: the overall row speaks */
        int passed = !strcmp(cl_cli_rows_get(t, r, 7), "1");
        const char *rid = cl_cli_rows_get(t, r, 0);
        for (size_t i = 0; !e && i < ro->n; i++) {
            const char *id = cl_cli_rows_get(ro, i, RO_ID);
            const char *vals[] = {id, meeting_id, rid, cl_cli_rows_get(t, r, 1),
                                  passed ? "通过" : "未通过", passed ? "passed" : "did not pass",
                                  cl_cli_rows_get(t, r, 3), cl_cli_rows_get(t, r, 4),
                                  cl_cli_rows_get(t, r, 5), cl_cli_rows_get(t, r, 6)};
            if (emit(w, EV_RESULT, "creditor", id, rid, vals))
                e = emit_failed(d);
        }
    }
    cl_cli_rows_free(t);
    free(path);
    return e;
}

typedef struct share {
    const char *id;
    int64_t total;
    char tiers[160];
} share;

static int by_id(const void *a, const void *b)
{
    return strcmp(((const share *)a)->id, ((const share *)b)->id);
}

static cl_err add_share(share *s, const char *tier, int64_t fen, const char *path, cl_diag *d)
{
    if (!cl_money_add(s->total, fen, &s->total))
        return cl_diag_set(d, CL_ERR_OVERFLOW, "%s: shares of %s overflow", path, s->id);
    char amt[CL_MONEY_BUFSZ];
    cl_money_format(fen, amt);
    size_t n = strlen(s->tiers);
    snprintf(s->tiers + n, sizeof s->tiers - n, "%s%s %s", n ? "; " : "", tier, amt);
    return CL_OK;
}

static cl_err dist_notices(writer *w, const char *dir, cl_diag *d)
{
    static const cl_csv_col spec[] = {
        {"creditor_id", NULL, 1}, {"tier", NULL, 1}, {"share", NULL, 1}};
    cl_cli_rows *t = NULL;
    char *path = NULL, amt[CL_MONEY_BUFSZ];
    cl_err e = load_table(dir, "distribution.csv", spec, 3, &t, &path, d);
    share *s = e ? NULL : calloc(t->n + 1, sizeof *s);
    cl_strmap *m = e ? NULL : cl_strmap_create(t->n);
    size_t n = 0;
    if (!e && (!s || !m))
        e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; !e && i < t->n; i++) {
        int64_t fen;
        const char *id = cl_cli_rows_get(t, i, 0);
        uint32_t k = (uint32_t)n;
        if ((e = amount_of(t, i, 2, "share", &fen, NULL, d)))
            break;
        int put = cl_strmap_put(m, id, strlen(id), k, &k);
        if (put < 0) {
            e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
            break;
        }
        if (put == 1)
            s[n++].id = id;
        if (fen > 0)
            e = add_share(&s[k], cl_cli_rows_get(t, i, 1), fen, path, d);
    }
    if (!e)
        qsort(s, n, sizeof *s, by_id);
    for (size_t i = 0; !e && i < n; i++) {
        if (s[i].total <= 0)
            continue;
        cl_money_format(s[i].total, amt);
        const char *vals[] = {s[i].id, amt, s[i].tiers};
        if (emit(w, EV_DIST, "creditor", s[i].id, "", vals))
            e = emit_failed(d);
    }
    cl_strmap_free(m);
    free(s);
    cl_cli_rows_free(t);
    free(path);
    return e;
}

/* ---- the command ----------------------------------------------------------- */

enum { OPT_QUIET = 256, OPT_PRINT };
static const struct option longopts[] = {
    {"run", required_argument, NULL, 'r'},       {"tally", required_argument, NULL, 't'},
    {"distribution", required_argument, NULL, 'D'}, {"meeting", required_argument, NULL, 'm'},
    {"templates", required_argument, NULL, 'T'}, {"out", required_argument, NULL, 'O'},
    {"quiet", no_argument, NULL, OPT_QUIET},     {"print-templates", no_argument, NULL, OPT_PRINT},
    {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0},
};

static int parse_args(int argc, char **argv, notices_opts *o)
{
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': o->run = optarg; break;
        case 't': o->tally = optarg; break;
        case 'D': o->distribution = optarg; break;
        case 'm': o->meeting = optarg; break;
        case 'T': o->templates = optarg; break;
        case 'O': o->out = optarg; break;
        case OPT_QUIET: o->quiet = 1; break;
        case OPT_PRINT: o->print = 1; break;
        case 'h': fputs(help, stdout); return -1;
        default:
            cl_cli_error("notices: unknown or incomplete option '%s' (see 'claims notices "
                         "--help')", argv[optind - 1]);
            return CL_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cl_cli_error("notices: unexpected argument '%s'", argv[optind]);
        return CL_EXIT_USAGE;
    }
    if (o->print)
        return 0;
    const char *missing = !o->run ? "--run" : !o->out ? "--out" : NULL;
    if (missing) {
        cl_cli_error("notices: %s is required (see 'claims notices --help')", missing);
        return CL_EXIT_USAGE;
    }
    return 0;
}

static cl_err write_all(writer *w, const notices_opts *o, cl_diag *d)
{
    cl_err e = corrections(w, o->run, d);
    if (!e)
        e = decisions(w, o->run, d);
    cl_cli_rows *ro = NULL;
    char *rpath = NULL, mid[256] = "";
    if (!e && (o->meeting || o->tally))
        e = load_table(o->run, "roster.csv", roster_spec, 4, &ro, &rpath, d);
    if (!e && o->meeting)
        e = meeting_notices(w, ro, o->meeting, d);
    if (!e && o->tally && o->meeting) {
        cl_meeting *m = NULL;
        if (!(e = cl_meeting_load(o->meeting, &m, d)))
            snprintf(mid, sizeof mid, "%s", m->meeting_id);
        cl_meeting_free(m);
    }
    if (!e && o->tally)
        e = result_notices(w, ro, o->tally, mid, d);
    if (!e && o->distribution)
        e = dist_notices(w, o->distribution, d);
    cl_cli_rows_free(ro);
    free(rpath);
    return e;
}

static cl_err run_notices(const notices_opts *o, const templates *t, writer *w, cl_diag *d)
{
    const char *in[] = {o->run, o->tally, o->distribution, o->meeting, o->templates};
    cl_outdir *od = NULL;
    cl_err e = cl_outdir_check(o->out, in, 5, d);
    if (!e)
        e = cl_outdir_begin_as(o->out, "notices", &od, d);
    if (!e) {
        w->csv = fopen(cl_outdir_path(od, "notices.csv"), "w");
        w->jsonl = fopen(cl_outdir_path(od, "notices.jsonl"), "w");
        if (!w->csv || !w->jsonl)
            e = cl_diag_set(d, CL_ERR_IO, "%s: cannot write", o->out);
    }
    if (!e) {
        fputs("notice_id,event,recipient_type,recipient,ref,title_zh,title_en,body_zh,body_en\n",
              w->csv);
        w->t = t;
        e = write_all(w, o, d);
    }
    int bad = 0;   /* close both, whatever the first gives */
    if (w->csv && fclose(w->csv) != 0)
        bad = 1;
    if (w->jsonl && fclose(w->jsonl) != 0)
        bad = 1;
    w->csv = w->jsonl = NULL;
    if (!e && bad)
        e = cl_diag_set(d, CL_ERR_IO, "%s: cannot write the notices", o->out);
    if (!e)
        e = cl_outdir_commit(od, d);
    cl_outdir_free(od);
    return e;
}

int cl_cmd_notices(int argc, char **argv)
{
    notices_opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? CL_EXIT_OK : rc;
    if (o.print) {
        fputs(default_templates, stdout);
        return CL_EXIT_OK;
    }
    templates t = {0};
    writer w = {.md = EVP_MD_CTX_new()};
    cl_diag d = {0};
    cl_err e = w.md ? templates_load(&t, o.templates, &d)
                    : cl_diag_set(&d, CL_ERR_NOMEM, "out of memory");
    if (!e)
        e = run_notices(&o, &t, &w, &d);
    if (e)
        cl_cli_error("%s", d.msg);
    else if (!o.quiet) {
        size_t total = 0;
        for (int k = 0; k < EV_COUNT; k++)
            total += w.count[k];
        printf("%zu notices written to %s/notices.csv and notices.jsonl\n", total, o.out);
        for (int k = 0; k < EV_COUNT; k++)
            if (w.count[k])
                printf("  %-24s %zu\n", ev_names[k], w.count[k]);
    }
    for (int k = 0; k < T_COUNT; k++)
        free(w.text[k].p);
    free(w.line.p);
    EVP_MD_CTX_free(w.md);
    templates_free(&t);
    return e ? cl_exit_code(e) : CL_EXIT_OK;
}
