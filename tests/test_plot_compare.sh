#!/usr/bin/env bash
# `replsim plot` draws real PNG and SVG files from a run, `replsim compare` runs every combination
# and writes results.csv with a row per run and operation type, and both reject bad arguments
# with exit status 2.
set -uo pipefail
replsim=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Under the sanitizers SimGrid must switch contexts with threads (its default confuses ASan).
[ "${RS_SANITIZE:-OFF}" = ON ] && export RS_SIMGRID_THREADS=1
pass=0
fail=0

ok() { echo "ok: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }

# A PNG starts with \x89PNG\r\n\x1a\n.
is_png() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }

# Well-formed XML whose root is <svg>.
is_svg() {
  [ -s "$1" ] || return 1
  if command -v xmllint >/dev/null; then
    xmllint --noout "$1" 2>/dev/null && grep -q '<svg' "$1"
  else
    grep -q '<svg' "$1" && grep -q '</svg>' "$1"
  fi
}

expect_status() { # WANT DESCRIPTION COMMAND...
  local want=$1 what=$2
  shift 2
  "$@" >"$tmp/out.txt" 2>&1
  local got=$?
  if [ "$got" = "$want" ]; then ok "$what (exit $got)"; else bad "$what: exit $got, expected $want"; cat "$tmp/out.txt"; fi
}

# --- plot ----------------------------------------------------------------------------------
run=$tmp/quick
if "$replsim" run "$src/scenarios/quickstart-pb-blocking.xml" --out "$run" >"$tmp/run.txt" 2>&1; then
  expect_status 0 "plot on a quickstart run" "$replsim" plot "$run"
  for name in latency spacetime; do
    if is_png "$run/plots/$name.png"; then ok "$name.png is a PNG"; else bad "$name.png is not a PNG"; fi
    if is_svg "$run/plots/$name.svg"; then ok "$name.svg is SVG"; else bad "$name.svg is not well-formed SVG"; fi
    if [ -s "$run/plots/$name.dat" ] && [ -s "$run/plots/$name.gp" ]; then ok "$name data and script kept"
    else bad "$name.dat or $name.gp missing"; fi
  done
  if grep -q "plots/spacetime.png" "$tmp/out.txt"; then ok "plot prints the files it wrote"; else bad "plot did not list its files"; fi
  cp "$run/plots/spacetime.dat" "$tmp/spacetime-1.dat"
  "$replsim" plot "$run" >/dev/null 2>&1
  if cmp -s "$run/plots/spacetime.dat" "$tmp/spacetime-1.dat"; then ok "plot data is deterministic"
  else bad "spacetime.dat differs between two plots of the same run"; fi
  expect_status 0 "plot with a --from/--to window" "$replsim" plot "$run" --from 0.01 --to 0.012
else
  bad "the quickstart run failed"; cat "$tmp/run.txt"
fi
# The default window opens on what is worth seeing (here the first fault), --nodes keeps lanes.
demo=$tmp/demo
if "$replsim" run "$src/docs/img/plots-demo.xml" --out "$demo" >"$tmp/run.txt" 2>&1; then
  expect_status 0 "plot of a run with faults" "$replsim" plot "$demo"
  if grep -q "opens on the first fault: crash r1" "$demo/plots/spacetime.gp"; then ok "the diagram opens on the first fault"
  else bad "the diagram does not say it opens on the first fault"; fi
  expect_status 0 "plot --nodes r1,r2,c1" "$replsim" plot "$demo" --nodes r1,r2,c1
  lanes=$(sed -nE "s/^ *set ytics \((.*)\) nomirror.*/\1/p" "$demo/plots/spacetime.gp" | tr -d "'" | sed -E 's/ [0-9]+//g')
  if [ "$lanes" = "r1, r2, c1" ]; then ok "--nodes draws exactly those lanes"; else bad "--nodes r1,r2,c1 drew lanes: $lanes"; fi
  expect_status 2 "plot --nodes with an unknown node" "$replsim" plot "$demo" --nodes r1,nobody
  for bad_time in nan -1 inf 2x; do
    expect_status 2 "plot --from $bad_time" "$replsim" plot "$demo" --from "$bad_time"
  done
else
  bad "the demo run failed"; cat "$tmp/run.txt"
fi
# A fault the user did not inject (a restart that could not reach its node) is drawn as an event.
split=$tmp/split
if "$replsim" run "$src/scenarios/faults-split-brain-peer.xml" --out "$split" >/dev/null 2>&1 &&
   "$replsim" plot "$split" >/dev/null 2>&1; then
  if grep -q "set arrow from .* dt 2 .*" "$split/plots/latency.gp" && grep -q "restart-failed r[0-9]" "$split/plots/latency.gp"; then
    ok "restart-failed is labelled as an event"; else bad "restart-failed is not drawn as a labelled event"; fi
  if grep -q "opens on the first violation" "$split/plots/spacetime.gp" && grep -q "cannot be placed" "$split/plots/spacetime.gp"; then
    ok "a run with a violation opens on it"; else bad "the split-brain diagram does not open on its violation"; fi
else
  bad "the split-brain run or its plot failed"
fi
# An empty or truncated trace is refused, and leaves no plots/ folder behind.
mkdir -p "$tmp/blank" "$tmp/cut"
: >"$tmp/blank/trace.jsonl"
expect_status 2 "plot of an empty trace" "$replsim" plot "$tmp/blank"
[ ! -e "$tmp/blank/plots" ] && ok "an empty trace leaves no plots/" || bad "an empty trace left plots/"
if [ -s "$run/trace.jsonl" ]; then
  head -c 5001 "$run/trace.jsonl" >"$tmp/cut/trace.jsonl"
  expect_status 2 "plot of a truncated trace" "$replsim" plot "$tmp/cut"
  [ ! -e "$tmp/cut/plots" ] && ok "a truncated trace leaves no plots/" || bad "a truncated trace left plots/"
fi
expect_status 2 "plot without a folder" "$replsim" plot
expect_status 2 "plot of a missing folder" "$replsim" plot "$tmp/nowhere"
mkdir -p "$tmp/empty"
expect_status 2 "plot of a folder without a trace" "$replsim" plot "$tmp/empty"
expect_status 2 "plot with --to before --from" "$replsim" plot "$run" --from 2 --to 1
expect_status 0 "plot --help" "$replsim" plot --help

# --- compare -------------------------------------------------------------------------------
script=$src/scenarios/seed004-test-script-pb-blocking.xml
out=$tmp/cmp
expect_status 0 "compare of two protocols over two seeds" \
  "$replsim" compare "$script" --protocols pb-blocking,pb-nonblocking --seeds 1-2 --jobs 2 --out "$out"
csv=$out/results.csv
header="protocol,seed,op,count,p50,p90,p99,mean,max,throughput,failed,info,stale_reads,linearizable,status"
if [ -f "$csv" ] && [ "$(head -n 1 "$csv")" = "$header" ]; then ok "results.csv header"; else bad "results.csv header: $(head -n 1 "$csv" 2>/dev/null)"; fi
# The script writes, reads and deletes: rows all, write, read, delete for each of 4 runs.
rows=$(($(wc -l <"$csv") - 1))
if [ "$rows" = 16 ]; then ok "results.csv has 16 rows (4 runs x all/write/read/delete)"; else bad "results.csv has $rows rows, expected 16"; cat "$csv"; fi
if [ "$(cut -d, -f15 "$csv" | tail -n +2 | sort -u)" = ok ]; then ok "every run's status is ok"; else bad "a run's status is not ok"; fi
for p in pb-blocking pb-nonblocking; do
  for s in 1 2; do
    if [ -s "$out/runs/$p-seed$s/summary.json" ] && [ -s "$out/runs/$p-seed$s/run.log" ]; then ok "run $p-seed$s kept its summary and log"
    else bad "run $p-seed$s has no summary.json or run.log"; fi
  done
done
if grep -q "median over seeds" "$tmp/out.txt"; then ok "compare prints a table"; else bad "no table printed"; fi
if is_png "$out/plots/cdf.png" && is_svg "$out/plots/cdf.svg"; then ok "compare draws cdf.png and cdf.svg"; else bad "compare drew no CDF"; fi

out=$tmp/vary
expect_status 0 "compare with --vary" \
  "$replsim" compare "$script" --protocols pb-blocking --vary replicas=3,4 --jobs 2 --out "$out"
if [ "$(head -n 1 "$out/results.csv" | cut -d, -f1-3)" = "protocol,replicas,seed" ]; then ok "the varied key has a column"
else bad "results.csv header with --vary: $(head -n 1 "$out/results.csv")"; fi
if is_png "$out/plots/vary.png" && is_svg "$out/plots/vary.svg"; then ok "compare --vary draws vary.png and vary.svg"; else bad "no vary plot"; fi

expect_status 2 "compare without --protocols" "$replsim" compare "$script" --out "$tmp/x"
expect_status 2 "compare with an unknown protocol" "$replsim" compare "$script" --protocols paxos --out "$tmp/x"
expect_status 2 "compare with a backwards seed range" "$replsim" compare "$script" --protocols quorum --seeds 5-1 --out "$tmp/x"
expect_status 2 "compare with a bad seed" "$replsim" compare "$script" --protocols quorum --seeds one --out "$tmp/x"
expect_status 2 "compare with --vary lacking values" "$replsim" compare "$script" --protocols quorum --vary replicas --out "$tmp/x"
expect_status 2 "compare with an unknown --vary key" "$replsim" compare "$script" --protocols quorum --vary colour=red --out "$tmp/x"
expect_status 2 "compare with --jobs 0" "$replsim" compare "$script" --protocols quorum --jobs 0 --out "$tmp/x"
expect_status 2 "compare of a missing scenario" "$replsim" compare "$tmp/none.xml" --protocols quorum --out "$tmp/x"
expect_status 0 "compare --help" "$replsim" compare --help

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
