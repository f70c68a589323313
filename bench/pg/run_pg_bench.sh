#!/usr/bin/env bash
# run_pg_bench.sh - time the core of the nightly batch (bench/pg/core.sql) on
# a throwaway PostgreSQL 15 cluster, on the same inputs as `claims run`.
# usage: bench/pg/run_pg_bench.sh CASE_DIR [RUNS]
#   CASE_DIR holds submissions.csv and ledger.csv (and optionally case.conf).
# Prints each run's wall-clock seconds (COPY in + SQL + COPY out) and the
# median; the cluster lives in a mktemp dir, unix socket only, and is stopped
# and deleted at exit.
set -euo pipefail

usage() { echo "usage: $0 CASE_DIR [RUNS]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
CASE_DIR=$(cd "$1" && pwd) || usage
RUNS=${2:-3}
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || usage
for f in submissions.csv ledger.csv; do
    [ -r "$CASE_DIR/$f" ] || { echo "$0: $CASE_DIR/$f: not readable" >&2; exit 1; }
done

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
HERE=$(cd "$(dirname "$0")" && pwd)
SQL=$HERE/core.sql

# initdb refuses root: run the server and clients as `postgres` when root.
if [ "$(id -u)" -eq 0 ]; then
    PGUSER_OS=postgres
    as_pg() { runuser -u "$PGUSER_OS" -- "$@"; }
else
    PGUSER_OS=$(id -un)
    as_pg() { "$@"; }
fi

TMP=$(mktemp -d /tmp/clpgbench.XXXXXX)
STARTED=0
cleanup() {
    if [ "$STARTED" -eq 1 ]; then
        as_pg "$PGBIN/pg_ctl" -D "$TMP/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
chmod 700 "$TMP"
[ "$(id -u)" -eq 0 ] && chown "$PGUSER_OS" "$TMP"

# Case parameters from case.conf when present (contract §1 defaults else).
conf() {  # conf KEY DEFAULT
    local v=""
    if [ -r "$CASE_DIR/case.conf" ]; then
        v=$(sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\\(.*[^[:space:]]\\)[[:space:]]*\$/\\1/p" \
            "$CASE_DIR/case.conf" | tail -n 1)
    fi
    printf '%s' "${v:-$2}"
}
ACCEPTANCE=$(conf acceptance_date 2018-03-27)
DEADLINE=$(conf declaration_deadline 2018-06-27)
CKEY=$(conf creditor_key bench-key)
INTEREST_ALLOWED=$(conf interest_allowed supplier,tax,other | tr -d ' ')
OTHER_ALLOWED=$(conf other_allowed supplier,other | tr -d ' ')

# The server must be able to read the inputs (server-side COPY); copy them
# into the temp dir (outside the timed part) only if it cannot.
SUBS=$CASE_DIR/submissions.csv
LEDGER=$CASE_DIR/ledger.csv
if ! as_pg test -r "$SUBS" || ! as_pg test -r "$LEDGER"; then
    mkdir "$TMP/in"
    cp "$SUBS" "$LEDGER" "$TMP/in/"
    [ "$(id -u)" -eq 0 ] && chown -R "$PGUSER_OS" "$TMP/in"
    SUBS=$TMP/in/submissions.csv
    LEDGER=$TMP/in/ledger.csv
fi
as_pg mkdir "$TMP/out"

as_pg "$PGBIN/initdb" -D "$TMP/data" -U bench -E UTF8 --locale=C -A trust \
    --no-sync >"$TMP/initdb.log" 2>&1 || { cat "$TMP/initdb.log" >&2; exit 3; }
cat >>"$TMP/data/postgresql.conf" <<CONF
# throwaway benchmark cluster: durability off (fsync, synchronous_commit)
shared_buffers = 1GB
work_mem = 256MB
maintenance_work_mem = 1GB
max_parallel_workers_per_gather = 2
synchronous_commit = off
fsync = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
max_wal_size = 8GB
CONF
as_pg "$PGBIN/pg_ctl" -D "$TMP/data" -l "$TMP/server.log" -w \
    -o "-k $TMP -c listen_addresses=''" start >/dev/null \
    || { cat "$TMP/server.log" >&2; exit 3; }
STARTED=1

psql_run() {
    as_pg psql -X -q -h "$TMP" -U bench -d postgres -v ON_ERROR_STOP=1 "$@"
}

echo "case: $CASE_DIR ($(($(wc -l <"$SUBS") - 1)) submission lines," \
     "$(($(wc -l <"$LEDGER") - 1)) ledger lines); PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}')"
TIMES=()
for i in $(seq 1 "$RUNS"); do
    t0=$(date +%s%N)
    psql_run -v subs="$SUBS" -v ledger="$LEDGER" -v acceptance="$ACCEPTANCE" \
        -v deadline="$DEADLINE" -v ckey="$CKEY" \
        -v interest_allowed="$INTEREST_ALLOWED" -v other_allowed="$OTHER_ALLOWED" \
        -v claims_out="$TMP/out/claims.csv" -v creditors_out="$TMP/out/creditors.csv" \
        -f "$SQL"
    t1=$(date +%s%N)
    s=$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.3f", ns / 1e9 }')
    TIMES+=("$s")
    counts=$(psql_run -A -t -F= -c \
        "SELECT string_agg(status || '=' || n, ' ' ORDER BY status)
         FROM (SELECT status, count(*) AS n FROM claims GROUP BY status) c")
    ncred=$(psql_run -A -t -c "SELECT count(*) FROM creditors")
    echo "run $i: ${s} s  claims by status: $counts  creditors=$ncred"
done
median=$(printf '%s\n' "${TIMES[@]}" | sort -g | awk '{ a[NR] = $1 }
    END { if (NR % 2) printf "%.3f", a[(NR + 1) / 2];
          else printf "%.3f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
echo "median of $RUNS: ${median} s"
if [ -n "${KEEP_OUT:-}" ]; then
    mkdir -p "$KEEP_OUT" && cp "$TMP/out/claims.csv" "$TMP/out/creditors.csv" "$KEEP_OUT/"
    echo "outputs copied to $KEEP_OUT"
fi
