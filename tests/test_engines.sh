#!/usr/bin/env bash
# The fast engine against the SimGrid engine (the reference): the fidelity scenarios give the same
# latency for every operation (within 1 us: SimGrid's own rounding); the scripted seed 004 runs
# the same operations with the same outcomes and, for reads (one message each way, no two flows
# on a link), the same latencies; the quick starts the same counts and, per operation kind,
# medians and means within 3% (SimGrid shares a link's bandwidth between a node's simultaneous
# sends, the fast engine does not: README "Engines"). And fast runs replay byte for byte.
set -euo pipefail
replsim=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
quickstarts="pb-blocking pb-nonblocking quorum"
faulty="faults-link-down-and-delay faults-loss-duplicate faults-one-way-partition faults-stale-primary-paused
        faults-split-brain-peer failover-peer-backup-restart faults-join-under-load faults-repeated-crashes"
if [ "${RS_SANITIZE:-OFF}" = ON ]; then
  export RS_SIMGRID_THREADS=1 # SimGrid's default context switching confuses ASan
  # A reduced set: memory errors are what the sanitizers look for; the normal build proves the rest.
  quickstarts="pb-blocking"
  faulty="faults-link-down-and-delay faults-stale-primary-paused failover-peer-backup-restart"
fi
pass=0
fail=0

ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

run() { # NAME SCENARIO ENGINE [SUFFIX]
  local out=$tmp/$1-$3${4:-}
  if ! timeout 120 "$replsim" run "$2" --engine "$3" --out "$out" >"$out.log" 2>&1; then
    bad "$1 on $3 exited non-zero"; tail -n 20 "$out.log"; return 1
  fi
}

# Per-operation latencies in completion order: "process op outcome latency", one a line.
latencies() {
  jq -r 'select(.type=="invoke" or .type=="ok" or .type=="fail" or .type=="info") | [.type, .process, .op, .t] | @tsv' "$1" |
    awk -F'\t' '$1=="invoke" { start[$2] = $4; next } { printf "%s %s %s %.9f\n", $2, $3, $1, $4 - start[$2] }'
}

# Compares two latency lists: same operations and outcomes; `all` or `read` must agree within 1 us.
same_latencies() { # NAME A B WHICH
  local n=$1 a=$2 b=$3 which=$4
  if ! diff <(cut -d' ' -f1-3 "$a") <(cut -d' ' -f1-3 "$b") >/dev/null; then
    bad "$n: the engines ran different operations or outcomes"; return
  fi
  local off
  off=$(paste -d' ' "$a" "$b" | awk -v w="$which" '(w == "all" || $2 == "read" || $2 == "get") {
          d = $4 - $8; if (d < 0) d = -d; if (d > 1e-6) n++ } END { print n + 0 }')
  if [ "$off" = 0 ]; then ok "$n: $which latencies equal on both engines ($(wc -l <"$a") operations)"
  else bad "$n: $off $which latencies differ by more than 1 us"; paste -d' ' "$a" "$b" | head -n 5; fi
}

# 1. the fidelity scenarios: every operation
for p in pb-blocking pb-nonblocking quorum; do
  run "fid-$p" "$src/tests/fidelity/$p.xml" simgrid && run "fid-$p" "$src/tests/fidelity/$p.xml" fast || continue
  latencies "$tmp/fid-$p-simgrid/trace.jsonl" >"$tmp/fid-$p.sg"
  latencies "$tmp/fid-$p-fast/trace.jsonl" >"$tmp/fid-$p.fast"
  same_latencies "fidelity $p" "$tmp/fid-$p.sg" "$tmp/fid-$p.fast" all
done

# 2. seed 004's scripted runs: the same steps; reads exactly
for p in pb-blocking pb-nonblocking quorum; do
  s=$src/scenarios/seed004-test-script-$p.xml
  run "s4-$p" "$s" simgrid && run "s4-$p" "$s" fast || continue
  latencies "$tmp/s4-$p-simgrid/trace.jsonl" >"$tmp/s4-$p.sg"
  latencies "$tmp/s4-$p-fast/trace.jsonl" >"$tmp/s4-$p.fast"
  same_latencies "seed004 $p" "$tmp/s4-$p.sg" "$tmp/s4-$p.fast" read
done

# 3. the quick starts: counts equal, medians and means close; and the fast engine replays
for p in $quickstarts; do
  s=$src/scenarios/quickstart-$p.xml
  run "qs-$p" "$s" simgrid && run "qs-$p" "$s" fast && run "qs-$p" "$s" fast -again || continue
  a=$tmp/qs-$p-simgrid/summary.json b=$tmp/qs-$p-fast/summary.json
  if [ "$(jq -c '[.ops, .ok, .fail, .info]' "$a")" != "$(jq -c '[.ops, .ok, .fail, .info]' "$b")" ]; then
    bad "quickstart $p: operation counts differ: $(jq -c '[.ops, .ok, .fail, .info]' "$a") vs $(jq -c '[.ops, .ok, .fail, .info]' "$b")"
  else
    far=$(jq -n --slurpfile a "$a" --slurpfile b "$b" '[$a[0].latency | to_entries[] | .key as $k | .value as $x
            | $b[0].latency[$k] as $y | ([$x.p50, $y.p50], [$x.mean, $y.mean])
            | select(((.[0] - .[1]) | fabs) > 0.03 * .[0])] | length')
    if [ "$far" = 0 ]; then ok "quickstart $p: same counts, medians and means within 3%"
    else bad "quickstart $p: $far medians or means differ by more than 3%"; fi
  fi
  for f in trace.jsonl summary.json; do
    if cmp -s "$tmp/qs-$p-fast/$f" "$tmp/qs-$p-fast-again/$f"; then ok "quickstart $p: fast $f replays byte for byte"
    else bad "quickstart $p: fast $f differs between two runs"; fi
  done
done

# 3b. <network engine="fast"> in the file selects the same engine as --engine fast
sed -e 's|<platform file="\.\./platforms/|<platform file="'"$src"'/platforms/|' \
    -e 's|\(<platform [^>]*/>\)|\1\n  <network engine="fast"/>|' "$src/scenarios/quickstart-pb-blocking.xml" >"$tmp/in-file.xml"
if timeout 120 "$replsim" run "$tmp/in-file.xml" --out "$tmp/in-file" >"$tmp/in-file.log" 2>&1 &&
   [ -d "$tmp/qs-pb-blocking-fast" ] && cmp -s "$tmp/in-file/trace.jsonl" "$tmp/qs-pb-blocking-fast/trace.jsonl"; then
  ok "<network engine=\"fast\"> runs the fast engine (the same trace as --engine fast)"
else
  bad "<network engine=\"fast\"> did not give the fast engine's trace"; tail -n 5 "$tmp/in-file.log"
fi

# 4. faults on the fast engine (crash, restart, pause, partition, one-way, link-down, delay, loss,
# duplicate, a restart a node asks for, a join): the scenario's expectations hold, and it replays
for n in $faulty; do
  s=$src/scenarios/$n.xml
  run "$n" "$s" fast && run "$n" "$s" fast -again || continue
  ok "$n: its expectations hold on the fast engine"
  if cmp -s "$tmp/$n-fast/trace.jsonl" "$tmp/$n-fast-again/trace.jsonl" && cmp -s "$tmp/$n-fast/summary.json" "$tmp/$n-fast-again/summary.json"
  then ok "$n: fast trace.jsonl and summary.json replay byte for byte"
  else bad "$n: the fast engine's outputs differ between two runs"; fi
done

# 5. the watchdog on the fast engine: a livelock (normal build only: a million events) and --max-wall
# stop the run with its outputs, "stopped" in summary.json and exit status 1
if [ "${RS_SANITIZE:-OFF}" != ON ]; then
  set +e
  timeout 120 "$replsim" run "$src/tests/watchdog/livelock.xml" --engine fast --out "$tmp/ll" --check-timeout 2 >"$tmp/ll.out" 2>"$tmp/ll.err"
  rc=$?
  set -e
  if [ $rc = 1 ] && [ "$(jq -r .stopped "$tmp/ll/summary.json")" = livelock ] && grep -q 'livelock at t=.*nodes: r[12]' "$tmp/ll.err"
  then ok "fast engine: a livelock stops the run (exit 1, \"stopped\": \"livelock\", the nodes named)"
  else bad "fast engine: the livelock was not stopped as on the SimGrid engine (exit $rc)"; fi
fi
set +e
"$replsim" run "$src/bench/steady.xml" --engine fast --out "$tmp/wb" --max-wall 0.2 >/dev/null 2>"$tmp/wb.err"
rc=$?
set -e
if [ $rc = 1 ] && [ "$(jq -r .stopped "$tmp/wb/summary.json")" = wall-bound ]; then ok "fast engine: --max-wall stops the run"
else bad "fast engine: --max-wall did not stop the run (exit $rc)"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
