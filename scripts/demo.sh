#!/usr/bin/env bash
# npm run demo: installs what is missing, builds what is stale, starts the Wine lane (the driver
# loaded as a kernel service), runs scripts/demo.mjs inside the Windows Node, and stops the lane.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/env.sh"
source "$MH_ROOT/scripts/lib/run-in-lane.sh"
cd "$MH_ROOT"

mh_run_in_lane "$MH_LOGS/demo.log" "$MH_NODE_EXE" scripts/demo.mjs
