#!/usr/bin/env bash
# make bench, real-mode section: write latency and throughput of pb-blocking, pb-nonblocking and
# quorum over TCP on loopback (3 replicas, bench/real-kv.xml), the same scenario simulated on a
# platform calibrated to this machine's loopback round trip (measured here), the ratio of the two,
# and Redis with one replica (SET + WAIT 1 0) measured side by side. Goal: pb-blocking write p50
# within 1.5x of Redis SET+WAIT.
# Usage: bash bench/real.sh BUILD_DIR
set -euo pipefail
BUILD=$(cd "${1:?usage: bash bench/real.sh BUILD_DIR}" && pwd)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPLSIM=$BUILD/replsim
SCENARIO=$ROOT/bench/real-kv.xml
for tool in redis-server redis-cli redis-benchmark jq; do
  command -v $tool >/dev/null || { echo "bench real: $tool not found (run 'make deps')" >&2; exit 1; }
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/replsim-bench-real.XXXXXX")
SHM=$(mktemp -d /dev/shm/replsim-bench-real.XXXXXX)
redis_pids=()
cleanup() {
  for p in "${redis_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP" "$SHM"
}
trap cleanup EXIT
# A loopback address of its own, so this never meets a cluster on 127.0.0.1's ports.
IP=127.0.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))
grep -o '<host id="[^"]*"' "$ROOT/platforms/lan.xml" | sed 's/<host id="//; s/"$//' | sed "s/$/ $IP/" > "$TMP/hosts"

# --- Redis: a primary and one replica on loopback ports, in this temporary folder ----------------
P1=$((20000 + RANDOM % 20000))
P2=$((P1 + 1))
redis-server --port $P1 --bind 127.0.0.1 --dir "$TMP" --save '' --appendonly no --daemonize no \
  > "$TMP/redis1.log" 2>&1 &
redis_pids+=($!)
redis-server --port $P2 --bind 127.0.0.1 --dir "$TMP" --save '' --appendonly no --daemonize no \
  --replicaof 127.0.0.1 $P1 > "$TMP/redis2.log" 2>&1 &
redis_pids+=($!)
for _ in $(seq 1 100); do
  redis-cli -p $P2 info replication 2>/dev/null | grep -q 'master_link_status:up' && break
  sleep 0.1
done
redis-cli -p $P2 info replication | grep -q 'master_link_status:up' || { echo "bench real: redis replica did not sync" >&2; exit 1; }

# Loopback round trip: one client's PINGs, one after the other (1 / rate).
RATE=$(redis-benchmark -p $P1 -t ping_inline -c 1 -n 20000 -q 2>/dev/null | grep -o '[0-9.]* requests per second' | cut -d' ' -f1)
RTT=$(awk -v r="$RATE" 'BEGIN { printf "%.9f", 1 / r }')
REDIS=$("$BUILD/redis_wait" $P1 8 5)
read -r _ R_OPS _ R_P50 _ R_P99 _ R_TPUT <<< "$REDIS"

# --- the simulated side: lan.xml's hosts with links of RTT/4 (a message crosses two links) ------
LINK=$(awk -v r="$RTT" 'BEGIN { printf "%.3fus", r / 4 * 1e6 }')
sed -E "s/latency=\"[^\"]*\"/latency=\"$LINK\"/; s/bandwidth=\"[^\"]*\"/bandwidth=\"10Gbps\"/" \
  "$ROOT/platforms/lan.xml" > "$TMP/loopback.xml"
sed "s|../platforms/lan.xml|$TMP/loopback.xml|" "$SCENARIO" > "$TMP/sim-kv.xml"

line() { # LABEL SUMMARY.json
  jq -r --arg l "$1" '[$l, (.latency.put.p50 * 1000), (.latency.put.p99 * 1000), .throughput, .ok]
                       | "\(.[0])|\(.[1])|\(.[2])|\(.[3])|\(.[4])"' "$2"
}
rows=()
for proto in pb-blocking pb-nonblocking quorum; do
  echo "bench real: $proto over TCP (5 s each, stores on disk, then on tmpfs), and simulated..." >&2
  "$REPLSIM" real "$SCENARIO" --set protocol=$proto --hosts "$TMP/hosts" --out "$TMP/real-disk-$proto" \
    --data "$TMP/data-$proto" > /dev/null 2>&1 || true
  "$REPLSIM" real "$SCENARIO" --set protocol=$proto --hosts "$TMP/hosts" --out "$TMP/real-shm-$proto" \
    --data "$SHM/data-$proto" > /dev/null 2>&1 || true
  "$REPLSIM" run "$TMP/sim-kv.xml" --set protocol=$proto --set duration=1s --out "$TMP/sim-$proto" > /dev/null 2>&1 || true
  rows+=("$(line "$proto real, disk" "$TMP/real-disk-$proto/summary.json")")
  rows+=("$(line "$proto real, tmpfs" "$TMP/real-shm-$proto/summary.json")")
  rows+=("$(line "$proto simulated" "$TMP/sim-$proto/summary.json")")
done
# Redis' shape: a primary and one copy. pb-blocking with two replicas holds as many copies.
echo "bench real: pb-blocking with 2 replicas over TCP, stores on tmpfs..." >&2
sed -e '/id="r3"/d' -e "s|../platforms/lan.xml|$ROOT/platforms/lan.xml|" "$SCENARIO" > "$TMP/kv2.xml"
"$REPLSIM" real "$TMP/kv2.xml" --hosts "$TMP/hosts" --out "$TMP/real-shm-2" --data "$SHM/data-2" > /dev/null 2>&1 || true
rows+=("$(line "pb-blocking x2 real, tmpfs" "$TMP/real-shm-2/summary.json")")

echo
echo "== real mode on loopback (3 replicas, 8 closed-loop writers, 5 s) ============="
printf "loopback round trip %.1f us (redis-benchmark PING, one client); simulated links %s\n" \
  "$(awk -v r="$RTT" 'BEGIN { print r * 1e6 }')" "$LINK"
printf "%-28s %10s %10s %12s %8s\n" "" "p50 ms" "p99 ms" "writes/s" "ok"
for r in "${rows[@]}"; do
  IFS='|' read -r label p50 p99 tput okc <<< "$r"
  printf "%-28s %10.3f %10.3f %12.1f %8s\n" "$label" "$p50" "$p99" "$tput" "$okc"
done
printf "%-28s %10.3f %10.3f %12.1f %8s\n" "redis SET+WAIT 1 0" "$R_P50" "$R_P99" "$R_TPUT" "$R_OPS"
echo
echo "real / simulated (stores on tmpfs; the simulation has no disk):"
for proto in pb-blocking pb-nonblocking quorum; do
  jq -rs --arg p "$proto" '"  \($p): p50 x\(((.[0].latency.put.p50 / .[1].latency.put.p50) * 100 | round) / 100), p99 x\(((.[0].latency.put.p99 / .[1].latency.put.p99) * 100 | round) / 100)"' \
    "$TMP/real-shm-$proto/summary.json" "$TMP/sim-$proto/summary.json"
done
awk -v a="$(jq '.latency.put.p50 * 1000' "$TMP/real-shm-pb-blocking/summary.json")" \
    -v two="$(jq '.latency.put.p50 * 1000' "$TMP/real-shm-2/summary.json")" \
    -v d="$(jq '.latency.put.p50 * 1000' "$TMP/real-disk-pb-blocking/summary.json")" -v r="$R_P50" 'BEGIN {
  printf "pb-blocking write p50 / redis SET+WAIT p50: %.2f on tmpfs (%.2f with 2 replicas, Redis'"'"' shape), %.2f on disk (goal <= 1.5): %s\n",
         a / r, two / r, d / r, a / r <= 1.5 ? "met on tmpfs" : two / r <= 1.5 ? "met with 2 replicas only" : "NOT met"
}'
