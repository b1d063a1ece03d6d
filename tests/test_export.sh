# `replsim export DIR --to perfetto|shiviz`: the Perfetto file keeps the Chrome trace-event
# format's rules, the ShiViz log keeps ShiViz's (the regex first, one event a line, vector clocks
# whose own entry rises by exactly one per event and whose other entries never fall), on a run
# with a crash, a restart, a partition and lost messages; bad arguments exit 2.
# Usage: bash tests/test_export.sh PATH_TO_REPLSIM SOURCE_DIR
set -u
replsim=${1:?usage: test_export.sh PATH_TO_REPLSIM SOURCE_DIR}
src=${2:?usage: test_export.sh PATH_TO_REPLSIM SOURCE_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ "${RS_SANITIZE:-OFF}" = ON ] && export RS_SIMGRID_THREADS=1
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
# check NAME JQ-PROGRAM FILE: the program, run on the file, prints true.
check() {
  local got
  got=$(jq -e "$2" "$3" 2>&1)
  if [ "$got" = true ]; then pass; else fail "$1" "$(echo "$got" | head -c 300)"; fi
}

run=$tmp/run
"$replsim" run "$src/docs/img/plots-demo.xml" --out "$run" >"$tmp/run.txt" 2>&1
[ -s "$run/trace.jsonl" ] || { echo "FAIL: the demo run wrote no trace"; cat "$tmp/run.txt"; exit 1; }

# ---- Perfetto ---------------------------------------------------------------------------------
if "$replsim" export "$run" --to perfetto >"$tmp/out.txt" 2>&1 && grep -q 'trace.perfetto.json' "$tmp/out.txt"; then pass
else fail "export --to perfetto" "$(cat "$tmp/out.txt")"; fi
pf=$run/trace.perfetto.json
check "perfetto: a JSON object with a traceEvents array" '(.traceEvents | type) == "array" and (.traceEvents | length) > 100' "$pf"
check "perfetto: every event has a known phase, a name, integer pid and tid" \
  '[.traceEvents[] | (.ph | IN("M","X","s","f","i","b","e")) and (.name | type) == "string" and (.pid | type) == "number" and (.tid | type) == "number"] | all' "$pf"
check "perfetto: every timed event has ts >= 0; complete slices a dur >= 0" \
  '[.traceEvents[] | select(.ph != "M") | (.ts | type) == "number" and .ts >= 0 and (if .ph == "X" then .dur >= 0 else true end)] | all' "$pf"
check "perfetto: every process used is named by a process_name event" \
  '([.traceEvents[] | select(.ph == "M" and .name == "process_name") | .pid] | unique) as $named | [.traceEvents[] | .pid] | unique | all(. as $p | $named | index($p) != null)' "$pf"
check "perfetto: each process is named once, after a node" \
  '[.traceEvents[] | select(.ph == "M" and .name == "process_name") | .args.name] | (length == (unique | length)) and (index("r1") != null) and (index("registry") != null)' "$pf"
check "perfetto: every flow start has one finish with the same id, not earlier, bound to its slice" \
  '([.traceEvents[] | select(.ph == "s")] | map({key: (.id | tostring), value: .ts}) | from_entries) as $s | [.traceEvents[] | select(.ph == "f")] | (map(.id) | length == (unique | length)) and all(($s[.id | tostring] // -1) as $t | $t >= 0 and .ts >= $t and .bp == "e")' "$pf"
check "perfetto: every async begin has exactly one end with its id, not earlier" \
  '[.traceEvents[] | select(.ph == "b" or .ph == "e")] | group_by(.id) | all(length == 2 and .[0].ph == "b" and .[1].ph == "e" and .[1].ts >= .[0].ts)' "$pf"
# Viewers stack a thread's complete events by nesting: one that only overlaps another is dropped
# or mis-stacked (speedscope warned "Tried to end ... when ... was on the top of the stack").
check "perfetto: slices on one thread never overlap" \
  '[.traceEvents[] | select(.ph == "X")] | group_by([.pid, .tid]) | all(sort_by(.ts) | . as $x | [range(1; length)] | all($x[.].ts >= $x[. - 1].ts + $x[. - 1].dur - 0.0005))' "$pf"
check "perfetto: every thread with events is named" \
  '([.traceEvents[] | select(.ph == "M" and .name == "thread_name") | "\(.pid)/\(.tid)"] | unique) as $named | [.traceEvents[] | select(.ph != "M") | "\(.pid)/\(.tid)"] | unique | all(. as $t | $named | index($t) != null)' "$pf"
check "perfetto: instants have a scope" '[.traceEvents[] | select(.ph == "i") | .s | IN("g","p","t")] | all' "$pf"
check "perfetto: the run's scenario and seed are in otherData" '.otherData.scenario == "plots-demo" and (.otherData.seed | type) == "number"' "$pf"
sends=$(grep -c '"type":"send"' "$run/trace.jsonl")
check "perfetto: one flow arrow per message sent" "[.traceEvents[] | select(.ph == \"s\")] | length == $sends" "$pf"
ops=$(grep -c '"type":"invoke"' "$run/trace.jsonl")
check "perfetto: one async slice per client operation" "[.traceEvents[] | select(.ph == \"b\")] | length == $ops" "$pf"
check "perfetto: crashes, restarts, partitions and drops are instants" \
  '[.traceEvents[] | select(.ph == "i") | .name] | (any(startswith("crash start"))) and (any(startswith("restart"))) and (any(startswith("partition"))) and (any(startswith("lost ")))' "$pf"

# ---- ShiViz -----------------------------------------------------------------------------------
if "$replsim" export "$run" --to shiviz >"$tmp/out.txt" 2>&1 && grep -q 'shiviz.log' "$tmp/out.txt"; then pass
else fail "export --to shiviz" "$(cat "$tmp/out.txt")"; fi
sv=$run/shiviz.log
first=$(head -n 1 "$sv")
case $first in
  *'(?<host>'*'(?<clock>'*'(?<event>'*) pass ;;
  *) fail "shiviz: the regex on the first line names host, clock and event" "$first" ;;
esac
# Every event line, parsed with that regex (jq's Oniguruma reads the same named groups).
tail -n +3 "$sv" | jq -R -c --arg re "^${first}\$" 'capture($re) | .clock |= fromjson' >"$tmp/events.jsonl" 2>"$tmp/jq.err"
lines=$(($(wc -l <"$sv") - 2))
if [ "$(wc -l <"$tmp/events.jsonl")" = "$lines" ] && [ ! -s "$tmp/jq.err" ]; then pass
else fail "shiviz: every event line matches the regex" "$(head -c 300 "$tmp/jq.err")"; fi
check "shiviz: each host's own entry rises by exactly one per event, from 1" \
  '[group_by(.host)[] | . as $ev | [range(length)] | all(. as $i | $ev[$i].clock[$ev[$i].host] == $i + 1)] | all' <(jq -s -c '.' "$tmp/events.jsonl") # group_by sorts stably: a host's events keep their order
check "shiviz: no entry of a host's clock ever falls" \
  '[group_by(.host)[] | . as $ev | [range(1; length)] | all(. as $i | ($ev[$i - 1].clock | to_entries) | all(.value <= ($ev[$i].clock[.key] // 0)))] | all' <(jq -s -c '.' "$tmp/events.jsonl")
check "shiviz: a receipt knows more than its receiver alone" \
  '[.[] | select(.event | startswith("receive")) | (.clock | length) >= 2] | all' <(jq -s -c '.' "$tmp/events.jsonl")
check "shiviz: a node restarted after a crash is a new host" \
  '[.[] | .host] | any(test("#2$"))' <(jq -s -c '.' "$tmp/events.jsonl")
# ShiViz lays events out by their clocks: a new incarnation that started from nothing was drawn
# at the top of the run, beside events from before its crash.
check "shiviz: a restarted host's first event knows every event of the incarnation before it" \
  '. as $ev | [group_by(.host)[] | select(.[0].host | test("#[0-9]+$")) | .[0] as $first | ($first.host | sub("#[0-9]+$"; "") + (($first.host | capture("#(?<n>[0-9]+)$").n | tonumber - 1) as $n | if $n == 1 then "" else "#\($n)" end)) as $prev | ($first.clock[$prev] // 0) == ([$ev[] | select(.host == $prev)] | length)] | (length > 0 and all)' <(jq -s -c '.' "$tmp/events.jsonl")
# A loss is the network's: as the sender's event it opened a crashed sender's next incarnation
# while the node was still down.
check "shiviz: losses are events of the network host" \
  '[.[] | select(.event | startswith("lost ")) | .host == "network"] | (length > 0 and all)' <(jq -s -c '.' "$tmp/events.jsonl")
check "shiviz: a restarted host's first event is the end of its crash" \
  '[group_by(.host)[] | select(.[0].host | test("#[0-9]+$")) | .[0].event | startswith("fault crash end")] | (length > 0 and all)' <(jq -s -c '.' "$tmp/events.jsonl")

# The screenshots' run (docs/img/viewers-demo.xml): r1 sent a heartbeat as it crashed, and the
# network lost it while r1 was down. As r1's event that loss opened r1#2 three seconds early.
demo=$tmp/demo
"$replsim" run "$src/docs/img/viewers-demo.xml" --out "$demo" >/dev/null 2>&1 && "$replsim" export "$demo" --to shiviz >/dev/null 2>&1
first=$(grep -m 1 '^r1#2 ' "$demo/shiviz.log")
case $first in
  *'fault crash end (t=4)') pass ;;
  *) fail "shiviz: r1#2 of the screenshots' run begins when r1's crash ends" "$first" ;;
esac

# ---- bad arguments ----------------------------------------------------------------------------
for args in "$run" "$run --to svg" "$tmp/nowhere --to perfetto" "--to shiviz"; do
  # shellcheck disable=SC2086
  "$replsim" export $args >/dev/null 2>&1
  [ $? = 2 ] && pass || fail "export $args" "did not exit 2"
done
mkdir -p "$tmp/empty"
"$replsim" export "$tmp/empty" --to perfetto >/dev/null 2>&1
[ $? = 2 ] && [ ! -e "$tmp/empty/trace.perfetto.json" ] && pass || fail "export of a folder without a trace" "did not exit 2 cleanly"
printf '{"t":0.0,"type":"run","protocol":"pb-blocking","app":"kv"}\n{"t":1' >"$tmp/empty/trace.jsonl"
"$replsim" export "$tmp/empty" --to shiviz >"$tmp/out.txt" 2>&1
if [ $? = 2 ] && grep -q 'trace.jsonl:2:' "$tmp/out.txt" && [ -z "$(ls "$tmp/empty" | grep -v '^trace.jsonl$')" ]; then pass
else fail "export of a truncated trace" "no FILE:LINE, or a file was left: $(ls "$tmp/empty")"; fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
