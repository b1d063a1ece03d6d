# Bad input is refused before any run: exit status 2, "FILE:LINE:" on stderr, no crash, no output.
# Usage: bash tests/test_bad_input.sh PATH_TO_REPLSIM SOURCE_DIR
# Each tests/bad/*.xml starts with <!-- expect-line: N -->, the line its error must name.
set -u

replsim=${1:?usage: test_bad_input.sh PATH_TO_REPLSIM SOURCE_DIR}
src=${2:?usage: test_bad_input.sh PATH_TO_REPLSIM SOURCE_DIR}
good="$src/tests/scenarios-parse/design-example.xml"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

fail() {
  echo "FAIL $1: $2"
  sed 's/^/    | /' "$tmp/stderr" | head -n 20
  failed=$((failed + 1))
}

# Runs replsim with the given arguments, stderr to $tmp/stderr; sets $status.
run() {
  timeout 120 "$replsim" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  status=$?
}

# What every refusal must satisfy: status 2, a message, no sanitizer report, no signal, no output.
check_refusal() {
  local name=$1 out=$2
  if [ "$status" -eq 124 ]; then
    fail "$name" "timed out"
  elif [ "$status" -gt 128 ]; then
    fail "$name" "killed by signal $((status - 128))"
  elif grep -q -e 'AddressSanitizer' -e 'LeakSanitizer' -e 'runtime error:' "$tmp/stderr"; then
    fail "$name" "sanitizer report"
  elif [ "$status" -ne 2 ]; then
    fail "$name" "exit status $status, expected 2"
  elif [ ! -s "$tmp/stderr" ]; then
    fail "$name" "no message on stderr"
  elif [ -n "$out" ] && [ -e "$out" ]; then
    fail "$name" "output directory $out was created"
  else
    return 0
  fi
  return 1
}

# Every bad scenario file: refused with FILE:N: where N is its expect-line.
for file in "$src"/tests/bad/*.xml; do
  name=${file#"$src"/}
  line=$(sed -n '1s/^<!-- expect-line: *\([0-9][0-9]*\) *-->.*/\1/p' "$file")
  if [ -z "$line" ]; then
    echo "FAIL $name: first line is not <!-- expect-line: N -->"
    failed=$((failed + 1))
    continue
  fi
  out="$tmp/out-$(basename "$file" .xml)"
  run run "$file" --out "$out"
  check_refusal "$name" "$out" || continue
  if ! grep -q -F -- "$file:$line:" "$tmp/stderr"; then
    fail "$name" "stderr does not name $file:$line:"
    continue
  fi
  passed=$((passed + 1))
done

# Bad command lines: each is refused with status 2 and a message.
cmdline() {
  local name=$1 out=$2
  shift 2
  run "$@"
  if check_refusal "command line: $name" "$out"; then
    passed=$((passed + 1))
  fi
}

cmdline "no arguments" "" 
cmdline "unknown subcommand" "" frobnicate
cmdline "run without a scenario" "" run
cmdline "unknown option" "$tmp/o1" run "$good" --no-such-option --out "$tmp/o1"
cmdline "--seed abc" "$tmp/o2" run "$good" --seed abc --out "$tmp/o2"
cmdline "--seed without a value" "" run "$good" --seed
cmdline "--set without '='" "$tmp/o3" run "$good" --set protocol --out "$tmp/o3"
cmdline "--set unknown key" "$tmp/o4" run "$good" --set colour=red --out "$tmp/o4"
cmdline "--set bad value" "$tmp/o5" run "$good" --set write-quorum=9 --set protocol=quorum --out "$tmp/o5"
cmdline "missing scenario file" "$tmp/o6" run "$tmp/no-such-scenario.xml" --out "$tmp/o6"
cmdline "--max-wall -1" "$tmp/o7" run "$good" --max-wall -1 --out "$tmp/o7"
cmdline "--max-wall 0" "$tmp/o7" run "$good" --max-wall 0 --out "$tmp/o7"
cmdline "--max-wall nan" "$tmp/o7" run "$good" --max-wall nan --out "$tmp/o7"
cmdline "--check-timeout -1" "$tmp/o8" run "$good" --check-timeout -1 --out "$tmp/o8"
cmdline "--check-timeout nan" "$tmp/o8" run "$good" --check-timeout nan --out "$tmp/o8"
cmdline "--check-timeout inf" "$tmp/o8" run "$good" --check-timeout inf --out "$tmp/o8"
cmdline "--out ''" "" run "$good" --out ""

# Bad values given on the command line but checked by the scenario parser: FILE:LINE: too.
cmdline_at() {
  local name=$1 out=$2 line=$3
  shift 3
  run "$@"
  if check_refusal "command line: $name" "$out"; then
    if grep -q -F -- "$good:$line:" "$tmp/stderr"; then passed=$((passed + 1))
    else fail "command line: $name" "stderr does not name $good:$line:"; fi
  fi
}
cmdline_at "--seed 2^63" "$tmp/o9" 4 run "$good" --seed 9223372036854775808 --out "$tmp/o9"
cmdline_at "--seed 2^64-1" "$tmp/o9" 4 run "$good" --seed 18446744073709551615 --out "$tmp/o9"
cmdline_at "--engine warp" "$tmp/o10" 6 run "$good" --engine warp --out "$tmp/o10"
cmdline_at "--set read-repair=maybe" "$tmp/o11" 7 run "$good" --set read-repair=maybe --out "$tmp/o11"
cmdline_at "--set read-repair=true under pb" "$tmp/o11" 7 run "$good" --set read-repair=true --out "$tmp/o11"
cmdline_at "--set fsync=1e7" "$tmp/o11" 7 run "$good" --set fsync=10000000s --out "$tmp/o11"
cmdline_at "--set duration=2000000s" "$tmp/o12" 4 run "$good" --set duration=2000000s --out "$tmp/o12"
cmdline_at "--set replicas=65" "$tmp/o12" 7 run "$good" --set replicas=65 --out "$tmp/o12"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
