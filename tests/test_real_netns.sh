#!/usr/bin/env bash
# Two machines: two Linux network namespaces joined by a veth pair on private addresses
# (10.77.N.1 and 10.77.N.2), the registry and r1 in one, r2 and r3 in the other, placed with
# --hosts. A client in the first writes, reads from every replica across the boundary, then r3
# (in the second namespace) is killed with SIGKILL and restarted from its store: it still holds
# what it had, takes part in the next write, and answers it. Needs root (`ip netns add`); skipped
# with a message where namespaces cannot be made. The namespaces and every process go away at the
# end, pass or fail.
# Usage: bash tests/test_real_netns.sh PATH_TO_REPLSIM SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/real/lib.sh"
a=rs-a-$$
b=rs-b-$$
net=10.77.$((RANDOM % 250 + 1))
drop_ns() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  ip netns del "$a" 2>/dev/null
  ip netns del "$b" 2>/dev/null
  rm -rf "$tmp"
}
trap drop_ns EXIT
if ! ip netns add "$a" 2>/dev/null; then
  echo "SKIP: cannot create network namespaces here (ip netns add needs root and kernel support)"
  exit 0
fi
ip netns add "$b"
ip link add "va-$$" netns "$a" type veth peer name "vb-$$" netns "$b"
ip -n "$a" addr add "$net.1/24" dev "va-$$"
ip -n "$b" addr add "$net.2/24" dev "vb-$$"
for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
ip -n "$a" link set "va-$$" up
ip -n "$b" link set "vb-$$" up

sc=$src/scenarios/seed004-test-script-pb-blocking.xml
cat > "$tmp/hosts" <<HOSTS
# two machines: the registry and r1 on the first, r2 and r3 on the second
registry $net.1
node-1   $net.1
node-2   $net.2
node-3   $net.2
HOSTS
start() { # NAMESPACE NODE
  ip netns exec "$1" "$replsim" node "$sc" --id "$2" --hosts "$tmp/hosts" --data "$tmp/data-$1" 2>> "$tmp/nodes.txt" &
  pids+=($!)
  eval "pid_$2=$!"
}
client() { ip netns exec "$a" "$replsim" client "$sc" --hosts "$tmp/hosts" "$@" 2>&1; }
start "$a" registry
start "$a" r1
start "$b" r2
start "$b" r3
sleep $((1 * slow))

client write --uuid u1 --name Drivers --content "Senna, Prost" > "$tmp/w1.txt"
grep -q "Status: SUCCESS" "$tmp/w1.txt" && ok "test_netns_write_across_two_namespaces" || { bad "write: $(cat "$tmp/w1.txt")"; cat "$tmp/nodes.txt"; }
for r in r1 r2 r3; do
  got=$(client read --uuid u1 --replica $r | sed -n 's/^Content: //p')
  [ "$got" = "Senna, Prost" ] && ok "test_netns_read_from_$r" || bad "read at $r: '$got'"
done
[ "$(cat "$tmp/data-$b/r3/Drivers" 2>/dev/null)" = "Senna, Prost" ] && [ ! -e "$tmp/data-$a/r3" ] \
  && ok "test_netns_each_machine_keeps_its_own_store" || bad "stores: $(ls "$tmp"/data-*)"

kill -9 "$pid_r3"
wait "$pid_r3" 2>/dev/null
start "$b" r3
sleep $((1 * slow))
got=$(client read --uuid u1 --replica r3 | sed -n 's/^Content: //p')
[ "$got" = "Senna, Prost" ] && ok "test_netns_restarted_replica_recovers_its_store" || bad "after restart, r3 reads '$got'"
client write --uuid u2 --name Teams --content "Williams" > "$tmp/w2.txt"
got=$(client read --uuid u2 --replica r3 | sed -n 's/^Content: //p')
grep -q "Status: SUCCESS" "$tmp/w2.txt" && [ "$got" = Williams ] && ok "test_netns_restarted_replica_takes_new_writes" \
  || { bad "write after restart: $(cat "$tmp/w2.txt"), r3 reads '$got'"; cat "$tmp/nodes.txt"; }

# The same two machines under `replsim real`, run on the first: the second machine's nodes are
# started under `ip netns exec` (the hosts file's launch words), r3 is crashed and restarted
# there by the scenario, and the checker judges the run.
cat > "$tmp/hosts-real" <<HOSTS
registry     $net.1
view-service $net.1
node-1       $net.1
node-2       $net.2 ip netns exec $b
node-3       $net.2 ip netns exec $b
HOSTS
for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
wait 2>/dev/null
pids=()
ip netns exec "$a" "$replsim" real "$src/tests/real/netns.xml" --hosts "$tmp/hosts-real" --out "$tmp/real" \
  > "$tmp/real.txt" 2>&1
s=$?
[ $s = 0 ] && ok "test_netns_real_scenario_across_namespaces_holds (linearizable, lost-writes 0, diverged 0)" \
  || { bad "real across namespaces: exit $s"; tail -25 "$tmp/real.txt"; cat "$tmp"/real/stderr/* 2>/dev/null; }
recv=$(jq -s '[.[] | select(.type == "recv" and .to == "r3" and .t > 3.7)] | length' "$tmp/real/trace.jsonl" 2>/dev/null)
[ "${recv:-0}" -gt 0 ] && ok "test_netns_real_restarted_r3_takes_part_again ($recv messages)" || bad "r3 got nothing after its restart"
finish
