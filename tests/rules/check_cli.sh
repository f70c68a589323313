#!/bin/sh
# check_cli.sh CLAIMS SOURCE_DIR - runs `claims rules check` on the shipped
# rule files (must pass) and on tests/rules/bad.rules (must report every
# error with file:line:col and a caret, exit 1); usage errors exit 2.
set -u
claims=$1
src=$2
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect_rc() { # expected-rc description command...
    want=$1; what=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" != "$want" ]; then
        echo "FAIL: $what: exit $got, expected $want"; cat "$tmp/out" "$tmp/err"; fail=1
    fi
}
expect_line() { # file line
    if ! grep -qxF -- "$2" "$1"; then
        echo "FAIL: missing line: $2"; cat "$1"; fail=1
    fi
}

cd "$src" || exit 1
expect_rc 0 "default.rules" "$claims" rules check rules/default.rules
grep -q '^rules/default.rules: 25 rules, OK (digest [0-9a-f]\{64\})$' "$tmp/out" ||
    { echo "FAIL: default.rules summary"; cat "$tmp/out"; fail=1; }
expect_rc 0 "case.rules with case.conf" "$claims" rules check rules/examples/case.rules \
    --case tests/data/xiaoming-mini/case.conf
grep -q '^rules/examples/case.rules: 6 rules, OK (digest ' "$tmp/out" ||
    { echo "FAIL: case.rules summary"; cat "$tmp/out"; fail=1; }

expect_rc 1 "bad.rules" "$claims" rules check tests/rules/bad.rules
e="$tmp/err"
expect_line "$e" "tests/rules/bad.rules:5:21: error: unknown field 'nmae'"
expect_line "$e" "                    ^"
expect_line "$e" "tests/rules/bad.rules:12:8: error: field 'owed' is not available in pass 'fields' (first in pass 'matched')"
expect_line "$e" "tests/rules/bad.rules:20:41: error: cannot compare money field 'principal' with a string"
expect_line "$e" "                                          ^"
expect_line "$e" "tests/rules/bad.rules:28:23: error: invalid regex: missing terminating ] for character class"
expect_line "$e" "                        ^"
expect_line "$e" "tests/rules/bad.rules:35:29: error: cannot read list file 'missing_list.txt': No such file or directory"
expect_line "$e" "tests/rules/bad.rules:36:8: error: unknown status 'HOLD' (expected one of NEEDS_CORRECTION, PENDING_REVIEW, REJECTED, FLAG)"
expect_line "$e" "tests/rules/bad.rules:40:6: error: duplicate rule id 'unknown-field' (first at line 3)"
expect_line "$e" "tests/rules/bad.rules:42:11: error: unknown predicate 'length' (known: empty, valid, present, prc_id, uscc, luhn)"
expect_line "$e" "tests/rules/bad.rules: 12 errors"

# no file: the shipped default rules, found beside the binary (here: the build tree's)
expect_rc 0 "no file: the default rules" "$claims" rules check
grep -q "/rules/default.rules: 25 rules, OK" "$tmp/out" ||
    { echo "FAIL: no file did not check default.rules"; cat "$tmp/out" "$tmp/err"; fail=1; }
expect_rc 2 "unknown option" "$claims" rules check rules/default.rules --bogus
expect_rc 2 "unknown subcommand" "$claims" rules lint rules/default.rules
expect_rc 0 "help" "$claims" rules --help
grep -q 'claims rules check \[FILE\] \[--case CASE.conf\]' "$tmp/out" || { echo "FAIL: help"; fail=1; }
expect_rc 1 "missing file" "$claims" rules check /nonexistent.rules

[ $fail = 0 ] && echo "check_cli: OK"
exit $fail
