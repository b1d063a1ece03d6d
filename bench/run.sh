#!/usr/bin/env bash
# The benchmark (`make bench`): replsim's steady state against a bare SimGrid ping-pong, in messages per wall-second.
#
# Usage: bash bench/run.sh BUILD_DIR
#   BUILD_DIR holds replsim and pingpong (and, if built, lincheck_bench).
# Environment: PINGPONG_PAIRS (default 50) and PINGPONG_MESSAGES (per pair, default 20000), so the
# baseline moves about as many messages (1,000,000) as the replsim run (about 700,000).
# Issue 11's part (f): BENCH_SCALE=0 skips it; BENCH_G1_OPS_1000 and BENCH_SG_OPS_1000 (default
# 10000) size the SimGrid engine's 1,000-client runs, BENCH_SG_WALL_10000 (default 60) bounds its
# 10,000-client run, BENCH_G1_REPEAT (default 2) is how many alternated pairs goal 1 takes the fastest of.
set -euo pipefail

die() {
  echo "bench: $*" >&2
  exit 1
}

# Shows the end of a failed step's output, which is where SimGrid and replsim explain themselves.
show_tail() {
  local f
  for f in "$@"; do
    if [ -s "$f" ]; then
      echo "--- last lines of $(basename "$f") ---" >&2
      tail -n 20 "$f" >&2
    fi
  done
}

[ $# -eq 1 ] || die "usage: bash bench/run.sh BUILD_DIR"
[ -d "$1" ] || die "no build folder '$1' (run 'make build' first)"
BUILD=$(cd "$1" && pwd)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

REPLSIM="$BUILD/replsim"
PINGPONG="$BUILD/pingpong"
LINCHECK="$BUILD/lincheck_bench"
SCENARIO=bench/steady.xml
PLATFORM=platforms/lan.xml
PAIRS=${PINGPONG_PAIRS:-50}
PER_PAIR=${PINGPONG_MESSAGES:-20000}
TIME=/usr/bin/time

[ -x "$TIME" ] || die "$TIME not found (install the Debian package 'time', or run 'make deps')"
[ -x "$REPLSIM" ] || die "$REPLSIM not found or not executable (run 'make build' first)"
[ -x "$PINGPONG" ] || die "$PINGPONG not found or not executable (run 'make build' first)"
[ -f "$SCENARIO" ] || die "$ROOT/$SCENARIO not found"
[[ "$PAIRS" =~ ^[1-9][0-9]*$ ]] || die "PINGPONG_PAIRS must be a positive whole number, not '$PAIRS'"
[[ "$PER_PAIR" =~ ^[1-9][0-9]*$ ]] || die "PINGPONG_MESSAGES must be a positive whole number, not '$PER_PAIR'"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/replsim-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a command under /usr/bin/time; sets WALL (s), CPU_S (user + system s), RSS_KIB and STATUS. Its output goes to
# $TMP/NAME.out and $TMP/NAME.err. GNU time writes "Command exited with non-zero status N"
# before the figures when the command fails, so the figures are on the last line.
timed() {
  local name=$1
  shift
  STATUS=0
  "$TIME" -f '%e %M %U %S' -o "$TMP/$name.time" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" || STATUS=$?
  local last
  last=$(tail -n 1 "$TMP/$name.time" 2>/dev/null || true)
  if [[ "$last" =~ ^([0-9]+(\.[0-9]+)?)\ ([0-9]+)\ ([0-9.]+)\ ([0-9.]+)$ ]]; then
    WALL=${BASH_REMATCH[1]}
    RSS_KIB=${BASH_REMATCH[3]}
    CPU_S=$(awk -v u="${BASH_REMATCH[4]}" -v s="${BASH_REMATCH[5]}" 'BEGIN { printf "%.2f", u + s }')
  else
    show_tail "$TMP/$name.err" "$TMP/$name.time"
    die "$name: $TIME gave no measurement (exit status $STATUS)"
  fi
}

# Messages a replsim run sent: summary.json's messages_sent, or its "messages": {"sent": N}
# object, or failing both the number of send lines in trace.jsonl.
replsim_messages() {
  local dir=$1 n=""
  if [ -f "$dir/summary.json" ]; then
    n=$(grep -oE '"messages_sent"[[:space:]]*:[[:space:]]*[0-9]+' "$dir/summary.json" | head -n 1 |
      grep -oE '[0-9]+$' || true)
    if [ -z "$n" ]; then
      n=$(tr -d '\n' <"$dir/summary.json" |
        grep -oE '"messages"[[:space:]]*:[[:space:]]*\{[^}]*\}' | head -n 1 |
        grep -oE '"sent"[[:space:]]*:[[:space:]]*[0-9]+' | grep -oE '[0-9]+$' || true)
    fi
  fi
  if [ -z "$n" ] && [ -f "$dir/trace.jsonl" ]; then
    n=$(grep -cE '"type"[[:space:]]*:[[:space:]]*"send"' "$dir/trace.jsonl" || true)
  fi
  echo "$n"
}

# A / B with awk, as bash has no floating point; "-" when B is zero.
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.1f", a / b; else printf "-" }'
}

# --- (a) replsim, steady state -------------------------------------------------------------------
echo "bench: replsim on $SCENARIO (this takes a while)..." >&2
timed replsim "$REPLSIM" run "$SCENARIO" --out "$TMP/steady"
case $STATUS in
  0) ;;
  1) echo "bench: warning: an expectation of $SCENARIO failed; the figures below are of a run that misbehaved" >&2
     grep -E '^  FAILED' "$TMP/replsim.out" >&2 || true ;;
  *) show_tail "$TMP/replsim.err" "$TMP/replsim.out"
     die "replsim run $SCENARIO failed (exit status $STATUS)" ;;
esac
RS_WALL=$WALL
RS_RSS=$RSS_KIB
RS_MSGS=$(replsim_messages "$TMP/steady")
if ! [[ "$RS_MSGS" =~ ^[0-9]+$ ]] || [ "$RS_MSGS" -eq 0 ]; then
  die "could not read how many messages replsim sent from $TMP/steady/summary.json or trace.jsonl"
fi
# The printed summary's own wall time covers the simulation alone, without start-up, the
# consistency check and writing the output; shown apart so the two costs can be told apart.
RS_RUN_WALL=$(sed -nE 's/^Time[[:space:]]+[0-9.]+ s simulated, ([0-9.]+) s wall.*/\1/p' "$TMP/replsim.out" | head -n 1 || true)

# --- (b) the bare ping-pong ----------------------------------------------------------------------
echo "bench: pingpong, $PAIRS pairs x $PER_PAIR messages..." >&2
timed pingpong "$PINGPONG" "$PLATFORM" "$PAIRS" "$PER_PAIR"
if [ "$STATUS" -ne 0 ]; then
  show_tail "$TMP/pingpong.err" "$TMP/pingpong.out"
  die "pingpong failed (exit status $STATUS)"
fi
PP_LINE=$(grep -E '^pingpong: [0-9]+ messages' "$TMP/pingpong.out" | head -n 1 || true)
[ -n "$PP_LINE" ] || die "pingpong printed no result line"
PP_MSGS=$(echo "$PP_LINE" | sed -nE 's/^pingpong: ([0-9]+) messages.*/\1/p')
PP_WALL=$WALL
PP_RSS=$RSS_KIB

# --- (c) the linearizability checker's benchmark, when it is built --------------------------------
LC_LINE=""
if [ -x "$LINCHECK" ]; then
  echo "bench: lincheck_bench..." >&2
  timed lincheck "$LINCHECK"
  if [ "$STATUS" -ne 0 ]; then
    show_tail "$TMP/lincheck.err" "$TMP/lincheck.out"
    die "lincheck_bench failed (exit status $STATUS)"
  fi
  LC_LINE=$(grep -v '^[[:space:]]*$' "$TMP/lincheck.out" | tail -n 1 || true)
  LC_WALL=$WALL
  LC_RSS=$RSS_KIB
  [ -n "$LC_LINE" ] || die "lincheck_bench printed nothing"
fi

# --- (d) replsim check on the steady run: reading a large trace back, and the whole verdict ---------
echo "bench: replsim check on the steady run's trace..." >&2
timed check "$REPLSIM" check "$TMP/steady"
[ "$STATUS" -eq 0 ] || { show_tail "$TMP/check.err" "$TMP/check.out"; die "replsim check of the steady run failed (exit status $STATUS)"; }
CK_WALL=$WALL
CK_RSS=$RSS_KIB
CK_BYTES=$(stat -c %s "$TMP/steady/trace.jsonl")

# --- (e) MIT 6.824's c50-bad kv history (Porcupine's test data): replsim, then Porcupine ---------
C50=tests/data/porcupine/kv-c50-bad.edn
timed c50 "$REPLSIM" check "$C50"
[ "$STATUS" -eq 1 ] || { show_tail "$TMP/c50.err" "$TMP/c50.out"; die "replsim check $C50 did not find its violation (exit status $STATUS)"; }
C50_WALL=$WALL
C50_PROVEN=$(sed -nE 's/^a violation was proven ([0-9.]+) s into the check/\1/p' "$TMP/c50.out")
# Porcupine measured with Debian's golang-go when a copy of its source is at hand (PORCUPINE_SRC:
# a checkout or a git directory; it needs nothing beyond Go's standard library, and is built in
# this run's temporary folder, never kept); otherwise its figure is cited.
PC_LINE=""
if [ -n "${PORCUPINE_SRC:-}" ] && command -v go >/dev/null; then
  mkdir -p "$TMP/porcupine"
  if [ -d "$PORCUPINE_SRC/objects" ]; then git --git-dir="$PORCUPINE_SRC" archive HEAD | tar -x -C "$TMP/porcupine"
  else cp -r "$PORCUPINE_SRC"/. "$TMP/porcupine"; fi
  if (cd "$TMP/porcupine" && GOPATH=$TMP/gopath GOCACHE=$TMP/gocache GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local \
        go test -run '^TestKv50ClientsBad$' -bench '^BenchmarkKv50ClientsBad$' -benchtime 20x -count 1 . >"$TMP/porcupine.out" 2>&1); then
    NS=$(sed -nE 's/^BenchmarkKv50ClientsBad[^ ]*[[:space:]]+[0-9]+[[:space:]]+([0-9]+) ns\/op.*/\1/p' "$TMP/porcupine.out")
    [ -n "$NS" ] && PC_LINE=$(awk -v ns="$NS" 'BEGIN { printf "Porcupine (measured here, go test -bench BenchmarkKv50ClientsBad): %.3f s", ns / 1e9 }')
  fi
fi
[ -n "$PC_LINE" ] || PC_LINE="Porcupine: 0.05 s (cited from issue 10; set PORCUPINE_SRC to a Porcupine checkout to measure it here)"

# --- the report ----------------------------------------------------------------------------------
RS_RATE=$(ratio "$RS_MSGS" "$RS_WALL")
PP_RATE=$(ratio "$PP_MSGS" "$PP_WALL")
row() {
  awk -v n="$1" -v m="$2" -v w="$3" -v r="$4" -v k="$5" \
    'BEGIN { printf "%-30s %10s %9s %16s %9s\n", n, m, w, r, (k == "-" ? "-" : sprintf("%.1f", k / 1024)) }'
}

echo
echo "== replsim benchmark =========================================================="
printf "%-30s %10s %9s %16s %9s\n" "" "messages" "wall s" "messages/wall-s" "peak MiB"
row "replsim $(basename "$SCENARIO")" "$RS_MSGS" "$RS_WALL" "$RS_RATE" "$RS_RSS"
if [ -n "$RS_RUN_WALL" ]; then
  row "  of which the simulation" "$RS_MSGS" "$RS_RUN_WALL" "$(ratio "$RS_MSGS" "$RS_RUN_WALL")" "-"
fi
row "pingpong ${PAIRS}x${PER_PAIR}" "$PP_MSGS" "$PP_WALL" "$PP_RATE" "$PP_RSS"
echo
awk -v a="$RS_MSGS" -v aw="$RS_WALL" -v b="$PP_MSGS" -v bw="$PP_WALL" 'BEGIN {
  if (aw + 0 <= 0 || bw + 0 <= 0 || b + 0 <= 0) { print "ratio replsim/pingpong (messages/wall-s): -   goal >= 0.5"; exit }
  r = (a / aw) / (b / bw)
  printf "ratio replsim/pingpong (messages/wall-s): %.2f   goal >= 0.5   %s\n", r, (r >= 0.5 ? "met" : "NOT met")
}'
if [ -n "$RS_RUN_WALL" ]; then
  awk -v a="$RS_MSGS" -v aw="$RS_RUN_WALL" -v b="$PP_MSGS" -v bw="$PP_WALL" 'BEGIN {
    if (aw + 0 > 0 && bw + 0 > 0 && b + 0 > 0) printf "  (simulation alone: %.2f)\n", (a / aw) / (b / bw)
  }'
fi
if [ -n "$LC_LINE" ]; then
  echo
  echo "lincheck_bench: $LC_LINE (wall $LC_WALL s, peak $(awk -v k="$LC_RSS" 'BEGIN { printf "%.1f", k / 1024 }') MiB)"
fi
echo
awk -v w="$CK_WALL" -v b="$CK_BYTES" -v k="$CK_RSS" 'BEGIN {
  printf "replsim check of the steady trace (%.0f MB read back, the whole verdict): %.2f s wall, %.0f MB/s, peak %.1f MiB\n", b / 1e6, w, (w > 0 ? b / 1e6 / w : 0), k / 1024 }'
echo "c50-bad (MIT 6.824 kv, Porcupine's test data): replsim check $C50_WALL s wall, violation proven ${C50_PROVEN:-?} s into the check (early answer)"
echo "  $PC_LINE"
CPU=$(grep -m 1 -E '^(model name|Model|cpu model)[[:space:]]*:' /proc/cpuinfo 2>/dev/null | cut -d: -f2- |
  sed -E 's/^[[:space:]]+//' || true)
echo
echo "machine: $(nproc) CPUs, ${CPU:-unknown CPU}, Linux $(uname -r)"
echo "date:    $(date '+%Y-%m-%d %H:%M:%S %Z')"

# --- (f) issue 11: the SimGrid engine against bare SimGrid moving the same traffic, the scale
# table on both engines, and goal 2's run (10,000 clients x 7 replicas x 1,000,000 operations on
# the fast engine, trace written and checked). BENCH_SCALE=0 skips it.
BARE="$BUILD/bare_pb"
# A copy of steady.xml with CLIENTS clients, REPLICAS replicas and OPS operations.
scale_scenario() {
  local clients=$1 replicas=$2 ops=$3 hosts="" i
  for i in $(seq 1 "$replicas"); do hosts="$hosts node-$i"; done
  sed -e "s|clients=\"100\"|clients=\"$clients\"|" -e "s|ops=\"100000\"|ops=\"$ops\"|" \
      -e "s|replicas=\"5\" hosts=\"[^\"]*\"|replicas=\"$replicas\" hosts=\"${hosts# }\"|" \
      -e "s|ok-min=\"100000\"|ok-min=\"$ops\"|" -e "s|\.\./platforms/|$ROOT/platforms/|" "$ROOT/$SCENARIO"
}
# One replsim run of CLIENTS x REPLICAS x OPS on ENGINE (extra arguments to replsim run after);
# sets SENDS, WALL, RSS_KIB, RUN_STATUS and NOTE.
scale_run() {
  local name=$1 engine=$2 clients=$3 replicas=$4 ops=$5
  shift 5
  scale_scenario "$clients" "$replicas" "$ops" >"$TMP/$name.xml"
  timed "$name" "$REPLSIM" run "$TMP/$name.xml" --engine "$engine" --out "$TMP/$name" "$@"
  RUN_STATUS=$STATUS
  SIM_WALL=$(sed -nE 's/^Time[[:space:]]+[0-9.]+ s simulated, ([0-9.]+) s wall.*/\1/p' "$TMP/$name.out" | head -n 1 || true)
  SENDS=$(replsim_messages "$TMP/$name" 2>/dev/null || true)
  NOTE=""
  [ "$RUN_STATUS" = 0 ] || NOTE="exit $RUN_STATUS"
  grep -q '"stopped"' "$TMP/$name/summary.json" 2>/dev/null && NOTE="stopped by --max-wall"
  if [ -z "$SENDS" ]; then
    SENDS=0
    if grep -q 'max_map_count' "$TMP/$name.err" 2>/dev/null; then
      NOTE="${NOTE:+$NOTE, }aborted: SimGrid's actors (one per channel) exceed vm.max_map_count"
    else
      NOTE="${NOTE:+$NOTE, }no output: $(grep -v '^[[:space:]]*$' "$TMP/$name.err" 2>/dev/null | grep -vE '^ *->|Backtrace|^\[' | tail -n 1 | cut -c1-70)"
    fi
  fi
  rm -rf "$TMP/$name"
}
least() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }
rate() { awk -v m="$1" -v w="$2" 'BEGIN { if (w + 0 > 0) printf "%.0f", m / w; else printf "-" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
SC_REPORT=$TMP/scale.report
: >"$SC_REPORT"
if [ "${BENCH_SCALE:-1}" != 0 ] && [ -x "$BARE" ]; then
  {
    CPU=$(grep -m 1 -E '^(model name|Model|cpu model)[[:space:]]*:' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed -E 's/^[[:space:]]+//' || true)
    echo "== issue 11: engines and scale ================================================"
    echo "machine: $(nproc) CPUs, ${CPU:-unknown CPU}; load average when it began: $LOAD_BEFORE"
    echo "(other processes share the machine when the load exceeds $(nproc): then CPU s, this process's own user + system time, is the steadier figure)"
    echo
    echo "goal 1: the SimGrid engine against bare SimGrid moving the same traffic (bench/bare_pb.c:"
    echo "pb-blocking, a channel and a receiving actor per sender, lan.xml, 5 replicas), messages/wall-s"
    printf "%-8s %9s %7s %7s %10s   %9s %7s %7s %10s   %s\n" clients replsim wall CPU msgs/s bare wall CPU msgs/s "ratio (wall, CPU)"
  } >>"$SC_REPORT"
  for clients in 100 1000; do
    ops=100000
    [ "$clients" = 1000 ] && ops=${BENCH_G1_OPS_1000:-10000}
    # Alternated BENCH_G1_REPEAT times (default 2), the fastest of each side kept: this machine's
    # speed drifts by a quarter within minutes, and one pair measured in a slow phase for one side
    # only gave 0.61 where the next pairs gave 0.84.
    R_WALL="" R_CPU="" R_SIM="" B_WALL="" B_CPU=""
    for rep in $(seq 1 "${BENCH_G1_REPEAT:-2}"); do
      echo "bench: goal 1, $clients clients, round $rep: replsim (SimGrid engine), then bare_pb..." >&2
      scale_run "g1-$clients" simgrid "$clients" 5 "$ops"
      R_SENDS=$SENDS
      R_WALL=$(least "$R_WALL" "$WALL") R_CPU=$(least "$R_CPU" "$CPU_S") R_SIM=$(least "$R_SIM" "${SIM_WALL:-0}")
      timed "bare-$clients" "$BARE" "$ROOT/$PLATFORM" 5 "$clients" "$ops"
      B_MSGS=$(sed -nE 's/^bare_pb: ([0-9]+) messages.*/\1/p' "$TMP/bare-$clients.out")
      B_WALL=$(least "$B_WALL" "$WALL") B_CPU=$(least "$B_CPU" "$CPU_S")
    done
    awk -v c="$clients" -v rm="$R_SENDS" -v rw="$R_WALL" -v rc="$R_CPU" -v rs="$R_SIM" -v bm="${B_MSGS:-0}" -v bw="$B_WALL" -v bc="$B_CPU" 'BEGIN {
      rr = rw > 0 ? rm / rw : 0; br = bw > 0 ? bm / bw : 0; rcr = rc > 0 ? rm / rc : 0; bcr = bc > 0 ? bm / bc : 0
      q = br > 0 ? rr / br : 0; qc = bcr > 0 ? rcr / bcr : 0
      qs = (rs > 0 && br > 0) ? (rm / rs) / br : 0
      printf "%-8s %9d %7.1f %7.1f %10.0f   %9d %7.1f %7.1f %10.0f   %.2f, %.2f (goal >= 0.7 in CPU: %s); simulation alone (wall) %.2f\n", c, rm, rw, rc, rr, bm, bw, bc, br,
             q, qc, (qc >= 0.7 ? "met" : "NOT met"), qs }' >>"$SC_REPORT"
  done
  {
    echo "(each side's fastest of ${BENCH_G1_REPEAT:-2} alternated runs; replsim's wall and CPU include start-up, the checker, anomalies and history.edn; \"simulation alone\" uses the"
    echo " wall time replsim prints for its simulation; bare_pb runs with replsim's SimGrid settings: CM02, factors 1, full updates)"
    echo
    echo "scale: pb-blocking, lan.xml, 7 replicas, no think time; wall and peak RSS by /usr/bin/time, trace written and checked"
    printf "%-8s %-8s %9s %9s %8s %8s %11s %11s %9s  %s\n" engine clients ops sends "wall s" "CPU s" "msgs/wall-s" "msgs/CPU-s" "peak MiB" note
  } >>"$SC_REPORT"
  for row in "simgrid 100 100000" "simgrid 1000 ${BENCH_SG_OPS_1000:-10000}" "simgrid 10000 100000" \
             "fast 100 100000" "fast 1000 100000" "fast 10000 100000"; do
    set -- $row
    echo "bench: scale, $1 engine, $2 clients, $3 operations..." >&2
    extra=()
    # SimGrid at 10,000 clients runs at a few hundred messages per second: bounded, and reported as such.
    [ "$1" = simgrid ] && [ "$2" = 10000 ] && extra=(--max-wall "${BENCH_SG_WALL_10000:-60}")
    scale_run "scale-$1-$2" "$1" "$2" 7 "$3" "${extra[@]}"
    printf "%-8s %-8s %9s %9s %8s %8s %11s %11s %9s  %s\n" "$1" "$2" "$3" "$SENDS" "$WALL" "$CPU_S" "$(rate "$SENDS" "$WALL")" \
      "$(rate "$SENDS" "$CPU_S")" "$(mib "$RSS_KIB")" "$NOTE" >>"$SC_REPORT"
  done
  echo "bench: goal 2, fast engine, 10,000 clients x 7 replicas x 1,000,000 operations..." >&2
  scale_scenario 10000 7 1000000 >"$TMP/goal2.xml"
  timed goal2 "$REPLSIM" run "$TMP/goal2.xml" --engine fast --out "$TMP/goal2"
  G2_STATUS=$STATUS G2_WALL=$WALL G2_RSS=$RSS_KIB G2_CPU=$CPU_S
  G2_SENDS=$(replsim_messages "$TMP/goal2" || echo 0)
  G2_SIM=$(sed -nE 's/^Time[[:space:]]+[0-9.]+ s simulated, ([0-9.]+) s wall.*/\1/p' "$TMP/goal2.out" | head -n 1 || true)
  G2_LIN=$(sed -nE 's/^Consistency[[:space:]]+linearizable: ([a-z]+).*/\1/p' "$TMP/goal2.out" | head -n 1 || true)
  G2_TRACE=$(stat -c %s "$TMP/goal2/trace.jsonl" 2>/dev/null || echo 0)
  G2_EDN=$(stat -c %s "$TMP/goal2/history.edn" 2>/dev/null || echo 0)
  G2_LOGS=$(du -sb "$TMP/goal2/logs" 2>/dev/null | cut -f1 || echo 0)
  rm -rf "$TMP/goal2"
  {
    echo
    echo "goal 2: fast engine, 10,000 clients x 7 replicas x 1,000,000 operations, trace written and checked"
    awk -v s="$G2_SENDS" -v w="$G2_WALL" -v c="$G2_CPU" -v sim="${G2_SIM:-?}" -v k="$G2_RSS" -v st="$G2_STATUS" -v lin="${G2_LIN:-?}" \
        -v tb="$G2_TRACE" -v eb="$G2_EDN" -v lb="$G2_LOGS" 'BEGIN {
      printf "  %d sends, %.1f s wall (simulation %s s), %.1f s CPU, %.0f msgs/wall-s, peak %.0f MiB, exit %d, linearizable: %s\n", s, w, sim, c, (w > 0 ? s / w : 0), k / 1024, st, lin
      printf "  outputs per operation: trace.jsonl %.0f bytes, history.edn %.0f bytes, logs %.0f bytes\n", tb / 1e6, eb / 1e6, lb / 1e6
      printf "  goal (< 120 s wall and < 4096 MiB, every check run): %s%s\n", (st == 0 && w < 120 && k / 1024 < 4096 ? "met" : "NOT met"),
             (st == 0 && w >= 120 && c < 120 && k / 1024 < 4096 ? " (met in CPU time: the machine was shared)" : "") }'
    echo "load average when it ended: $(cut -d' ' -f1-3 /proc/loadavg)"
  } >>"$SC_REPORT"
fi
echo
cat "$SC_REPORT"

# --- (d) real mode: TCP on loopback, against the simulation and Redis (bench/real.sh) ------------
# Kept apart from the simulation's figures above; it prints its own table.
bash "$ROOT/bench/real.sh" "$BUILD"
