#!/usr/bin/env bash
# The swarm (README, "Swarm"): a fixed set of random scenarios (seed 7, quick mode) that must all
# pass, each replayed byte for byte, 200 in the normal build and 40 under the sanitizers; then
# the judge must catch what it claims to: --strict holds every design to the strongest promise,
# so seed 004's quorum and the others fail, each with one replay command that fails again, and
# a shrunk scenario beside it.
set -uo pipefail
replsim=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {
  if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: got '$2', expected '$3'"; fail=1; fi
}
runs=200
if [ "${RS_SANITIZE:-OFF}" = ON ]; then
  runs=40
  export RS_SIMGRID_THREADS=1
fi

start=$(date +%s)
"$replsim" swarm --runs $runs --seed 7 --quick --jobs 2 --out "$tmp/fixed" --platforms "$src/platforms" \
  >"$tmp/fixed.out" 2>"$tmp/fixed.err"
status=$?
check "the fixed set of $runs swarm runs all pass" "$status" "0"
[ $status = 0 ] || { cat "$tmp/fixed.err" "$tmp/fixed.out"; }
echo "($runs runs in $(( $(date +%s) - start )) s)"
check "swarm.csv has a row per run" "$(tail -n +2 "$tmp/fixed/swarm.csv" | wc -l)" "$runs"
check "every run was replayed byte for byte" "$(grep -c ", $runs replayed byte for byte" "$tmp/fixed.out")" "1"
check "every run passed" "$(tail -n +2 "$tmp/fixed/swarm.csv" | grep -vc ',pass,')" "0"
check "no failures folder" "$(ls "$tmp/fixed" | tr '\n' ' ')" "platforms swarm.csv "
check "the set covers every protocol" "$(tail -n +2 "$tmp/fixed/swarm.csv" | cut -d, -f3 | sort -u | tr '\n' ' ')" \
  "pb-blocking pb-nonblocking quorum "
check "the set covers every failover design" "$(tail -n +2 "$tmp/fixed/swarm.csv" | cut -d, -f5 | sort -u | tr '\n' ' ')" \
  "none ordered peer view-service "
check "some runs are judged for liveness" "$(tail -n +2 "$tmp/fixed/swarm.csv" | cut -d, -f16 | grep -c yes | awk '{print ($1 > 0)}')" "1"

# Same seed, same scenarios: case 3 drawn again is the same file.
"$replsim" swarm --runs 4 --seed 7 --quick --jobs 1 --keep-passing --out "$tmp/again" --platforms "$src/platforms" \
  >/dev/null 2>&1
"$replsim" swarm --runs 4 --seed 7 --quick --jobs 2 --keep-passing --out "$tmp/again2" --platforms "$src/platforms" \
  >/dev/null 2>&1
check "a case is the same scenario whatever the number of jobs" \
  "$(cmp -s "$tmp/again/passing/00003/scenario.xml" "$tmp/again2/passing/00003/scenario.xml" && echo same)" "same"

# The judge catches broken promises: --strict promises everything.
"$replsim" swarm --runs 30 --seed 1 --quick --jobs 2 --strict --shrink-attempts 6 --out "$tmp/strict" \
  --platforms "$src/platforms" >"$tmp/strict.out" 2>"$tmp/strict.err"
check "--strict: the swarm exits 1 when a run fails" "$?" "1"
nfail=$(ls "$tmp/strict/failures" | wc -l)
check "--strict: failures are kept" "$(( nfail > 0 ))" "1"
check "--strict: one replay command per failure" "$(grep -c '^  replay: replsim run .*/failures/[0-9]*/scenario.xml --seed [0-9]*$' "$tmp/strict.err")" "$nfail"
first=$(grep -m1 '^  replay: ' "$tmp/strict.err" | sed 's/^  replay: replsim //')
case_dir=$(echo "$first" | awk '{print $2}' | xargs dirname)
# shellcheck disable=SC2086
"$replsim" $first --out "$tmp/replayed" >/dev/null 2>&1
check "--strict: the replay command fails again (its <expect> states the promise)" "$?" "1"
check "--strict: the shrunk scenario is kept beside it" "$([ -f "$case_dir/shrunk.xml" ] && echo yes)" "yes"
"$replsim" run "$case_dir/shrunk.xml" --out "$tmp/shrunk" >/dev/null 2>&1
check "--strict: the shrunk scenario still fails" "$?" "1"
check "--strict: quorum without read-repair is among the failures (it never promised linearizability)" \
  "$(tail -n +2 "$tmp/strict/swarm.csv" | awk -F, '$3 == "quorum" && $7 == "-" && $17 != "pass"' | wc -l | awk '{print ($1 > 0)}')" "1"

# A swarm finding kept here rather than in tests/repro/ (it takes the whole check bound): --max-wall
# bounds a run's linearizability check too, so a check of long appended values ends in time.
if [ "${RS_SANITIZE:-OFF}" != ON ]; then
  start=$(date +%s)
  timeout 60 "$replsim" run "$src/tests/swarm/hang-checker-appends.xml" --out "$tmp/appends" --max-wall 5 >/dev/null 2>&1
  check "a run whose check meets long appends ends under --max-wall (exit 0)" "$?" "0"
  check "within 20 s" "$(( $(date +%s) - start <= 20 ))" "1"
fi

# Runs side by side replay byte for byte, down to the messages lost when the run ends.
for i in 1 2 3 4; do
  "$replsim" run "$src/tests/swarm/replay-order-of-the-last-drops.xml" --out "$tmp/order$i" >/dev/null 2>&1 &
done
wait
check "four runs side by side give one trace" "$(cat "$tmp"/order*/trace.jsonl | wc -l | awk '{print ($1 > 0)}')$(md5sum "$tmp"/order*/trace.jsonl | cut -d' ' -f1 | sort -u | wc -l)" "11"

# Output folders: an unmarked folder is refused before anything runs.
mkdir "$tmp/mine" && echo keep >"$tmp/mine/file"
"$replsim" swarm --runs 1 --out "$tmp/mine" --platforms "$src/platforms" >/dev/null 2>&1
check "an existing folder replsim did not write is refused (exit 2)" "$?" "2"
check "and left alone" "$(cat "$tmp/mine/file")" "keep"
"$replsim" swarm --runs 2 --quick --out "$tmp/fixed" --platforms "$src/platforms" >/dev/null 2>&1
check "a swarm's own folder is replaced" "$(tail -n +2 "$tmp/fixed/swarm.csv" | wc -l)" "2"
"$replsim" swarm --runs 0 >/dev/null 2>&1
check "--runs 0 is refused" "$?" "2"

exit $fail
