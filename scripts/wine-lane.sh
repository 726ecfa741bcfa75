#!/usr/bin/env bash
# The Wine lane: a private, persistent Wine server with the driver loaded as a kernel service.
#
#   wine-lane.sh start                 fresh prefix from the template, server up, driver started
#   wine-lane.sh stop                  driver stopped (DriverUnload runs), server ended
#   wine-lane.sh run LOG PROGRAM ARGS  a Windows program (or node.exe) under the lane; its output
#                                      goes to LOG and is streamed to the terminal; exits with its code
#   wine-lane.sh with CMD ARGS         start, run the shell command CMD, stop (always, also on failure)
#   wine-lane.sh status
#
# node.exe dies when its Linux-side stdio are pipes, so programs get /dev/null as stdin and a file
# as stdout and stderr. Stopping ends only the server of this lane's prefix (wineserver -k).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/env.sh"
mh_find_wine

lane_wine() { ( mh_wine_env "$MH_PREFIX"; "$MH_WINE64" "$@" ); }

lane_running() {
  [ -d "$MH_PREFIX" ] && ( mh_wine_env "$MH_PREFIX"; "$MH_WINE64" sc query "$MH_SERVICE" 2>/dev/null ) | grep -q RUNNING
}

lane_start() {
  [ -f "$MH_TEMPLATE/.miracast-hil-template" ] || mh_die "no template prefix (run scripts/setup.sh)"
  [ -f "$MH_DRIVER_SYS" ] || mh_die "no driver build at $MH_DRIVER_SYS (run scripts/build.sh)"
  mkdir -p "$MH_LOGS"
  lane_stop_quietly
  rm -rf "$MH_PREFIX"
  cp -a "$MH_TEMPLATE" "$MH_PREFIX"
  cp "$MH_DRIVER_SYS" "$MH_PREFIX/drive_c/windows/system32/drivers/$MH_SERVICE.sys"
  ( mh_wine_env "$MH_PREFIX"; "$MH_WINESERVER" -p )
  {
    lane_wine sc create "$MH_SERVICE" type= kernel start= demand "binPath=" "C:\\windows\\system32\\drivers\\$MH_SERVICE.sys"
    lane_wine sc start "$MH_SERVICE"
  } > "$MH_LOGS/lane-start.log" 2>&1 || true
  if ! lane_running; then
    cat "$MH_LOGS/lane-start.log" >&2
    lane_stop_quietly
    mh_die "the driver did not start"
  fi
  mh_log "Wine lane up: $MH_SERVICE running"
}

lane_stop_quietly() {
  [ -d "$MH_PREFIX" ] || return 0
  ( mh_wine_env "$MH_PREFIX"; "$MH_WINESERVER" -k ) > /dev/null 2>&1 || true
  ( mh_wine_env "$MH_PREFIX"; "$MH_WINESERVER" -w ) > /dev/null 2>&1 || true
}

lane_stop() {
  if lane_running; then
    lane_wine sc stop "$MH_SERVICE" > "$MH_LOGS/lane-stop.log" 2>&1 || true
  fi
  lane_stop_quietly
}

# run LOG PROGRAM ARGS...
lane_run() {
  local log=$1; shift
  mkdir -p "$(dirname "$log")"
  : > "$log"
  # A program that never ends must not hang the command: with MH_RUN_TIMEOUT_S set it is ended
  # after that many seconds (SIGTERM, then SIGKILL 30 s later) and the status is 124 or 137. Its
  # other processes go with the lane's server when the lane stops.
  local deadline=()
  if [ -n "${MH_RUN_TIMEOUT_S:-}" ]; then deadline=(timeout --kill-after=30 "$MH_RUN_TIMEOUT_S"); fi
  ( mh_wine_env "$MH_PREFIX"; exec "${deadline[@]}" "$MH_WINE64" "$@" > "$log" 2>&1 < /dev/null ) &
  local pid=$!
  tail -n +1 -s 0.2 -f --pid="$pid" "$log" &
  local tailpid=$!
  local rc=0
  wait "$pid" || rc=$?
  wait "$tailpid" 2>/dev/null || true
  return "$rc"
}

case "${1:-}" in
  start) lane_start ;;
  stop) lane_stop ;;
  status) if lane_running; then echo running; else echo stopped; exit 1; fi ;;
  run) shift; lane_run "$@" ;;
  with)
    shift
    trap lane_stop EXIT
    lane_start
    bash -c "$1" "${@:2}"
    ;;
  *) echo "usage: $0 start|stop|status|run LOG PROGRAM [ARGS]|with CMD" >&2; exit 2 ;;
esac
