#!/usr/bin/env bash
# `make docs`: regenerates every picture in docs/img/ (but export-*.png: docs/viewer-screens.sh,
#   by hand, needs ShiViz) and every block of README.md marked
#   <!-- generated: NAME (make docs) --> ... <!-- end generated -->
# from short deterministic runs, so the README shows what the code does today.
#
# Usage: bash docs/make-docs.sh PATH_TO_REPLSIM [--check]
#   --check  regenerates the README's blocks only (no pictures), into a temporary copy, and
#            fails (exit 1, with the difference) when README.md says something else: the test
#            tests/test_readme.sh runs this.
# Wall-clock figures vary from machine to machine and are left out of the generated blocks; the
# benchmark's figures come from `make bench` and are dated where the README quotes them.
set -euo pipefail

replsim=${1:?usage: make-docs.sh PATH_TO_REPLSIM [--check]}
check=false
[ "${2:-}" = --check ] && check=true
case $replsim in /*) ;; *) replsim=$(pwd)/$replsim ;; esac
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/replsim-docs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
[ "${RS_SANITIZE:-OFF}" = ON ] && export RS_SIMGRID_THREADS=1
mkdir -p "$tmp/blocks"

# Runs replsim whatever its exit status (1 is a run whose expectation failed, which is shown).
rs() { "$replsim" "$@" || [ $? -le 1 ]; }

# --- the runs ----------------------------------------------------------------------------------
rs run scenarios/quickstart-pb-blocking.xml --out "$tmp/quick" >"$tmp/quick.txt" 2>&1
rs run scenarios/faults-split-brain-peer.xml --out "$tmp/split" >"$tmp/split-run.txt" 2>&1
rs check "$tmp/split" >"$tmp/split-check.txt" 2>&1
rs compare scenarios/quickstart-pb-blocking.xml --protocols pb-blocking,pb-nonblocking,quorum \
  --seeds 1-5 --jobs 2 --out "$tmp/cmp" >"$tmp/cmp.txt" 2>&1
rs check tests/data/porcupine/kv-c50-bad.edn >"$tmp/c50.txt" 2>&1
rs compare scenarios/quorum-read-repair.xml --protocols quorum --vary read-repair=false,true --seeds 1-10 \
  --jobs 2 --out "$tmp/rr" >"$tmp/rr.txt" 2>&1

# --- the blocks --------------------------------------------------------------------------------
# The quick start's summary, as `make run` prints it, wall time left out.
sed -E 's/, [0-9.]+ s wall \([0-9.]+x real time\)//; s#^output: .*#output: out/quickstart-pb-blocking/#' \
  "$tmp/quick.txt" >"$tmp/blocks/make-run"
# The split-brain run's consistency line, and check's explanation of its first violation.
sed -n '/^Consistency/,/^$/p' "$tmp/split-run.txt" | sed '/^$/d' >"$tmp/blocks/split-brain-consistency"
awk '/^key ".*": VIOLATION/ { on = 1 } on { print } on && /trace lines involved/ { exit }' \
  "$tmp/split-check.txt" >"$tmp/blocks/split-brain-check"
# compare's table of medians.
sed -n '/^median over seeds/,/^linearizable runs/p' "$tmp/cmp.txt" >"$tmp/blocks/compare"
# Seed 004's quorum beside read-repair under the same crashes and concurrency, and the seeds
# the checker found not linearizable.
{
  sed -n '/^read-repair = false/,$p' "$tmp/rr.txt" | sed '/^results:/,$d' | sed '${/^$/d}'
  echo
  awk -F, '$4 == "all" && $15 != "true" { printf "not linearizable: read-repair=%s seed %s\n", $2, $3 }' "$tmp/rr/results.csv"
} >"$tmp/blocks/quorum-read-repair"
# Porcupine's c50-bad: how check reads it and its verdict. How many of the other keys the early
# answer's budget covered depends on the machine's speed, so the counts are left out.
grep -E '^(history|model|note|linearizability|verdict)' "$tmp/c50.txt" |
  sed -E 's/ keys: .*/ keys/; s/ \(first at key "[^"]*"\)//' >"$tmp/blocks/c50-bad"
for b in "$tmp"/blocks/*; do
  [ -s "$b" ] || { echo "make-docs: the block $(basename "$b") came out empty" >&2; exit 1; }
done

# Replaces each generated block of README.md (read from $1) with its new text, into $2.
fill() {
  awk -v dir="$tmp/blocks" '
    /^<!-- generated: [a-z0-9-]+ \(make docs\) -->$/ {
      print; name = $3; file = dir "/" name
      if ((getline probe < file) < 0) { print "make-docs: no block named " name > "/dev/stderr"; exit 2 }
      close(file)
      print "```text"; while ((getline line < file) > 0) print line; close(file); print "```"
      skip = 1; next
    }
    /^<!-- end generated -->$/ { skip = 0 }
    !skip { print }' "$1" >"$2"
}

fill README.md "$tmp/README.md"
if $check; then
  if ! diff -u README.md "$tmp/README.md" >"$tmp/diff.txt"; then
    echo "README.md differs from what the code produces now (run 'make docs' and review):" >&2
    cat "$tmp/diff.txt" >&2
    exit 1
  fi
  echo "README.md's generated blocks match what the code produces"
  exit 0
fi
cp "$tmp/README.md" README.md

# --- the pictures ------------------------------------------------------------------------------
rs run docs/img/plots-demo.xml --out "$tmp/demo" >/dev/null 2>&1
"$replsim" plot "$tmp/demo" >/dev/null
cp "$tmp/demo/plots/latency.png" docs/img/latency.png
cp "$tmp/demo/plots/spacetime.png" docs/img/spacetime.png
cp "$tmp/cmp/plots/cdf.png" docs/img/cdf.png
cp "$tmp/rr/plots/cdf.png" docs/img/quorum-read-repair-cdf.png
rs compare docs/img/plots-demo.xml --protocols pb-blocking,pb-nonblocking,quorum --seeds 1-3 \
  --vary replicas=3,5,7 --jobs 2 --out "$tmp/vary" >/dev/null 2>&1
cp "$tmp/vary/plots/vary.png" docs/img/vary.png
"$replsim" plot "$tmp/split" >/dev/null
cp "$tmp/split/plots/spacetime.png" docs/img/spacetime-violation.png
mkdir -p "$tmp/out" && cp -r "$tmp/split" "$tmp/out/faults-split-brain-peer"
(cd "$tmp" && rs check out/faults-split-brain-peer --html viewer.html >/dev/null 2>&1)
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$browser" ]; then
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,1050 \
    --screenshot="$root/docs/img/viewer.png" "file://$tmp/viewer.html" >/dev/null 2>&1
else
  echo "make-docs: chromium is not installed: docs/img/viewer.png left as it was" >&2
fi
echo "make-docs: README.md's blocks and docs/img/*.png regenerated"
