#!/usr/bin/env bash
# bench_run.sh - times `claims run` on a generated Xiaoming case: the median of
# N runs for each configuration (threads 1 and 2, CSV only and with the
# workbook), peak RSS, and per-stage timings from manifest.json. Optionally
# times the same core work in PostgreSQL (bench/pg) and prints the ratio.
# A benchmark, not a test.
#
# usage: bench/run/bench_run.sh [--scale K] [--runs N] [--pg] [--claims PATH]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
scale=1 runs=5 pg=0 claims="$top/build-bench/claims"
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) scale=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --pg) pg=1; shift ;;
    --claims) claims=$2; shift 2 ;;
    *) echo "usage: $0 [--scale K] [--runs N] [--pg] [--claims PATH]" >&2; exit 2 ;;
  esac
done
if [ ! -x "$claims" ]; then
  cmake -S "$top" -B "$top/build-bench" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$top/build-bench" --target claims -j"$(nproc)" >/dev/null
fi
case_dir=${CL_BENCH_CASE:-/tmp/cl-bench-case-$scale}
if [ ! -f "$case_dir/ledger.csv" ]; then
  "$claims" gen --scenario xiaoming --scale "$scale" --seed 1 --out "$case_dir" --no-progress
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
du -sh "$case_dir"/*.csv | sed 's/^/  input /'

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

bench() {   # name, extra args...
  local name=$1; shift
  local times=() rss=0
  for i in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$out/time" "$claims" run --case "$case_dir/case.conf" \
      --submissions "$case_dir/submissions.csv" --ledger "$case_dir/ledger.csv" \
      --overrides "$case_dir/overrides.csv" --out "$out/o" --quiet --no-progress "$@"
    read -r t m < "$out/time"
    times+=("$t"); [ "$m" -gt "$rss" ] && rss=$m
  done
  local med; med=$(printf '%s\n' "${times[@]}" | median)
  printf '  %-28s median %6.2f s  (runs: %s)  peak RSS %d MiB\n' "$name" "$med" \
    "${times[*]}" $((rss / 1024))
  echo "$med" > "$out/last"
}

echo "claims run, scale $scale, $runs runs each, $(nproc) cores, $(date -u +%F)"
bench "csv, 1 thread" --threads 1 --no-xlsx
t1=$(cat "$out/last")
bench "csv, 2 threads" --threads 2 --no-xlsx
t2=$(cat "$out/last")
bench "csv + report.xlsx, 2 threads" --threads 2
echo "  speedup 1 -> 2 threads: $(echo "$t1 $t2" | awk '{printf "%.2f", $1/$2}')x"
python3 - "$out/o/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print("  stages of the last run (ms):",
      ", ".join(f"{t['stage']} {t['ms']}" for t in m["run"]["timings_ms"] if t["ms"] >= 10))
PY
if [ "$pg" = 1 ]; then
  pgout=$("$top/bench/pg/run_pg_bench.sh" "$case_dir" 3 | tee -a /dev/stderr | awk '/^median of/ {print $(NF-1)}')
  echo "  PostgreSQL core SQL median ${pgout}s; ratio to claims (csv, 2 threads): $(echo "$pgout $t2" | awk '{printf "%.1f", $1/$2}')x"
fi
