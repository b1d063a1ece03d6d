#!/usr/bin/env bash
# A run never hangs (DESIGN.md): a livelock or --max-wall stops it with its outputs written,
# "stopped" in summary.json, the nodes and message types named on stderr, and exit status 1.
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

# A million events at one instant take minutes under the sanitizers' thread contexts: the
# livelock case runs in the normal build, the wall bound in both.
if [ "${RS_SANITIZE:-OFF}" != ON ]; then
  timeout 300 "$replsim" run "$src/tests/watchdog/livelock.xml" --out "$tmp/ll" --check-timeout 2 >"$tmp/ll.out" 2>"$tmp/ll.err"
  check "a livelock ends the run with exit status 1" "$?" "1"
  check "summary.json says why it stopped" "$(jq -r .stopped "$tmp/ll/summary.json")" "livelock"
  check "stderr names the nodes involved" "$(grep -c 'livelock at t=.*nodes: r[12] ([0-9]*).*messages: .*REQUEST' "$tmp/ll.err")" "1"
  check "the trace, the summary and the logs are written" "$(ls "$tmp/ll" | tr '\n' ' ')" "history.edn logs summary.json trace.jsonl "
  check "the printed summary says the run was stopped" "$(grep -c '^STOPPED .*livelock' "$tmp/ll.out")" "1"
else
  echo "skipped under the sanitizers: the livelock case (it runs in the normal build)"
fi

timeout 300 "$replsim" run "$src/scenarios/faults-repeated-crashes.xml" --out "$tmp/wb" --max-wall 0.2 >"$tmp/wb.out" 2>"$tmp/wb.err"
check "--max-wall ends the run with exit status 1" "$?" "1"
check "summary.json says it hit the wall bound" "$(jq -r .stopped "$tmp/wb/summary.json")" "wall-bound"
end=$(jq .simulated_time "$tmp/wb/summary.json")
last=$(jq -r .t "$tmp/wb/trace.jsonl" | sort -g | tail -1)
check "nothing happens in the trace after the stop" "$(awk -v a="$end" -v b="$last" 'BEGIN{print (b <= a + 1e-6) ? "yes" : b}')" "yes"

"$replsim" run "$src/scenarios/quickstart-pb-blocking.xml" --out "$tmp/bad" --max-wall -1 >/dev/null 2>"$tmp/bad.err"
check "a negative --max-wall is bad input" "$?" "2"
exit $fail
