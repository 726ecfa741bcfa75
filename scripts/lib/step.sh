# Sourced by the entry scripts (after env.sh): run a step, and fail the whole command, naming the
# step, when it fails. Every script that chains steps (test, demo, bench, build, stress, the CLI's
# lane commands) runs each one through mh_step:
#
#   mh_step "setup" bash "$MH_ROOT/scripts/setup.sh"
#   mh_step "the driver build" cmake --build "$MH_BUILD/driver"
#
# Why not rely on `set -e`: bash switches it off, silently and all the way down, inside anything
# that runs as a condition (`f || rc=$?`, `if f`, `f && g`, `! f`). A function called that way
# goes on after a failed command, and the caller sees only its last command's status: that is
# how a failed build once ended in a green run. So mh_step checks the status itself.
#
# Rules:
#   - CMD is a program or a script (`bash scripts/x.sh` gets its own `set -e`). A shell function
#     is allowed only if it returns a failure status itself; never count on `set -e` inside it.
#   - Never call mh_step itself in a condition context; it exits the shell on failure.
#   - A script may define mh_step_failed NAME STATUS to say something before the exit (test.sh
#     prints its closing line there, so the last line CI reads names the failed step).

# mh_step NAME CMD [ARGS...]
mh_step() {
  local name=$1
  shift
  local status=0
  "$@" || status=$?
  if [ "$status" -ne 0 ]; then
    mh_log "error: step failed: $name (exit status $status)"
    if declare -F mh_step_failed > /dev/null; then
      mh_step_failed "$name" "$status"
    fi
    exit 1
  fi
}
