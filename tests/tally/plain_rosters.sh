#!/bin/sh
# plain_rosters.sh - `claims tally` on hand-made rosters holding only the
# contract's roster.csv columns (§10): the group amounts follow §6 (t_sec,
# t_unsec, t_emp placed by `groups`) for every tier, small_ordinary, in
# English and Chinese headers and in GB18030; contradictory rows exit 1
# naming file:line and the reason, and leave no output.
# usage: plain_rosters.sh CLAIMS_BINARY WORK_DIR
set -u
CLAIMS=$1
WORK=$2
fails=0
rm -rf "$WORK"
mkdir -p "$WORK"

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
has() { grep -q -F -- "$2" "$1" || { fail "$1 lacks '$2'"; cat "$1" >&2; }; }

cat >"$WORK/meeting.conf" <<'CONF'
meeting_id = M1
opens_at = 2024-03-01 09:00
closes_at = 2024-03-01 18:00
resolution.P = reorganization
resolution.G = general
CONF
cat >"$WORK/general.conf" <<'CONF'
meeting_id = M1
opens_at = 2024-03-01 09:00
closes_at = 2024-03-01 18:00
resolution.G = general
CONF

# t1..t5 hold only a temporary amount (ordinary, small_ordinary, tax,
# secured, employee); c6 mixes confirmed and temporary amounts in three tiers:
# t_sec 10, t_unsec 30 (ordinary), t_emp 20.
H='creditor_id,name,ordinary,secured,employee,tax,temporary,unsecured_voting,secured_voting,voting_amount,groups'
cat >"$WORK/roster.csv" <<CSV
$H
t1,甲,0.00,0.00,0.00,0.00,500.00,500.00,0.00,500.00,ordinary
t2,乙,0.00,0.00,0.00,0.00,200.00,200.00,0.00,200.00,small_ordinary
t3,丙,0.00,0.00,0.00,0.00,300.00,300.00,0.00,300.00,tax
t4,丁,0.00,0.00,0.00,0.00,700.00,0.00,700.00,0.00,secured
t5,戊,0.00,0.00,0.00,0.00,400.00,0.00,0.00,0.00,employee
c6,己,1000.00,100.00,50.00,0.00,60.00,1030.00,110.00,1030.00,secured;employee;ordinary
CSV
cat >"$WORK/ballots.csv" <<'CSV'
ballot_id,meeting_id,resolution_id,creditor_id,group,choice,cast_at,channel
1,M1,P,t1,ordinary,for,2024-03-01 10:00,online
2,M1,P,t2,small_ordinary,for,2024-03-01 10:00,online
3,M1,P,t3,tax,for,2024-03-01 10:00,online
4,M1,P,t4,secured,for,2024-03-01 10:00,online
5,M1,P,t5,employee,for,2024-03-01 10:00,online
6,M1,P,c6,secured,for,2024-03-01 10:00,online
7,M1,P,c6,employee,against,2024-03-01 10:00,online
8,M1,P,c6,ordinary,against,2024-03-01 10:00,online
9,M1,P,c6,tax,for,2024-03-01 10:00,online
10,M1,G,t1,,for,2024-03-01 10:00,online
CSV
# resolution,type,group,present,for,against,abstain,for_amount,base_amount
cat >"$WORK/want.csv" <<'CSV'
P,reorganization,secured,2,2,0,0,810.00,810.00
P,reorganization,employee,2,1,1,0,400.00,470.00
P,reorganization,tax,1,1,0,0,300.00,300.00
P,reorganization,ordinary,2,1,1,0,500.00,1530.00
P,reorganization,small_ordinary,1,1,0,0,200.00,200.00
P,reorganization,,8,6,2,0,2210.00,3310.00
G,general,,1,1,0,0,500.00,2030.00
CSV

check_tally() { # label roster [encoding]
    out="$WORK/out_$1"
    "$CLAIMS" tally --roster "$2" --meeting "$WORK/meeting.conf" --ballots "$WORK/ballots.csv" \
        --out "$out" --no-progress --no-xlsx --encoding "${3:-auto}" >"$WORK/stdout" 2>"$WORK/stderr"
    rc=$?
    [ "$rc" -eq 0 ] || { fail "$1: exit $rc"; cat "$WORK/stderr" >&2; return; }
    tail -n +2 "$out/tally.csv" | cut -d, -f1-9 >"$WORK/got_$1.csv"
    cmp -s "$WORK/got_$1.csv" "$WORK/want.csv" ||
        { fail "$1: tally.csv"; diff "$WORK/want.csv" "$WORK/got_$1.csv" >&2; }
    # only c6's tax ballot is rejected: c6 has no tax amount
    tail -n +2 "$out/ballots_rejected.csv" | cut -d, -f1,2 >"$WORK/rej_$1.csv"
    printf '9,WRONG_GROUP\n' | cmp -s - "$WORK/rej_$1.csv" ||
        { fail "$1: ballots_rejected.csv"; cat "$WORK/rej_$1.csv" >&2; }
}
check_tally en "$WORK/roster.csv"

# The same roster under the Chinese headers `claims run` writes.
HZ='债权人编号,债权人名称,普通债权,有财产担保债权,职工债权,税款债权,临时确定额,无财产担保表决额,有财产担保表决额,表决额,表决组'
# (groups as the workbook shows them: Chinese names, full-width separators)
{ echo "$HZ"; tail -n +2 "$WORK/roster.csv" |
    sed 's/secured;employee;ordinary$/有财产担保债权组；职工债权组；普通债权组/; s/,tax$/,税款债权组/'
} >"$WORK/roster_zh.csv"
check_tally zh "$WORK/roster_zh.csv"
# ... in GB18030, detected and named
iconv -f UTF-8 -t GB18030 "$WORK/roster_zh.csv" >"$WORK/roster_gb.csv"
check_tally gb_auto "$WORK/roster_gb.csv"
check_tally gb "$WORK/roster_gb.csv" gb18030

# Contradictions and rows that cannot be placed: exit 1, file:line, reason.
bad() { # name meeting message row
    printf '%s\n%s\n' "$H" "$4" >"$WORK/$1.csv"
    "$CLAIMS" tally --roster "$WORK/$1.csv" --meeting "$WORK/$2" --ballots "$WORK/ballots.csv" \
        --out "$WORK/out_$1" --no-progress >"$WORK/stdout" 2>"$WORK/stderr"
    rc=$?
    [ "$rc" -eq 1 ] || fail "$1: exit $rc, expected 1"
    has "$WORK/stderr" "$1.csv:2: "
    has "$WORK/stderr" "$3"
    [ ! -e "$WORK/out_$1" ] || fail "$1: output left behind"
}
bad sec_below meeting.conf "secured_voting 90.00 is less than secured 100.00" \
    't1,x,0,100.00,0,0,0,0,90.00,0,secured'
bad unsec_below meeting.conf "unsecured_voting 150.00 is less than ordinary 100.00 + tax 60.00" \
    't1,x,100.00,0,0,60.00,0,150.00,0,150.00,tax;ordinary'
bad temp_below meeting.conf "temporary 20.00 is less than" \
    't1,x,100.00,0,0,0,20.00,130.00,0,130.00,ordinary'
bad va_differs meeting.conf "voting_amount 100.00 differs from unsecured_voting 130.00" \
    't1,x,100.00,0,0,0,30.00,130.00,0,100.00,ordinary'
bad both_groups meeting.conf "cannot be placed: groups names both tax and ordinary" \
    't1,x,100.00,0,0,50.00,30.00,180.00,0,180.00,tax;ordinary'
bad no_group meeting.conf "cannot be placed: groups names neither tax nor ordinary" \
    't1,x,0,0,0,0,30.00,30.00,0,30.00,employee'
bad unlisted meeting.conf "ordinary amount 100.00 but column 'groups' does not name ordinary" \
    't1,x,100.00,0,0,0,0,100.00,0,100.00,tax'
bad unlisted_sec meeting.conf "secured amount 70.00 but column 'groups' does not name secured" \
    't1,x,0,0,0,0,70.00,0,70.00,0,'
bad two_ord meeting.conf "column 'groups' names both ordinary and small_ordinary" \
    't1,x,100.00,0,0,0,0,100.00,0,100.00,ordinary;small_ordinary'
# even for a general meeting: the roster itself is contradictory
bad va_general general.conf "voting_amount 100.00 differs from unsecured_voting 130.00" \
    't1,x,100.00,0,0,0,30.00,130.00,0,100.00,ordinary'

# Both tax and ordinary, but the roster carries group_tax and group_ordinary.
printf '%s,group_tax,group_ordinary\n%s\n' "$H" \
    't1,x,100.00,0,0,50.00,30.00,180.00,0,180.00,tax;ordinary,80.00,100.00' >"$WORK/own.csv"
"$CLAIMS" tally --roster "$WORK/own.csv" --meeting "$WORK/meeting.conf" \
    --ballots "$WORK/ballots.csv" --out "$WORK/out_own" --no-progress --no-xlsx \
    >"$WORK/stdout" 2>"$WORK/stderr" || { fail "own group columns: exit $?"; cat "$WORK/stderr" >&2; }
has "$WORK/out_own/tally.csv" "P,reorganization,ordinary,1,1,0,0,100.00,100.00"

# No groups column: membership by the tiers with an amount; a general
# meeting is fine, a reorganization refuses a t_unsec it cannot place.
printf 'creditor_id,unsecured_voting,secured_voting\nt1,500.00,0\n' >"$WORK/nogroups.csv"
"$CLAIMS" tally --roster "$WORK/nogroups.csv" --meeting "$WORK/general.conf" \
    --ballots "$WORK/ballots.csv" --out "$WORK/out_ng" --no-progress --no-xlsx \
    >"$WORK/stdout" 2>"$WORK/stderr" || { fail "no groups, general: exit $?"; cat "$WORK/stderr" >&2; }
has "$WORK/out_ng/tally.csv" "G,general,,1,1,0,0,500.00,500.00"
"$CLAIMS" tally --roster "$WORK/nogroups.csv" --meeting "$WORK/meeting.conf" \
    --ballots "$WORK/ballots.csv" --out "$WORK/out_ng2" --no-progress >"$WORK/stdout" 2>"$WORK/stderr"
rc=$?
[ "$rc" -eq 1 ] || fail "no groups, reorganization: exit $rc, expected 1"
has "$WORK/stderr" "nogroups.csv:2: unsecured_voting beyond ordinary and tax cannot be placed"

# Other inputs a user brings: ballots with Chinese headers and values in
# GB18030, detected; meeting.conf is UTF-8 (contract §1, §9): a GB18030 one
# is refused naming the file and line; a creditor list for `distribute` with
# only the contract's columns, Chinese headers, GB18030.
{ echo '选票编号,会议编号,议案编号,债权人编号,表决组,表决意见,投票时间,渠道'
  tail -n +2 "$WORK/ballots.csv" | sed 's/,for,/,同意,/; s/,against,/,反对,/; s/,ordinary,/,普通债权组,/'
} | iconv -f UTF-8 -t GB18030 >"$WORK/ballots_gb.csv"
"$CLAIMS" tally --roster "$WORK/roster_gb.csv" --meeting "$WORK/meeting.conf" \
    --ballots "$WORK/ballots_gb.csv" --out "$WORK/out_bgb" --no-progress --no-xlsx \
    >"$WORK/stdout" 2>"$WORK/stderr" || { fail "GB18030 ballots: exit $?"; cat "$WORK/stderr" >&2; }
tail -n +2 "$WORK/out_bgb/tally.csv" | cut -d, -f1-9 | cmp -s - "$WORK/want.csv" ||
    fail "GB18030 ballots: tally.csv differs"
printf '# 会议\nmeeting_id = M1\nopens_at = 2024-03-01 09:00\ncloses_at = 2024-03-01 18:00\nresolution.G = 一般\n' |
    iconv -f UTF-8 -t GB18030 >"$WORK/meeting_gb.conf"
"$CLAIMS" tally --roster "$WORK/roster.csv" --meeting "$WORK/meeting_gb.conf" \
    --ballots "$WORK/ballots.csv" --out "$WORK/out_mgb" --no-progress >"$WORK/stdout" 2>"$WORK/stderr"
rc=$?
[ "$rc" -eq 1 ] || fail "GB18030 meeting.conf: exit $rc, expected 1"
has "$WORK/stderr" "meeting_gb.conf:1: not valid UTF-8"
printf '债权人编号,债权人名称,职工债权,税款债权,普通债权,有财产担保债权\na,甲,100.00,0,50.00,0\nb,乙,0,10.00,150.00,900.00\n' \
    >"$WORK/creditors_zh.csv"
iconv -f UTF-8 -t GB18030 "$WORK/creditors_zh.csv" >"$WORK/creditors_gb.csv"
for c in zh gb; do
    "$CLAIMS" distribute --creditors "$WORK/creditors_$c.csv" --amount 200 --out "$WORK/d_$c" \
        --no-progress --no-xlsx >"$WORK/stdout" 2>"$WORK/stderr" ||
        { fail "distribute $c: exit $?"; cat "$WORK/stderr" >&2; continue; }
    printf 'creditor_id,tier,claim,share\na,employee,100.00,100.00\nb,tax,10.00,10.00\na,ordinary,50.00,22.50\nb,ordinary,150.00,67.50\n' |
        cmp -s - "$WORK/d_$c/distribution.csv" || { fail "distribute $c"; cat "$WORK/d_$c/distribution.csv" >&2; }
done

if [ "$fails" -ne 0 ]; then
    echo "plain_rosters: $fails failure(s)" >&2
    exit 1
fi
echo "plain_rosters: all checks passed"
