#!/usr/bin/env bash
# Builds what is stale: the driver and the raw C client, the addon, the TypeScript library.
# Outputs go to build/ and dist/ (both git-ignored). A part is rebuilt when one of its inputs is
# newer than one of its outputs (then CMake and tsc decide what to recompile); each build is a
# step (scripts/lib/step.sh): when it fails, this script fails and says which part.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/env.sh"
source "$MH_ROOT/scripts/lib/step.sh"
cd "$MH_ROOT"

toolchain="$MH_ROOT/cmake/mingw-w64-x86_64.cmake"
mkdir -p "$MH_BUILD"

# stale OUTPUTS... -- INPUTS...: an output is missing, or an input is newer than one of them.
stale() {
  local outputs=()
  while [ "$1" != "--" ]; do outputs+=("$1"); shift; done
  shift
  local output
  for output in "${outputs[@]}"; do
    [ -f "$output" ] || return 0
    [ -z "$(find "$@" -type f -newer "$output" -print -quit 2>/dev/null)" ] || return 0
  done
  return 1
}

# A build folder configured from another checkout: `cmake --build` there prints an error and
# still exits 0 (or builds the other checkout's sources), so the build would go on with a stale
# binary. Refuse it.
cache_is_ours() {
  local dir=$1 source=$2 home
  [ -f "$dir/CMakeCache.txt" ] || return 0
  home=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$dir/CMakeCache.txt")
  if [ "$home" != "$source" ]; then
    mh_log "$dir was configured for $home, not for $source; remove it (rm -rf ${dir#"$MH_ROOT"/}) and build again"
    return 1
  fi
}

# cmake --build with its output in LOG (shown trimmed): fails on a failed build, and on an
# error CMake printed while exiting 0.
cmake_build() {
  local log=$1; shift
  local status=0
  cmake --build "$@" > "$log" 2>&1 || status=$?
  grep -vE '^\[|^--|Consolidate compiler' "$log" || true
  if [ "$status" -eq 0 ] && grep -qE '^CMake Error|^make(\[[0-9]+\])?: \*\*\*' "$log"; then
    status=1
  fi
  return "$status"
}

# cmake-js for the addon, with its output in build/addon-build.log (shown when it fails).
build_addon() {
  local status=0
  npm_config_nodedir= node node_modules/cmake-js/bin/cmake-js build \
    --out "$MH_BUILD/addon-cmake" --CDCMAKE_TOOLCHAIN_FILE="$toolchain" --CDMH_ADDON_OUT="$MH_BUILD/addon" \
    --log-level error > "$MH_BUILD/addon-build.log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then cat "$MH_BUILD/addon-build.log" >&2; fi
  return "$status"
}

# The driver (MiracastHil.sys, import-checked against Wine) and the raw C client (mhclient.exe).
driver_inputs=(driver cmake scripts/check-wine-imports.py)
if stale "$MH_DRIVER_SYS" "$MH_CLIENT_EXE" -- "${driver_inputs[@]}"; then
  mh_step "the driver build (build/driver must belong to this checkout)" cache_is_ours "$MH_BUILD/driver" "$MH_ROOT/driver"
  if [ ! -f "$MH_BUILD/driver/CMakeCache.txt" ]; then
    mh_step "the driver configure (cmake)" cmake -S driver -B "$MH_BUILD/driver" \
      -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCMAKE_BUILD_TYPE=Release > /dev/null
  fi
  mh_step "the driver build (cmake --build; see build/driver-build.log)" \
    cmake_build "$MH_BUILD/driver-build.log" "$MH_BUILD/driver" -j "$(nproc)"
  mh_step "the driver build (no MiracastHil.sys or mhclient.exe came out)" test -f "$MH_DRIVER_SYS" -a -f "$MH_CLIENT_EXE"
  # CMake leaves an output alone when the input that changed does not affect it: mark it current.
  touch "$MH_DRIVER_SYS" "$MH_CLIENT_EXE"
fi

# The addon, cross-built for the Windows Node. cmake-js must not pick up this machine's Linux
# Node headers (npm here may inject nodedir): the CMakeLists takes node-api-headers itself.
if [ -f CMakeLists.txt ]; then
  addon="$MH_BUILD/addon/miracast_hil.node"
  if stale "$addon" -- native CMakeLists.txt driver/include cmake; then
    mh_step "the addon build (build/addon-cmake must belong to this checkout)" cache_is_ours "$MH_BUILD/addon-cmake" "$MH_ROOT"
    mh_step "the addon build (cmake-js; see build/addon-build.log)" build_addon
    mh_step "the addon build (no miracast_hil.node came out)" test -f "$addon"
    touch "$addon"
  fi
fi

# The TypeScript library: CommonJS, declarations, and the ES module entry. Only when lib/ changed:
# rewriting dist/ under a running test or benchmark would let it load a half-written file.
if [ -f tsconfig.json ]; then
  if stale dist/index.mjs -- lib tsconfig.json; then
    mh_step "the library build (tsc)" node node_modules/typescript/bin/tsc -p tsconfig.json
    cp lib/index.d.mts dist/index.d.mts
    cp lib/index.mjs dist/index.mjs    # last: its time stamp marks the build complete
  fi
fi
mh_log "build complete"
