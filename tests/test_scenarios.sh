#!/usr/bin/env bash
# Every shipped scenario (scenarios/) and every reproducer of a fixed bug (tests/repro/) passes
# its expectations within a wall bound, and replays byte for byte: each runs twice and
# trace.jsonl and summary.json must be identical. The sanitizer build runs each once (memory
# errors are what it looks for; replay is proved by the normal build, and the sanitizers' thread
# contexts make a run tens of times slower).
set -uo pipefail
replsim=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
runs="a b"
if [ "${RS_SANITIZE:-OFF}" = ON ]; then
  export RS_SIMGRID_THREADS=1 # SimGrid's default context switching confuses ASan
  runs="a"
fi
pass=0
fail=0

for scenario in "$src"/scenarios/*.xml "$src"/tests/repro/*.xml; do
  name=$(basename "$scenario" .xml)
  ok=1
  for run in $runs; do
    # A hang is a failure, not a stuck test run.
    timeout "${RS_SCENARIO_WALL:-120}" "$replsim" run "$scenario" --out "$tmp/$name-$run" >"$tmp/$name-$run.out" 2>&1
    rc=$?
    if [ $rc != 0 ]; then
      echo "FAIL: $name (run $run) exited $rc (124: still running after ${RS_SCENARIO_WALL:-120} s):"
      tail -n 30 "$tmp/$name-$run.out"
      ok=0
      break
    fi
  done
  if [ $ok = 1 ] && [ "$runs" = "a b" ]; then
    for f in trace.jsonl summary.json; do
      if ! cmp -s "$tmp/$name-a/$f" "$tmp/$name-b/$f"; then
        echo "FAIL: $name: $f differs between two runs with the same seed"
        ok=0
      fi
    done
  fi
  if [ $ok = 1 ]; then
    echo "ok: $name ($(grep -c . "$tmp/$name-a/trace.jsonl") trace lines$([ "$runs" = "a b" ] && echo ", identical twice"))"
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
  fi
  rm -rf "$tmp/$name-a" "$tmp/$name-b"
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
