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
static void drop_quoted(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    int in = 0;
    for (const char *p = src; *p && n + 4 < cap; p++) {
        if (*p == '"') {
            if (!in) {
                memcpy(dst + n, "\"…\"", 5);   /* "…" is 3 bytes in UTF-8 */
                n += 5;
            }
            in = !in;
            continue;
        }
        if (!in)
            dst[n++] = *p;
    }
    dst[n] = '\0';
}

static void mask_range(char *p, size_t len)
{
    /* replace p[0..len) by "***" */
    size_t rest = strlen(p + len);
    memmove(p + 3, p + len, rest + 1);
    memcpy(p, "***", 3);
}

void cl_store_scrub(char *msg, const char *password)
{
    if (!msg)
        return;
    if (password && *password) {
        size_t pl = strlen(password);
        char *hit;
        while ((hit = strstr(msg, password)) != NULL)
            mask_range(hit, pl);
    }
    /* password=value (keyword form) and scheme://user:value@ (URI form) */
    for (char *p = msg; (p = strstr(p, "password")) != NULL;) {
        char *q = p + 8;
        while (*q == ' ')
            q++;
        if (*q == '=') {
            q++;
            while (*q == ' ')
                q++;
            size_t n = strcspn(q, " \t\n'\"");
            if (n && strncmp(q, "***", 3))
                mask_range(q, n);
        }
        p += 8;
    }
    for (char *p = msg; (p = strstr(p, "://")) != NULL;) {
        char *at = p + 3;
        size_t span = strcspn(at, "@/ \t\n");
        if (at[span] == '@') {
            char *colon = memchr(at, ':', span);
            if (colon && colon + 1 < at + span && strncmp(colon + 1, "***", 3))
                mask_range(colon + 1, (size_t)(at + span - colon - 1));
        }
        p += 3;
    }
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
    cl_store_scrub(msg, s ? s->password : NULL);
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
        cl_store_scrub(msg, NULL);
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
