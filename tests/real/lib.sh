# Shared by tests/test_real*.sh: a private loopback address per run (so tests running side by
# side never share a port), a hosts file for it, and cleanup of every process a test started
# even when it fails. Sourced, not run.
replsim=$(realpath "${1:?usage: $0 PATH_TO_REPLSIM SOURCE_DIR}")
src=$(realpath "${2:?usage: $0 PATH_TO_REPLSIM SOURCE_DIR}")
tmp=$(mktemp -d)
pids=()
pass=0
fail=0
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ok() { echo "ok: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }
finish() {
  echo "$pass passed, $fail failed"
  [ "$fail" = 0 ]
  exit $?
}
# A loopback address of 127/8 of its own (every one of them is the machine itself).
ip=127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))
# hosts_for PLATFORM ADDRESS > FILE: every host of the platform at ADDRESS.
hosts_for() {
  grep -o '<host id="[^"]*"' "$1" | sed 's/<host id="//; s/"$//' | while read -r h; do echo "$h $2"; done
}
hosts_for "$src/platforms/lan.xml" "$ip" > "$tmp/hosts"
# ASan builds run slower: give the cluster more time to answer.
slow=1
[ "${RS_SANITIZE:-OFF}" = ON ] && slow=3
