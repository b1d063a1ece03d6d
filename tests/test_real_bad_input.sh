#!/usr/bin/env bash
# Bad input in real mode gets what it gets in simulation: a clear message, exit 2 (or, for
# traffic, a traced refusal), no crash, nothing acknowledged lost. An unknown node id, a client id
# given to `node`, an address already in use, a data folder that is not a replsim store (left
# untouched), a bad hosts file and key file, a wrong key (frames refused, "bad tag"), corrupt
# frames (refused, the node goes on and still answers), an unreachable cluster (exit 1).
# Usage: bash tests/test_real_bad_input.sh PATH_TO_REPLSIM SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/real/lib.sh"
sc=$src/tests/real/kv-cluster.xml
cd "$tmp"

expect2() { # NAME PATTERN COMMAND...
  local name=$1 pattern=$2
  shift 2
  "$@" > out.txt 2>&1
  local s=$?
  if [ $s = 2 ] && grep -q -- "$pattern" out.txt; then ok "$name"; else bad "$name: exit $s: $(cat out.txt)"; fi
}

expect2 test_node_unknown_id_exits_2 "unknown node id 'nope'" "$replsim" node "$sc" --id nope --hosts hosts
expect2 test_client_unknown_operation_exits_2 "unknown operation 'frobnicate'" "$replsim" client "$sc" frobnicate x
expect2 test_client_bad_arguments_exit_2 "usage: cas K OLD NEW" "$replsim" client "$sc" cas k1 only-one
expect2 test_client_files_op_on_kv_exits_2 "no operation of the kv application" "$replsim" client "$sc" read --uuid u1
printf 'registry 127.0.0.1\nnode-1 not-an-address\n' > badhosts
expect2 test_hosts_file_bad_address_names_file_and_line "badhosts:2: 'not-an-address' is not an IP address" \
  "$replsim" node "$sc" --id r1 --hosts badhosts
printf 'nowhere 127.0.0.1\n' > badhosts2
expect2 test_hosts_file_unknown_host "badhosts2:1: 'nowhere' is no host" "$replsim" node "$sc" --id r1 --hosts badhosts2
printf 'short\n' > shortkey
expect2 test_short_key_exits_2 "at least 16 bytes" "$replsim" node "$sc" --id r1 --key shortkey
mkdir -p notastore/r1 && echo "precious" > notastore/r1/thesis.txt
expect2 test_foreign_data_folder_refused "not a replsim store" "$replsim" node "$sc" --id r1 --hosts hosts --data notastore
[ "$(cat notastore/r1/thesis.txt)" = precious ] && [ "$(ls -A notastore/r1)" = thesis.txt ] \
  && ok "test_foreign_data_folder_left_untouched" || bad "notastore/r1 changed: $(ls -A notastore/r1)"

# A cluster to talk to, the registry tracing what it refuses.
for n in registry r1 r2 r3; do
  extra=()
  [ $n = registry ] && extra=(--trace registry.trace)
  "$replsim" node "$sc" --id $n --hosts hosts --data data "${extra[@]}" 2>> nodes.txt &
  pids+=($!)
done
sleep $((1 * slow))
expect2 test_address_in_use_exits_2 "Address already in use" "$replsim" node "$sc" --id r2 --hosts hosts --data data2
"$replsim" client "$sc" --hosts hosts put k1 before > put.txt 2>&1 && ok "test_cluster_answers" || bad "put: $(cat put.txt)"

echo "another cluster's key, not ours" > otherkey
"$replsim" client "$sc" --hosts hosts --key otherkey put k1 intruder > wrong.txt 2>&1
s=$?
sleep 0.3
[ $s = 1 ] && grep -q '"type":"refuse".*bad tag' registry.trace && ok "test_wrong_key_refused_and_traced" \
  || bad "wrong key: exit $s, refusals: $(grep -c refuse registry.trace)"

# Corrupt frames: garbage with a plausible length, then an impossible length.
exec 3<>"/dev/tcp/$ip/7400" && { printf '\x00\x00\x00\x40%064d' 7 >&3; exec 3>&-; }
exec 3<>"/dev/tcp/$ip/7400" && { printf '\xff\xff\xff\xffjunk' >&3; exec 3>&-; }
head -c 5000 /dev/urandom > noise && exec 3<>"/dev/tcp/$ip/7402" && { cat noise >&3; exec 3>&-; }
sleep 0.3
alive=true
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || alive=false; done
$alive && grep -q 'impossible frame length' registry.trace && ok "test_corrupt_frames_refused_nodes_keep_running" \
  || bad "corrupt frames: alive=$alive, $(grep refuse registry.trace | tail -2)"
got=$("$replsim" client "$sc" --hosts hosts get k1 2>&1 | sed -n 's/^Value: //p')
[ "$got" = before ] && ok "test_nothing_acknowledged_lost_after_bad_traffic" || bad "k1 is '$got'"

for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
wait 2>/dev/null
pids=()
"$replsim" client "$sc" --hosts hosts get k1 > none.txt 2>&1
s=$?
[ $s = 1 ] && grep -q "no answer" none.txt && ok "test_unreachable_cluster_exits_1" || bad "unreachable: exit $s $(cat none.txt)"
finish
