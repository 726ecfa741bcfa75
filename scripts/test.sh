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
rm -f "$report"
rc=0
MIRACAST_HIL_LANE=wine MIRACAST_HIL_REPORT="build/$report_name" \
  mh_run_in_lane "$MH_LOGS/vitest.log" "$MH_NODE_EXE" node_modules/vitest/vitest.mjs run "$@" || rc=$?
# The last line of the run: what CI reads.
node scripts/lib/summary.mjs "$report" || rc=1
exit "$rc"
