#!/usr/bin/env bash
# replsim's route checker agrees with SimGrid 3.32 itself: on every platform shipped and tested, for
# every pair of (the first 8) hosts, both ways, replsim accepts a pair only if SimGrid routes it
# (never letting SimGrid abort), and refuses one only if SimGrid cannot route it, or where the
# platform says replsim is stricter (a comment "replsim-stricter: why"). SimGrid is asked by
# tests/oracle/route_oracle.cpp, a pair per child process, as some platforms crash it.
# Usage: bash tests/test_platform_routes.sh PATH_TO_REPLSIM SOURCE_DIR
set -uo pipefail
replsim=${1:?usage: test_platform_routes.sh PATH_TO_REPLSIM SOURCE_DIR}
src=${2:?usage: test_platform_routes.sh PATH_TO_REPLSIM SOURCE_DIR}
bin=$(dirname "$replsim")
for tool in route_check route_oracle; do
  [ -x "$bin/$tool" ] || { echo "FAIL: $bin/$tool is missing (built with replsim)"; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

for platform in "$src"/tests/platforms/*.xml "$src"/platforms/*.xml "$src"/tests/scenarios-parse/platform-cluster.xml \
                "$src"/tests/bad/platforms/*.xml; do
  name=${platform#"$src"/}
  "$bin/route_check" "$platform" 8 >"$tmp/mine.tsv"
  if grep -q '^REFUSED' "$tmp/mine.tsv"; then
    case $name in
      tests/bad/*) continue ;; # refused before routes: tests/test_bad_input.sh checks why
      *) echo "FAIL $name: refused: $(cut -f2 "$tmp/mine.tsv")"; fail=$((fail + 1)); continue ;;
    esac
  fi
  args=()
  while IFS=$'\t' read -r a b verdict; do
    args+=("$a" "$b")
    [ "$a" = "$b" ] || args+=("$b" "$a")
  done <"$tmp/mine.tsv"
  "$bin/route_oracle" "$platform" "${args[@]}" >"$tmp/simgrid.tsv" 2>/dev/null
  stricter=$(grep -c 'replsim-stricter' "$platform")
  bad=0 strict=0 pairs=0
  while IFS=$'\t' read -r a b verdict; do
    pairs=$((pairs + 1))
    there=$(awk -F'\t' -v a="$a" -v b="$b" '$1 == a && $2 == b { print $3 }' "$tmp/simgrid.tsv")
    back=$(awk -F'\t' -v a="$b" -v b="$a" '$1 == a && $2 == b { print $3 }' "$tmp/simgrid.tsv")
    simgrid=$([ "$there" = ok ] && [ "$back" = ok ] && echo ok || echo NO)
    if [ "$verdict" = ok ] && [ "$simgrid" != ok ]; then
      echo "FAIL $name: replsim routes '$a' <-> '$b', SimGrid does not ($there/$back)"
      bad=$((bad + 1))
    elif [ "$verdict" != ok ] && [ "$simgrid" = ok ]; then
      if [ "$stricter" -gt 0 ]; then strict=$((strict + 1)); else
        echo "FAIL $name: replsim refuses '$a' <-> '$b', which SimGrid routes"
        bad=$((bad + 1))
      fi
    fi
  done <"$tmp/mine.tsv"
  if [ "$bad" -eq 0 ]; then
    echo "ok: $name: $pairs pairs agree with SimGrid${strict:+$( [ "$strict" -gt 0 ] && echo " ($strict refused where SimGrid would drop a segment)")}"
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
  fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
