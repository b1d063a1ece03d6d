# `replsim check`: verdicts and exit statuses on real runs, hand-made violations, bad input and a
# time bound too small to finish; `check DIR` and `check DIR/trace.jsonl` agree; run's outputs
# (summary.json's anomaly fields, history.edn) agree with check's.
# Usage: bash tests/test_check.sh PATH_TO_REPLSIM SOURCE_DIR
set -u

replsim=${1:?usage: test_check.sh PATH_TO_REPLSIM SOURCE_DIR}
src=${2:?usage: test_check.sh PATH_TO_REPLSIM SOURCE_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Under the sanitizers SimGrid must switch contexts with threads (its default confuses ASan).
[ "${RS_SANITIZE:-OFF}" = ON ] && export RS_SIMGRID_THREADS=1
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() {
  echo "FAIL $1: $2"
  cat "$tmp/stdout" "$tmp/stderr" 2>/dev/null | sed 's/^/    | /' | head -n 30
  failed=$((failed + 1))
}

# Runs replsim, stdout and stderr to files; sets $status. A sanitizer report counts as a crash.
run() {
  timeout 300 "$replsim" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  status=$?
  if grep -q -e 'AddressSanitizer' -e 'LeakSanitizer' -e 'runtime error:' "$tmp/stderr"; then
    status=99
  fi
}

# expect_status NAME WANT: the last run exited WANT (one of a space-separated list).
expect_status() {
  local name=$1 want=$2
  for w in $want; do
    [ "$status" = "$w" ] && return 0
  done
  fail "$name" "exit status $status, expected $want"
  return 1
}

# ---- Every seed-004 script runs, then checks clean; run and check agree ----------------------
for scenario in "$src"/scenarios/seed004-*.xml; do
  name=$(basename "$scenario" .xml)
  out="$tmp/$name"
  run run "$scenario" --out "$out"
  expect_status "$name: run" 0 || continue
  if [ ! -s "$out/history.edn" ]; then
    fail "$name" "run wrote no history.edn"
    continue
  fi
  ops=$(jq '.ops' "$out/summary.json")
  pending=$(jq '.pending' "$out/summary.json")
  lines=$(wc -l <"$out/history.edn")
  if [ "$lines" -ne $((2 * ops - pending)) ]; then
    fail "$name" "history.edn has $lines lines for $ops operations ($pending pending)"
    continue
  fi
  run check "$out"
  expect_status "$name: check DIR" 0 || continue
  grep -q '^verdict: OK' "$tmp/stdout" || { fail "$name" "no OK verdict printed"; continue; }
  run check "$out" --json
  expect_status "$name: check --json" 0 || continue
  cp "$tmp/stdout" "$tmp/dir.json"
  run check "$out/trace.jsonl" --json
  expect_status "$name: check TRACE" 0 || continue
  if ! diff <(jq -S 'del(.trace)' "$tmp/dir.json") <(jq -S 'del(.trace)' "$tmp/stdout") >/dev/null; then
    fail "$name" "check DIR and check DIR/trace.jsonl disagree"
    continue
  fi
  for field in lost_writes stale_reads diverged; do
    a=$(jq ".$field" "$out/summary.json")
    b=$(jq ".$field" "$tmp/dir.json")
    if [ "$a" != "$b" ]; then
      fail "$name" "$field: summary.json says $a, check says $b"
      continue 2
    fi
  done
  if [ "$(jq '.fault_windows | type' "$out/summary.json")" != '"array"' ]; then
    fail "$name" "summary.json has no fault_windows array"
    continue
  fi
  pass
done

# ---- Hand-made violations ----------------------------------------------------------------------
run_line='{"t":0.0,"type":"run","scenario":"tiny","protocol":"pb-nonblocking","app":"files","failover":"none","seed":1}'

# finals KEY VALUE|-: the three replicas' final state of KEY (- for a missing file).
finals() {
  for r in r1 r2 r3; do
    if [ "$2" = - ]; then
      echo "{\"t\":9.0,\"type\":\"final\",\"node\":\"$r\",\"key\":\"$1\",\"status\":\"FILE DOES NOT EXIST\"}"
    else
      echo "{\"t\":9.0,\"type\":\"final\",\"node\":\"$r\",\"key\":\"$1\",\"name\":\"F\",\"value\":\"$2\",\"status\":\"SUCCESS\",\"version\":2}"
    fi
  done
}

# A read that answers an older version than a write acknowledged before it began.
{
  echo "$run_line"
  echo '{"t":1.0,"type":"invoke","process":"c1","op":"write","key":"stale-key","name":"F","value":"new"}'
  echo '{"t":2.0,"type":"ok","process":"c1","op":"write","key":"stale-key","name":"F","status":"SUCCESS","version":2,"replica":"r1"}'
  echo '{"t":3.0,"type":"invoke","process":"c2","op":"read","key":"stale-key"}'
  echo '{"t":4.0,"type":"ok","process":"c2","op":"read","key":"stale-key","name":"F","value":"old","status":"SUCCESS","version":1,"replica":"r2"}'
  finals stale-key new
} >"$tmp/stale.jsonl"
run check "$tmp/stale.jsonl"
if expect_status "stale read" 1; then
  if ! grep -q 'stale: .*stale-key' "$tmp/stdout" || ! grep -q '^stale reads: 1' "$tmp/stdout"; then
    fail "stale read" "the report does not list the stale read of stale-key"
  elif ! grep -q 'key "stale-key": VIOLATION' "$tmp/stdout"; then
    fail "stale read" "the linearizability report does not name stale-key"
  else
    pass
  fi
fi

# An acknowledged write no replica holds at the end (the history alone is linearizable).
{
  echo "$run_line"
  echo '{"t":1.0,"type":"invoke","process":"c1","op":"write","key":"lost-key","name":"F","value":"gone"}'
  echo '{"t":2.0,"type":"ok","process":"c1","op":"write","key":"lost-key","name":"F","status":"SUCCESS","version":1,"replica":"r1"}'
  finals lost-key -
} >"$tmp/lost.jsonl"
run check "$tmp/lost.jsonl"
if expect_status "lost write" 1; then
  if ! grep -q 'lost: .*lost-key' "$tmp/stdout" || ! grep -q '^lost writes: 1' "$tmp/stdout"; then
    fail "lost write" "the report does not list the lost write of lost-key"
  elif ! grep -q 'lines 2-3' "$tmp/stdout"; then
    fail "lost write" "the report does not give the write's trace lines"
  else
    run check "$tmp/lost.jsonl" --json
    if expect_status "lost write --json" 1; then
      if [ "$(jq -r '.lost[0].op.key' "$tmp/stdout")" != lost-key ] || [ "$(jq '.linearizable' "$tmp/stdout")" != true ]; then
        fail "lost write --json" "the JSON does not name lost-key or is not linearizable"
      else
        pass
      fi
    fi
  fi
fi

# Fault windows and failover: r1 is primary and crashes at 3; r2 takes over; a write is
# acknowledged at 5.5; r1 restarts at 6; a partition never ends.
{
  echo "${run_line/\"none\"/\"view-service\"}"
  echo '{"t":0.5,"type":"role","node":"r1","role":"primary","view":1}'
  echo '{"t":1.0,"type":"invoke","process":"c1","op":"write","key":"k","name":"F","value":"a"}'
  echo '{"t":1.5,"type":"ok","process":"c1","op":"write","key":"k","name":"F","status":"SUCCESS","version":1,"replica":"r1"}'
  echo '{"t":3.0,"type":"fault","fault":"crash","phase":"start","node":"r1"}'
  echo '{"t":3.5,"type":"invoke","process":"c1","op":"write","key":"k","name":"F","value":"b"}'
  echo '{"t":4.0,"type":"fail","process":"c1","op":"write","key":"k","status":"NO PRIMARY"}'
  echo '{"t":4.5,"type":"fault","fault":"partition","phase":"start","groups":"r1 | r2 r3"}'
  echo '{"t":4.5,"type":"role","node":"r2","role":"primary","view":2}'
  echo '{"t":5.0,"type":"invoke","process":"c1","op":"write","key":"k","name":"F","value":"c"}'
  echo '{"t":5.5,"type":"ok","process":"c1","op":"write","key":"k","name":"F","status":"SUCCESS","version":2,"replica":"r2"}'
  echo '{"t":6.0,"type":"fault","fault":"crash","phase":"end","node":"r1"}'
  finals k c
} >"$tmp/faults.jsonl"
run check "$tmp/faults.jsonl" --json
if expect_status "fault windows" 0; then
  got=$(jq -c '[.fault_windows[] | [.fault, .target, .start, .end, .ops, .ok, .availability]]' "$tmp/stdout")
  want='[["crash","r1",3,6,2,1,0.5],["partition","r1 | r2 r3",4.5,9,1,1,1]]'
  if [ "$got" != "$want" ]; then
    fail "fault windows" "got $got, want $want"
  elif [ "$(jq -c '[.failover_time, .failovers[0].node, .failovers[0].first_ack.line_complete]' "$tmp/stdout")" != '[2.5,"r1",11]' ]; then
    fail "fault windows" "failover: $(jq -c '.failovers' "$tmp/stdout")"
  else
    pass
  fi
fi

# ---- Bad input ----------------------------------------------------------------------------------
echo 'this is not json' >"$tmp/garbage.jsonl"
run check "$tmp/garbage.jsonl"
if expect_status "garbage" 2; then
  grep -q "^$tmp/garbage.jsonl:1: " "$tmp/stderr" && pass || fail "garbage" "no FILE:LINE message"
fi

{ echo "$run_line"; echo '{"t":1.0,"type":"invoke","process":"c1"}'; } >"$tmp/badfield.jsonl"
run check "$tmp/badfield.jsonl"
if expect_status "missing field" 2; then
  grep -q "^$tmp/badfield.jsonl:2: " "$tmp/stderr" && pass || fail "missing field" "no FILE:LINE message"
fi

# A file with no client operation at all has nothing to check.
echo '{"t":1.0,"type":"send","from":"a","to":"b","msg":"X","id":1,"bytes":1}' >"$tmp/norun.jsonl"
run check "$tmp/norun.jsonl"
expect_status "no operation at all" 2 && pass

run check "$tmp/does-not-exist.jsonl"
if expect_status "missing file" 2; then
  grep -q "does-not-exist.jsonl" "$tmp/stderr" && pass || fail "missing file" "no message naming the file"
fi

mkdir -p "$tmp/empty-dir"
run check "$tmp/empty-dir"
expect_status "folder without a trace" 2 && pass

run check
expect_status "no argument" 2 && pass

run check --help
if expect_status "--help" 0; then
  grep -q -- '--check-timeout' "$tmp/stdout" && pass || fail "--help" "does not describe --check-timeout"
fi

# ---- A time bound too small to finish: unknown (or, on a very fast machine, done) --------------
# 8 clients, 2500 rounds of concurrent writes over 100 keys, then the final states.
awk -v run="$run_line" 'BEGIN {
  print run
  for (r = 0; r < 2500; r++) {
    for (c = 1; c <= 8; c++) {
      k = (r * 8 + c) % 100
      printf "{\"t\":%d.0,\"type\":\"invoke\",\"process\":\"c%d\",\"op\":\"write\",\"key\":\"k%d\",\"name\":\"n%d\",\"value\":\"v%d-%d\"}\n", r, c, k, k, r, c
      last[k] = "v" r "-" c
    }
    for (c = 1; c <= 8; c++) {
      k = (r * 8 + c) % 100
      printf "{\"t\":%d.5,\"type\":\"ok\",\"process\":\"c%d\",\"op\":\"write\",\"key\":\"k%d\",\"status\":\"SUCCESS\",\"version\":%d,\"replica\":\"r1\"}\n", r, c, k, r * 8 + c
    }
  }
  for (n = 1; n <= 3; n++)
    for (k = 0; k < 100; k++)
      printf "{\"t\":3000.0,\"type\":\"final\",\"node\":\"r%d\",\"key\":\"k%d\",\"name\":\"n%d\",\"value\":\"%s\",\"status\":\"SUCCESS\",\"version\":1}\n", n, k, k, last[k]
}' >"$tmp/big.jsonl"
run check "$tmp/big.jsonl" --check-timeout 0.000001
if expect_status "tiny time bound" "3 0"; then
  if [ "$status" = 3 ] && ! grep -q '^verdict: UNKNOWN' "$tmp/stdout"; then
    fail "tiny time bound" "exit 3 without an UNKNOWN verdict"
  else
    pass
  fi
fi
run check "$tmp/big.jsonl"
expect_status "the same history with time to finish" 0 && pass

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
