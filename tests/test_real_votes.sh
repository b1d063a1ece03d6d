#!/usr/bin/env bash
# Seed 002's poll in real mode: vote servers and voters each their own process over TCP, the
# primary killed and restarted from its on-disk store (the votes app's ballots written whole),
# every voter logging one line per ballot, and the checker agreeing on the real trace.
# Usage: bash tests/test_real_votes.sh PATH_TO_REPLSIM SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/real/lib.sh"

out=$tmp/votes
"$replsim" real "$src/tests/real/votes-primary-crash.xml" --hosts "$tmp/hosts" --out "$out" >"$tmp/run.txt" 2>&1
s=$?
[ $s = 0 ] && ok "test_real_votes_expectations_hold" || { bad "real votes run: exit $s"; cat "$tmp/run.txt"; cat "$out"/stderr/* 2>/dev/null; }
poll=$(jq -c '.poll | [.ballots, .results_logged, .duplicates, .missing, .wrong]' "$out/summary.json" 2>/dev/null)
[ "$poll" = "[10,50,0,0,0]" ] && ok "test_real_votes_poll_complete ($poll)" || bad "poll figures: $poll"
lines=$(for v in 1 2 3 4 5; do awk '{print $1}' "$out/logs/v$v.txt" | tr '\n' ' '; echo; done | sort -u)
[ "$lines" = "1 2 3 4 5 6 7 8 9 10 " ] && ok "test_real_votes_each_voter_logs_every_ballot_once_in_order" ||
  bad "voter logs: $lines"
grep -q '"node":"r1","role":"backup"' "$out/trace.jsonl" && ok "test_real_votes_restarted_primary_rejoins_from_disk" ||
  bad "r1 never rejoined as a backup"
"$replsim" check "$out" >"$tmp/check.txt" 2>&1 && ok "test_real_votes_check_agrees" || { bad "check"; cat "$tmp/check.txt"; }
finish
