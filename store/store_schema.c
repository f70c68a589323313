/* store_schema.c - `claims db init`: the versioned schema (migrations
 * embedded from store/migrations/, one transaction each, recorded in
 * claims.schema_migrations), the engine and API roles and their grants. */
#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "store/store_migrations.h"

/* Serialises concurrent `db init`s on one database (an arbitrary constant). */
#define INIT_LOCK "SELECT pg_advisory_lock(7205310013)"
#define INIT_UNLOCK "SELECT pg_advisory_unlock(7205310013)"

int cl_store_schema_latest(void)
{
    return cl_store_nmigrations;
}

cl_err cl_store_schema_version(cl_store *s, int *version, cl_diag *d)
{
    PGresult *res;
    *version = 0;
    cl_err err = cl_store_query(s, "SELECT to_regclass('claims.schema_migrations') IS NOT NULL",
                                0, NULL, &res, "cannot read the schema version", d);
    if (err)
        return err;
    int exists = PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    if (!exists)
        return CL_OK;
    if ((err = cl_store_query(s, "SELECT coalesce(max(version), 0) FROM claims.schema_migrations",
                              0, NULL, &res, "cannot read the schema version", d)))
        return err;
    *version = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return CL_OK;
}

static cl_err newer_schema(cl_diag *d, int have)
{
    return cl_diag_set(d, CL_ERR_CONFIG,
                       "the database's claims schema is at version %d, newer than this claims "
                       "binary (which knows versions up to %d): upgrade claims before using this "
                       "database; nothing was changed", have, cl_store_schema_latest());
}

cl_err cl_store_schema_check(cl_store *s, cl_diag *d)
{
    int v;
    cl_err err = cl_store_schema_version(s, &v, d);
    if (err)
        return err;
    if (v > cl_store_schema_latest())
        return newer_schema(d, v);
    if (v < cl_store_schema_latest())
        return cl_diag_set(d, CL_ERR_CONFIG,
                           v == 0 ? "the database has no claims schema: run 'claims db init' first%s"
                                  : "the database's claims schema is out of date: run 'claims db init'%s",
                           "");
    return CL_OK;
}

static void sha256_hex(const char *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    cl_store_hex32(md, out);
}

/* The bookkeeping table; created outside the migrations so that versions can
 * be read before any is applied. */
static const char bootstrap_sql[] =
    "CREATE SCHEMA IF NOT EXISTS claims;"
    "CREATE TABLE IF NOT EXISTS claims.schema_migrations ("
    "  version integer PRIMARY KEY,"
    "  name text NOT NULL,"
    "  sha256 text NOT NULL,"
    "  engine_version text NOT NULL,"
    "  applied_at timestamptz NOT NULL DEFAULT now(),"
    "  applied_by text NOT NULL DEFAULT current_user)";

static cl_err apply_one(cl_store *s, const cl_store_migration *m, cl_diag *d)
{
    char digest[65], version[16], what[160];
    sha256_hex(m->sql, m->len, digest);
    snprintf(version, sizeof version, "%d", m->version);
    snprintf(what, sizeof what, "migration %s failed", m->name);
    cl_err err = cl_store_exec(s, "BEGIN", "cannot begin a transaction", d);
    if (err)
        return err;
    if ((err = cl_store_exec(s, m->sql, what, d)))
        goto fail;
    const char *p[4] = {version, m->name, digest, CL_VERSION};
    PGresult *res;
    if ((err = cl_store_query(s,
            "INSERT INTO claims.schema_migrations (version, name, sha256, engine_version)"
            " VALUES ($1, $2, $3, $4)", 4, p, &res, "cannot record a migration", d)))
        goto fail;
    PQclear(res);
    if ((err = cl_store_exec(s, "COMMIT", "cannot commit a migration", d)))
        goto fail;
    return CL_OK;
fail:
    cl_store_rollback(s);
    return err;
}

/* A role name we create and grant to: lower-case letters, digits and '_',
 * starting with a letter or '_', at most 63 bytes (no quoting surprises). */
static int role_name_ok(const char *r)
{
    size_t n = strlen(r);
    if (n == 0 || n > 63 || !(islower((unsigned char)r[0]) || r[0] == '_'))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)r[i]) || isdigit((unsigned char)r[i]) || r[i] == '_'))
            return 0;
    return strncmp(r, "pg_", 3) != 0;
}

static cl_err ensure_role(cl_store *s, const char *role, int *created, cl_diag *d)
{
    PGresult *res;
    const char *p[1] = {role};
    cl_err err = cl_store_query(s, "SELECT 1 FROM pg_roles WHERE rolname = $1", 1, p, &res,
                                "cannot read the roles", d);
    if (err)
        return err;
    int exists = PQntuples(res) > 0;
    PQclear(res);
    if (exists)
        return CL_OK;
    char sql[200], what[200];
    snprintf(sql, sizeof sql, "CREATE ROLE %s NOLOGIN", role);
    snprintf(what, sizeof what, "cannot create role %s (the connecting user needs CREATEROLE)", role);
    if ((err = cl_store_exec(s, sql, what, d)))
        return err;
    (*created)++;
    return CL_OK;
}

/* Grants, as templates: %1$s is the engine role, %2$s the API role. Every
 * statement is idempotent. The API role reads published results, inserts
 * ballots and review decisions, and sees no raw input table at all. */
static const char *const grants[] = {
    "REVOKE ALL ON SCHEMA claims FROM PUBLIC",
    "GRANT USAGE ON SCHEMA claims TO %1$s, %2$s",
    "GRANT SELECT ON claims.schema_migrations TO %1$s, %2$s",
    /* engine: loads inputs, publishes runs */
    "GRANT SELECT, INSERT, UPDATE, DELETE ON claims.cases, claims.load_batches, claims.case_inputs,"
    " claims.raw_submissions, claims.raw_ledger, claims.raw_overrides, claims.raw_ballots,"
    " claims.runs, claims.current_run, claims.run_claims, claims.run_creditors, claims.run_roster,"
    " claims.run_review_queue, claims.run_overrides_rejected, claims.run_rejected_rows,"
    " claims.run_changes, claims.confirmations, claims.frozen_claims, claims.frozen_changes,"
    " claims.objections TO %1$s",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON claims.tallies, claims.current_tally,"
    " claims.tally_results, claims.tally_ballots_rejected TO %1$s",
    /* engine reads what the platform inserted, never changes it */
    "GRANT SELECT ON claims.review_decisions, claims.ballots TO %1$s",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA claims TO %1$s",
    /* API: published results */
    "GRANT SELECT ON claims.cases, claims.runs, claims.current_run, claims.run_claims,"
    " claims.run_creditors, claims.run_roster, claims.run_review_queue,"
    " claims.run_overrides_rejected, claims.run_changes, claims.confirmations,"
    " claims.frozen_changes, claims.objections TO %2$s",
    "GRANT SELECT ON claims.tallies, claims.current_tally, claims.tally_results,"
    " claims.tally_ballots_rejected TO %2$s",
    /* API: the only rows it adds; no UPDATE, no DELETE */
    "GRANT SELECT, INSERT ON claims.review_decisions, claims.ballots TO %2$s",
    "GRANT USAGE ON SEQUENCE claims.review_decisions_seq_seq, claims.ballots_seq_seq TO %2$s",
    /* API (migration 3): reads tokens to authenticate, inserts creditor tokens
     * (platform role) and audit rows; never updates or deletes either */
    "GRANT SELECT, INSERT ON claims.api_tokens TO %2$s",
    "GRANT INSERT ON claims.api_access_audit TO %2$s",
    "GRANT USAGE ON SEQUENCE claims.api_tokens_token_id_seq, claims.api_access_audit_seq_seq TO %2$s",
};

static cl_err roles_and_grants(cl_store *s, const char *eng, const char *api, int *created,
                               cl_diag *d)
{
    cl_err err = cl_store_exec(s, "BEGIN", "cannot begin a transaction", d);
    if (err)
        return err;
    if ((err = ensure_role(s, eng, created, d)) || (err = ensure_role(s, api, created, d)))
        goto fail;
    for (size_t i = 0; i < sizeof grants / sizeof grants[0]; i++) {
        char sql[1024];
        snprintf(sql, sizeof sql, grants[i], eng, api);
        if ((err = cl_store_exec(s, sql, "cannot grant the roles' privileges", d)))
            goto fail;
    }
    if ((err = cl_store_exec(s, "COMMIT", "cannot commit the grants", d)))
        goto fail;
    return CL_OK;
fail:
    cl_store_rollback(s);
    return err;
}

static cl_err check_encoding(cl_store *s, cl_diag *d)
{
    const char *enc = PQparameterStatus(s->conn, "server_encoding");
    if (enc && strcmp(enc, "UTF8"))
        return cl_diag_set(d, CL_ERR_CONFIG,
                           "the database's encoding is %s; the claims store needs a UTF8 database "
                           "(createdb -E UTF8 -T template0)", enc);
    return CL_OK;
}

cl_err cl_store_init(cl_store *s, const cl_store_init_opts *o, cl_store_init_report *r,
                     cl_diag *d)
{
    const char *eng = o && o->engine_role ? o->engine_role : "claims_engine";
    const char *api = o && o->api_role ? o->api_role : "claims_api";
    memset(r, 0, sizeof *r);
    if (!role_name_ok(eng) || !role_name_ok(api) || !strcmp(eng, api))
        return cl_diag_set(d, CL_ERR_USAGE,
                           "role names must differ and be lower-case letters, digits and '_' "
                           "(at most 63, not starting with pg_)");
    cl_err err = check_encoding(s, d);
    if (err)
        return err;
    if ((err = cl_store_exec(s, INIT_LOCK, "cannot take the init lock", d)))
        return err;
    int v = 0;
    if ((err = cl_store_schema_version(s, &v, d)))
        goto out;
    r->from_version = v;
    if (v > cl_store_schema_latest()) {
        err = newer_schema(d, v);
        goto out;
    }
    if (v == 0 && (err = cl_store_exec(s, bootstrap_sql, "cannot create the claims schema", d)))
        goto out;
    for (int i = v; i < cl_store_nmigrations; i++) {
        if ((err = apply_one(s, &cl_store_migrations[i], d)))
            goto out;
        r->applied++;
    }
    r->to_version = cl_store_schema_latest();
    err = roles_and_grants(s, eng, api, &r->roles_created, d);
out:
    PQclear(PQexec(s->conn, INIT_UNLOCK));
    return err;
}
