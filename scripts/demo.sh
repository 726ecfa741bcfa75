#!/usr/bin/env bash
# npm run demo: installs what is missing, builds what is stale, starts the Wine lane (the driver
# loaded as a kernel service), runs scripts/demo.mjs inside the Windows Node, and stops the lane.
# A failed step (setup, build, lane start) fails the command and names the step.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/env.sh"
source "$MH_ROOT/scripts/lib/run-in-lane.sh"
cd "$MH_ROOT"

status=0
mh_run_in_lane "$MH_LOGS/demo.log" "$MH_NODE_EXE" scripts/demo.mjs || status=$?
[ "$status" -eq 0 ] || mh_die "the demo failed (exit status $status; see ${MH_LOGS#"$MH_ROOT"/}/demo.log)"
