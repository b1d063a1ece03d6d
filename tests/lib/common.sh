# Shared by the tests/test_*.sh scripts that drive the binary: their arguments, a temporary
# folder removed at exit, sanitizer-friendly SimGrid contexts, and the check helpers. Sourced.
replsim=$(realpath "${1:?usage: $0 PATH_TO_REPLSIM SOURCE_DIR}")
src=$(realpath "${2:?usage: $0 PATH_TO_REPLSIM SOURCE_DIR}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# SimGrid's default contexts confuse ASan; threads are clean (see the README's Tests section).
[ "${RS_SANITIZE:-OFF}" = ON ] && export RS_SIMGRID_THREADS=1
fail=0
# check NAME GOT EXPECTED
check() {
  if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: got '$2', expected '$3'"; fail=1; fi
}
# within NAME VALUE LOW HIGH: a number in a closed range.
within() {
  if awk -v v="$2" -v lo="$3" -v hi="$4" 'BEGIN{exit !(v >= lo && v <= hi)}'; then echo "ok: $1 ($2)"
  else echo "FAIL: $1: $2 not in [$3, $4]"; fail=1; fi
}
