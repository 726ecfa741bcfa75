# Sourced by the entry scripts (test, demo; the stress command): set up, build, start the Wine
# lane, run one Windows program under it, and stop the lane again - also when something fails on
# the way. Setup, build and the lane start are steps (scripts/lib/step.sh): when one fails, the
# calling script exits non-zero naming it, never going on with a stale binary or no driver.
source "$MH_ROOT/scripts/lib/step.sh"

# mh_prepare: installs what is missing and builds what is stale.
mh_prepare() {
  mh_step "setup (scripts/setup.sh)" bash "$MH_ROOT/scripts/setup.sh"
  mh_step "build (scripts/build.sh)" bash "$MH_ROOT/scripts/build.sh"
}

# mh_in_lane LOG PROGRAM [ARGS...]: starts the lane, runs the program in it, stops the lane.
# Returns the program's exit status (call it as `mh_in_lane ... || status=$?`).
mh_in_lane() {
  local log=$1; shift
  trap 'bash "$MH_ROOT/scripts/wine-lane.sh" stop' EXIT
  mh_step "the lane start (scripts/wine-lane.sh start; see ${MH_LOGS#"$MH_ROOT"/}/lane-start.log)" \
    bash "$MH_ROOT/scripts/wine-lane.sh" start
  local status=0
  bash "$MH_ROOT/scripts/wine-lane.sh" run "$log" "$@" || status=$?
  trap - EXIT
  bash "$MH_ROOT/scripts/wine-lane.sh" stop
  return "$status"
}

# mh_run_in_lane LOG PROGRAM [ARGS...]: mh_prepare, then mh_in_lane.
mh_run_in_lane() {
  mh_prepare
  mh_in_lane "$@"
}
