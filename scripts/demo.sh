#!/usr/bin/env bash
# npm run demo: installs what is missing, builds what is stale, starts the Wine lane (the driver
# loaded as a kernel service), runs scripts/demo.mjs inside the Windows Node, and stops the lane.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/env.sh"
cd "$MH_ROOT"

bash scripts/setup.sh
bash scripts/build.sh

lane() { bash scripts/wine-lane.sh "$@"; }
trap 'lane stop' EXIT
lane start
rc=0
lane run "$MH_LOGS/demo.log" "$MH_NODE_EXE" scripts/demo.mjs || rc=$?
exit "$rc"
