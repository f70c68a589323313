#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (CL_FUZZ=ON) and runs each for a
# short smoke over its seed corpus. Usage: smoke.sh [seconds]: the budget
# of the seven original targets at that many seconds each (7 x seconds,
# 210 s for CI's 30) is divided among all targets (at least 5 s each), so
# the whole smoke stays near that however many targets there are.
set -euo pipefail
total=$(( 7 * ${1:-30} ))
cd "$(dirname "$0")/../.."
CC=clang cmake -S . -B build-fuzz -DCL_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target cl_fuzz_all
shopt -s nullglob
targets=(build-fuzz/tests/fuzz/fuzz_*)
if [ ${#targets[@]} -eq 0 ]; then echo "no fuzz targets"; exit 0; fi
secs=$(( total / ${#targets[@]} ))
[ "$secs" -ge 5 ] || secs=5
for t in "${targets[@]}"; do
  name=$(basename "$t")
  corpus="tests/fuzz/corpus/${name#fuzz_}"
  work=$(mktemp -d)
  [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/ 2>/dev/null || true
  echo "fuzz: $name for ${secs}s"
  "$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 "$work" >"$work.log" 2>&1 \
    || { tail -40 "$work.log"; echo "fuzz: $name FAILED"; exit 1; }
  rm -rf "$work" "$work.log"
done
echo "fuzz: all targets clean"
