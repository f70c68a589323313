#!/usr/bin/env python3
"""test_db.py - `claims db` against the real throwaway cluster of the CTest
fixture (CL_TEST_PG): init (twice, newer schema refused, no superuser),
roles and their privileges, load of the golden sample (row counts equal the
files', a re-load not doubled), bad files that change nothing and name file,
line and column, GB18030 with Chinese headers, case.conf's key withheld, and
no password in any output."""
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time

CLAIMS = os.environ["CL_CLAIMS"]
SRC = os.environ["CL_SOURCE_DIR"]
PG = os.environ["CL_TEST_PG"]          # the cluster's superuser
HOST = os.environ["CL_TEST_PG_HOST"]
MINI = os.path.join(SRC, "tests/data/xiaoming-mini")
GB = os.path.join(SRC, "tests/cases/chinese_headers_gb18030")
TAG = "t%d" % os.getpid()
DB = "db_" + TAG
ADMIN, ENG, API = "adm_" + TAG, "eng_" + TAG, "api_" + TAG
ENG_USER, API_USER = "engu_" + TAG, "apiu_" + TAG
TABLES = ["cases", "load_batches", "case_inputs", "raw_submissions", "raw_ledger",
          "raw_overrides", "raw_ballots", "runs", "current_run", "review_decisions", "ballots"]

failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what, file=sys.stderr)


def conn(user, db=DB):
    return "host=%s port=5432 dbname=%s user=%s" % (HOST, db, user)


def psql(sql, conninfo=None, ok=True):
    p = subprocess.run(["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1",
                        "-d", conninfo or conn("cl_super"), "-c", sql],
                       capture_output=True, text=True)
    if ok and p.returncode != 0:
        raise RuntimeError("psql %r: %s" % (sql, p.stderr))
    return p


def q(sql, conninfo=None):
    return psql(sql, conninfo).stdout.strip()


def claims(*args):
    return subprocess.run([CLAIMS, "db"] + list(args), capture_output=True, text=True)


def csv_rows(path, enc="utf-8"):
    with open(path, newline="", encoding=enc) as f:
        return list(csv.reader(f))[1:]


def counts():
    """Every table's row count, in one query."""
    return q(" UNION ALL ".join("SELECT '%s=' || count(*) FROM claims.%s" % (t, t) for t in TABLES))


def digests():
    return q("SELECT string_agg(kind || ':' || sha256 || ':' || rows, ',' ORDER BY batch_id)"
             " FROM claims.load_batches")


def setup():
    psql("CREATE ROLE %s LOGIN CREATEROLE" % ADMIN, conn("cl_super", "postgres"))
    psql("CREATE DATABASE %s OWNER %s" % (DB, ADMIN), conn("cl_super", "postgres"))


def teardown():
    psql("DROP DATABASE IF EXISTS %s" % DB, conn("cl_super", "postgres"), ok=False)
    for r in (ENG_USER, API_USER, ENG, API, ADMIN):
        psql("DROP ROLE IF EXISTS %s" % r, conn("cl_super", "postgres"), ok=False)


def test_init():
    a = conn(ADMIN)
    check(q("SELECT rolsuper FROM pg_roles WHERE rolname = '%s'" % ADMIN) == "f", "admin no superuser")
    p = claims("init", "--db", a, "--engine-role", ENG, "--api-role", API)
    check(p.returncode == 0, "first init: rc %d %s" % (p.returncode, p.stderr))
    check("from version 0 to " in p.stdout, "first init says it migrated: " + p.stdout)
    check("2 created" in p.stdout, "first init creates the two roles: " + p.stdout)
    p = claims("init", "--db", a, "--engine-role", ENG, "--api-role", API)
    check(p.returncode == 0 and "nothing to do" in p.stdout, "second init: " + p.stdout + p.stderr)
    check(q("SELECT count(*) = max(version) FROM claims.schema_migrations") == "t",
          "one row per migration")
    check(q("SELECT rolcanlogin FROM pg_roles WHERE rolname IN ('%s','%s')" % (ENG, API)) == "f\nf",
          "roles are NOLOGIN")
    p = claims("init", "--db", a, "--engine-role", "Bad-Name", "--api-role", API)
    check(p.returncode == 2, "bad role name is a usage error")


def test_newer_schema():
    psql("INSERT INTO claims.schema_migrations (version, name, sha256, engine_version)"
         " VALUES (999, '0999_future.sql', 'x', '9.9')")
    before = q("SELECT count(*) FROM claims.schema_migrations")
    p = claims("init", "--db", conn(ADMIN), "--engine-role", ENG, "--api-role", API)
    check(p.returncode == 1, "newer schema refused: rc %d" % p.returncode)
    check("version 999, newer than this claims binary" in p.stderr, "clear message: " + p.stderr)
    p2 = claims("load", "--db", conn(ADMIN), "--case-id", "x", "--case-dir", MINI)
    check(p2.returncode == 1 and "newer" in p2.stderr, "load refuses a newer schema: " + p2.stderr)
    check(q("SELECT count(*) FROM claims.schema_migrations") == before, "nothing changed")
    psql("DELETE FROM claims.schema_migrations WHERE version = 999")


def test_load():
    psql("CREATE ROLE %s LOGIN IN ROLE %s" % (ENG_USER, ENG), conn("cl_super", "postgres"))
    p = claims("load", "--db", conn(ENG_USER), "--case-id", "xm-2018", "--case-dir", MINI)
    check(p.returncode == 0, "load as the engine role: rc %d %s" % (p.returncode, p.stderr))
    sub, led, ovr = (len(csv_rows(os.path.join(MINI, f)))
                     for f in ("submissions.csv", "ledger.csv", "overrides.csv"))
    check(q("SELECT count(*) FROM claims.raw_submissions") == str(sub), "submissions rows")
    check(q("SELECT count(*) FROM claims.raw_ledger") == str(led), "ledger rows")
    check(q("SELECT count(*) FROM claims.raw_overrides") == str(ovr), "overrides rows")
    check(q("SELECT string_agg(kind || '=' || rows, ',' ORDER BY kind) FROM claims.load_batches")
          == "ledger=%d,overrides=%d,submissions=%d" % (led, ovr, sub), "batch row counts")
    # rows keep their line and their text
    first = csv_rows(os.path.join(MINI, "submissions.csv"))[0]
    got = q("SELECT line || '|' || submission_id || '|' || id_number || '|' || principal"
            " FROM claims.raw_submissions ORDER BY line LIMIT 1")
    check(got == "2|%s|%s|%s" % (first[0], first[5], first[9]), "first row: " + got)
    # case.conf stored, its key withheld
    conf = q("SELECT conf FROM claims.cases WHERE case_id = 'xm-2018'")
    check("(2018)粤01破12号" in conf, "case.conf stored")
    check("sample-case-key-not-secret" not in conf and "creditor_key withheld" in conf,
          "creditor_key never enters the database")
    check("creditor_key withheld" in p.stdout, "load says the key was withheld")
    # a re-load of the same bytes is not doubled
    before = counts()
    p = claims("load", "--db", conn(ENG_USER), "--case-id", "xm-2018", "--case-dir", MINI)
    check(p.returncode == 0 and p.stdout.count("already loaded") == 3, "re-load: " + p.stdout)
    check(counts() == before, "re-load changes no row count")
    # a different overrides file becomes the case's input; re-loading the
    # first makes it current again without copying it
    cur = "SELECT batch_id FROM claims.case_inputs WHERE case_id = 'xm-2018' AND kind = 'overrides'"
    first = q(cur)
    other = os.path.join(tempfile.mkdtemp(prefix="cl_store_"), "overrides.csv")
    rows = open(os.path.join(MINI, "overrides.csv"), encoding="utf-8").read().split("\n")
    open(other, "w", encoding="utf-8").write("\n".join(rows[:5]) + "\n")
    p = claims("load", "--db", conn(ENG_USER), "--case-id", "xm-2018", "--overrides", other)
    check(p.returncode == 0 and "4 rows loaded" in p.stdout, "another overrides file: " + p.stdout)
    check(q(cur) != first, "the new file is the case's overrides")
    check(q("SELECT count(*) FROM claims.raw_overrides o JOIN claims.case_inputs i USING (batch_id)"
            " WHERE i.kind = 'overrides'") == "4", "current overrides have the new file's rows")
    p = claims("load", "--db", conn(ENG_USER), "--case-id", "xm-2018", "--overrides",
               os.path.join(MINI, "overrides.csv"))
    check(p.returncode == 0 and "already loaded" in p.stdout and q(cur) == first,
          "re-loading the first file makes it current again: " + p.stdout)
    shutil.rmtree(os.path.dirname(other))
    check(q("SELECT count(*) FROM claims.raw_overrides") == str(ovr + 4), "nothing doubled")
    p = claims("runs", "--db", conn(ENG_USER), "--case-id", "xm-2018")
    check(p.returncode == 0 and "no runs published" in p.stdout, "runs: " + p.stdout + p.stderr)
    # two runs (as the publish step will write them): the current one is marked
    psql("INSERT INTO claims.runs (case_id, started_at, finished_at, engine_version, counts)"
         " VALUES ('xm-2018', now(), now(), '0.1.0', '{\"CONFIRMED\": 3}'),"
         "        ('xm-2018', now(), now(), '0.1.0', '{\"CONFIRMED\": 4}')")
    psql("INSERT INTO claims.current_run (case_id, run_id) SELECT 'xm-2018', min(run_id)"
         " FROM claims.runs")
    p = claims("runs", "--db", conn(ENG_USER), "--case-id", "xm-2018")
    lines = p.stdout.splitlines()
    check(p.returncode == 0 and len(lines) == 3, "runs lists two: " + p.stdout)
    check(lines[1].startswith("* ") and '"CONFIRMED": 3' in lines[1] and lines[2].startswith("  "),
          "the current run is marked: " + p.stdout)
    psql("DELETE FROM claims.current_run; DELETE FROM claims.runs")
    p = claims("runs", "--db", conn(ENG_USER), "--case-id", "nope")
    check(p.returncode == 1 and "no case 'nope'" in p.stderr, "runs of an unknown case")


def test_bad_files(tmp):
    d = os.path.join(tmp, "bad")
    shutil.copytree(MINI, d)
    # a new submissions file (so the load would copy it) and a ledger with a short row
    with open(os.path.join(d, "submissions.csv"), "a", encoding="utf-8") as f:
        f.write("SB29990000001,2018-05-01 10:00:00,individual,新人,PRC_ID,"
                "440106199001010011,13800000000,,deposit,99.00,,,,中国银行,6222,,0,,web\n")
    lines = open(os.path.join(MINI, "ledger.csv"), encoding="utf-8").read().split("\n")
    lines[100] = lines[100].rsplit(",", 2)[0]          # line 101 loses two fields
    open(os.path.join(d, "ledger.csv"), "w", encoding="utf-8").write("\n".join(lines))
    before, dig = counts(), digests()
    p = claims("load", "--db", conn(ENG_USER), "--case-id", "xm-2018", "--case-dir", d)
    check(p.returncode == 1, "bad ledger: rc %d" % p.returncode)
    check("ledger.csv:101:8:" in p.stderr and "id_number" in p.stderr,
          "file, line, column named: " + p.stderr)
    check(counts() == before and digests() == dig, "a bad file changes nothing")
    # a missing required column
    rows = list(csv.reader(open(os.path.join(MINI, "overrides.csv"), encoding="utf-8")))
    with open(os.path.join(d, "ledger.csv"), "w", encoding="utf-8") as f:
        f.write(open(os.path.join(MINI, "ledger.csv"), encoding="utf-8").read())
    with open(os.path.join(d, "overrides.csv"), "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([r[:2] + r[3:] for r in rows])   # no 'amount'
    p = claims("load", "--db", conn(ENG_USER), "--case-id", "xm-2018", "--case-dir", d)
    check(p.returncode == 1 and "overrides.csv" in p.stderr and "'amount'" in p.stderr,
          "missing column named: " + p.stderr)
    check(counts() == before and digests() == dig, "a missing column changes nothing")
    # a new case without its case.conf
    p = claims("load", "--db", conn(ENG_USER), "--case-id", "new-case",
               "--submissions", os.path.join(MINI, "submissions.csv"))
    check(p.returncode == 1 and "give its case.conf" in p.stderr, "new case needs case.conf")
    check(counts() == before, "nothing stored for a case without case.conf")


def test_gb18030():
    p = claims("load", "--db", conn(ENG_USER), "--case-id", "gb", "--case-dir", GB)
    check(p.returncode == 0, "GB18030 load: %s" % p.stderr)
    check("gb18030" in p.stdout, "encoding reported: " + p.stdout)
    rows = csv_rows(os.path.join(GB, "submissions.csv"), "gb18030")
    got = q("SELECT count(*) || '|' || string_agg(name, ';' ORDER BY line) FROM claims.raw_submissions"
            " WHERE case_id = 'gb'")
    check(got == "%d|%s" % (len(rows), ";".join(r[3] for r in rows)), "GB18030 rows: " + got)


def test_privileges():
    psql("CREATE ROLE %s LOGIN IN ROLE %s" % (API_USER, API), conn("cl_super", "postgres"))
    api = conn(API_USER)

    def denied(sql, who=api):
        p = psql(sql, who, ok=False)
        return p.returncode != 0 and "permission denied" in p.stderr

    check(denied("UPDATE claims.runs SET engine_version = 'x'"), "API cannot UPDATE runs")
    check(denied("DELETE FROM claims.runs"), "API cannot DELETE runs")
    check(denied("SELECT id_number FROM claims.raw_submissions"), "API cannot read raw identities")
    check(denied("SELECT phone FROM claims.raw_ledger"), "API cannot read the raw ledger")
    check(denied("INSERT INTO claims.cases (case_id) VALUES ('evil')"), "API cannot add cases")
    check(psql("SELECT count(*) FROM claims.run_claims", api, ok=False).returncode == 0,
          "API reads published results")
    ins = psql("INSERT INTO claims.ballots (case_id, ballot_id, meeting_id, resolution_id,"
               " creditor_id, choice, cast_at) VALUES ('xm-2018', 'B1', 'M1', 'R1', 'abc', 'for',"
               " '2018-09-01 10:00:00')", api, ok=False)
    check(ins.returncode == 0, "API inserts a ballot: " + ins.stderr)
    check(denied("UPDATE claims.ballots SET choice = 'against'"), "API cannot change a ballot")
    check(denied("DELETE FROM claims.ballots"), "API cannot delete a ballot")
    check(denied("UPDATE claims.ballots SET choice = 'against'", conn(ENG_USER)),
          "the engine cannot change a ballot either")
    ins = psql("INSERT INTO claims.review_decisions (case_id, submission_id, decision, amount,"
               " reviewer, decided_at) VALUES ('xm-2018', 'SB20180000001', 'confirm', '99.00',"
               " 'r1', '2018-07-20 09:00:00')", api, ok=False)
    check(ins.returncode == 0, "API inserts a review decision: " + ins.stderr)
    check(denied("UPDATE claims.review_decisions SET amount = '1'"), "API cannot change a decision")


def test_no_password():
    secret = "S3cr3tPw0rd"
    cases = [
        "host=%s port=5432 dbname=no_such_db user=%s password=%s" % (HOST, ADMIN, secret),
        "postgresql://%s:%s@/no_such_db?host=%s" % (ADMIN, secret, HOST),
        "host=%s password=%s bogus_option=1" % (HOST, secret),
        "host=/nonexistent/dir password='%s' dbname=x" % secret,
        "postgresql://u:%s@[bad" % secret,
    ]
    for c in cases:
        for sub in (["runs", "--case-id", "x"], ["init"]):
            p = claims(sub[0], "--db", c, *sub[1:])
            check(p.returncode != 0, "failing connection fails")
            check(secret not in p.stderr and secret not in p.stdout,
                  "no password in output: " + p.stderr)
            check(p.stderr.strip() != "", "an error is printed")
    p = claims("runs", "--db", cases[0], "--case-id", "x")
    check("cannot connect" in p.stderr and "no_such_db" in p.stderr, "reason given: " + p.stderr)


def main():
    teardown()
    setup()
    tmp = tempfile.mkdtemp(prefix="cl_store_")
    try:
        for t in (test_init, test_newer_schema, test_load, lambda: test_bad_files(tmp),
                  test_gb18030, test_privileges, test_no_password):
            t0 = time.time()
            t()
            print("%-20s %.1f s" % (getattr(t, "__name__", "test"), time.time() - t0))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        teardown()
    print("test_db: %d failures" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
