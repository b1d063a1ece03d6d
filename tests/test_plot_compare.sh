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
