#!/usr/bin/env python3
"""test_run_db.py - `claims run --db` against the real throwaway cluster of
the CTest fixture (CL_TEST_PG), run as a login user of the engine role:

- equality: the golden sample and every hand-checked case (tests/cases/*),
  `db load` then `run --db --out DIR`, give byte-identical CSV files to the
  file run; the manifests differ only in the inputs' labels/digests, the
  case's path/digest and the run section; the published tables read back
  with COPY are the CSV files byte for byte;
- changes and reviews: a reviewer's decision inserted into review_decisions
  is applied by the next run exactly as the same row appended to
  overrides.csv; run_changes holds the rows of the file run's changes.csv;
  the summary names the counts; NOTIFY claims_run_published is delivered;
- tally --db over the current run's roster and the meeting's ballots gives
  the file tally's bytes and publishes them;
- retention prunes the oldest runs, never the current one; db runs marks it;
- atomicity: the engine is killed (SIGKILL, hidden --test-kill-at) after
  each step of a publish; the previous run stays current and whole (row
  counts and a digest of each of its tables), nothing of the killed run is
  left, and the next run succeeds.
"""
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

CLAIMS = os.environ["CL_CLAIMS"]
SRC = os.environ["CL_SOURCE_DIR"]
HOST = os.environ["CL_TEST_PG_HOST"]
MINI = os.path.join(SRC, "tests/data/xiaoming-mini")
CASES = os.path.join(SRC, "tests/cases")
TAG = "r%d" % os.getpid()
DB = "db_" + TAG
ADMIN, ENG, API, ENG_USER = "adm_" + TAG, "eng_" + TAG, "api_" + TAG, "engu_" + TAG
RUN_TABLES = ["run_claims", "run_creditors", "run_roster", "run_review_queue",
              "run_overrides_rejected", "run_rejected_rows", "run_changes"]
CSV_OF = {"run_claims": "claims", "run_creditors": "creditors", "run_roster": "roster",
          "run_review_queue": "review_queue", "run_overrides_rejected": "overrides_rejected",
          "run_rejected_rows": "rejected_rows"}
STEPS = ["runs", "claims", "creditors", "roster", "review_queue", "overrides_rejected",
         "rejected_rows", "changes", "pointer", "prune", "commit"]

failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what, file=sys.stderr)


def conn(user, db=DB):
    return "host=%s port=5432 dbname=%s user=%s" % (HOST, db, user)


def psql(sql, conninfo=None):
    p = subprocess.run(["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1",
                        "-d", conninfo or conn("cl_super"), "-c", sql],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("psql %r: %s" % (sql, p.stderr))
    return p.stdout


def q(sql):
    return psql(sql).strip()


def copy_out(sql):
    """COPY (sql) TO STDOUT as CSV with header, the bytes."""
    p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conn("cl_super"),
                        "-c", "COPY (%s) TO STDOUT WITH (FORMAT csv, HEADER)" % sql],
                       capture_output=True)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.decode())
    return p.stdout


def claims(*args):
    return subprocess.run([CLAIMS] + list(args), capture_output=True, text=True)


def eng():
    return conn(ENG_USER)


def setup():
    admin = conn("cl_super", "postgres")
    psql("CREATE ROLE %s LOGIN CREATEROLE" % ADMIN, admin)
    psql("CREATE DATABASE %s OWNER %s" % (DB, ADMIN), admin)
    p = claims("db", "init", "--db", conn(ADMIN), "--engine-role", ENG, "--api-role", API)
    if p.returncode != 0:
        raise RuntimeError("db init: " + p.stderr)
    psql("CREATE ROLE %s LOGIN IN ROLE %s" % (ENG_USER, ENG), conn(ADMIN))


def teardown():
    admin = conn("cl_super", "postgres")
    subprocess.run(["psql", "-X", "-q", "-d", admin, "-c", "DROP DATABASE IF EXISTS %s" % DB],
                   capture_output=True)
    for r in (ENG_USER, ENG, API, ADMIN):
        subprocess.run(["psql", "-X", "-q", "-d", admin, "-c", "DROP ROLE IF EXISTS %s" % r],
                       capture_output=True)


def copy_case(src, dst):
    os.makedirs(dst)
    for f in ("case.conf", "submissions.csv", "ledger.csv", "overrides.csv"):
        if os.path.exists(os.path.join(src, f)):
            shutil.copy(os.path.join(src, f), os.path.join(dst, f))


def file_run(d, out, overrides=None, extra=()):
    args = ["run", "--case", d + "/case.conf", "--submissions", d + "/submissions.csv",
            "--ledger", d + "/ledger.csv", "--out", out, "--threads", "2"] + list(extra)
    ov = overrides or (d + "/overrides.csv" if os.path.exists(d + "/overrides.csv") else None)
    if ov:
        args += ["--overrides", ov]
    return claims(*args)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def csv_files(d):
    out = []
    for root, _, files in os.walk(d):
        out += [os.path.relpath(os.path.join(root, f), d) for f in files if f.endswith(".csv")]
    return sorted(out)


def manifest_core(path):
    """The manifest without what a db run may change: the inputs' labels,
    digests, sizes and encodings (rows stay), the case's path and digest,
    the run section."""
    m = json.loads(read(path))
    m.pop("run", None)
    m["case"].pop("path", None)
    m["case"].pop("sha256", None)
    m["inputs"] = {k: v["rows"] for k, v in m["inputs"].items()}
    return m


def current_run(case_id):
    v = q("SELECT run_id FROM claims.current_run WHERE case_id = '%s'" % case_id)
    return int(v) if v else None


def published_equals_files(case_id, run_id, out, label):
    """Each run table, read back with COPY in ord order under the CSV's
    header, is the CSV file byte for byte."""
    for table, name in CSV_OF.items():
        want = read(os.path.join(out, name + ".csv"))
        header = want.split(b"\n", 1)[0].decode()
        cols = ", ".join('"%s"' % c for c in header.split(","))
        got = copy_out("SELECT %s FROM claims.%s WHERE run_id = %d ORDER BY ord"
                       % (cols, table, run_id))
        check(got == want, "%s: %s read back from the database differs from %s.csv"
              % (label, table, name))


def make_lines_case(tmp):
    """The golden sample with blank lines and notes spanning several lines
    (one with CRLF and quotes): rows must keep their file lines."""
    d = os.path.join(tmp, "lines-src")
    os.makedirs(d)
    for f in ("case.conf", "ledger.csv"):
        shutil.copy(os.path.join(MINI, f), d)
    with open(os.path.join(MINI, "submissions.csv"), encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    note = rows[0].index("note")
    rows[5][note] = "line one\nline two\n\nline four"
    rows[9][note] = 'a "quoted" note,\r\nwith a comma'
    with open(os.path.join(d, "submissions.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(rows[0])
        f.write("\n\n")
        for i, r in enumerate(rows[1:]):
            w.writerow(r)
            if i == 20:
                f.write("\n")
    return d


def test_equality(tmp):
    dirs = [("golden", MINI), ("lines", make_lines_case(tmp))] + [(n, os.path.join(CASES, n)) for n in sorted(os.listdir(CASES))
                                 if os.path.exists(os.path.join(CASES, n, "case.conf"))]
    check(len(dirs) > 20, "the hand-checked cases are found")
    lines_checked = False
    for name, src in dirs:
        case_id = name.replace("_", "-")
        d = os.path.join(tmp, "eq", name)
        copy_case(src, d)
        p = claims("db", "load", "--db", eng(), "--case-id", case_id, "--case-dir", d)
        check(p.returncode == 0, "%s: db load: %s" % (name, p.stderr))
        # workbooks for the golden sample only (they take most of a small run)
        extra = [] if name == "golden" else ["--no-xlsx"]
        p = claims("run", "--db", eng(), "--case-id", case_id, "--out", d + "/db-out",
                   "--threads", "2", *extra)
        check(p.returncode == 0, "%s: run --db: %s" % (name, p.stderr))
        check("the database: case %s, run" % case_id in p.stdout, "%s: summary names the run: %s"
              % (name, p.stdout))
        p = file_run(d, d + "/file-out", extra=extra)
        check(p.returncode == 0, "%s: file run: %s" % (name, p.stderr))
        files = csv_files(d + "/file-out")
        check("claims.csv" in files and "changes.csv" in files, name + ": outputs present")
        check(files == csv_files(d + "/db-out"), "%s: the same CSV files" % name)
        for f in files:
            check(read(os.path.join(d, "file-out", f)) == read(os.path.join(d, "db-out", f)),
                  "%s: %s differs between the file run and run --db --out" % (name, f))
        if name == "lines":   # the rows after the blank and multi-line ones
            with open(d + "/file-out/claims.csv", encoding="utf-8", newline="") as f:
                got = [r["line"] for r in csv.DictReader(f)][:11]
            lines_checked = got[:3] == ["4", "5", "6"] and "12" in got
            check(lines_checked, "lines: claims.csv lines %r" % got)
        check(manifest_core(d + "/file-out/manifest.json") ==
              manifest_core(d + "/db-out/manifest.json"), name + ": manifests differ")
        run_id = current_run(case_id)
        check(run_id is not None, name + ": a current run")
        if run_id is not None and (name in ("golden", "lines") or name.startswith(("amend", "over"))):
            published_equals_files(case_id, run_id, d + "/file-out", name)
            got = copy_out("SELECT submission_id, change, status_from, status_to, confirmed_from,"
                           " confirmed_to FROM claims.run_changes WHERE run_id = %d ORDER BY ord"
                           % run_id)
            want = read(d + "/file-out/changes.csv")
            check(got.split(b"\n", 1)[1] == want.split(b"\n", 1)[1],
                  name + ": run_changes differs from changes.csv")


def test_reviews_and_changes(tmp):
    """A decision recorded in review_decisions acts like a row appended to
    overrides.csv; run_changes equals the file run's changes.csv."""
    d = os.path.join(tmp, "rev")
    copy_case(MINI, d)
    case_id = "rev"
    check(claims("db", "load", "--db", eng(), "--case-id", case_id, "--case-dir", d)
          .returncode == 0, "rev: load")
    check(claims("run", "--db", eng(), "--case-id", case_id).returncode == 0, "rev: first run")
    first = current_run(case_id)
    check(file_run(d, d + "/out").returncode == 0, "rev: first file run")
    rows = [["SB20180000002", "CONFIRM", "403.00", "r1", "2019-01-01 10:00:00", "书面复核"],
            ["SB20180000001", "REJECT", "", "r2", "2019-01-02 09:00:00", ""],
            ["NO-SUCH-ID", "CONFIRM", "1.00", "r3", "2019-01-03 09:00:00", ""]]
    for r in rows:
        psql("INSERT INTO claims.review_decisions (case_id, submission_id, decision, amount,"
             " reviewer, decided_at, note) VALUES ('%s', %s)"
             % (case_id, ", ".join("'%s'" % v for v in r)))
    with open(d + "/overrides.csv", "rb") as f:
        ov = f.read()
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    with open(d + "/overrides2.csv", "wb") as f:
        f.write(ov + buf.getvalue().encode())
    # LISTEN in a session that stays open across the run
    lis = subprocess.Popen(["psql", "-X", "-q", "-d", eng()], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lis.stdin.write("LISTEN claims_run_published;\n")
    lis.stdin.flush()
    time.sleep(0.5)
    p = claims("run", "--db", eng(), "--case-id", case_id, "--out", d + "/db-out2")
    check(p.returncode == 0, "rev: second run: " + p.stderr)
    check("changes against the previous run:" in p.stdout and "(run_changes)" in p.stdout,
          "rev: the summary lists the changes: " + p.stdout)
    lis.stdin.write("SELECT 1;\n")
    lis.stdin.close()
    heard = lis.stdout.read()
    lis.wait()
    check('"claims_run_published" with payload "%s"' % case_id in heard,
          "rev: NOTIFY delivered at commit: " + heard)
    second = current_run(case_id)
    check(second and second != first, "rev: the second run is current")
    check(file_run(d, d + "/out", d + "/overrides2.csv").returncode == 0, "rev: second file run")
    for f in csv_files(d + "/out"):
        if f == "changes.csv":
            continue
        check(read(d + "/out/" + f) == read(d + "/db-out2/" + f),
              "rev: %s differs: review_decisions are not applied as overrides.csv rows" % f)
    got = copy_out("SELECT submission_id, change, status_from, status_to, confirmed_from,"
                   " confirmed_to FROM claims.run_changes WHERE run_id = %d ORDER BY ord" % second)
    want = read(d + "/out/changes.csv")
    check(got.split(b"\n", 1)[1] == want.split(b"\n", 1)[1] and want.count(b"\n") >= 3,
          "rev: run_changes %r differs from changes.csv %r" % (got, want))
    refused = q("SELECT count(*) FROM claims.run_overrides_rejected WHERE run_id = %d"
                " AND submission_id = 'NO-SUCH-ID'" % second)
    check(refused == "1", "rev: the decision on an unknown claim is refused")
    p = claims("db", "runs", "--db", eng(), "--case-id", case_id)
    check(p.returncode == 0 and ("* %d " % second) in p.stdout, "rev: db runs marks the current: "
          + p.stdout)


def snapshot(case_id):
    """The current run, and for it each table's row count and digest; the
    total rows of every run table (nothing of a killed run may remain)."""
    run_id = current_run(case_id)
    parts = ["SELECT count(*)::text FROM claims.runs",
             "SELECT md5(row(r.*)::text) FROM claims.runs r WHERE run_id = %d" % run_id]
    for t in RUN_TABLES:
        parts.append("SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, '|' ORDER BY"
                     " x.ord)), '') FROM claims.%s x WHERE run_id = %d" % (t, run_id))
        parts.append("SELECT count(*)::text FROM claims.%s" % t)
    return [str(run_id)] + q("SELECT concat_ws(' / ', %s)"
                             % ", ".join("(%s)" % x for x in parts)).split(" / ")


def test_kill(tmp):
    d = os.path.join(tmp, "kill")
    copy_case(MINI, d)
    case_id = "kill"
    check(claims("db", "load", "--db", eng(), "--case-id", case_id, "--case-dir", d)
          .returncode == 0, "kill: load")
    check(claims("run", "--db", eng(), "--case-id", case_id, "--quiet").returncode == 0,
          "kill: first run")
    # something to change, so that a published run would differ
    psql("INSERT INTO claims.review_decisions (case_id, submission_id, decision, amount, reviewer,"
         " decided_at) VALUES ('%s', 'SB20180000003', 'REJECT', '', 'k', '2019-02-01 10:00:00')"
         % case_id)
    for step in STEPS:
        before = snapshot(case_id)
        p = claims("run", "--db", eng(), "--case-id", case_id, "--quiet", "--test-kill-at", step)
        check(p.returncode == -signal.SIGKILL, "kill at %s: killed (rc %d %s)"
              % (step, p.returncode, p.stderr))
        time.sleep(0.2)   # the server notices the dropped connection and rolls back
        after = snapshot(case_id)
        check(before == after, "kill at %s: the previous run is not current and whole:\n%s\n%s"
              % (step, before, after))
    p = claims("run", "--db", eng(), "--case-id", case_id, "--quiet")
    check(p.returncode == 0, "kill: the next run succeeds: " + p.stderr)
    check(q("SELECT status FROM claims.run_claims WHERE run_id = %d AND submission_id ="
            " 'SB20180000003'" % current_run(case_id)) == "REJECTED",
          "kill: the rerun applies the decision")


def test_retention(tmp):
    case_id = "kill"
    for _ in range(3):
        check(claims("run", "--db", eng(), "--case-id", case_id, "--quiet", "--retain-runs", "2")
              .returncode == 0, "retention: run")
    n = q("SELECT count(*) FROM claims.runs WHERE case_id = '%s'" % case_id)
    check(n == "2", "retention: 2 runs kept, not " + n)
    cur = current_run(case_id)
    check(q("SELECT max(run_id) FROM claims.runs WHERE case_id = '%s'" % case_id) == str(cur),
          "retention: the newest is current")
    orphans = q("SELECT count(*) FROM claims.run_claims c WHERE NOT EXISTS (SELECT 1 FROM"
                " claims.runs r WHERE r.run_id = c.run_id)")
    check(orphans == "0", "retention: no rows of pruned runs left")


def test_tally(tmp):
    """tally --db over the current run's roster and the meeting's ballots
    (a loaded ballots file, then ballots cast on the platform) gives the
    file tally's bytes, and publishes them."""
    d = os.path.join(tmp, "eq", "golden")
    case_id = "golden"
    with open(d + "/file-out/roster.csv", newline="", encoding="utf-8") as f:
        roster = list(csv.DictReader(f))
    check(len(roster) > 10, "tally: a roster")
    with open(d + "/meeting.conf", "w", encoding="utf-8") as f:
        f.write("meeting_id = M1\nopens_at = 2019-03-01 09:00\ncloses_at = 2019-03-10 18:00\n"
                "resolution.R1 = general\nresolution.R2 = 重整\n")
    rows, n = [], 0
    for i, c in enumerate(roster[:12]):
        g = c["groups"].split(";")[0]
        rows.append(["b%03d" % i, "M1", "R1", c["creditor_id"], "", ["同意", "反对", "弃权"][i % 3],
                     "2019-03-0%d 10:00" % (2 + i % 5), "online"])
        rows.append(["c%03d" % i, "M1", "R2", c["creditor_id"], g, ["for", "against"][i % 2],
                     "2019-03-05 10:00", "online"])
    rows.append(["x001", "M1", "R1", "not-a-creditor", "", "同意", "2019-03-05 10:00", "online"])
    rows.append(["x002", "M1", "R1", roster[0]["creditor_id"], "", "同意", "2019-04-05 10:00", "online"])
    header = ["ballot_id", "meeting_id", "resolution_id", "creditor_id", "group", "choice",
              "cast_at", "channel"]
    cut = len(rows) // 2

    def write(path, part):
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(part)
    write(d + "/ballots.csv", rows[:cut])
    write(d + "/ballots_all.csv", rows)
    p = claims("db", "load", "--db", eng(), "--case-id", case_id, "--ballots", d + "/ballots.csv")
    check(p.returncode == 0, "tally: load ballots: " + p.stderr)
    for r in rows[cut:]:   # cast on the platform: the API role may insert ballots
        psql("INSERT INTO claims.ballots (case_id, ballot_id, meeting_id, resolution_id,"
             " creditor_id, \"group\", choice, cast_at, channel) VALUES ('%s', %s)"
             % (case_id, ", ".join("'%s'" % v for v in r)))
    p = claims("tally", "--roster", d + "/file-out/roster.csv", "--meeting", d + "/meeting.conf",
               "--ballots", d + "/ballots_all.csv", "--out", d + "/tally-file")
    check(p.returncode == 0, "tally: file tally: " + p.stderr)
    p = claims("tally", "--db", eng(), "--case-id", case_id, "--meeting", d + "/meeting.conf",
               "--meeting-id", "M1", "--out", d + "/tally-db")
    check(p.returncode == 0 and "published: case golden, meeting M1" in p.stdout,
          "tally --db: %s %s" % (p.stdout, p.stderr))
    for f in ("tally.csv", "ballots_rejected.csv"):
        check(read(d + "/tally-file/" + f) == read(d + "/tally-db/" + f),
              "tally: %s differs between the file tally and tally --db" % f)
    tid = q("SELECT tally_id FROM claims.current_tally WHERE case_id = 'golden' AND"
            " meeting_id = 'M1'")
    check(tid != "", "tally: the meeting's current tally")
    for table, f in (("tally_results", "tally.csv"), ("tally_ballots_rejected",
                                                       "ballots_rejected.csv")):
        want = read(d + "/tally-file/" + f)
        cols = ", ".join('"%s"' % c for c in want.split(b"\n", 1)[0].decode().split(","))
        got = copy_out("SELECT %s FROM claims.%s WHERE tally_id = %s ORDER BY ord"
                       % (cols, table, tid or "0"))
        check(got == want, "tally: claims.%s read back differs from %s" % (table, f))
    check(int(q("SELECT count(*) FROM claims.tally_ballots_rejected WHERE tally_id = %s"
                % (tid or "0"))) >= 2, "tally: rejected ballots published")
    p = claims("tally", "--db", eng(), "--case-id", case_id, "--meeting", d + "/meeting.conf",
               "--meeting-id", "M9")
    check(p.returncode == 1 and "M9" in p.stderr, "tally: a wrong --meeting-id: " + p.stderr)


def test_errors(tmp):
    p = claims("run", "--db", eng(), "--case-id", "nope")
    check(p.returncode == 1 and "no case 'nope'" in p.stderr, "unknown case: %d %s"
          % (p.returncode, p.stderr))
    p = claims("run", "--db", eng())
    check(p.returncode == 2 and "several cases" in p.stderr, "no --case-id with several cases: "
          + p.stderr)
    p = claims("run", "--db", eng(), "--case-id", "kill", "--key", "/nonexistent/case.key")
    check(p.returncode != 0 and "/nonexistent/case.key" in p.stderr, "a missing key file: "
          + p.stderr)
    p = claims("run", "--db", "x", "--help")
    check(p.returncode == 0 and "--key FILE" in p.stdout and "test-kill" not in p.stdout,
          "run --db --help")


def main():
    tmp = tempfile.mkdtemp(prefix="claims-run-db-")
    try:
        setup()
        for t in (test_equality, test_reviews_and_changes, test_tally, test_kill,
                  test_retention, test_errors):
            t0 = time.time()
            t(tmp)
            print("%-26s %.1f s" % (t.__name__, time.time() - t0))
    finally:
        teardown()
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("%d failure(s)" % failures, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
