# The README tells the truth by construction: its generated blocks (the quick start's summary,
# the split-brain violation, compare's table, Porcupine's c50-bad) are what short deterministic
# runs of this build print today. `make docs` regenerates them (and the pictures).
# Usage: bash tests/test_readme.sh PATH_TO_REPLSIM SOURCE_DIR
set -u
replsim=${1:?usage: test_readme.sh PATH_TO_REPLSIM SOURCE_DIR}
src=${2:?usage: test_readme.sh PATH_TO_REPLSIM SOURCE_DIR}
# The figures are the normal build's; the sanitizer build would only prove the same ones slower.
if [ "${RS_SANITIZE:-OFF}" = ON ]; then
  echo "skipped under the sanitizers: the normal build checks the README's figures"
  exit 0
fi
blocks=$(grep -c '^<!-- generated: .* (make docs) -->$' "$src/README.md")
if [ "$blocks" -lt 5 ]; then
  echo "FAIL: README.md has $blocks generated blocks, expected at least 5"
  echo "0 passed, 1 failed"
  exit 1
fi
if TMPDIR=${TMPDIR:-/tmp} bash "$src/docs/make-docs.sh" "$replsim" --check; then
  echo "1 passed, 0 failed"
else
  echo "0 passed, 1 failed"
  exit 1
fi
