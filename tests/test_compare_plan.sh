#!/usr/bin/env bash
# compare --plan / --collect (DESIGN.md, "Scale — beyond one machine"): the plan's lines run by
# GNU parallel give the same results.csv as --jobs, byte for byte; nothing is skipped silently;
# bad input is refused before anything is written.
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"
command -v parallel >/dev/null || { echo "FAIL: GNU parallel is missing (make deps installs it)"; exit 1; }
cd "$tmp"
scen="$src/tests/plan/small.xml"
args=(--protocols pb-blocking,quorum --seeds 1-2 --vary replicas=3,5)

"$replsim" compare "$scen" "${args[@]}" --jobs 2 --out jobs >jobs.out 2>&1
check "compare --jobs runs" "$?" "0"

"$replsim" compare "$scen" "${args[@]}" --plan plan.txt --out sweep >plan.out 2>&1
check "compare --plan writes a plan" "$?" "0"
check "one line per run, every path absolute" "$(grep -c "^'/.*' run '/.*' --seed .* --out '$tmp/sweep/runs/" plan.txt)" "8"
check "nothing ran yet" "$(ls sweep/runs | wc -l)" "0"

"$replsim" compare --collect sweep >early.out 2>&1
check "collect before the runs exits 1" "$?" "1"
check "and names every run not run" "$(grep -c '^ .*not-run, log:' early.out)" "8"

parallel -j 2 --joblog joblog <plan.txt >/dev/null 2>&1
check "parallel ran every line (2 header comments + 8 runs)" "$(tail -n +2 joblog | wc -l)" "10"
"$replsim" compare --collect sweep >collect.out 2>&1
check "collect exits 0" "$?" "0"
check "results.csv as --jobs gives it, byte for byte" "$(cmp jobs/results.csv sweep/results.csv && echo same)" "same"
check "the plots are drawn" "$(ls sweep/plots | grep -c -E '^(cdf|vary).*\.(png|svg)$')" "$(ls jobs/plots | grep -c -E '^(cdf|vary).*\.(png|svg)$')"
check "each run's log and exit status moved into its folder" "$(ls sweep/runs/*/run.log sweep/runs/*/exit-status | wc -l)" "16"

"$replsim" compare --collect sweep >again.out 2>&1
check "collect again gives the same results" "$?$(cmp jobs/results.csv sweep/results.csv && echo same)" "0same"
"$replsim" compare "$scen" "${args[@]}" --plan plan.txt --out sweep >replan.out 2>&1
check "a planned and collected folder may be planned again (replsim wrote all of it)" "$?" "0"

# A run that was killed: its exit status says so, and collect reports it.
"$replsim" compare "$scen" --protocols pb-blocking --plan p2.txt --out killed >/dev/null 2>&1
sed -n 3p p2.txt | sed 's/--out/--max-wall nan --out/' | sh
"$replsim" compare --collect killed >killed.out 2>&1
check "a refused run is reported, not skipped" "$?$(grep -c 'bad-input' killed.out)" "11"

echo keep >mine.txt
"$replsim" compare "$scen" "${args[@]}" --plan mine.txt --out other >/dev/null 2>err.txt
check "a plan file replsim did not write is not overwritten" "$?$(cat mine.txt)" "2keep"
check "and nothing was created" "$(ls -d other 2>/dev/null | wc -l)" "0"
# The swarm the same way: one line per case, collected into the swarm.csv --jobs gives (but for
# each run's wall seconds, column 22).
sargs=(--seed 7 --runs 4 --quick --platforms "$src/platforms")
"$replsim" swarm "${sargs[@]}" --jobs 2 --out sjobs >/dev/null 2>&1
check "swarm --jobs runs" "$?" "0"
"$replsim" swarm "${sargs[@]}" --plan splan.txt --out splan >/dev/null 2>&1
check "swarm --plan writes a line per case" "$?$(grep -c -- "swarm --seed '7' --from '[0-3]' --runs 1" splan.txt)" "04"
"$replsim" swarm --collect splan >early.out 2>&1
check "swarm --collect before the cases ran: exit 1, each named" "$?$(grep -c 'has not run' early.out)" "14"
parallel -j 2 <splan.txt >/dev/null 2>&1
"$replsim" swarm --collect splan >scollect.out 2>&1
check "swarm --collect exits 0" "$?" "0"
check "swarm.csv as --jobs gives it, but for wall seconds" \
  "$(cmp <(cut -d, -f1-21,23- sjobs/swarm.csv) <(cut -d, -f1-21,23- splan/swarm.csv) && echo same)" "same"

mkdir plain
"$replsim" compare --collect plain >/dev/null 2>err.txt
check "collect of a folder --plan did not make is bad input" "$?" "2"
"$replsim" compare --collect sweep --jobs 2 >/dev/null 2>err.txt
check "collect takes no other option" "$?" "2"
exit $fail
