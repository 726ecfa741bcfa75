#!/usr/bin/env bash
# npm run stress: installs what is missing, builds what is stale, starts a Wine lane of its own
# (MH_LANE_ID=stress unless set, so it can run beside npm test), runs the stress campaign inside
# the Windows Node (scripts/stress.mjs -> the CLI's stress command), and stops the lane (also when
# something fails on the way). Arguments go to the campaign: --seed N --duration 10m
# --only fuzz,abort ... (--help lists them). Exits 0 only when nothing was lost; a failed setup,
# build or lane start fails it with a message naming the step.
set -euo pipefail
export MH_LANE_ID="${MH_LANE_ID:-stress}"
source "$(dirname "${BASH_SOURCE[0]}")/lib/env.sh"
cd "$MH_ROOT"

# Each step is its own bash process (with its own set -e), so `||` here only catches its status.
step() {
  local name=$1
  shift
  "$@" || mh_die "npm run stress: the $name step failed (exit $?)"
}

step setup bash scripts/setup.sh
step build bash scripts/build.sh
trap 'bash scripts/wine-lane.sh stop' EXIT
step "lane start" bash scripts/wine-lane.sh start
# --expose-gc: the soak then samples the heap after a full collection and judges it too.
bash scripts/wine-lane.sh run "$MH_LOGS/stress.log" "$MH_NODE_EXE" --expose-gc scripts/stress.mjs "$@"
