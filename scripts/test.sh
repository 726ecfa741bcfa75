#!/usr/bin/env bash
# npm test: installs what is missing, builds what is stale, starts the Wine lane (the driver
# loaded as a kernel service), runs the vitest suite inside the Windows Node, stops the lane,
# and ends with the plain line "N passed, N failed". Extra arguments go to vitest (a file filter).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/env.sh"
source "$MH_ROOT/scripts/lib/run-in-lane.sh"
cd "$MH_ROOT"

report_name="test-results${MH_LANE_ID:+-$MH_LANE_ID}.json"
report="$MH_BUILD/$report_name"
# Result files of the steps that run outside vitest (summary.mjs says the format), and the
# conformance reports the suite writes for the Linux-side render check.
results="$MH_BUILD/results${MH_LANE_ID:+-$MH_LANE_ID}"
conformance_out="build/conformance${MH_LANE_ID:+-$MH_LANE_ID}"
rm -rf "$report" "$results" "$MH_ROOT/$conformance_out"
mkdir -p "$results"
rc=0
MIRACAST_HIL_LANE=wine MIRACAST_HIL_REPORT="build/$report_name" MIRACAST_HIL_CONFORMANCE_OUT="$conformance_out" \
  mh_run_in_lane "$MH_LOGS/vitest.log" "$MH_NODE_EXE" node_modules/vitest/vitest.mjs run "$@" || rc=$?
# Chromium is a Linux program: the reports the suite wrote are rendered here, after the lane.
node test/render/check-reports.mjs "$MH_ROOT/$conformance_out/render-requests.json" "$results/report-render.json" || rc=1
# The last line of the run: what CI reads.
node scripts/lib/summary.mjs "$report" "$results" || rc=1
exit "$rc"
