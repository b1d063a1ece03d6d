#!/usr/bin/env bash
# Durability in real mode. (1) kill -9 under load: pb-blocking with the view service and reads at
# the primary, closed-loop clients, the primary SIGKILLed mid-run and restarted from its store:
# no acknowledged write lost and the history linearizable, per the checker on the real trace.
# (2) A whole-cluster stop and start (every process SIGKILLed, then started again on the same
# data folder): every acknowledged write is still there. (3) SIGKILL to `replsim real` itself
# leaves no process behind.
# Usage: bash tests/test_real_kill9.sh PATH_TO_REPLSIM SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/real/lib.sh"

# (1) -----------------------------------------------------------------------------------------
out=$tmp/kill9
"$replsim" real "$src/tests/real/kill9-pb-blocking.xml" --hosts "$tmp/hosts" --out "$out" > "$tmp/kill9.txt" 2>&1
s=$?
[ $s = 0 ] && ok "test_real_kill9_primary_expectations_hold (linearizable, lost-writes 0, diverged 0)" \
  || { bad "kill -9 run: exit $s"; cat "$tmp/kill9.txt"; }
# The node killed was the primary of the view in force when it died, and writes were
# acknowledged after it came back.
primary=$(jq -r 'select(.type == "role" and .role == "primary" and .t < 3.0) | .node' "$out/trace.jsonl" | tail -1)
[ "$primary" = r1 ] && ok "test_real_kill9_hits_the_primary" || bad "the primary at the crash was '$primary', not r1"
acked_after=$(jq -s '[.[] | select(.type == "ok" and (.op == "put" or .op == "append") and .t > 5.5)] | length' "$out/trace.jsonl")
[ "$acked_after" -gt 10 ] && ok "test_real_kill9_cluster_serves_writes_after_the_restart ($acked_after)" \
  || bad "only $acked_after writes acknowledged after r1's restart"
jq -e '.lost_writes == 0 and .linearizable == true' "$out/summary.json" >/dev/null \
  && ok "test_real_kill9_summary_zero_lost_writes" || bad "summary: $(jq -c '{lost_writes, linearizable}' "$out/summary.json")"
"$replsim" check "$out" > "$tmp/check.txt" 2>&1 && ok "test_real_kill9_check_linearizable" || { bad "check"; cat "$tmp/check.txt"; }

# (2) -----------------------------------------------------------------------------------------
sc=$src/tests/real/kv-cluster.xml
start_cluster() {
  for n in registry r1 r2 r3; do
    "$replsim" node "$sc" --id $n --hosts "$tmp/hosts" --data "$tmp/data" 2>> "$tmp/nodes.txt" &
    pids+=($!)
  done
}
start_cluster
sleep $((1 * slow))
written=0
for i in $(seq 1 15); do
  "$replsim" client "$sc" --hosts "$tmp/hosts" put "k$i" "v$i-$RANDOM" > "$tmp/put.txt" 2>&1 && {
    written=$((written + 1)); grep -q SUCCESS "$tmp/put.txt" && echo "k$i $(sed -n 's/^Key: //p' "$tmp/put.txt")" >/dev/null; }
  echo "$i $(cat "$tmp/put.txt" | tr '\n' ' ')" >> "$tmp/acked.txt"
done
for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
wait 2>/dev/null
pids=()
start_cluster
sleep $((1 * slow))
lost=0
for i in $(seq 1 15); do
  grep -q "^$i Status: SUCCESS" "$tmp/acked.txt" || continue
  for r in r1 r2 r3; do
    got=$("$replsim" client "$sc" --hosts "$tmp/hosts" get "k$i" --replica $r 2>/dev/null | sed -n 's/^Value: //p')
    [[ "$got" == v$i-* ]] || { lost=$((lost + 1)); echo "k$i at $r: '$got'"; }
  done
done
[ "$written" = 15 ] && [ "$lost" = 0 ] && ok "test_real_whole_cluster_restart_keeps_every_acknowledged_write (15 puts, 3 replicas)" \
  || { bad "whole-cluster restart: $written acknowledged, $lost missing"; cat "$tmp/nodes.txt"; }
for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
wait 2>/dev/null
pids=()

# (3) -----------------------------------------------------------------------------------------
"$replsim" real "$src/tests/real/kill9-pb-blocking.xml" --hosts "$tmp/hosts" --out "$tmp/killed" > /dev/null 2>&1 &
real=$!
pids+=($real)
children=""
for _ in $(seq 1 50); do
  children=$(pgrep -P $real | tr '\n' ' ')
  [ "$(echo $children | wc -w)" -ge 5 ] && break
  sleep 0.1
done
kill -9 $real
wait $real 2>/dev/null
sleep 0.5
left=""
# A process still alive (a zombie waiting for its new parent to reap it is not running).
for c in $children; do
  st=$(ps -o stat= -p "$c" 2>/dev/null)
  [ -n "$st" ] && [[ "$st" != Z* ]] && left="$left $c($st)"
done
[ -n "$children" ] && [ -z "$left" ] && ok "test_real_killing_real_leaves_no_process (${children% })" \
  || { bad "processes left after SIGKILL of real: '$left' (children: '$children')"; for c in $left; do kill -9 $c; done; }
finish
