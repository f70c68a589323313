#!/usr/bin/env python3
"""test_api.py - `claims serve` and `claims token` for real: a database of the
throwaway cluster (tests/store's fixture), `claims db init` and `db load`, the
server started on an ephemeral port as the API role and called over HTTP.
Checks: health; one error shape; an authorization matrix kept as data (route x
role -> status); tokens (only a hash stored, expired and revoked refused, list
never shows a token, the platform mints creditor tokens); strict JSON bodies;
limits (body size, URL size, idle timeout); the access log (JSON lines, never
a token or a URL); the service refuses the owner and a superuser; SIGTERM
drains a request in flight and exits 0; the route table equals
docs/openapi.yaml; SQL in api/ only as prepared statements."""
import csv
import hashlib
import io
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

CLAIMS = os.environ["CL_CLAIMS"]
SRC = os.environ["CL_SOURCE_DIR"]
HOST = os.environ["CL_TEST_PG_HOST"]
MINI = os.path.join(SRC, "tests/data/xiaoming-mini")
TAG = "a%d" % os.getpid()
DB = "db_" + TAG
ADMIN, ENG, API, API_USER = "adm_" + TAG, "eng_" + TAG, "api_" + TAG, "apiu_" + TAG
CASE = "xm-api"
CRED = "767efde3e4d2a956"          # a creditor of xiaoming-mini with two claims
OTHER = "568a0fd9fc602dbb"         # another one
ROLES = ["creditor", "reviewer", "judge", "administrator", "platform"]

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
    return p.stdout.strip()


def claims(*args):
    return subprocess.run([CLAIMS] + list(args), capture_output=True, text=True)


def setup():
    psql("CREATE ROLE %s LOGIN CREATEROLE" % ADMIN, conn("cl_super", "postgres"))
    psql("CREATE DATABASE %s OWNER %s" % (DB, ADMIN), conn("cl_super", "postgres"))
    p = claims("db", "init", "--db", conn(ADMIN), "--engine-role", ENG, "--api-role", API)
    assert p.returncode == 0, p.stderr
    psql("CREATE ROLE %s LOGIN IN ROLE %s" % (API_USER, API), conn("cl_super", "postgres"))
    p = claims("db", "load", "--db", conn(ADMIN), "--case-id", CASE, "--case-dir", MINI)
    assert p.returncode == 0, p.stderr
    publish('{"CONFIRMED": 3}', notify=False)


EXP = os.path.join(MINI, "expected")
OUT_TABLES = [("claims.csv", "run_claims"), ("creditors.csv", "run_creditors"),
              ("roster.csv", "run_roster"), ("review_queue.csv", "run_review_queue")]
XLSX = b"PK\x03\x04 a workbook's bytes \x00\xff"


def copy_csv(run, path, table):
    """The run's CSV output into its run table, as the publish step does."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for i, r in enumerate(rows[1:]):
        w.writerow([run, i] + [v if v != "" else None for v in r])
    data = buf.getvalue()
    cols = ", ".join('"%s"' % c for c in rows[0])
    p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conn("cl_super"), "-c",
                        "COPY claims.%s (run_id, ord, %s) FROM STDIN (FORMAT csv)" % (table, cols)],
                       input=data, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr


def publish(counts, notify=True, change=None):
    """A published run (run row, output tables, current pointer) in one
    transaction, then NOTIFY as the publish step does; returns its id."""
    run = psql("INSERT INTO claims.runs (case_id, started_at, finished_at, engine_version, counts,"
               " rules_sha256, report_xlsx) VALUES ('%s', now(), now(), '0.1.0', '%s', '%s',"
               " '\\x%s') RETURNING run_id" % (CASE, counts, "ab" * 32, XLSX.hex()))
    run = run.splitlines()[0]
    for f, t in OUT_TABLES:
        copy_csv(run, os.path.join(EXP, f), t)
    psql("UPDATE claims.run_claims SET reasons_zh = '身份证号码校验位不符（第18位）'"
         " WHERE run_id = %s AND status = 'NEEDS_CORRECTION'" % run)
    if change:
        psql(change % {"run": run})
    psql("INSERT INTO claims.current_run (case_id, run_id) VALUES ('%s', %s) ON CONFLICT (case_id)"
         " DO UPDATE SET run_id = excluded.run_id" % (CASE, run))
    if notify:
        psql("NOTIFY claims_run_published, '%s'" % CASE)
    return int(run)


def teardown():
    psql("DROP DATABASE IF EXISTS %s" % DB, conn("cl_super", "postgres"), ok=False)
    for r in (API_USER, ENG, API, ADMIN):
        psql("DROP ROLE IF EXISTS %s" % r, conn("cl_super", "postgres"), ok=False)


class Server:
    def __init__(self, *extra, user=API_USER, case=CASE):
        self.p = subprocess.Popen([CLAIMS, "serve", "--db", conn(user), "--case-id", case,
                                   "--listen", "127.0.0.1:0", "--threads", "2"] + list(extra),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.p.stdout.readline()
        self.port = int(line) if line.strip().isdigit() else None

    def call(self, method, path, token=None, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        if body is not None and not isinstance(body, bytes):
            body = body.encode()
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        try:
            doc = json.loads(data)
        except ValueError:
            doc = None
        return r.status, doc, data

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        out, err = self.p.communicate(timeout=30)
        return self.p.returncode, out, err


def token(role, *extra):
    p = claims("token", "create", "--db", conn(ADMIN), "--case-id", CASE, "--role", role, *extra)
    check(p.returncode == 0, "token create %s: %s" % (role, p.stderr))
    return p.stdout.strip().splitlines()[-1] if p.returncode == 0 else None, p


def is_error(doc, code=None):
    return (isinstance(doc, dict) and list(doc) == ["error"] and
            set(doc["error"]) == {"code", "message"} and doc["error"]["message"] and
            (code is None or doc["error"]["code"] == code))


def test_tokens_cli(toks):
    for role in ROLES:
        extra = ["--creditor-id", CRED, "--submission", "SB20180000014"] if role == "creditor" else []
        t, p = token(role, *extra)
        toks[role] = t
        check(t and re.fullmatch(r"[A-Za-z0-9_-]{43}", t), "token is 43 base64url chars: %r" % t)
    stored = psql("SELECT string_agg(encode(sha256, 'hex'), ',') FROM claims.api_tokens", conn(ADMIN))
    for role, t in toks.items():
        check(hashlib.sha256(t.encode()).hexdigest() in stored, "only the SHA-256 of %s stored" % role)
        check(t not in stored, "the token itself is not stored")
    dump = psql("SELECT string_agg(t::text, ' ') FROM claims.api_tokens t", conn(ADMIN))
    check(not any(t in dump for t in toks.values()), "no token anywhere in the table")
    p = claims("token", "create", "--db", conn(ADMIN), "--case-id", CASE, "--role", "creditor")
    check(p.returncode == 2, "a creditor token needs an identity: rc %d" % p.returncode)
    p = claims("token", "create", "--db", conn(ADMIN), "--case-id", "nope", "--role", "judge")
    check(p.returncode == 1 and "unknown case 'nope'" in p.stderr, "unknown case: " + p.stderr)
    p = claims("token", "create", "--db", conn(ADMIN), "--case-id", CASE, "--role", "root")
    check(p.returncode == 2, "unknown role is usage")
    p = claims("token", "create", "--db", conn(ADMIN), "--case-id", CASE, "--role", "judge",
               "--expires", "not a time")
    check(p.returncode == 1, "a bad --expires is bad input: %d %s" % (p.returncode, p.stderr))
    toks["expired"], _ = token("judge", "--expires", "2000-01-01T00:00:00Z")
    toks["revoked"], p = token("reviewer", "--label", "Reviewer Wang")
    rid = re.search(r"token_id (\d+)", p.stdout).group(1)
    p = claims("token", "revoke", "--db", conn(ADMIN), "--case-id", CASE, "--token-id", rid)
    check(p.returncode == 0, "revoke: " + p.stderr)
    p = claims("token", "revoke", "--db", conn(ADMIN), "--case-id", CASE, "--token-id", "999999")
    check(p.returncode == 1 and "no token 999999" in p.stderr, "revoke unknown: " + p.stderr)
    p = claims("token", "list", "--db", conn(ADMIN), "--case-id", CASE)
    check(p.returncode == 0 and "revoked" in p.stdout and "expired" in p.stdout and
          "Reviewer Wang" in p.stdout and CRED in p.stdout, "list: " + p.stdout + p.stderr)
    check(not any(t in p.stdout for t in toks.values()), "list shows no token")
    check(not any(hashlib.sha256(t.encode()).hexdigest() in p.stdout for t in toks.values()),
          "list shows no hash")


# The authorization matrix: (method, path, body, who) -> status. "who" is a
# role, "none" (no token), "bogus" (well-formed, unknown), "expired", "revoked".
MINT = '{"creditor_id":"C0002","submissions":["S9"],"ttl_seconds":3600}'
MATRIX = [("GET", p, None, who, 200) for p in ("/v1/health", "/metrics")
          for who in ROLES + ["none", "bogus", "expired", "revoked"]]
MATRIX += [("GET", "/v1/runs/current", None, r, 200) for r in ROLES]
MATRIX += [("GET", "/v1/runs/current", None, w, 401) for w in ("none", "bogus", "expired", "revoked")]
MATRIX += [("POST", "/v1/tokens", MINT, "platform", 201)]
MATRIX += [("POST", "/v1/tokens", MINT, r, 403) for r in ROLES if r != "platform"]
MATRIX += [("POST", "/v1/tokens", MINT, w, 401) for w in ("none", "bogus", "expired", "revoked")]
REVIEW = '{"submission_id":"SB20180000037","decision":"temporary","amount":"10"}'
MATRIX += [("POST", "/v1/reviews", REVIEW, r, 201 if r in ("reviewer", "administrator") else 403)
           for r in ROLES]
MATRIX += [("POST", "/v1/reviews", REVIEW, w, 401) for w in ("none", "bogus", "expired", "revoked")]

# route -> the roles it is open to; every other role gets 403, no token 401
OPEN = {"/v1/me/claims": {"creditor"}, "/v1/review-queue": {"reviewer", "administrator"},
        "/v1/creditors": {"judge", "administrator"},
        "/v1/creditors/" + CRED: {"judge", "administrator", "reviewer"},
        "/v1/roster": {"judge", "administrator"},
        "/v1/reports/report.xlsx": {"judge", "administrator"}}
for path, roles in OPEN.items():
    MATRIX += [("GET", path, None, r, 200 if r in roles else 403) for r in ROLES]
    MATRIX += [("GET", path, None, w, 401) for w in ("none", "bogus", "expired", "revoked")]


def test_matrix(s, toks):
    toks = dict(toks, bogus="A" * 43)
    for method, path, body, who, want in MATRIX:
        st, doc, _ = s.call(method, path, toks.get(who), body)
        check(st == want, "%s %s as %s: %d, expected %d" % (method, path, who, st, want))
        if want >= 400:
            check(is_error(doc), "%s %s as %s: the error shape: %r" % (method, path, who, doc))
    # the 401s are one answer, whatever was wrong with the token
    bodies = {s.call("GET", "/v1/runs/current", toks.get(w))[2]
              for w in ("none", "bogus", "expired", "revoked")}
    check(len(bodies) == 1, "one 401 body for absent, unknown, expired, revoked: %r" % bodies)


def test_routes(s, toks):
    st, doc, _ = s.call("GET", "/v1/health")
    check(st == 200 and doc["database"] == "reachable" and doc["status"] == "up", "health: %r" % doc)
    run = int(psql("SELECT run_id FROM claims.current_run WHERE case_id = '%s'" % CASE))
    check(doc["current_run_id"] == run, "health names the current run: %r" % doc)
    st, doc, _ = s.call("GET", "/v1/runs/current", toks["judge"])
    check(st == 200 and doc["run_id"] == run and doc["counts"] == {"CONFIRMED": 3} and
          doc["digests"]["rules_sha256"] == "ab" * 32 and doc["published_at"].endswith("Z"),
          "runs/current: %r" % doc)
    st, doc, _ = s.call("GET", "/v1/nothing")
    check(st == 404 and is_error(doc, "not_found"), "unknown route: %r" % doc)
    st, doc, _ = s.call("DELETE", "/v1/health")
    check(st == 405 and is_error(doc, "method_not_allowed"), "wrong method: %r" % doc)
    # the platform's minted token works, for this case, as a creditor
    st, doc, _ = s.call("POST", "/v1/tokens", toks["platform"], MINT)
    check(st == 201 and re.fullmatch(r"[A-Za-z0-9_-]{43}", doc["token"]) and doc["expires_at"],
          "mint: %r" % doc)
    minted = doc["token"]
    st, _, _ = s.call("GET", "/v1/runs/current", minted)
    check(st == 200, "a minted token opens the creditor's routes")
    st, _, _ = s.call("POST", "/v1/tokens", minted, MINT)
    check(st == 403, "a creditor cannot mint")
    row = psql("SELECT role || ' ' || creditor_id || ' ' || array_to_string(submissions, ',') ||"
               " ' ' || (expires_at > now() + interval '3500 seconds') FROM claims.api_tokens"
               " WHERE sha256 = sha256('%s'::bytea)" % minted, conn(ADMIN))
    check(row == "creditor C0002 S9 true", "minted token stored as a creditor's hash: " + row)
    return minted


def expected(name):
    with open(os.path.join(EXP, name), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def audits():
    return int(psql("SELECT count(*) FROM claims.api_access_audit", conn(ADMIN)))


def test_run_routes(s, toks, run):
    claims_csv = expected("claims.csv")
    # a creditor: own identity's claims AND the submission ids of the token
    st, doc, _ = s.call("GET", "/v1/me/claims", toks["creditor"])
    want = [r["submission_id"] for r in claims_csv
            if r["creditor_id"] == CRED or r["submission_id"] == "SB20180000014"]
    got = [c["submission_id"] for c in doc["claims"]] if st == 200 else None
    check(got == want and doc["run_id"] == run, "me/claims: %r, expected %r" % (got, want))
    byid = {c["submission_id"]: c for c in doc["claims"]}
    row = {r["submission_id"]: r for r in claims_csv}
    for sid, c in byid.items():
        check(c["status"] == row[sid]["status"] and c["confirmed_total"] == row[sid]["confirmed_total"]
              and c["declared_total"] == row[sid]["declared_total"],
              "me/claims amounts are the run's, exact: %r" % c)
    nc = byid.get("SB20180000014", {})
    check(nc.get("status") == "NEEDS_CORRECTION" and nc.get("codes") == ["ID_INVALID"] and
          nc.get("reasons") == "身份证号码校验位不符（第18位）", "需补正 with codes and reasons: %r" % nc)
    check(not any(r["creditor_id"] == OTHER for r in doc["claims"] if "creditor_id" in r) and
          "id_number" not in json.dumps(doc), "no other creditor's rows, no identity numbers")
    # a creditor with no claim in the run: the same shape as any other
    t, _ = token("creditor", "--creditor-id", "ffffffffffffffff")
    st, doc, _ = s.call("GET", "/v1/me/claims", t)
    check(st == 200 and doc["claims"] == [], "an identity without claims: %r" % doc)
    # the review queue: paged, filtered by code
    queue = expected("review_queue.csv")
    st, doc, _ = s.call("GET", "/v1/review-queue?limit=1000", toks["reviewer"])
    check(st == 200 and doc["total"] == len(queue) and
          [i["submission_id"] for i in doc["items"]] == [q["submission_id"] for q in queue],
          "review queue: %r" % (doc and doc.get("total")))
    inv = [q["submission_id"] for q in queue if "NO_BOOK_RECORD" in q["codes"].split(";")]
    st, doc, _ = s.call("GET", "/v1/review-queue?code=NO_BOOK_RECORD&limit=2&offset=1",
                        toks["reviewer"])
    check(st == 200 and doc["total"] == len(inv) and
          [i["submission_id"] for i in doc["items"]] == inv[1:3], "queue filter + page: %r" % doc)
    for bad in ("limit=0", "limit=1001", "offset=-1", "limit=ten", "page=2"):
        st, doc, _ = s.call("GET", "/v1/review-queue?" + bad, toks["reviewer"])
        check(st == 400 and is_error(doc, "bad_request"), "queue ?%s: %d %r" % (bad, st, doc))
    # judge: creditors in full, audited
    creds = expected("creditors.csv")
    a0 = audits()
    st, doc, _ = s.call("GET", "/v1/creditors?limit=1000", toks["judge"])
    check(st == 200 and doc["total"] == len(creds) and
          doc["items"][0]["id_number"] == creds[0]["id_number"], "creditors in full for a judge")
    st, doc, _ = s.call("GET", "/v1/creditors?kind=nonsense", toks["judge"])
    check(st == 200 and doc["total"] == 0, "creditors filtered by kind")
    cr = next(c for c in creds if c["creditor_id"] == CRED)
    st, doc, _ = s.call("GET", "/v1/creditors/" + CRED, toks["judge"])
    check(st == 200 and doc["id_number"] == cr["id_number"] and doc["name"] == cr["name"] and
          len(doc["claims"]) == 2, "one creditor in full with claims: %r" % doc)
    st, doc, _ = s.call("GET", "/v1/creditors/" + CRED, toks["reviewer"])
    check(st == 200 and doc["id_number"] != cr["id_number"] and
          doc["id_number"].endswith(cr["id_number"][-4:]) and "*" in doc["id_number"] and
          doc["name"] != cr["name"], "a reviewer sees a masked identity: %r" % doc)
    check(audits() == a0 + 4, "each read of personal data audited: %d" % (audits() - a0))
    who = psql("SELECT role || ' ' || route || ' ' || coalesce(creditor_id, '-') FROM"
               " claims.api_access_audit ORDER BY seq DESC LIMIT 1", conn(ADMIN))
    check(who == "reviewer /v1/creditors/{creditor_id} " + CRED, "audit names who and whom: " + who)
    st, doc, _ = s.call("GET", "/v1/creditors/0000000000000000", toks["judge"])
    check(st == 404 and is_error(doc, "not_found"), "unknown creditor: %r" % doc)
    check(audits() == a0 + 4, "a miss is not a read of personal data")
    # the roster, sorted and filtered
    roster = expected("roster.csv")
    st, doc, _ = s.call("GET", "/v1/roster?sort=voting_amount&limit=1000", toks["judge"])
    amounts = [float(i["voting_amount"]) for i in doc["items"]] if st == 200 else []
    check(len(amounts) == len(roster) and amounts == sorted(amounts, reverse=True),
          "roster sorted by voting amount")
    st, doc, _ = s.call("GET", "/v1/roster?group=tax", toks["judge"])
    check(st == 200 and doc["total"] == sum("tax" in r["groups"] for r in roster) and
          all("tax" in i["groups"] for i in doc["items"]), "roster filtered by group: %r" % doc)
    st, doc, _ = s.call("GET", "/v1/roster?group=ordin", toks["judge"])
    check(st == 200 and doc["total"] == 0, "a group is matched whole: %r" % (doc and doc["total"]))
    st, doc, _ = s.call("GET", "/v1/roster?sort=name", toks["judge"])
    check(st == 400, "an unknown sort is refused")
    st, _, data = s.call("GET", "/v1/reports/report.xlsx", toks["judge"])
    check(st == 200 and data == XLSX, "the run's workbook, byte for byte")


def test_reviews(s, toks):
    t, _ = token("reviewer", "--label", "审核员李")
    n0 = int(psql("SELECT count(*) FROM claims.review_decisions", conn(ADMIN)))
    ok = '{"submission_id":"SB20180000014","decision":"confirm","amount":"99.00","note":"补正后确认"}'
    st, doc, _ = s.call("POST", "/v1/reviews", t, ok)
    check(st == 201 and doc["reviewer"] == "审核员李" and
          re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["decided_at"]),
          "a decision stored, stamped by the server: %r" % doc)
    row = psql("SELECT submission_id || '|' || decision || '|' || amount || '|' || reviewer ||"
               " '|' || decided_at || '|' || note FROM claims.review_decisions ORDER BY seq DESC"
               " LIMIT 1", conn(ADMIN))
    check(doc and row == "SB20180000014|confirm|99.00|审核员李|%s|补正后确认" % doc["decided_at"],
          "the row the next run reads: " + row)
    st, doc, _ = s.call("POST", "/v1/reviews", toks["administrator"],
                        '{"submission_id":"SB20180000022","decision":"不予确认"}')
    check(st == 201 and doc["amount"] == "0" and doc["reviewer"].startswith("token-"),
          "reject needs no amount; a token without a label is named by id: %r" % doc)
    bad = [('{"submission_id":"SB20180000014","decision":"confirm","amount":"1","reviewer":"x"}',
            400, "unknown field 'reviewer'"),
           ('{"submission_id":"SB20180000014","decision":"confirm","amount":"1",'
            '"decided_at":"2018-01-01"}', 400, "unknown field 'decided_at'"),
           ('{"submission_id":"SB20180000014","decision":"approve","amount":"1"}', 422,
            "decision 'approve'"),
           ('{"submission_id":"SB20180000014","decision":"confirm"}', 422, "amount"),
           ('{"submission_id":"SB20180000014","decision":"confirm","amount":"-5"}', 422,
            "not an amount"),
           ('{"submission_id":"SB20180000014","decision":"confirm","amount":"1.234"}', 422,
            "not an amount"),
           ('{"submission_id":"SB20189999999","decision":"confirm","amount":"1"}', 422,
            "no submission 'SB20189999999'"),
           ('{"submission_id":"SB20180000014","decision":"confirm","amount":99}', 400,
            "field 'amount' must be a string")]
    for body, want, words in bad:
        st, doc, _ = s.call("POST", "/v1/reviews", t, body)
        check(st == want and is_error(doc) and words in doc["error"]["message"],
              "review %s: %d %r" % (body, st, doc))
    n1 = int(psql("SELECT count(*) FROM claims.review_decisions", conn(ADMIN)))
    check(n1 == n0 + 2, "only the accepted decisions stored: %d" % (n1 - n0))


def test_metrics(s):
    st, _, data = s.call("GET", "/metrics")
    text = data.decode()
    check(st == 200, "metrics open without a token")

    def value(pattern):
        m = re.search(pattern, text, re.M)
        return float(m.group(1)) if m else None

    ok = value(r'^claims_http_requests_total\{method="POST",route="/v1/reviews",status="201"\} (\d+)')
    check(ok is not None and ok >= 3, "reviews counted by route and status: %r" % ok)
    unp = value(r'^claims_http_requests_total\{method="POST",route="/v1/reviews",status="422"\} (\d+)')
    check(unp == 5, "422s counted: %r" % unp)
    cnt = value(r'^claims_http_request_duration_seconds_count\{route="/v1/me/claims"\} (\d+)')
    inf = value(r'^claims_http_request_duration_seconds_bucket\{route="/v1/me/claims",le="\+Inf"\} (\d+)')
    check(cnt and cnt == inf, "a latency histogram per route: %r %r" % (cnt, inf))
    check(value(r"^claims_current_run_id (\d+)") is not None, "the served run")
    check("SB2018" not in text and "767efde3" not in text, "no ids in metrics")


def test_switch(s, toks, run):
    """A publish (NOTIFY) switches the served run without a restart; a
    publish without NOTIFY is seen by the poll."""
    change = ("UPDATE claims.run_claims SET status = 'CONFIRMED', codes = NULL"
              " WHERE run_id = %(run)s AND submission_id = 'SB20180000014'")
    run2 = publish('{"CONFIRMED": 4}', notify=True, change=change)
    t0 = time.time()
    doc = None
    while time.time() - t0 < 2.5:
        st, doc, _ = s.call("GET", "/v1/me/claims", toks["creditor"])
        if doc["run_id"] == run2:
            break
        check(doc["run_id"] == run, "old or new run, nothing else")
        time.sleep(0.05)
    check(doc["run_id"] == run2, "NOTIFY claims_run_published switches the run")
    nc = next(c for c in doc["claims"] if c["submission_id"] == "SB20180000014")
    check(nc["status"] == "CONFIRMED" and "reasons" not in nc, "the new run's status: %r" % nc)
    run3 = publish('{"CONFIRMED": 5}', notify=False)
    t0 = time.time()
    while time.time() - t0 < 8:
        st, doc, _ = s.call("GET", "/v1/review-queue", toks["reviewer"])
        if doc["run_id"] == run3:
            break
        time.sleep(0.2)
    check(doc["run_id"] == run3, "a publish without NOTIFY is picked up by the poll")


BAD_BODIES = [
    ("{", "malformed JSON at line"),
    ("", "malformed JSON"),
    ("[]", "must be a JSON object"),
    ('{"creditor_id":"C1","creditor_id":"C2"}', "duplicate"),
    ('{"creditor_id":"C1","role":"judge"}', "unknown field 'role'"),
    ('{"creditor_id":7}', "field 'creditor_id' must be a string"),
    ('{"creditor_id":"C1","ttl_seconds":"60"}', "field 'ttl_seconds' must be an integer"),
    ('{"creditor_id":"C1","ttl_seconds":1e3}', "field 'ttl_seconds' must be an integer"),
    ('{"creditor_id":"C1","ttl_seconds":99999999999999999999999}', "too big"),
    ('{"creditor_id":"C1","ttl_seconds":59}', "between 60 and"),
    ('{"creditor_id":"%s"}' % ("x" * 65), "longer than 64"),
    ('{"submissions":[1]}', "item 1 must be a string"),
    ('{"submissions":[]}', "needs 'creditor_id' or 'submissions'"),
    ('{"creditor_id":"a b"}', "may not hold spaces"),
    ('{"creditor_id":"C1\\u0000"}', "malformed JSON"),
    ('\xff\xfe', "malformed JSON"),
]


def test_bodies(s, toks):
    n0 = psql("SELECT count(*) FROM claims.api_tokens", conn(ADMIN))
    for body, words in BAD_BODIES:
        st, doc, raw = s.call("POST", "/v1/tokens", toks["platform"], body.encode("latin-1"))
        check(st == 400 and is_error(doc, "bad_request") and words in doc["error"]["message"],
              "body %r: %d %r" % (body, st, raw[:200]))
    check(psql("SELECT count(*) FROM claims.api_tokens", conn(ADMIN)) == n0, "no token minted")


def raw_request(port, data, read=True, timeout=10):
    sk = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sk.sendall(data)
    out = b""
    if read:
        while True:
            try:
                b = sk.recv(65536)
            except socket.timeout:
                break
            if not b:
                break
            out += b
    sk.close()
    return out


def test_limits(s, toks):
    big = b'{"label":"' + b"x" * 70000 + b'"}'
    st, doc, _ = s.call("POST", "/v1/tokens", toks["platform"], big)
    check(st == 413 and is_error(doc, "payload_too_large"), "big body: %d %r" % (st, doc))
    # the same without a Content-Length: chunked, counted as it arrives
    head = ("POST /v1/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" % toks["platform"]).encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(big[i:i + 8192]), big[i:i + 8192])
                      for i in range(0, len(big), 8192)) + b"0\r\n\r\n"
    out = raw_request(s.port, head + chunks)
    check(out.startswith(b"HTTP/1.1 413"), "chunked big body: %r" % out[:80])
    st, _, _ = s.call("GET", "/v1/health?" + "a" * 40000)
    check(st in (414, 431, 400), "a huge URL is refused: %d" % st)
    st, _, _ = s.call("GET", "/v1/health", headers={"X-Big": "b" * 40000})
    check(st in (431, 400, 413), "huge headers are refused: %d" % st)
    # an idle connection is closed after --timeout (2 s here)
    sk = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    t0 = time.time()
    got = sk.recv(100)
    check(got == b"" and time.time() - t0 < 8, "an idle connection is closed: %r after %.1f s"
          % (got, time.time() - t0))
    sk.close()
    st, _, _ = s.call("GET", "/v1/health")
    check(st == 200, "still serving after the limits")


def test_log(err, toks, minted):
    lines = [l for l in err.splitlines() if l.strip()]
    docs = []
    for l in lines:
        try:
            docs.append(json.loads(l))
        except ValueError:
            check(False, "access log line is not JSON: %r" % l)
    check(len(docs) > 100, "one log line per request: %d" % len(docs))
    for d in docs:
        check(set(d) == {"ts", "request_id", "method", "route", "status", "latency_ms"},
              "log fields: %r" % d)
    check(any(d["route"] == "/v1/tokens" and d["status"] == 201 for d in docs), "route template")
    check(len({d["request_id"] for d in docs}) == len(docs), "request ids are unique")
    for t in list(toks.values()) + [minted]:
        check(t not in err, "no token in the log")
    check("C0002" not in err and CRED not in err and "nothing" not in err and "aaaa" not in err,
          "no body, identity or URL in the log")


def test_refusals():
    for user, words in ((ADMIN, "API role"), ("cl_super", "API role")):
        p = subprocess.run([CLAIMS, "serve", "--db", conn(user), "--case-id", CASE,
                            "--listen", "127.0.0.1:0"], capture_output=True, text=True, timeout=30)
        check(p.returncode == 1 and words in p.stderr and p.stdout == "",
              "serve as %s refused: %d %s" % (user, p.returncode, p.stderr))
    p = subprocess.run([CLAIMS, "serve", "--db", conn(API_USER), "--case-id", "nope",
                        "--listen", "127.0.0.1:0"], capture_output=True, text=True, timeout=30)
    check(p.returncode == 1 and "unknown case 'nope'" in p.stderr, "unknown case: " + p.stderr)
    p = claims("serve", "--case-id", CASE)
    check(p.returncode == 2, "serve without --listen is usage")
    p = claims("serve", "--listen", "127.0.0.1:99999", "--case-id", CASE)
    check(p.returncode == 2, "a bad port is usage")


def test_drain(toks):
    s = Server()
    body = MINT.encode()
    head = ("POST /v1/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
            % (toks["platform"], len(body))).encode()
    sk = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    sk.sendall(head + body[:10])
    time.sleep(0.5)
    s.p.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    check(s.p.poll() is None, "the server waits for the request in flight")
    try:
        socket.create_connection(("127.0.0.1", s.port), timeout=2).close()
        refused = False
    except OSError:
        refused = True
    check(refused, "no new connection is accepted while draining")
    sk.sendall(body[10:])
    out = b""
    while True:
        b = sk.recv(65536)
        if not b:
            break
        out += b
    sk.close()
    check(out.startswith(b"HTTP/1.1 201"), "the request in flight is answered: %r" % out[:60])
    rc = s.p.wait(timeout=30)
    check(rc == 0, "SIGTERM exits 0: %d" % rc)


def test_openapi():
    p = claims("serve", "--routes")
    table = {tuple(l.split()[:2]) for l in p.stdout.splitlines()}
    spec, path = set(), None
    with open(os.path.join(SRC, "docs/openapi.yaml"), encoding="utf-8") as f:
        in_paths = False
        for line in f:
            if line.startswith("paths:"):
                in_paths = True
                continue
            if in_paths and re.match(r"^\S", line):
                in_paths = False
            m = re.match(r"^  (/\S*):\s*$", line)
            if in_paths and m:
                path = m.group(1)
            m = re.match(r"^    (get|post|put|delete|patch):\s*$", line)
            if in_paths and m and path:
                spec.add((m.group(1).upper(), path))
    check(table and table == spec, "route table == openapi.yaml: only in table %r, only in spec %r"
          % (table - spec, spec - table))


def test_sql_prepared():
    """api/ builds no SQL text: every query is a string literal, run as a
    prepared statement or with PQexecParams' parameters."""
    for name in sorted(os.listdir(os.path.join(SRC, "api"))):
        if not name.endswith(".c"):
            continue
        text = open(os.path.join(SRC, "api", name), encoding="utf-8").read()
        for m in re.finditer(r"\b(PQexec|PQexecParams|PQprepare|PQsendQuery)\s*\(\s*[^,]+,\s*([^,)]+)",
                             text):
            arg = m.group(2).strip()
            check(arg.startswith('"') or arg in ("stmts[i].name", "create_sql", "load_sql[which]"),
                  "%s: SQL of %s is not a literal: %s" % (name, m.group(1), arg))
        check(not re.search(r"printf\([^;]*(SELECT|INSERT|UPDATE|DELETE)", text),
              "%s formats SQL" % name)


def main():
    teardown()
    setup()
    toks = {}
    try:
        test_tokens_cli(toks)
        test_refusals()
        s = Server("--timeout", "2")
        check(s.port, "the port is the first line of stdout")
        try:
            test_matrix(s, toks)
            minted = test_routes(s, toks)
            run = int(psql("SELECT run_id FROM claims.current_run"))
            test_run_routes(s, toks, run)
            test_reviews(s, toks)
            test_switch(s, toks, run)
            test_metrics(s)
            test_bodies(s, toks)
            test_limits(s, toks)
        finally:
            rc, out, err = s.stop()
        check(rc == 0, "SIGTERM exits 0: %d" % rc)
        test_log(err, toks, minted)
        test_drain(toks)
        test_openapi()
        test_sql_prepared()
    finally:
        teardown()
    print("test_api: %d failures" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
