#!/usr/bin/env bash
# Memcheck-clean runs: a scripted scenario per protocol under valgrind, no error and no leak.
# Skipped in the sanitizer build (valgrind and ASan do not mix).
set -uo pipefail
replsim=$1
src=$2
if [ "${RS_SANITIZE:-OFF}" = ON ]; then
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
command -v valgrind >/dev/null || { echo "valgrind is missing (make deps installs it)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
for p in pb-blocking pb-nonblocking quorum; do
  if valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect \
      "$replsim" run "$src/scenarios/seed004-test-script-$p.xml" --out "$tmp/$p" >"$tmp/$p.log" 2>&1; then
    echo "ok: seed004-test-script-$p is memcheck-clean"
    pass=$((pass + 1))
  else
    echo "FAIL: seed004-test-script-$p under valgrind:"
    tail -n 40 "$tmp/$p.log"
    fail=$((fail + 1))
  fi
done
# Seed 003's chat: crashes, a full restart and a join, memcheck-clean too.
if valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    "$replsim" run "$src/scenarios/chat-seed003.xml" --out "$tmp/chat" >"$tmp/chat.log" 2>&1; then
  echo "ok: chat-seed003 is memcheck-clean"
  pass=$((pass + 1))
else
  echo "FAIL: chat-seed003 under valgrind:"
  tail -n 40 "$tmp/chat.log"
  fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
