#!/usr/bin/env bash
# Seed 003's persistent chat in real mode, on loopback. (1) `replsim real` runs a chat scenario
# (two replicas SIGKILLed, then all three, then all restarted from their chat.db, then a fourth
# joins): every step held, linearizable, no lost write, the joiner's catch-up time reported. (2) Every acknowledged message is in every replica's
# SQLite store (seed 003's users and messages tables), read with the sqlite3 CLI. (3) The
# cluster as `replsim node` daemons on the same data: a message sent, every process killed
# with SIGKILL, started again: the message is fetched, and nothing acknowledged is gone.
# (4) The run of (1) across two network namespaces, as two machines (skipped without root).
# Usage: bash tests/test_real_chat.sh PATH_TO_REPLSIM SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/real/lib.sh"
sc=$src/tests/real/chat-real.xml
data=$tmp/data

# (1) -----------------------------------------------------------------------------------------
out=$tmp/run
"$replsim" real "$sc" --hosts "$tmp/hosts" --out "$out" --data "$data" > "$tmp/real.txt" 2>&1
s=$?
[ $s = 0 ] && ok "test_real_chat_every_step_held (linearizable, lost-writes 0, diverged 0)" \
  || { bad "real chat run: exit $s"; tail -n 30 "$tmp/real.txt"; }
"$replsim" check "$out" > "$tmp/check.txt" 2>&1 && grep -q 'model: chat' "$tmp/check.txt" \
  && ok "test_real_chat_check_linearizable" || { bad "check"; cat "$tmp/check.txt"; }

# (2) -----------------------------------------------------------------------------------------
# The texts of acknowledged sends: each ok follows its own invoke within a process.
jq -rs '[.[] | select(.type == "invoke" or .type == "ok" or .type == "fail" or .type == "info")]
        | group_by(.process) | .[] | . as $l | range(1; length)
        | select($l[.].type == "ok" and $l[.].op == "send" and $l[.].status == "SUCCESS") | $l[. - 1].value' \
  "$out/trace.jsonl" | sort > "$tmp/acked.txt"
acked=$(wc -l < "$tmp/acked.txt")
# every_message_stored LABEL REPLICAS...: each replica's chat.db holds every acknowledged text.
every_message_stored() {
  local missing=0 r label=$1
  shift
  for r in "$@"; do
    sqlite3 "$data/$r/chat.db" "SELECT body FROM messages" | sort > "$tmp/$r.txt"
    local m
    m=$(comm -23 "$tmp/acked.txt" "$tmp/$r.txt" | wc -l)
    [ "$m" = 0 ] || echo "$r misses $m: $(comm -23 "$tmp/acked.txt" "$tmp/$r.txt" | head -3 | tr '\n' ' ')"
    missing=$((missing + m))
  done
  [ "$acked" -gt 20 ] && [ "$missing" = 0 ] && ok "$label ($acked acknowledged messages, replicas $*)" \
    || bad "$label: $acked acknowledged, $missing missing"
}
every_message_stored "test_real_chat_db_holds_every_acknowledged_message" r1 r2 r3 r4
catch_up=$(jq -r '.join_catch_up_s.r4' "$out/summary.json")
[[ "$catch_up" =~ ^[0-9.e-]+$ ]] && ok "test_real_chat_joined_replica_up_to_date (r4 after $catch_up s)" \
  || bad "join_catch_up_s.r4 = '$catch_up'"
cols=$(sqlite3 "$data/r1/chat.db" "SELECT group_concat(name, ' ') FROM pragma_table_info('messages')")
users=$(sqlite3 "$data/r1/chat.db" "SELECT group_concat(name, ' ') FROM pragma_table_info('users')")
[ "$cols" = "id recipient sender body timestamp delivered instant" ] && [ "$users" = "username password" ] \
  && ok "test_real_chat_db_has_seed_003_tables" || bad "tables: messages($cols) users($users)"
bob=$(sqlite3 "$data/r2/chat.db" "SELECT body || ':' || delivered || ':' || instant FROM messages WHERE recipient = 'bob' ORDER BY rowid" | tr '\n' ' ')
[ "$bob" = "are you there?:1:0 call me:1:1 r1 is down:1:0 r2 is down too:1:0 " ] \
  && ok "test_real_chat_db_bob_delivered_in_order" || bad "bob's rows: '$bob'"

# (3) -----------------------------------------------------------------------------------------
start_cluster() {
  for n in registry r1 r2 r3; do
    "$replsim" node "$sc" --id $n --hosts "$tmp/hosts" --data "$data" 2>> "$tmp/nodes.txt" &
    pids+=($!)
  done
}
stop_cluster() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  pids=()
}
client() { timeout 20 "$replsim" client "$sc" --hosts "$tmp/hosts" "$@"; }
start_cluster
sleep $((1 * slow))
client send alice bob "after the restart" --instant > "$tmp/send.txt" 2>&1
grep -q '^Status: SUCCESS' "$tmp/send.txt" && grep -q '^UUID: ........-' "$tmp/send.txt" \
  && ok "test_real_chat_client_send_answers_uuid_and_timestamp" || { bad "send"; cat "$tmp/send.txt"; }
echo "after the restart" >> "$tmp/acked.txt"
sort -o "$tmp/acked.txt" "$tmp/acked.txt"
acked=$((acked + 1))
stop_cluster
start_cluster
sleep $((1 * slow))
client fetch bob > "$tmp/fetch.txt" 2>&1
grep -qx 'Messages: after the restart' "$tmp/fetch.txt" \
  && ok "test_real_chat_whole_cluster_kill9_keeps_the_message" || { bad "fetch after kill -9"; cat "$tmp/fetch.txt" "$tmp/nodes.txt"; }
client list > "$tmp/list.txt" 2>&1
grep -q '^Accounts: alice|bob|' "$tmp/list.txt" && ok "test_real_chat_list_after_restart" || { bad "list"; cat "$tmp/list.txt"; }
client register alice again > "$tmp/reg.txt" 2>&1
grep -qx 'Status: USER EXISTS' "$tmp/reg.txt" && ok "test_real_chat_register_taken_user_exists" || { bad "register"; cat "$tmp/reg.txt"; }
stop_cluster
every_message_stored "test_real_chat_db_after_kill9_holds_every_acknowledged_message" r1 r2 r3
# (4) Two machines (seed 003's demo over at least two): the same run across two network
# namespaces joined by a veth pair, the registry and r1 on one, r2 and r3 on the other, each
# keeping its own chat.db. Skipped where namespaces cannot be made (needs root).
a=rs-ca-$$
b=rs-cb-$$
net=10.78.$((RANDOM % 250 + 1))
trap 'ip netns del "$a" 2>/dev/null; ip netns del "$b" 2>/dev/null; cleanup' EXIT
if ip netns add "$a" 2>/dev/null; then
  ip netns add "$b"
  ip link add "ca-$$" netns "$a" type veth peer name "cb-$$" netns "$b"
  ip -n "$a" addr add "$net.1/24" dev "ca-$$"
  ip -n "$b" addr add "$net.2/24" dev "cb-$$"
  for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
  ip -n "$a" link set "ca-$$" up
  ip -n "$b" link set "cb-$$" up
  printf 'registry %s\nnode-1 %s\nnode-2 %s ip netns exec %s\nnode-3 %s ip netns exec %s\nnode-4 %s ip netns exec %s\n' \
    "$net.1" "$net.1" "$net.2" "$b" "$net.2" "$b" "$net.2" "$b" > "$tmp/hosts-two"
  ip netns exec "$a" "$replsim" real "$sc" --hosts "$tmp/hosts-two" --out "$tmp/two" --data "$tmp/data-two" \
    > "$tmp/two.txt" 2>&1
  s=$?
  n=$(sqlite3 "$tmp/data-two/r3/chat.db" "SELECT count(*) FROM messages WHERE recipient = 'bob'" 2>/dev/null)
  [ $s = 0 ] && [ "$n" = 4 ] && ok "test_real_chat_two_machines (linearizable, every step held, r3's chat.db on the second)" \
    || { bad "chat across two namespaces: exit $s, r3 holds '$n' of bob's 4"; tail -20 "$tmp/two.txt"; }
else
  echo "SKIP: two machines: cannot create network namespaces here"
fi

# Under ASan+UBSan, no node process reported a memory error or undefined behaviour.
if grep -l -e 'AddressSanitizer' -e 'LeakSanitizer' -e 'runtime error:' "$out"/stderr/*.txt "$tmp"/*.txt 2>/dev/null; then
  bad "a sanitizer report in a node's output"
else
  ok "test_real_chat_no_sanitizer_report"
fi
finish
