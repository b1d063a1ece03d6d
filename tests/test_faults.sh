#!/usr/bin/env bash
# Faults do exactly what they say, read off the trace of the reproducers in tests/repro/:
# overlapping link faults compose, a crashed client resumes after its restart, a crashed
# registry host does not end the run.
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

"$replsim" run "$src/tests/repro/overlapping-link-faults.xml" --out "$tmp/ov" >/dev/null || { echo "FAIL: run"; exit 1; }
# The largest one-way latency to r2 of messages sent in each second: 30 ms while the 30 ms delay is
# in force (2-6 s), 10 ms while only the second one is (6-8 s), the platform's 0.1 ms after.
lat() {
  jq -r 'select((.type=="send" or .type=="recv") and .to=="r2") | "\(.id) \(.type) \(.t)"' "$tmp/ov/trace.jsonl" |
    awk -v from="$1" -v to="$2" '{if($2=="send")s[$1]=$3; else if($1 in s && s[$1]>=from && s[$1]<to){d=$3-s[$1]; if(d>m)m=d}} END{printf "%.1f", m*1000}'
}
check "two overlapping delays: the larger holds while both are in force" "$(lat 2.1 5.9)" "30.1"
check "two overlapping delays: the second holds alone after the first ends" "$(lat 6.1 7.9)" "10.1"
check "two overlapping delays: the link's own latency comes back after the last" "$(lat 8.1 19)" "0.1"
n=$(jq -r 'select(.type=="recv" and .to=="r3") | .t' "$tmp/ov/trace.jsonl" | awk '$1>10 && $1<14' | wc -l)
check "two overlapping link-downs: nothing crosses until the last one ends" "$n" "0"
n=$(jq -r 'select(.type=="recv" and .to=="r3") | .t' "$tmp/ov/trace.jsonl" | awk '$1>14' | wc -l)
check "two overlapping link-downs: traffic resumes after the last one" "$([ "$n" -gt 0 ] && echo yes)" "yes"

"$replsim" run "$src/tests/repro/client-and-registry-crash.xml" --out "$tmp/cr" >/dev/null || { echo "FAIL: run"; exit 1; }
n=$(jq -r 'select(.type=="invoke" and .process=="c1") | .t' "$tmp/cr/trace.jsonl" | awk '$1>=5 && $1<9' | wc -l)
check "a crashed client invokes nothing while it is down" "$n" "0"
n=$(jq -r 'select(.type=="invoke" and .process=="c1") | .t' "$tmp/cr/trace.jsonl" | awk '$1>=9' | wc -l)
check "a restarted client goes on with its workload" "$([ "$n" -gt 100 ] && echo yes)" "yes"
n=$(jq -r 'select(.type=="ok") | .t' "$tmp/cr/trace.jsonl" | awk '$1>13.5' | wc -l)
check "the run goes on after the registry host crashed and restarted" "$([ "$n" -gt 100 ] && echo yes)" "yes"
"$replsim" run "$src/tests/repro/faults-past-the-duration.xml" --out "$tmp/pd" >/dev/null || { echo "FAIL: run"; exit 1; }
n=$(jq -r 'select(.type=="invoke") | .t' "$tmp/pd/trace.jsonl" | awk '$1>=20' | wc -l)
check "no operation is invoked at or after the duration" "$n" "0"
end=$(jq '.simulated_time' "$tmp/pd/summary.json")
check "the run ends within duration + settle (20 s + 5 s)" "$(awk -v e="$end" 'BEGIN{print (e>=20 && e<=25) ? "yes" : e}')" "yes"
n=$(jq -r 'select(.type=="fault" and .phase=="start") | .t' "$tmp/pd/trace.jsonl" | awk '$1>20' | wc -l)
check "no fault starts after the duration" "$n" "0"
n=$(jq -r 'select(.type=="fault" and .fault=="restart" and .phase=="end" and .node=="r3") | .t' "$tmp/pd/trace.jsonl" | tail -1)
check "a drawn crash whose restart fell after the duration restarts at it and boots while the run settles" "$n" "21"

exit $fail
