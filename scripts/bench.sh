#!/usr/bin/env bash
# npm run bench: the raw C client vs the addon vs koffi on the same IOCTLs, in one lane start.
#   1. installs what is missing and builds what is stale (setup.sh, build.sh);
#   2. starts its own Wine lane (MH_LANE_ID=bench: own prefix, server, driver and build/logs-bench,
#      so it can run beside npm test), runs bench/run.mjs in the Windows Node, stops the lane
#      (also on failure);
#   3. prints the table (bench/report.mjs) from build/bench-results.json.
# Exits 0 when every measurement ran, whether or not the aims were met; a failed step (setup,
# build, lane start) fails it and names the step.
# Knobs (environment): BENCH_ROUNDS, BENCH_ECHO_CALLS, BENCH_SEND_COMPLETIONS, BENCH_LAG_COMPLETIONS;
# BENCH_CPUS=LIST pins the whole lane (server, driver host, programs) to those CPUs (taskset -c):
# on this 2-core VM a lane on one CPU gives steadier, different figures (no cross-CPU wake-ups).
set -euo pipefail
export MH_LANE_ID=bench
source "$(dirname "${BASH_SOURCE[0]}")/lib/env.sh"
source "$MH_ROOT/scripts/lib/run-in-lane.sh"
cd "$MH_ROOT"

mh_prepare

results="$MH_BUILD/bench-results.json"
rm -f "$results"
mkdir -p "$MH_LOGS"

# What else is running: Wine figures move with the machine's load (recorded in the results).
BENCH_LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
BENCH_OTHER_WINESERVERS=$(pgrep -c -x 'wineserver|wineserver64' || true)
export BENCH_LOAD_BEFORE BENCH_OTHER_WINESERVERS

pin=()
if [ -n "${BENCH_CPUS:-}" ]; then
  pin=(taskset -c "$BENCH_CPUS")
  export BENCH_CPUS
fi
lane() { "${pin[@]}" bash scripts/wine-lane.sh "$@"; }
trap 'lane stop' EXIT
mh_step "the lane start (see ${MH_LOGS#"$MH_ROOT"/}/lane-start.log)" lane start

rc=0
lane run "$MH_LOGS/bench.log" "$MH_NODE_EXE" bench/run.mjs || rc=$?

trap - EXIT
lane stop
if [ "$rc" -ne 0 ] || [ ! -f "$results" ]; then
  mh_die "the benchmark failed (exit $rc; see $MH_LOGS/bench.log)"
fi
node bench/report.mjs "$results" | tee "$MH_LOGS/bench-table.txt"
