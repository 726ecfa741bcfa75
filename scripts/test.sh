#!/usr/bin/env bash
# npm test: installs what is missing, builds what is stale, runs the script checks (a failed step
# fails the command: scripts/script-checks.sh), starts the Wine lane (the driver loaded as a
# kernel service), runs the vitest suite inside the Windows Node, stops the lane, and ends with
# the plain line "N passed, N failed" (scripts/lib/summary.mjs; the conformance reports the suite
# wrote are rendered in headless Chromium first, after the lane), whose count and the exit code
# always agree. It also counts the MSVC-mode check of the driver's sources (scripts/check-msvc.sh).
# Extra arguments go to vitest (a file filter); the script checks and the MSVC-mode check then run
# only with MH_SCRIPT_CHECKS=1 and MH_MSVC_CHECK=1. MIRACAST_HIL_JUNIT=FILE also writes JUnit XML
# for CI systems.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/env.sh"
source "$MH_ROOT/scripts/lib/run-in-lane.sh"
cd "$MH_ROOT"

report_name="test-results${MH_LANE_ID:+-$MH_LANE_ID}.json"
report="$MH_BUILD/$report_name"
# Result files of every source the closing line counts (see scripts/lib/summary.mjs), and the
# conformance reports the suite writes for the Linux-side render check.
results_name="results${MH_LANE_ID:+-$MH_LANE_ID}"
results="$MH_BUILD/$results_name"
conformance_out="build/conformance${MH_LANE_ID:+-$MH_LANE_ID}"
rm -f "$report"
rm -rf "$results" "$MH_ROOT/$conformance_out"
mkdir -p "$results"

# A failed step still ends with a closing line, the one CI reads.
mh_step_failed() { printf '0 passed, 1 failed (step failed: %s)\n' "$1"; }

timeout_s=${MH_TEST_TIMEOUT_S:-2700}
if ! [[ "$timeout_s" =~ ^[1-9][0-9]{0,6}$ ]]; then
  mh_log "MH_TEST_TIMEOUT_S must be a whole number of seconds (got '$timeout_s')"
  mh_step_failed "MH_TEST_TIMEOUT_S"
  exit 1
fi

mh_prepare

if [ "${MH_SCRIPT_CHECKS:-}" = 1 ] || { [ $# -eq 0 ] && [ "${MH_SCRIPT_CHECKS:-}" != 0 ]; }; then
  # Its failures are counted from its result file; a crash leaves that file saying so.
  bash scripts/script-checks.sh "$results/script-checks.json" || mh_log "the script checks ended with status $?"
fi

# The driver's sources as MSVC with the WDK sees them (clang in MSVC mode, seconds), and its proofs
# (each injected break fails it): on a full run, or with MH_MSVC_CHECK=1. A Linux-side source:
# its result file says "incomplete" until it finishes, so a check that dies still counts.
if [ "${MH_MSVC_CHECK:-}" = 1 ] || { [ $# -eq 0 ] && [ "${MH_MSVC_CHECK:-}" != 0 ]; }; then
  mkdir -p "$MH_LOGS"
  if ! bash scripts/check-msvc.sh --prove --result "$results/msvc-check.json" > "$MH_LOGS/msvc-check.log" 2>&1; then
    grep -E '^not ok|\): (error|warning):' "$MH_LOGS/msvc-check.log" >&2 || true
    mh_log "the MSVC-mode check failed (see ${MH_LOGS#"$MH_ROOT"/}/msvc-check.log)"
  fi
fi

# A hang must not decide the run either: the suite gets MH_TEST_TIMEOUT_S seconds (45 minutes; the
# whole suite takes about 7 here), then vitest is ended and the run fails saying so, and which file
# it was in (vitest-run.json, scripts/lib/vitest-run-reporter.mjs).
status=0
started=$SECONDS
MIRACAST_HIL_LANE=wine MIRACAST_HIL_REPORT="build/$report_name" MIRACAST_HIL_RESULTS="build/$results_name" \
  MIRACAST_HIL_CONFORMANCE_OUT="$conformance_out" MH_RUN_TIMEOUT_S="$timeout_s" \
  mh_in_lane "$MH_LOGS/vitest.log" "$MH_NODE_EXE" node_modules/vitest/vitest.mjs run "$@" || status=$?
if { [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; } && [ $((SECONDS - started)) -ge "$timeout_s" ]; then
  mh_log "vitest did not finish within $timeout_s s and was ended (see ${MH_LOGS#"$MH_ROOT"/}/vitest.log)"
  printf '{ "source": "watchdog", "passed": 0, "skipped": 0, "failures": [ { "name": "vitest", "kind": "timed out", "message": "vitest did not finish within %s s (MH_TEST_TIMEOUT_S) and was ended" } ] }\n' \
    "$timeout_s" > "$results/watchdog.json"
fi
# Chromium is a Linux program: the reports the suite wrote are rendered here, after the lane. Its
# result file says "incomplete" until the check replaces it, so a check that dies still counts.
printf '{ "source": "report-render", "passed": 0, "skipped": 0, "failures": [ { "name": "report render", "kind": "incomplete", "message": "test/render/check-reports.mjs did not finish" } ] }\n' \
  > "$results/report-render.json"
node test/render/check-reports.mjs "$MH_ROOT/$conformance_out/render-requests.json" "$results/report-render.json" \
  || mh_log "the report render check ended with status $?"
if [ ! -f "$MH_ROOT/$conformance_out/render-requests.json" ]; then rm -f "$results/report-render.json"; fi
# The last line of the run: what CI reads.
summary=0
node scripts/lib/summary.mjs --vitest "$report" --exit-code "$status" --results "$results" || summary=$?
exit "$summary"
