#!/usr/bin/env bash
# Open-loop workloads (rate="N/s"): Poisson arrivals at the stated rate whatever the answers,
# latency measured from when each operation fell due (no coordinated omission), nothing invoked
# after the duration, an exact share with ops=, byte-for-byte replay, and "intended" checked on input.
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

for f in light overload ops; do
  "$replsim" run "$src/tests/openloop/$f.xml" --out "$tmp/$f" >"$tmp/$f.log" 2>&1
  check "$f runs" "$?" "0"
done

# 2,000/s for 3 s: 6,000 arrivals expected, Poisson (sd 77): within 4 sd.
within "light: operations at the rate" "$(jq .ops "$tmp/light/summary.json")" 5690 6310
within "light: put p50 is the service time (0.6 ms)" "$(jq .latency.put.p50 "$tmp/light/summary.json")" 0.0005 0.0008
# Each client is busy 15% of the time (250/s x 0.6 ms), so about that share of arrivals waits.
within "light: a minority of operations fell due while their client was busy" "$(grep -c '"intended"' "$tmp/light/trace.jsonl")" 200 1200

# Overload: latency from when each operation fell due grows far past the service time, and the
# trace says when each late one was due (never after it started).
within "overload: put p50 grows past the service time" "$(jq .latency.put.p50 "$tmp/overload/summary.json")" 0.002 1
late=$(grep -c '"intended"' "$tmp/overload/trace.jsonl")
within "overload: late operations carry intended" "$late" 1000 20000
check "overload: intended never after the invoke" \
  "$(grep '"type":"invoke"' "$tmp/overload/trace.jsonl" | jq -s '[.[] | select(.intended != null and .intended > .t)] | length')" "0"
check "overload: no invoke at or after the duration" \
  "$(grep '"type":"invoke"' "$tmp/overload/trace.jsonl" | jq -s '[.[] | select(.t >= 1)] | length')" "0"
check "overload: linearizable" "$(jq .linearizable "$tmp/overload/summary.json")" "true"

check "ops=: exactly the share falls due" "$(jq .ops "$tmp/ops/summary.json")" "500"
within "ops=: 500 at 100/s take about 5 s" "$(jq .simulated_time "$tmp/ops/summary.json")" 4 7

"$replsim" run "$src/tests/openloop/overload.xml" --out "$tmp/again" >/dev/null 2>&1
check "overload replays byte for byte" "$(cmp "$tmp/overload/trace.jsonl" "$tmp/again/trace.jsonl" && cmp "$tmp/overload/summary.json" "$tmp/again/summary.json" && echo same)" "same"

# check reads intended back: the same latency as the run, and a bad one is refused with FILE:LINE.
"$replsim" check "$tmp/overload/trace.jsonl" >"$tmp/check.out" 2>&1
check "check accepts the open-loop trace" "$?" "0"
n=$(grep -n '"intended"' "$tmp/overload/trace.jsonl" | head -1 | cut -d: -f1)
sed "${n}s/\"intended\":[0-9.e-]*/\"intended\":99/" "$tmp/overload/trace.jsonl" >"$tmp/bad.jsonl"
"$replsim" check "$tmp/bad.jsonl" >/dev/null 2>"$tmp/bad.err"
check "an intended later than its invoke is refused" "$?" "2"
check "with the file and line" "$(grep -c "bad.jsonl:$n:.*intended" "$tmp/bad.err")" "1"
exit $fail
