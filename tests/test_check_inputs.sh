# `replsim check` on histories it did not write: JSONL without a run line (model inferred or
# named), Jepsen EDN (lin-kv, one register), MIT 6.824 kv (Porcupine's data), replsim's own
# history.edn read back; and the inputs it must refuse: truncated traces, bad EDN, bad options.
# Usage: bash tests/test_check_inputs.sh PATH_TO_REPLSIM SOURCE_DIR
set -u
replsim=${1:?usage: test_check_inputs.sh PATH_TO_REPLSIM SOURCE_DIR}
src=${2:?usage: test_check_inputs.sh PATH_TO_REPLSIM SOURCE_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ "${RS_SANITIZE:-OFF}" = ON ] && export RS_SIMGRID_THREADS=1
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() {
  echo "FAIL $1: $2"
  cat "$tmp/stdout" "$tmp/stderr" 2>/dev/null | sed 's/^/    | /' | head -n 20
  failed=$((failed + 1))
}
run() {
  timeout 300 "$replsim" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  status=$?
  grep -q -e 'AddressSanitizer' -e 'LeakSanitizer' -e 'runtime error:' "$tmp/stderr" && status=99
}
# expect NAME STATUS [GREP]: the last run exited STATUS and (if given) printed GREP.
expect() {
  if [ "$status" != "$2" ]; then fail "$1" "exit status $status, expected $2"; return; fi
  if [ $# -ge 3 ] && ! grep -q -e "$3" "$tmp/stdout" "$tmp/stderr"; then fail "$1" "no \"$3\" in the output"; return; fi
  pass
}

# ---- Porcupine's MIT 6.824 kv histories, as EDN and as JSONL: Porcupine's verdicts --------------
data=$src/tests/data/porcupine
for name in c01-ok c50-ok; do
  for ext in edn jsonl; do
    run check "$data/kv-$name.$ext"; expect "kv-$name.$ext is linearizable" 0 '^verdict: OK'
  done
done
for name in c01-bad c50-bad; do
  for ext in edn jsonl; do
    run check "$data/kv-$name.$ext"; expect "kv-$name.$ext is not linearizable" 1 'not linearizable'
  done
done
# The violation is proven early and the answer comes after a small stated budget for the rest.
run check "$data/kv-c50-bad.edn"
expect "c50-bad: early answer stated" 1 'early answer: .* left unchecked (they shared a budget of 0.25 s'
secs=$(sed -nE 's/^a violation was proven ([0-9.]+) s into the check/\1/p' "$tmp/stdout")
if [ -n "$secs" ] && awk -v s="$secs" 'BEGIN { exit !(s < 2) }'; then pass; else fail "c50-bad: proven early" "proven after '$secs' s"; fi
run check "$data/kv-c50-bad.edn" --check-all --json
expect "c50-bad --check-all checks every key" 1 '"verdict" : "violation"'
grep -q 'note: some get answered "" and none answered null' <("$replsim" check "$data/kv-c01-ok.edn") && pass || fail "6.824 initial value" "no note about \"\" as the initial value"

# ---- JSONL without a run line: the model is inferred and said, or named ------------------------
{
  echo '{"t":1.0,"type":"invoke","process":"a","op":"write","key":"u1","name":"F","value":"x"}'
  echo '{"t":2.0,"type":"ok","process":"a","op":"write","key":"u1","status":"SUCCESS"}'
  echo '{"t":3.0,"type":"invoke","process":"b","op":"read","key":"u1"}'
  echo '{"t":4.0,"type":"ok","process":"b","op":"read","key":"u1","value":"old","status":"SUCCESS"}'
} >"$tmp/files.jsonl"
run check "$tmp/files.jsonl"; expect "files history without run line: violation" 1 'model: files (inferred from the operations'
{
  echo '{"t":1.0,"type":"invoke","process":"a","op":"put","key":"k","value":"1"}'
  echo '{"t":2.0,"type":"ok","process":"a","op":"put","key":"k","status":"SUCCESS"}'
  echo '{"t":3.0,"type":"invoke","process":"b","op":"get","key":"k"}'
  echo '{"t":4.0,"type":"ok","process":"b","op":"get","key":"k","value":"1","status":"SUCCESS"}'
} >"$tmp/kv.jsonl"
run check "$tmp/kv.jsonl"; expect "kv history without run line: OK" 0 'model: kv (inferred'
run check "$tmp/kv.jsonl" --model kv; expect "--model kv" 0 'model: kv (--model)'
run check "$tmp/kv.jsonl" --model files; expect "--model files on kv ops" 2 'files has no operation "put"'
run check "$tmp/kv.jsonl" --model votes; expect "--model votes on kv ops" 2 'votes has no operation "put"'
run check "$tmp/kv.jsonl" --model chat; expect "--model chat on kv ops" 2 'chat has no operation "put"'
# chat (seed 003): the model is inferred; a fetch must answer the texts sent, oldest first.
{
  echo '{"t":1.0,"type":"invoke","process":"a","op":"register","key":"bob","value":"pw"}'
  echo '{"t":2.0,"type":"ok","process":"a","op":"register","key":"bob","status":"SUCCESS"}'
  echo '{"t":3.0,"type":"invoke","process":"a","op":"send","key":"bob","name":"a","value":"hi"}'
  echo '{"t":4.0,"type":"ok","process":"a","op":"send","key":"bob","status":"SUCCESS"}'
  echo '{"t":5.0,"type":"invoke","process":"a","op":"send","key":"bob","name":"a","value":"there"}'
  echo '{"t":6.0,"type":"ok","process":"a","op":"send","key":"bob","status":"SUCCESS"}'
  echo '{"t":7.0,"type":"invoke","process":"b","op":"fetch","key":"bob"}'
  echo '{"t":8.0,"type":"ok","process":"b","op":"fetch","key":"bob","value":"hi|there","status":"SUCCESS"}'
} >"$tmp/chat.jsonl"
run check "$tmp/chat.jsonl"; expect "chat history without run line: OK" 0 'model: chat (inferred'
sed 's/"hi|there"/"there|hi"/' "$tmp/chat.jsonl" >"$tmp/chat-bad.jsonl"
run check "$tmp/chat-bad.jsonl" --model chat; expect "chat: fetch out of order is a violation" 1 'the model allowed:  SUCCESS "hi|there"'
# A list is checked as a read of every account: it must name bob (registered before it began)
# and nobody that was never registered.
{
  cat "$tmp/chat.jsonl"
  echo '{"t":9.0,"type":"invoke","process":"b","op":"list","key":"*"}'
  echo '{"t":10.0,"type":"ok","process":"b","op":"list","key":"*","value":"bob","status":"SUCCESS"}'
} >"$tmp/chat-list.jsonl"
run check "$tmp/chat-list.jsonl"; expect "chat: a right list is linearizable" 0 'model: chat'
sed 's/"value":"bob","status"/"value":"","status"/' "$tmp/chat-list.jsonl" >"$tmp/chat-list-bad.jsonl"
run check "$tmp/chat-list-bad.jsonl"; expect "chat: a list without bob is a violation" 1 'list bob -> ok SUCCESS "absent"'
sed 's/"value":"bob","status"/"value":"bob|eve","status"/' "$tmp/chat-list.jsonl" >"$tmp/chat-list-eve.jsonl"
run check "$tmp/chat-list-eve.jsonl"; expect "chat: a list naming a stranger is a violation" 1 'key "eve": VIOLATION'
# Seed 003's persistence as the checker sees it: an acknowledged message missing from every
# replica's final state is a lost write.
{
  head -n 6 "$tmp/chat.jsonl"
  echo '{"t":9.0,"type":"final","node":"r1","key":"bob","value":"hi","status":"SUCCESS"}'
  echo '{"t":9.0,"type":"final","node":"r2","key":"bob","value":"hi","status":"SUCCESS"}'
} >"$tmp/chat-lost.jsonl"
run check "$tmp/chat-lost.jsonl"; expect "chat: a message gone at the end is a lost write" 1 'lost: #2 a send bob "there"'
run check "$tmp/kv.jsonl" --model paxos; expect "--model unknown" 2 'unknown'
{ cat "$tmp/files.jsonl"; sed 's/"process":"a"/"process":"c"/; s/"process":"b"/"process":"d"/' "$tmp/kv.jsonl"; } >"$tmp/mixed.jsonl"
run check "$tmp/mixed.jsonl"; expect "ops of two apps" 2 'name one with --model'

# ---- Jepsen EDN: a register without time, lin-kv with keys -------------------------------------
{
  echo '{:process 0, :type :invoke, :f :write, :value 1}'
  echo '{:process 0, :type :ok, :f :write, :value 1}'
  echo '{:process 1, :type :invoke, :f :read, :value nil}'
  echo '{:process 1, :type :ok, :f :read, :value 2}'
} >"$tmp/register-bad.edn"
run check "$tmp/register-bad.edn"; expect "register read of a value never written" 1 'Jepsen EDN, one register'
{
  echo '[{:process 0, :type :invoke, :f :write, :value ["x" 1], :time 10}'
  echo ' {:process 1, :type :invoke, :f :cas, :value ["x" [1 2]], :time 20}'
  echo ' {:process 0, :type :ok, :f :write, :value ["x" 1], :time 30}'
  echo ' {:process 1, :type :ok, :f :cas, :value ["x" [1 2]], :time 40}'
  echo ' {:process 2, :type :invoke, :f :read, :value ["x" nil], :time 50}'
  echo ' {:process 2, :type :ok, :f :read, :value ["x" 2], :time 60}'
  echo ' {:process 3, :type :invoke, :f :cas, :value ["y" [5 6]], :time 70}'
  echo ' {:process 3, :type :fail, :f :cas, :value ["y" [5 6]], :time 80, :error [:precondition-failed]}]'
} >"$tmp/lin-kv.edn"
run check "$tmp/lin-kv.edn"; expect "lin-kv history" 0 'independent keys'
echo '{:process 0, :type :invoke, :f :write, :value 1}
{:process 0 :type :ok' >"$tmp/bad.edn"
run check "$tmp/bad.edn"; expect "malformed EDN: FILE:LINE" 2 "bad.edn:2: unclosed"

# ---- replsim's own history.edn gives the same verdict as the trace -----------------------------
for scenario in seed004-test-script-quorum quickstart-pb-nonblocking faults-split-brain-peer; do
  out=$tmp/$scenario
  "$replsim" run "$src/scenarios/$scenario.xml" --out "$out" >/dev/null 2>&1
  a=$("$replsim" check "$out" --json 2>/dev/null | jq -c '[.linearizable, .model, (.violations | map(.key))]')
  b=$("$replsim" check "$out/history.edn" --json 2>/dev/null | jq -c '[.linearizable, .model, (.violations | map(.key))]')
  if [ -n "$a" ] && [ "$a" = "$b" ]; then pass; else fail "$scenario: history.edn round trip" "trace says $a, history.edn says $b"; fi
done

# ---- Truncated traces are refused, never judged OK ---------------------------------------------
out=$tmp/seed004-test-script-quorum
head -c 20001 "$out/trace.jsonl" >"$tmp/cut-mid-line.jsonl"
run check "$tmp/cut-mid-line.jsonl"; expect "trace cut mid-line" 2 'cut-mid-line.jsonl:[0-9]*: the last line is cut short'
head -n 200 "$out/trace.jsonl" >"$tmp/cut-at-line.jsonl"
run check "$tmp/cut-at-line.jsonl"; expect "trace cut at a line" 2 'cut-at-line.jsonl:200: the trace ends before'
: >"$tmp/empty.jsonl"
run check "$tmp/empty.jsonl"; expect "empty file" 2 'no client operation'

# ---- --check-timeout must be a time, in check as in run ---------------------------------------
for bad in -1 nan inf 5x ''; do
  run check "$out" --check-timeout "$bad"; expect "check --check-timeout '$bad'" 2 'must be a number of seconds'
  run run "$src/scenarios/seed004-test-script-quorum.xml" --out "$tmp/never" --check-timeout "$bad"
  expect "run --check-timeout '$bad'" 2 'check-timeout'
done
[ ! -e "$tmp/never" ] && pass || fail "run with a bad --check-timeout" "wrote its output folder"
run check "$out" --check-timeout 2.5s; expect "check --check-timeout 2.5s" 0 '^verdict: OK'

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
