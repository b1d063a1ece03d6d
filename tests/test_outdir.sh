#!/usr/bin/env bash
# Output folders are data-safe: replsim replaces only a folder it marked as its own, refuses any
# other existing path with exit 2 before the run (a file, a symbolic link, a folder holding
# anything it did not write, the home folder, the current folder), and an interrupted run
# (SIGINT, SIGTERM) leaves nothing behind and dies of its signal. Every path used lives in this
# test's own temporary folder: "/" and $HOME are simulated by folders inside it.
# Usage: bash tests/test_outdir.sh PATH_TO_REPLSIM SOURCE_DIR
set -uo pipefail
replsim=${1:?usage: test_outdir.sh PATH_TO_REPLSIM SOURCE_DIR}
src=${2:?usage: test_outdir.sh PATH_TO_REPLSIM SOURCE_DIR}
replsim=$(realpath "$replsim")
src=$(realpath "$src")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Under the sanitizers SimGrid must switch contexts with threads (its default confuses ASan).
[ "${RS_SANITIZE:-OFF}" = ON ] && export RS_SIMGRID_THREADS=1
quick=$src/scenarios/seed004-test-script-pb-blocking.xml
long=$src/tests/outdir/long-run.xml
pass=0
fail=0
ok() { echo "ok: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }

# A listing of a tree with each file's checksum: what "untouched" is compared against.
snapshot() { (cd "$1" && find . -printf '%y %p %l\n' | sort && find . -type f -exec md5sum {} + | sort) 2>/dev/null; }

# refused NAME TARGET COMMAND...: exit 2, a message naming the target, TARGET's tree unchanged,
# no staging folder left beside it.
refused() {
  local name=$1 target=$2
  shift 2
  local before after
  before=$(snapshot "$target")
  timeout 60 "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  local status=$?
  after=$(snapshot "$target")
  if [ "$status" -ne 2 ]; then bad "$name: exit $status, expected 2"; sed 's/^/    | /' "$tmp/stderr" | head -5
  elif ! grep -q "never\|not a folder\|symbolic link\|names the current" "$tmp/stderr"; then bad "$name: no reason given"; cat "$tmp/stderr"
  elif [ "$before" != "$after" ]; then bad "$name: the target changed"
  elif ls -d "$target".partial-* >/dev/null 2>&1; then bad "$name: a staging folder was left"
  elif grep -q -e 'AddressSanitizer' -e 'runtime error:' "$tmp/stderr"; then bad "$name: sanitizer report"
  else ok "$name is refused (exit 2), untouched"; fi
}

run_ok() { timeout 120 "$replsim" run "$quick" "$@" >"$tmp/stdout" 2>"$tmp/stderr"; }

# --- marked folders are made, and replaced -----------------------------------------------------
out=$tmp/run
if run_ok --out "$out" && [ -f "$out/.replsim-output" ] && head -n 1 "$out/.replsim-output" | grep -qx 'replsim output folder 1' &&
   grep -qx 'f trace.jsonl' "$out/.replsim-output" && grep -qx 'd logs' "$out/.replsim-output"; then
  ok "a run marks its folder, listing what it wrote"
else bad "a run's folder has no proper marker"; cat "$tmp/stderr"; fi
if ls -d "$out".partial-* >/dev/null 2>&1; then bad "a finished run left its staging folder"; else ok "no staging folder after a run"; fi
rm -f "$out/logs/old-node.txt"
# A file the marker lists but a later run does not write must go when the folder is replaced.
sed -i '$a f logs/old-node.txt' "$out/.replsim-output" && echo old >"$out/logs/old-node.txt"
if run_ok --out "$out" && [ ! -e "$out/logs/old-node.txt" ] && [ -s "$out/trace.jsonl" ]; then
  ok "a marked folder is replaced whole"
else bad "replacing a marked folder"; cat "$tmp/stderr"; fi
mkdir -p "$tmp/empty"
if run_ok --out "$tmp/empty" && [ -s "$tmp/empty/summary.json" ]; then ok "an empty folder is used"; else bad "an empty folder was not used"; fi
if run_ok --out "$tmp/a/b/c" && [ -s "$tmp/a/b/c/summary.json" ]; then ok "missing parent folders are made"; else bad "parent folders"; fi

# --- everything else is refused before the run -------------------------------------------------
echo "my notes" >"$tmp/file.txt"
refused "a regular file" "$tmp/file.txt" "$replsim" run "$quick" --out "$tmp/file.txt"
mkdir -p "$tmp/precious" && echo "keep me" >"$tmp/precious/data.txt"
ln -s "$tmp/precious" "$tmp/link"
refused "a symbolic link to a folder" "$tmp/precious" "$replsim" run "$quick" --out "$tmp/link"
refused "a symbolic link, with a slash" "$tmp/precious" "$replsim" run "$quick" --out "$tmp/link/"
refused "a folder with files replsim did not write" "$tmp/precious" "$replsim" run "$quick" --out "$tmp/precious"
# A simulated root folder: what / looks like, unmarked.
mkdir -p "$tmp/fakeroot/etc" "$tmp/fakeroot/home" && echo "root:x:0:0" >"$tmp/fakeroot/etc/passwd"
refused "a root-like folder" "$tmp/fakeroot" "$replsim" run "$quick" --out "$tmp/fakeroot"
# The home folder is refused even when empty; HOME points inside the temporary folder.
mkdir -p "$tmp/home"
refused "the home folder (empty)" "$tmp/home" env HOME="$tmp/home" "$replsim" run "$quick" --out "$tmp/home"
echo "export PS1" >"$tmp/home/.profile"
refused "the home folder" "$tmp/home" env HOME="$tmp/home" "$replsim" run "$quick" --out "$tmp/home"
mkdir -p "$tmp/cwd/inner" && echo x >"$tmp/cwd/inner/x"
refused "the current folder (.)" "$tmp/cwd/inner" sh -c 'cd "$1/cwd/inner" && exec "$2" run "$3" --out .' sh "$tmp" "$replsim" "$quick"
refused "the current folder by its path" "$tmp/cwd" sh -c 'cd "$1/cwd/inner" && exec "$2" run "$3" --out "$1/cwd/inner"' sh "$tmp" "$replsim" "$quick"
refused "an ancestor of the current folder" "$tmp/cwd" sh -c 'cd "$1/cwd/inner" && exec "$2" run "$3" --out ..' sh "$tmp" "$replsim" "$quick"
mkdir -p "$tmp/emptycwd"
refused "the current folder, even empty" "$tmp/emptycwd" sh -c 'cd "$1/emptycwd" && exec "$2" run "$3" --out .' sh "$tmp" "$replsim" "$quick"

# A marked folder that holds something replsim did not write is refused, and it stays.
run_ok --out "$out"
echo "analysis by hand" >"$out/notes.txt"
refused "a marked folder with a user's file" "$out" "$replsim" run "$quick" --out "$out"
rm "$out/notes.txt"
echo "mine" >"$out/logs/mine.txt"
refused "a marked folder with a user's file in logs/" "$out" "$replsim" run "$quick" --out "$out"
rm "$out/logs/mine.txt"
ln -s "$tmp/precious" "$out/logs/link"
refused "a marked folder holding a symbolic link" "$tmp/precious" "$replsim" run "$quick" --out "$out"
rm "$out/logs/link"
cp "$out/.replsim-output" "$tmp/marker.bak"
echo "garbage" >"$out/.replsim-output"
refused "a folder whose marker is damaged" "$out" "$replsim" run "$quick" --out "$out"
printf 'replsim output folder 1\nf ../precious/data.txt\n' >"$out/.replsim-output"
refused "a marker that names a path outside" "$tmp/precious" "$replsim" run "$quick" --out "$out"
cp "$tmp/marker.bak" "$out/.replsim-output"
if [ "$(cat "$tmp/precious/data.txt")" = "keep me" ]; then ok "the linked folder's data survived"; else bad "data behind a link was touched"; fi

# --- plot writes only its own plots/ -------------------------------------------------------------
if "$replsim" plot "$out" >/dev/null 2>&1 && [ -f "$out/plots/.replsim-output" ]; then
  ok "plot marks its plots folder"
  if "$replsim" plot "$out" >/dev/null 2>&1 && run_ok --out "$out" && [ ! -e "$out/plots" ]; then
    ok "a marked plots folder is replaced by plot, and by a run"
  else bad "replacing marked plots"; fi
  "$replsim" plot "$out" >/dev/null 2>&1
  echo "my figure" >"$out/plots/figure.txt"
  refused "plot over a plots folder with a user's file" "$out/plots" "$replsim" plot "$out"
  refused "a run over a run with a user's file in plots/" "$out" "$replsim" run "$quick" --out "$out"
  rm "$out/plots/figure.txt"
  rm -rf "$out/plots" && mkdir "$out/plots" && echo "mine" >"$out/plots/mine.txt"
  refused "plot over an unmarked plots folder" "$out/plots" "$replsim" plot "$out"
  rm -rf "$out/plots"
else
  bad "plot did not mark its folder"
fi

# --- compare --out -------------------------------------------------------------------------------
cmp=$tmp/cmp
compare() { timeout 300 "$replsim" compare "$quick" --protocols pb-blocking,quorum --seeds 1 --jobs 2 --out "$@" >"$tmp/stdout" 2>"$tmp/stderr"; }
if compare "$cmp" && [ -f "$cmp/.replsim-output" ] && [ -f "$cmp/runs/quorum-seed1/.replsim-output" ] &&
   grep -qx 'f run.log' "$cmp/runs/quorum-seed1/.replsim-output" && ! ls -d "$cmp".partial-* >/dev/null 2>&1; then
  ok "compare marks its folder and each run's, run.log included"
else bad "compare's markers"; cat "$tmp/stderr"; fi
if grep -q "results: $cmp/results.csv" "$tmp/stdout"; then ok "compare prints the final paths"; else bad "compare printed: $(grep results: "$tmp/stdout")"; fi
if compare "$cmp" && [ -s "$cmp/results.csv" ]; then ok "compare replaces its own folder"; else bad "compare over its own folder"; cat "$tmp/stderr"; fi
refused "compare over a folder with files replsim did not write" "$tmp/precious" "$replsim" compare "$quick" --protocols quorum --out "$tmp/precious"
echo "mine" >"$cmp/runs/quorum-seed1/mine.txt"
refused "compare over a comparison holding a user's file" "$cmp" "$replsim" compare "$quick" --protocols quorum --out "$cmp"
rm "$cmp/runs/quorum-seed1/mine.txt"

# --- signals: an interrupted run leaves nothing and dies of its signal -----------------------------
# Job control gives the background run its own process group and default signal dispositions
# (a non-interactive shell would otherwise start it with SIGINT ignored).
set -m
interrupt() { # SIGNAL STATUS TARGET: interrupts a run of the long scenario into TARGET
  local sig=$1 want=$2 target=$3
  timeout 120 "$replsim" run "$long" --out "$target" >"$tmp/long.out" 2>&1 &
  local pid=$! i
  for i in $(seq 1 200); do ls -d "$target".partial-* >/dev/null 2>&1 && break; sleep 0.05; done
  sleep 0.5
  if ! ls -d "$target".partial-* >/dev/null 2>&1; then bad "SIG$sig: the run never started writing"; kill -KILL "$pid"; wait "$pid"; return; fi
  kill -"$sig" "$pid"
  wait "$pid"
  local status=$?
  if [ "$status" -ne "$want" ]; then bad "SIG$sig: exit status $status, expected $want"; tail -5 "$tmp/long.out"
  elif ls -d "$target".partial-* >/dev/null 2>&1; then bad "SIG$sig: the staging folder was left"
  else ok "SIG$sig ends the run with status $want and removes its staging folder"; fi
}
interrupt INT 130 "$tmp/long-int"
[ -e "$tmp/long-int" ] && bad "SIGINT: the output folder appeared"
interrupt TERM 143 "$tmp/long-term"
[ -e "$tmp/long-term" ] && bad "SIGTERM: the output folder appeared"
# Interrupting a run that would replace a marked folder leaves the previous outputs as they were.
before=$(snapshot "$out")
interrupt INT 130 "$out"
if [ "$before" = "$(snapshot "$out")" ]; then ok "an interrupted replacement leaves the previous run intact"
else bad "an interrupted replacement changed the previous run"; fi
# An interrupted comparison leaves no folder and no run behind (its runs die with it).
timeout 120 "$replsim" compare "$long" --protocols pb-blocking,quorum --jobs 2 --out "$tmp/cmp-int" >"$tmp/cmp-int.out" 2>&1 &
pid=$!
for i in $(seq 1 200); do [ -d "$tmp/cmp-int.partial-$pid/runs" ] && ls "$tmp/cmp-int.partial-$pid/runs" | grep -q partial && break; sleep 0.05; done
sleep 0.5
kill -INT "$pid"
wait "$pid"
status=$?
sleep 0.5
if [ "$status" -ne 130 ]; then bad "SIGINT to compare: exit status $status, expected 130"
elif ls -d "$tmp"/cmp-int* >/dev/null 2>&1 && [ -n "$(ls -d "$tmp"/cmp-int*/ 2>/dev/null)" ]; then bad "SIGINT to compare left $(ls -d "$tmp"/cmp-int*/)"
elif pgrep -f -- "--out $tmp/cmp-int" >/dev/null; then bad "SIGINT to compare left its runs going"
else ok "SIGINT ends compare with status 130, its runs and its staging folder gone"; fi
set +m

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
