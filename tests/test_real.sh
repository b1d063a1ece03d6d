#!/usr/bin/env bash
# Real mode on loopback, end to end: seed 004's automated test script for each protocol runs over
# TCP with `replsim real` (every server its own process) and every step's outcome holds; the
# trace is the contract's (first line "mode":"real") and `replsim check` agrees with the verdict.
# Usage: bash tests/test_real.sh PATH_TO_REPLSIM SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/real/lib.sh"

for proto in pb-blocking pb-nonblocking quorum; do
  out=$tmp/out-$proto
  "$replsim" real "$src/scenarios/seed004-test-script-$proto.xml" --hosts "$tmp/hosts" --out "$out" \
    > "$tmp/$proto.txt" 2>&1
  s=$?
  if [ $s = 0 ] && grep -q '0 failed' "$tmp/$proto.txt"; then
    ok "test_real_seed004_script_holds_every_step_over_tcp ($proto)"
  else
    bad "seed 004 script over TCP ($proto): exit $s"; cat "$tmp/$proto.txt"; cat "$out"/stderr/* 2>/dev/null
  fi
  if head -1 "$out/trace.jsonl" | jq -e '.type == "run" and .mode == "real" and .protocol == "'$proto'"' >/dev/null; then
    ok "test_real_trace_says_mode_real ($proto)"
  else
    bad "first trace line ($proto): $(head -1 "$out/trace.jsonl")"
  fi
  # Every recv answers a send of the same id, and times never go back.
  if jq -s -e '([.[] | select(.type == "send") | .id] | unique) as $sent
               | all(.[] | select(.type == "recv"); .id as $i | $sent | index($i) != null)
               and ([.[].t] | . == sort)' "$out/trace.jsonl" >/dev/null; then
    ok "test_real_trace_in_time_order_and_every_recv_was_sent ($proto)"
  else
    bad "trace order or message ids ($proto)"
  fi
  if "$replsim" check "$out" > "$tmp/check-$proto.txt" 2>&1; then
    ok "test_real_check_agrees ($proto)"
  else
    bad "replsim check on the real trace ($proto)"; cat "$tmp/check-$proto.txt"
  fi
  if jq -e '.mode == "real"' "$out/summary.json" >/dev/null && grep -q 'real mode, wall clock' "$tmp/$proto.txt" &&
     ! grep -q 'simulated' "$tmp/$proto.txt"; then
    ok "test_real_summary_says_real_mode_not_simulated ($proto)"
  else
    bad "summary of a real run ($proto) should say real mode"; grep -E 'Throughput|Time' "$tmp/$proto.txt"
  fi
  [ -f "$out/summary.json" ] && [ -f "$out/history.edn" ] && [ -d "$out/logs" ] && ok "test_real_writes_run_outputs ($proto)" \
    || bad "outputs missing ($proto)"
done

# The files of seed 004 are text files named by their filename in each replica's own folder: the
# live one holds its content, the deleted one is gone (its tombstone is in the metadata).
all_have=true
for r in r1 r2 r3; do
  d=$tmp/out-pb-blocking/data/$r
  [ "$(cat "$d/Teams" 2>/dev/null)" = "Ferrari, Mercedes" ] && [ ! -e "$d/Formula1ChampionsList" ] || all_have=false
done
$all_have && ok "test_real_files_are_text_files_in_each_replicas_folder" || bad "files app text files: $(ls -a "$tmp/out-pb-blocking/data/r1")"
# The fault injector: loss, a link delay, a partition and a pause, each traced, each with its effect.
out=$tmp/faults
"$replsim" real "$src/tests/real/faults.xml" --hosts "$tmp/hosts" --out "$out" > "$tmp/faults.txt" 2>&1
s=$?
[ $s = 0 ] && ok "test_real_faults_run_keeps_every_acknowledged_write (linearizable, lost-writes 0)" \
  || { bad "faults run: exit $s"; tail -30 "$tmp/faults.txt"; }
for f in loss delay partition pause; do
  n=$(jq -s --arg f "$f" '[.[] | select(.type == "fault" and .fault == $f)] | length' "$out/trace.jsonl")
  [ "$n" = 2 ] && ok "test_real_fault_${f}_traced_start_and_end" || bad "$f: $n fault lines"
done
loss=$(jq -s '[.[] | select(.type == "drop" and .why == "loss" and .t >= 1 and .t <= 2.1)] | length' "$out/trace.jsonl")
[ "$loss" -gt 0 ] && ok "test_real_loss_drops_messages ($loss)" || bad "no loss drops"
cut=$(jq -s '[.[] | select(.type == "drop" and .why == "partition" and (.from == "r3" or .to == "r3") and .t >= 2.5 and .t <= 3.6)] | length' "$out/trace.jsonl")
[ "$cut" -gt 0 ] && ok "test_real_partition_cuts_r3_off ($cut drops)" || bad "no partition drops"
late=$(jq -s 'map(select(.type == "send" or .type == "recv")) | group_by(.id)
              | map(select(length == 2 and .[0].from == "r1" and .[0].t > 1.1 and .[0].t < 1.9))
              | map(.[1].t - .[0].t) | if length > 0 then min else 0 end' "$out/trace.jsonl")
awk -v l="$late" 'BEGIN { exit !(l >= 0.019) }' && ok "test_real_link_delay_holds_node_1s_messages (fastest $late s)" \
  || bad "delay: fastest message from r1 during the delay took $late s"
finish
