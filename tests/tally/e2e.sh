#!/bin/sh
# e2e.sh - end-to-end test of `claims tally` and `claims distribute` on the
# small fixtures of this folder: outputs compared with hand-checked expected
# files (expected/), exit codes 0/1/2, errors naming file:line, atomic
# outputs (a failed run leaves the previous output directory untouched).
# usage: e2e.sh CLAIMS_BINARY SOURCE_DIR WORK_DIR
set -u
CLAIMS=$1
SRC=$2
WORK=$3
fails=0
rm -rf "$WORK"
mkdir -p "$WORK"

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

expect_rc() { # expected-rc description command...
    want=$1; what=$2; shift 2
    "$@" >"$WORK/stdout" 2>"$WORK/stderr"
    rc=$?
    [ "$rc" -eq "$want" ] || { fail "$what: exit $rc, expected $want"; cat "$WORK/stderr" >&2; }
}

same() { # actual expected
    cmp -s "$1" "$2" || { fail "$1 differs from $2"; diff "$2" "$1" >&2; }
}

has() { # file text
    grep -q -F -- "$2" "$1" || { fail "$1 lacks '$2'"; cat "$1" >&2; }
}

# --- tally ------------------------------------------------------------------
expect_rc 0 "tally" "$CLAIMS" tally --roster "$SRC/roster.csv" --meeting "$SRC/meeting.conf" \
    --ballots "$SRC/ballots.csv" --out "$WORK/tally" --no-progress
same "$WORK/tally/tally.csv" "$SRC/expected/tally.csv"
same "$WORK/tally/ballots_rejected.csv" "$SRC/expected/ballots_rejected.csv"
[ -s "$WORK/tally/tally.xlsx" ] || fail "tally.xlsx missing"
has "$WORK/stdout" "R1 (general): FAILED; headcount 4 x 2 = 8 > 6: pass"
has "$WORK/stdout" "R2 (settlement): PASSED"
has "$WORK/stdout" "R3 (reorganization): FAILED, 3 of 5 groups passed"
# each group's line under its own resolution, not under the one before
grep -A1 -F "R3 (reorganization)" "$WORK/stdout" | tail -n 1 | grep -q "^  group secured: PASSED" ||
    { fail "group lines not under R3"; cat "$WORK/stdout" >&2; }
grep -B1 -F "R3 (reorganization)" "$WORK/stdout" | head -n 1 | grep -q "^R2 (settlement)" ||
    { fail "a group line before R3's line"; cat "$WORK/stdout" >&2; }
# tally.xlsx: no text cut off by the next column
/usr/bin/python3 "$SRC/check_widths.py" "$WORK/tally/tally.xlsx" || fail "tally.xlsx: text cut off"

# a bad meeting.conf: exit 1, path:line named, previous outputs intact
expect_rc 1 "bad meeting.conf" "$CLAIMS" tally --roster "$SRC/roster.csv" \
    --meeting "$SRC/meeting_bad.conf" --ballots "$SRC/ballots.csv" --out "$WORK/tally"
has "$WORK/stderr" "meeting_bad.conf:3: unknown key 'closing'"
same "$WORK/tally/tally.csv" "$SRC/expected/tally.csv"

# a ballots file missing a column: exit 1, file and column named
printf 'ballot_id,meeting_id,resolution_id,creditor_id,cast_at\n' >"$WORK/nochoice.csv"
expect_rc 1 "ballots without choice" "$CLAIMS" tally --roster "$SRC/roster.csv" \
    --meeting "$SRC/meeting.conf" --ballots "$WORK/nochoice.csv" --out "$WORK/t2"
has "$WORK/stderr" "choice"
[ ! -e "$WORK/t2" ] || fail "failed tally left $WORK/t2"

expect_rc 2 "tally without --out" "$CLAIMS" tally --roster "$SRC/roster.csv" \
    --meeting "$SRC/meeting.conf" --ballots "$SRC/ballots.csv"
expect_rc 2 "tally unknown option" "$CLAIMS" tally --rooster x
expect_rc 0 "tally --help" "$CLAIMS" tally --help
has "$WORK/stdout" "exit codes"
has "$WORK/stdout" "ballots_rejected.csv"

# --- distribute ---------------------------------------------------------------
for case in "8000.01 small" "8060.00 tie" "¥20,000.00元 surplus"; do
    amount=${case% *}; name=${case##* }
    expect_rc 0 "distribute $amount" "$CLAIMS" distribute --creditors "$SRC/creditors.csv" \
        --amount "$amount" --out "$WORK/d_$name"
    same "$WORK/d_$name/distribution.csv" "$SRC/expected/distribution_$name.csv"
    same "$WORK/d_$name/distribution_summary.csv" "$SRC/expected/distribution_summary_$name.csv"
    [ -s "$WORK/d_$name/distribution.xlsx" ] || fail "distribution.xlsx missing ($name)"
done
has "$WORK/stdout" "surplus   1970.00"
# 10^11 yuan over claims of 7*10^10 and 5*10^10 yuan: products beyond 64 bits
expect_rc 0 "distribute big" "$CLAIMS" distribute --creditors "$SRC/creditors_big.csv" \
    --amount 100000000000 --out "$WORK/d_big" --no-xlsx
same "$WORK/d_big/distribution.csv" "$SRC/expected/distribution_big.csv"
same "$WORK/d_big/distribution_summary.csv" "$SRC/expected/distribution_summary_big.csv"

for bad in -5 +5 1.234 abc 12,34.00 100000000000.01; do
    expect_rc 1 "distribute --amount $bad" "$CLAIMS" distribute \
        --creditors "$SRC/creditors.csv" --amount "$bad" --out "$WORK/d_bad"
    has "$WORK/stderr" "--amount"
    [ ! -e "$WORK/d_bad" ] || fail "failed distribute left $WORK/d_bad"
done
printf 'creditor_id,employee,tax,ordinary\na,1.00,0,0\nb,x,0,0\n' >"$WORK/badcred.csv"
expect_rc 1 "creditors with a bad amount" "$CLAIMS" distribute --creditors "$WORK/badcred.csv" \
    --amount 1 --out "$WORK/d_bad"
has "$WORK/stderr" "badcred.csv:3: column 'employee': invalid amount 'x'"
expect_rc 2 "distribute without --amount" "$CLAIMS" distribute --creditors "$SRC/creditors.csv" \
    --out "$WORK/d_bad"
expect_rc 0 "distribute --help" "$CLAIMS" distribute --help
has "$WORK/stdout" "distribution_summary.csv"

if [ "$fails" -ne 0 ]; then
    echo "e2e: $fails failure(s)" >&2
    exit 1
fi
echo "e2e: all checks passed"
