/* store.c - the PostgreSQL connection of the store: open/close with
 * messages that never carry the connection string or its password, the
 * small libpq helpers, and the runs listing. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

/* Copies src into dst, dropping the contents of "..." quotes: libpq's parse
 * errors quote the offending part of the connection string. */
/* Copies src into dst, replacing the contents of "..." quotes longer than
 * one character by an ellipsis: libpq's parse errors quote the offending
 * part of the connection string, which may be a password. */
static void drop_quoted(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    const char *p = src;
    while (*p && n + 8 < cap) {
        const char *close = *p == '"' ? strchr(p + 1, '"') : NULL;
        if (!close) {
            dst[n++] = *p++;
            continue;
        }
        size_t inner = (size_t)(close - p - 1);
        if (inner <= 1) {
            memcpy(dst + n, p, inner + 2);
            n += inner + 2;
        } else {
            memcpy(dst + n, "\"…\"", 5);   /* "…" is 3 bytes in UTF-8 */
            n += 5;
        }
        p = close + 1;
    }
    dst[n] = '\0';
}

/* Length of the URI userinfo password at p (just after "://"): the text
 * between the first ':' and the '@' of "user:secret@", or 0. */
static size_t uri_password(const char *p, size_t *skip_user)
{
    size_t span = strcspn(p, "@/ \t\n");
    if (p[span] != '@')
        return 0;
    const char *colon = memchr(p, ':', span);
    if (!colon)
        return 0;
    *skip_user = (size_t)(colon + 1 - p);
    return (size_t)(p + span - colon - 1);
}

void cl_store_scrub(char *msg, size_t cap, const char *password)
{
    if (!msg || cap == 0)
        return;
    size_t n = strlen(msg), pl = password ? strlen(password) : 0, o = 0;
    char *out = malloc(n * 3 + 8);   /* each byte becomes at most "***" */
    if (!out) {
        snprintf(msg, cap, "(message withheld)");
        return;
    }
    for (size_t i = 0; i < n;) {
        if (pl && !strncmp(msg + i, password, pl)) {
            memcpy(out + o, "***", 3), o += 3, i += pl;
            continue;
        }
        if (!strncmp(msg + i, "password", 8)) {
            size_t j = i + 8;
            while (msg[j] == ' ')
                j++;
            if (msg[j] == '=') {
                j++;
                while (msg[j] == ' ')
                    j++;
                memcpy(out + o, msg + i, j - i), o += j - i;
                size_t v = strcspn(msg + j, " \t\n");
                if (v)
                    memcpy(out + o, "***", 3), o += 3;
                i = j + v;
                continue;
            }
        }
        if (!strncmp(msg + i, "://", 3)) {
            size_t user = 0, v = uri_password(msg + i + 3, &user);
            if (v) {
                memcpy(out + o, msg + i, 3 + user), o += 3 + user;
                memcpy(out + o, "***", 3), o += 3;
                i += 3 + user + v;
                continue;
            }
        }
        out[o++] = msg[i++];
    }
    out[o] = '\0';
    snprintf(msg, cap, "%s", out);
    free(out);
}

cl_err cl_store_db_error(cl_store *s, const PGresult *res, cl_diag *d, const char *what)
{
    char msg[900];
    const char *m = res ? PQresultErrorMessage(res) : NULL;
    if (!m || !*m)
        m = s && s->conn ? PQerrorMessage(s->conn) : "no connection";
    snprintf(msg, sizeof msg, "%s", m);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    for (char *p = msg; *p; p++)
        if (*p == '\n')
            *p = ' ';
    cl_store_scrub(msg, sizeof msg, s ? s->password : NULL);
    return cl_diag_set(d, CL_ERR_DB, "%s: %s", what, msg);
}

cl_err cl_store_exec(cl_store *s, const char *sql, const char *what, cl_diag *d)
{
    PGresult *res = PQexec(s->conn, sql);
    ExecStatusType st = PQresultStatus(res);
    cl_err err = CL_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        err = cl_store_db_error(s, res, d, what);
    PQclear(res);
    return err;
}

cl_err cl_store_query(cl_store *s, const char *sql, int nparams, const char *const *params,
                      PGresult **res, const char *what, cl_diag *d)
{
    *res = PQexecParams(s->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(*res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return CL_OK;
    cl_err err = cl_store_db_error(s, *res, d, what);
    PQclear(*res);
    *res = NULL;
    return err;
}

void cl_store_rollback(cl_store *s)
{
    PQclear(PQexec(s->conn, "ROLLBACK"));
}

void cl_store_hex32(const unsigned char *b, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[64] = '\0';
}

/* The password the connection string names, if any (to scrub messages). */
static cl_err conninfo_password(const char *conninfo, char **out, cl_diag *d)
{
    char *perr = NULL;
    *out = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
    if (!opts) {
        char msg[600];
        drop_quoted(msg, sizeof msg, perr ? perr : "out of memory");
        size_t n = strlen(msg);
        while (n && msg[n - 1] == '\n')
            msg[--n] = '\0';
        cl_store_scrub(msg, sizeof msg, NULL);
        PQfreemem(perr);
        return cl_diag_set(d, CL_ERR_USAGE, "the --db connection string does not parse: %s", msg);
    }
    for (PQconninfoOption *o = opts; o->keyword; o++)
        if (!strcmp(o->keyword, "password") && o->val && *o->val)
            *out = strdup(o->val);
    PQconninfoFree(opts);
    return CL_OK;
}

static void quiet_notice(void *user, const char *message)
{
    (void)user;
    (void)message;
}

int cl_store_conninfo_has_password(const char *conninfo)
{
    char *pw = NULL;
    if (conninfo_password(conninfo, &pw, NULL) || !pw)
        return 0;
    memset(pw, 0, strlen(pw));
    free(pw);
    return 1;
}

cl_err cl_store_open(const char *conninfo, cl_store **out, cl_diag *d)
{
    *out = NULL;
    cl_store *s = calloc(1, sizeof *s);
    if (!s)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    cl_err err = conninfo_password(conninfo ? conninfo : "", &s->password, d);
    if (err) {
        free(s);
        return err;
    }
    /* The string is expanded as the dbname (so URIs and key=value both
     * work); client_encoding and application_name come after it. */
    const char *const keys[] = {"dbname", "client_encoding", "application_name", NULL};
    const char *const vals[] = {conninfo ? conninfo : "", "UTF8", "claims", NULL};
    s->conn = PQconnectdbParams(keys, vals, 1);
    if (!s->conn || PQstatus(s->conn) != CONNECTION_OK) {
        err = cl_store_db_error(s, NULL, d, "cannot connect to the database");
        cl_store_close(s);
        return err;
    }
    /* Notices (e.g. "relation already exists, skipping") stay quiet. */
    PQsetNoticeProcessor(s->conn, quiet_notice, NULL);
    if ((err = cl_store_exec(s, "SET TIME ZONE 'UTC'", "cannot set the session time zone", d))) {
        cl_store_close(s);
        return err;
    }
    *out = s;
    return CL_OK;
}

void cl_store_close(cl_store *s)
{
    if (!s)
        return;
    if (s->conn)
        PQfinish(s->conn);
    if (s->password) {
        memset(s->password, 0, strlen(s->password));
        free(s->password);
    }
    free(s);
}

int cl_store_case_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 64 || !isalnum((unsigned char)id[0]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)id[i]) && !strchr("._-", id[i]))
            return 0;
    return 1;
}

/* ------------------------------------------------------------------ runs */

cl_err cl_store_list_runs(cl_store *s, const char *case_id, cl_store_run_fn fn, void *user,
                          cl_diag *d)
{
    cl_err err = cl_store_schema_check(s, d);
    if (err)
        return err;
    PGresult *res;
    const char *p[1] = {case_id};
    if ((err = cl_store_query(s, "SELECT 1 FROM claims.cases WHERE case_id = $1", 1, p, &res,
                              "cannot read the cases", d)))
        return err;
    int found = PQntuples(res) > 0;
    PQclear(res);
    if (!found)
        return cl_diag_set(d, CL_ERR_INPUT, "no case '%s' in the database (load it with 'claims db load')",
                           case_id);
    if ((err = cl_store_query(s,
            "SELECT r.run_id, to_char(r.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
            " r.engine_version, r.counts::text, (c.run_id IS NOT NULL)"
            " FROM claims.runs r LEFT JOIN claims.current_run c"
            "   ON c.case_id = r.case_id AND c.run_id = r.run_id"
            " WHERE r.case_id = $1 ORDER BY r.run_id",
            1, p, &res, "cannot list the runs", d)))
        return err;
    for (int i = 0; i < PQntuples(res); i++) {
        cl_store_run_row row = {
            .run_id = strtoll(PQgetvalue(res, i, 0), NULL, 10),
            .published_at = PQgetvalue(res, i, 1),
            .engine_version = PQgetvalue(res, i, 2),
            .counts = PQgetvalue(res, i, 3),
            .current = PQgetvalue(res, i, 4)[0] == 't',
        };
        if (fn(user, &row))
            break;
    }
    PQclear(res);
    return CL_OK;
}
