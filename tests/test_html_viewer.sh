# `replsim check ... --html FILE`: one self-contained page (nothing fetched from a network) whose
# data names each violating key's operations, its linearizable prefix, the operation that cannot
# be placed and the model state, with the run's fault windows; and, where Debian's chromium is
# installed, the page drawn by a real browser shows them.
# Usage: bash tests/test_html_viewer.sh PATH_TO_REPLSIM SOURCE_DIR
set -u
replsim=${1:?usage: test_html_viewer.sh PATH_TO_REPLSIM SOURCE_DIR}
src=${2:?usage: test_html_viewer.sh PATH_TO_REPLSIM SOURCE_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ "${RS_SANITIZE:-OFF}" = ON ] && export RS_SIMGRID_THREADS=1
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
# The JSON between the data script's tags.
data_of() { sed -n '/<script id="data" type="application\/json">/,/<\/script>/p' "$1" | sed '1d;$d'; }

page=$tmp/c50.html
"$replsim" check "$src/tests/data/porcupine/kv-c50-bad.edn" --html "$page" >"$tmp/out.txt" 2>&1
st=$?
[ "$st" = 1 ] && grep -q "viewer: $page" "$tmp/out.txt" && pass || fail "check --html on a violation" "exit $st: $(tail -n 3 "$tmp/out.txt")"
if grep -Eqi '(src|href)=["'"'"']?(https?:)?//|@import|url\(|fetch\(|XMLHttpRequest|<link' "$page"; then
  fail "self-contained" "the page refers to something outside itself"
else pass; fi
data_of "$page" >"$tmp/data.json"
if jq -e . "$tmp/data.json" >/dev/null 2>&1; then pass; else fail "the page's data" "is not JSON"; fi
check() { if [ "$(jq -e "$2" "$tmp/data.json" 2>&1)" = true ]; then pass; else fail "$1" "$(jq -c "$2" "$tmp/data.json" 2>&1 | head -c 200)"; fi; }
check "the verdict and every key's" '.meta.verdict == "violation" and (.keys | length) == 10'
check "each violation: the stuck operation is one of the key's" '[.violations[] | . as $v | [.ops[].i] | index($v.stuck) != null] | all'
check "each violation: its prefix is of the key's operations, in order, without the stuck one" \
  '[.violations[] | . as $v | ([.ops[].i]) as $ids | ($v.prefix | all(. as $p | $ids | index($p) != null)) and ($v.prefix | index($v.stuck) == null) and ($v.prefix | length) == $v.placed] | all'
check "each violation: model state, returned and allowed answers" '[.violations[] | (.state | length) > 0 and (.returned | length) > 0 and (.allowed | length) > 0] | all'
check "no time in the history: the axis says positions" '.meta.time_unit | startswith("position")'

# A run's violation, with its fault windows shaded.
run=$tmp/split
"$replsim" run "$src/scenarios/faults-split-brain-peer.xml" --out "$run" >/dev/null 2>&1
"$replsim" check "$run" --html "$tmp/split.html" >/dev/null 2>&1
data_of "$tmp/split.html" >"$tmp/data.json"
check "a run's page carries its fault windows" '(.faults | length) > 0 and ([.faults[] | .kind] | index("partition") != null)'
check "a run's page is in seconds" '.meta.time_unit == "seconds"'
"$replsim" check "$src/tests/data/porcupine/kv-c01-ok.edn" --html "$tmp/ok.html" >/dev/null 2>&1
data_of "$tmp/ok.html" >"$tmp/data.json"
check "a linearizable history: a page with no violation" '.meta.verdict == "linearizable" and (.violations | length) == 0'
"$replsim" check "$src/tests/data/porcupine/kv-c01-ok.edn" --html "$tmp/no/such/dir/x.html" >/dev/null 2>&1
[ $? = 2 ] && pass || fail "--html into a missing folder" "did not exit 2"

# A real browser draws the page (Debian's chromium, when installed: make docs installs it).
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$browser" ]; then
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --dump-dom "file://$page" >"$tmp/dom.html" 2>/dev/null
  if grep -q 'cannot be placed' "$tmp/dom.html" && grep -q '<svg' "$tmp/dom.html" && grep -q 'model state after the prefix' "$tmp/dom.html"; then pass
  else fail "chromium draws the page" "the drawn page lacks its chart or its explanation"; fi
else
  echo "note: chromium is not installed; the page was checked without a browser (make docs installs one)"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
