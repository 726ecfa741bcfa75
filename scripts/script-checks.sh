#!/usr/bin/env bash
# The script checks: a failed step fails the command, naming the step - never a green run on a
# stale binary. Each check runs the real scripts/test.sh in a scratch copy of this checkout
# (build/script-checks/<check>/: the sources as they are now, this checkout's build outputs, its
# node_modules and Wine lane tools linked in), with one thing broken, and expects a non-zero exit,
# the step named, the closing line saying so, and no lane started. The real outputs are never
# touched. Each scratch keeps its own CMake folders between runs, so a check costs about one
# compiler run.
#
# Usage: script-checks.sh RESULT.json   (the result file scripts/lib/summary.mjs merges)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/env.sh"
cd "$MH_ROOT"

result=${1:?usage: script-checks.sh RESULT.json}
scratch="$MH_BUILD/script-checks"
mkdir -p "$scratch" "$(dirname "$result")"
# Until the checks have run, the result says they did not finish.
printf '{ "source": "script-checks", "passed": 0, "failures": [ { "kind": "incomplete", "name": "script checks", "message": "the script checks did not finish" } ] }\n' > "$result"

passed=0
failures=()

json_string() { node -e 'process.stdout.write(JSON.stringify(process.argv[1]))' "$1"; }

# A scratch checkout: this checkout's files (tracked, and new ones not ignored), with their time
# stamps, so that the copied build outputs are exactly as current there as they are here.
make_tree() {
  local tree=$1
  mkdir -p "$tree"
  find "$tree" -mindepth 1 -maxdepth 1 ! -name build ! -name .wine-lane ! -name node_modules -exec rm -rf {} +
  git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' file; do
    [ -f "$file" ] && printf '%s\0' "$file"
  done | xargs -0 cp --parents -p -t "$tree"
  mkdir -p "$tree/build/driver" "$tree/build/addon" "$tree/.wine-lane"
  cp -p "$MH_DRIVER_SYS" "$MH_CLIENT_EXE" "$tree/build/driver/"
  cp -p "$MH_BUILD/addon/miracast_hil.node" "$tree/build/addon/"
  rm -rf "$tree/dist"
  cp -a dist "$tree/dist"
  ln -sfn "$MH_ROOT/node_modules" "$tree/node_modules"
  local part
  for part in node-win prefix-template shim npm-cache; do
    ln -sfn "$MH_LANE/$part" "$tree/.wine-lane/$part"
  done
}

# check NAME EXPECTED-STEP BREAK-FUNCTION: breaks one thing in a fresh scratch, runs test.sh there.
check() {
  local name=$1 step=$2 breaker=$3
  local tree="$scratch/$name" log="$scratch/$name.log"
  local status=0 why=""
  make_tree "$tree"
  "$breaker" "$tree"
  (cd "$tree" && MH_LANE_ID=script-check MH_SCRIPT_CHECKS=0 PATH="${check_path:-$PATH}" \
    timeout 300 bash scripts/test.sh) > "$log" 2>&1 < /dev/null || status=$?
  check_path=""
  if [ "$status" -eq 0 ]; then
    why="test.sh exited 0"
  elif ! grep -qF "step failed: $step" "$log"; then
    why="exit status $status, but the output does not name the step \"$step\""
  elif ! tail -n 1 "$log" | grep -qE '^0 passed, 1 failed \(step failed: '; then
    why="the closing line does not report the failed step: $(tail -n 1 "$log")"
  elif grep -q 'Wine lane up' "$log"; then
    why="the lane was started after the failed step"
  fi
  record "$name" "$why" "$log"
}

# record NAME WHY LOG: one check's outcome (WHY empty: it passed).
record() {
  local name=$1 why=$2 log=$3
  if [ -z "$why" ]; then
    passed=$((passed + 1))
    printf 'ok - script check: %s\n' "$name"
  else
    printf 'not ok - script check: %s: %s (see %s)\n' "$name" "$why" "${log#"$MH_ROOT"/}"
    failures+=("{ \"kind\": \"script check\", \"name\": $(json_string "$name"), \"message\": $(json_string "$why") }")
  fi
}

# A test that never ends (its worker's thread spins, so vitest's own test timeout cannot end it):
# the watchdog of test.sh ends vitest after MH_TEST_TIMEOUT_S, and the run fails, saying it timed
# out and in which file, instead of hanging until CI gives up.
check_hang() {
  local name="hang" tree="$scratch/hang" log="$scratch/hang.log" file="zz-script-check-hang.test.ts"
  local status=0 why="" started=$SECONDS
  make_tree "$tree"
  printf '%s\n' "import { it } from 'vitest';" "it('never ends', () => { for (;;) { /* spins */ } });" \
    > "$tree/test/$file"
  (cd "$tree" && MH_LANE_ID=script-check MH_SCRIPT_CHECKS=0 MH_MSVC_CHECK=0 MH_TEST_TIMEOUT_S=20 \
    timeout 300 bash scripts/test.sh "test/$file") > "$log" 2>&1 < /dev/null || status=$?
  if [ "$status" -eq 0 ]; then
    why="test.sh exited 0"
  elif [ "$status" -eq 124 ] && [ $((SECONDS - started)) -ge 300 ]; then
    why="test.sh itself hung (ended after 300 s)"
  elif ! tail -n 1 "$log" | grep -qE '^0 passed, [1-9][0-9]* failed \(.*timed out'; then
    why="the closing line does not say the run timed out: $(tail -n 1 "$log")"
  elif ! grep -qF "the last file started: $file" "$log"; then
    why="the output does not name the file the run was in ($file)"
  fi
  record "$name" "$why" "$log"
}

# A line that is not valid code, at the end of a file.
spoil() { printf '\n%s\n' "$2" >> "$1"; }

# The first source file of a folder that its build compiles (none: the check itself is broken).
first_source() {
  local file
  file=$(git ls-files "$1" | grep -E "$2" | head -n 1)
  [ -n "$file" ] || { echo "script-checks.sh: no source matching $2 under $1" >&2; return 1; }
  printf '%s\n' "$file"
}

break_setup() {
  # apt-get fails (as with no network): the packages look missing, their install fails.
  local stubs="$1/build/stubs"
  mkdir -p "$stubs"
  printf '#!/bin/sh\nexit 1\n' > "$stubs/dpkg-query"
  printf '#!/bin/sh\necho "E: apt-get is broken by the script checks" >&2\nexit 100\n' > "$stubs/apt-get"
  chmod +x "$stubs/dpkg-query" "$stubs/apt-get"
  check_path="$stubs:$PATH"
}
break_native() { spoil "$1/$(first_source native '\.cc$')" 'this is not C++ @'; }
break_driver() { spoil "$1/$(first_source driver/control '\.c$')" 'this is not C @'; }
break_lib() { spoil "$1/$(first_source lib '\.ts$')" 'export const = ;'; }
break_cache() {
  # build/driver as configured by another checkout (here a second scratch copy, which exists,
  # so that CMake could build it instead), and a driver source newer than the outputs.
  local other="$scratch/other-checkout"
  if [ ! -f "$other/build/driver/CMakeCache.txt" ]; then
    rm -rf "$other"
    mkdir -p "$other"
    cp -a driver cmake "$other/"
    cmake -S "$other/driver" -B "$other/build/driver" -DCMAKE_TOOLCHAIN_FILE="$other/cmake/mingw-w64-x86_64.cmake" \
      -DCMAKE_BUILD_TYPE=Release > "$scratch/other-checkout.log" 2>&1
  fi
  find "$1/build/driver" -mindepth 1 -maxdepth 1 ! -name '*.sys' ! -name '*.exe' -exec rm -rf {} +
  cp -a "$other/build/driver/." "$1/build/driver/"
  touch "$1/$(first_source driver/control '\.c$')"
}

check "setup" "setup" break_setup
check "native" "the addon build" break_native
check "driver" "the driver build" break_driver
check "lib" "the library build" break_lib
check "cmake-cache" "the driver build (build/driver must belong to this checkout)" break_cache
check_hang

{
  printf '{ "source": "script-checks", "passed": %d, "failures": [' "$passed"
  (IFS=,; printf '%s' "${failures[*]:-}")
  printf '] }\n'
} > "$result"
