#!/usr/bin/env python3
"""bench_api.py - a benchmark (not a test) of `claims serve`: a throwaway
cluster (tests/store/pg_cluster.sh), a case published from a run's output
CSVs, N creditor tokens, then wrk (one thread) on GET /v1/me/claims with
random valid tokens. Prints wrk's summary and latency percentiles.
usage: bench_api.py BUILD_DIR [RUN_OUTPUT_DIR] [SECONDS] [CONNECTIONS]
RUN_OUTPUT_DIR holds claims.csv, creditors.csv, roster.csv and
review_queue.csv of a `claims run` (default: tests/data/xiaoming-mini/expected);
its case directory must be RUN_OUTPUT_DIR/.. (for db load)."""
import csv
import io
import os
import subprocess
import sys
import tempfile

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
BUILD = os.path.abspath(sys.argv[1])
OUT = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else
                      os.path.join(SRC, "tests/data/xiaoming-mini/expected"))
SECS = sys.argv[3] if len(sys.argv) > 3 else "10"
CONNS = sys.argv[4] if len(sys.argv) > 4 else "32"
CLAIMS = os.path.join(BUILD, "claims")
DIR = tempfile.mkdtemp(prefix="claims-apibench-")
CLUSTER = os.path.join(SRC, "tests/store/pg_cluster.sh")


def conn(user, db="bench"):
    return "host=%s port=5432 dbname=%s user=%s" % (DIR, db, user)


def psql(sql, who="cl_super", db="bench", stdin=None):
    p = subprocess.run(["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d",
                        conn(who, db), "-c", sql], input=stdin, capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError(p.stderr)
    return p.stdout.strip()


def copy_csv(run, path, table):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for i, r in enumerate(rows[1:]):
        w.writerow([run, i] + [v if v != "" else None for v in r])
    cols = ", ".join('"%s"' % c for c in rows[0])
    psql("COPY claims.%s (run_id, ord, %s) FROM STDIN (FORMAT csv)" % (table, cols),
         stdin=buf.getvalue())
    return rows


def main():
    subprocess.run(["sh", CLUSTER, "start", DIR], check=True)
    server = None
    try:
        psql("CREATE ROLE adm LOGIN CREATEROLE", db="postgres")
        psql("CREATE DATABASE bench OWNER adm", db="postgres")
        subprocess.run([CLAIMS, "db", "init", "--db", conn("adm")], check=True)
        psql("CREATE ROLE apiu LOGIN IN ROLE claims_api", db="postgres")
        subprocess.run([CLAIMS, "db", "load", "--db", conn("adm"), "--case-id", "b",
                        "--case-dir", os.path.dirname(OUT)], check=True)
        run = psql("INSERT INTO claims.runs (case_id, started_at, finished_at, engine_version)"
                   " VALUES ('b', now(), now(), 'bench') RETURNING run_id").splitlines()[0]
        claims = copy_csv(run, os.path.join(OUT, "claims.csv"), "run_claims")
        for f, t in (("creditors.csv", "run_creditors"), ("roster.csv", "run_roster"),
                     ("review_queue.csv", "run_review_queue")):
            copy_csv(run, os.path.join(OUT, f), t)
        psql("INSERT INTO claims.current_run VALUES ('b', %s)" % run)
        creditors = sorted({r[2] for r in claims[1:] if r[2]})[:2000]
        tokens = []
        for c in creditors:   # minted the way the platform does: one INSERT of a hash each
            p = subprocess.run([CLAIMS, "token", "create", "--db", conn("adm"), "--case-id", "b",
                                "--role", "creditor", "--creditor-id", c],
                               capture_output=True, text=True, check=True)
            tokens.append(p.stdout.strip().splitlines()[-1])
            if len(tokens) >= 500:
                break
        tf = os.path.join(DIR, "tokens.txt")
        with open(tf, "w") as f:
            f.write("\n".join(tokens) + "\n")
        server = subprocess.Popen([CLAIMS, "serve", "--db", conn("apiu"), "--case-id", "b",
                                   "--listen", "127.0.0.1:0", "--threads", "2"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        port = server.stdout.readline().strip()
        print("claims rows %d, creditors with claims %d, tokens %d" %
              (len(claims) - 1, len(creditors), len(tokens)))
        subprocess.run(["wrk", "-t1", "-c", CONNS, "-d", SECS + "s", "--latency", "-s",
                        os.path.join(SRC, "bench/api/tokens.lua"), "http://127.0.0.1:%s" % port],
                       env=dict(os.environ, TOKENS=tf), check=True)
    finally:
        if server:
            server.terminate()
            server.wait()
        subprocess.run(["sh", CLUSTER, "stop", DIR])


if __name__ == "__main__":
    main()
