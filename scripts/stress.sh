#!/usr/bin/env bash
# npm run stress: installs what is missing, builds what is stale, starts a Wine lane of its own
# (MH_LANE_ID=stress unless set, so it can run beside npm test), runs the stress campaign inside
# the Windows Node (scripts/stress.mjs -> the CLI's stress command), and stops the lane.
# Arguments go to the campaign: --seed N --duration 10m --only fuzz,abort ... (--help lists them).
# Exits 0 only when nothing was lost; a failed setup, build or lane start fails it, naming the step.
set -euo pipefail
export MH_LANE_ID="${MH_LANE_ID:-stress}"
source "$(dirname "${BASH_SOURCE[0]}")/lib/env.sh"
source "$MH_ROOT/scripts/lib/run-in-lane.sh"
cd "$MH_ROOT"

mh_run_in_lane "$MH_LOGS/stress.log" "$MH_NODE_EXE" scripts/stress.mjs "$@"
