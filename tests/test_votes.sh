#!/usr/bin/env bash
# Seed 002's poll end to end: every voter's log has exactly one `<Vote ID> <Yes Count> <No count>`
# line per ballot, in order, and agrees with the summary; `replsim check` models the run (from
# the trace, a history without a run line, history.edn); under pb-nonblocking the split brain is a
# violation the checker explains; quorum and real mode are refused with FILE:LINE, exit 2.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
pass=0
failed=0
ok() { echo "ok: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; failed=$((failed + 1)); fail=1; }

# One line per ballot 1..N, in order, three whole numbers that add up to at most the voters.
logs_exact() {
  local dir=$1 ballots=$2 voters=$3 f
  for f in "$dir"/logs/v*.txt; do
    awk -v n="$ballots" -v v="$voters" '
      NF != 3 || $1 != NR || $2 !~ /^[0-9]+$/ || $3 !~ /^[0-9]+$/ || $2 + $3 > v { bad = 1 }
      END { exit bad || NR != n }' "$f" || { echo "  $f is not one line per ballot 1..$ballots"; return 1; }
  done
  [ "$(ls "$dir"/logs/v*.txt | wc -l)" = "$voters" ]
}

"$replsim" run "$src/scenarios/votes-peer-primary-crash.xml" --out "$tmp/crash" >"$tmp/crash.txt" 2>&1
[ $? = 0 ] && ok "primary crash: expectations held" || bad "primary crash run"
logs_exact "$tmp/crash" 30 20 && ok "primary crash: 20 logs, one line per ballot" || bad "primary crash logs"
# Every voter logged the same results (one poll, one truth).
[ "$(md5sum "$tmp"/crash/logs/v*.txt | cut -d' ' -f1 | sort -u | wc -l)" = 1 ] && ok "voters agree" ||
  bad "voters' logs differ"
grep -q '^Poll .*30 ballots, 600 results logged' "$tmp/crash.txt" && ok "printed poll line" || bad "no Poll line"
grep -q '"duplicates": *0' "$tmp/crash/summary.json" && grep -q '"missing": *0' "$tmp/crash/summary.json" &&
  ok "summary.json poll" || bad "summary.json poll"

"$replsim" check "$tmp/crash" >"$tmp/check.txt" 2>&1
[ $? = 0 ] && grep -q '^model: votes (the run line)' "$tmp/check.txt" && ok "check: votes model from the run line" ||
  bad "check of the run"
grep -E '"type":"(invoke|ok|fail|info)"' "$tmp/crash/trace.jsonl" >"$tmp/hist.jsonl"
"$replsim" check "$tmp/hist.jsonl" >"$tmp/hist.txt" 2>&1
[ $? = 0 ] && grep -q 'model: votes (inferred' "$tmp/hist.txt" && ok "check: votes inferred from the operations" ||
  bad "check of a history without run line"
"$replsim" check "$tmp/crash/history.edn" --model votes >/dev/null 2>&1 && ok "check: history.edn, --model votes" ||
  bad "check of history.edn"

for sc in votes-peer-primary-crash votes-backup-restart-join; do
  "$replsim" run "$src/scenarios/$sc.xml" --set protocol=pb-nonblocking --out "$tmp/nb-$sc" >/dev/null 2>&1
  [ $? = 0 ] && ok "$sc under pb-nonblocking: expectations held" || bad "$sc under pb-nonblocking"
done

"$replsim" run "$src/scenarios/votes-backup-restart-join.xml" --out "$tmp/join" >/dev/null 2>&1
[ $? = 0 ] && ok "backup restart: expectations held" || bad "backup restart run"
logs_exact "$tmp/join" 55 20 && ok "backup restart: one line per ballot" || bad "backup restart logs"
grep -q '^ONLY PRIMARY r1 COLLECTS VOTES' "$tmp/join/logs/r1.txt" &&
  grep -q '^NEW BACKUP r2 JOINED: VOTES GO TO r1 AND r2' "$tmp/join/logs/r1.txt" && ok "join lines in r1's log" ||
  bad "join lines"

"$replsim" run "$src/scenarios/votes-split-brain.xml" --set protocol=pb-nonblocking --out "$tmp/split" \
  >"$tmp/split.txt" 2>&1
[ $? = 1 ] && grep -q 'linearizable: expected true, got false' "$tmp/split.txt" &&
  ok "non-blocking split brain: not linearizable" || bad "non-blocking split brain"
"$replsim" check "$tmp/split" >"$tmp/split-check.txt" 2>&1
[ $? = 1 ] && grep -q 'the model allowed:  BALLOT CLOSED' "$tmp/split-check.txt" && ok "check explains it" ||
  bad "check of the split brain"

"$replsim" run "$src/scenarios/votes-peer-primary-crash.xml" --set protocol=quorum --out "$tmp/q" 2>"$tmp/q.err"
[ $? = 2 ] && grep -q 'votes-peer-primary-crash.xml:[0-9]*: app votes runs over pb-blocking or pb-nonblocking' \
  "$tmp/q.err" && [ ! -e "$tmp/q" ] && ok "quorum refused" || bad "quorum not refused"

echo "$pass passed, $failed failed"
[ "$fail" = 0 ]
