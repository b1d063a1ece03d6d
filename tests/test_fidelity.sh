#!/usr/bin/env bash
# Fidelity: on hetero.xml a scripted write's latency equals the sum of the latencies of the
# messages on its path (each: sender's link + receiver's link + bytes / bandwidth), within 1%.
# Blocking: client -> r2 -> primary r1 -> slowest backup and back -> r2 -> client;
# non-blocking: the same without waiting for backups; quorum: registry round trip, then the
# slowest of the Nw replicas twice (the version query, then the write).
set -euo pipefail
replsim=$1
src=$2
tmp=$(mktemp -d)
[ "${RS_SANITIZE:-OFF}" = ON ] && export RS_SIMGRID_THREADS=1
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# One-way latency in seconds of each host link in platforms/hetero.xml, by node.
declare -A lat=([registry]=0.001 [r1]=0.002 [r2]=0.003 [r3]=0.005 [alice]=0.0005)
bw=125000000

# Seconds a message of TYPE from A to B takes: both links' latencies plus its size over the
# bandwidth. The last such message, or with WHICH=first the first one.
leg() {
  local type=$1 from=$2 to=$3 trace=$4 which=${5:-last} bytes pick=tail
  [ "$which" = first ] && pick=head
  bytes=$(jq -r --arg ty "$type" --arg f "$from" --arg t "$to" \
    'select(.type=="send" and .msg==$ty and .from==$f and .to==$t) | .bytes' "$trace" | $pick -n 1)
  [ -n "$bytes" ] || { echo "no $type from $from to $to in $trace" >&2; exit 1; }
  echo "${lat[$from]} + ${lat[$to]} + $bytes / $bw"
}

check() {
  local name=$1 expected=$2 trace=$3 measured
  measured=$(jq -r 'select(.type=="ok" and .process=="alice") | .t' "$trace")
  measured=$(echo "$measured - $(jq -r 'select(.type=="invoke" and .process=="alice") | .t' "$trace")" | bc -l)
  expected=$(echo "$expected" | bc -l)
  if echo "d = $measured - $expected; if (d < 0) d = -d; d <= 0.01 * $expected" | bc -l | grep -q 1; then
    echo "ok: $name latency $measured s, path sum $expected s"
    pass=$((pass + 1))
  else
    echo "FAIL: $name latency $measured s, path sum $expected s"
    fail=$((fail + 1))
  fi
}

max() { echo "if ($1 > $2) $1 else $2" | bc -l; }

for p in pb-blocking pb-nonblocking quorum; do
  "$replsim" run "$src/tests/fidelity/$p.xml" --out "$tmp/$p" >/dev/null
done

t=$tmp/pb-blocking/trace.jsonl
to_r2=$(leg REQUEST alice r2 "$t"); fwd=$(leg FORWARD r2 r1 "$t")
b2=$(echo "$(leg REPLICATE r1 r2 "$t") + $(leg REPLICATE_ACK r2 r1 "$t")" | bc -l)
b3=$(echo "$(leg REPLICATE r1 r3 "$t") + $(leg REPLICATE_ACK r3 r1 "$t")" | bc -l)
back=$(echo "$(leg FORWARD_REPLY r1 r2 "$t") + $(leg REPLY r2 alice "$t")" | bc -l)
check pb-blocking "$to_r2 + $fwd + $(max "$b2" "$b3") + $back" "$t"

t=$tmp/pb-nonblocking/trace.jsonl
check pb-nonblocking "$(leg REQUEST alice r2 "$t") + $(leg FORWARD r2 r1 "$t") + $(leg FORWARD_REPLY r1 r2 "$t") + $(leg REPLY r2 alice "$t")" "$t"

t=$tmp/quorum/trace.jsonl
ask="$(leg GET_REPLICAS alice registry "$t") + $(leg REPLICAS registry alice "$t")"
query=0
write=0
for r in r1 r2 r3; do
  query=$(max "$query" "$(echo "$(leg QUORUM_REQUEST alice $r "$t" first) + $(leg QUORUM_REPLY $r alice "$t" first)" | bc -l)")
  write=$(max "$write" "$(echo "$(leg QUORUM_REQUEST alice $r "$t") + $(leg QUORUM_REPLY $r alice "$t")" | bc -l)")
done
check quorum "$ask + $query + $write" "$t"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
