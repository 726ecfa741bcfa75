# Sourced by the entry scripts (test, demo): set up, build, start the Wine lane, run one Windows
# program under it, and stop the lane again - also when something fails on the way.

# mh_run_in_lane LOG PROGRAM [ARGS...]: returns the program's exit code.
mh_run_in_lane() {
  local log=$1; shift
  bash "$MH_ROOT/scripts/setup.sh"
  bash "$MH_ROOT/scripts/build.sh"
  trap 'bash "$MH_ROOT/scripts/wine-lane.sh" stop' EXIT
  bash "$MH_ROOT/scripts/wine-lane.sh" start
  local rc=0
  bash "$MH_ROOT/scripts/wine-lane.sh" run "$log" "$@" || rc=$?
  trap - EXIT
  bash "$MH_ROOT/scripts/wine-lane.sh" stop
  return "$rc"
}
