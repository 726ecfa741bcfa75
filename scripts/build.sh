#!/usr/bin/env bash
# Builds what is stale (CMake and tsc keep track): the driver and the raw C client, the addon,
# the TypeScript library. Outputs go to build/ and dist/ (both git-ignored).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/env.sh"
cd "$MH_ROOT"

toolchain="$MH_ROOT/cmake/mingw-w64-x86_64.cmake"

# The driver (MiracastHil.sys, import-checked against Wine) and the raw C client (mhclient.exe).
if [ ! -f "$MH_BUILD/driver/CMakeCache.txt" ]; then
  cmake -S driver -B "$MH_BUILD/driver" -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCMAKE_BUILD_TYPE=Release > /dev/null
fi
cmake --build "$MH_BUILD/driver" -j "$(nproc)" | grep -vE '^\[|^--|Consolidate compiler' || true
[ -f "$MH_DRIVER_SYS" ] && [ -f "$MH_CLIENT_EXE" ] || mh_die "the driver build failed"
cmake --build "$MH_BUILD/driver" > /dev/null    # fails the script if the last build step failed

# The sample user-mode Miracast driver and its broken variants (one DLL each), for the UMD host.
if [ ! -f "$MH_BUILD/umd/CMakeCache.txt" ]; then
  cmake -S driver/umd -B "$MH_BUILD/umd" -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCMAKE_BUILD_TYPE=Release > /dev/null
fi
cmake --build "$MH_BUILD/umd" -j "$(nproc)" > "$MH_BUILD/umd-build.log" 2>&1 \
  || { cat "$MH_BUILD/umd-build.log" >&2; mh_die "the sample UMD build failed"; }
[ -f "$MH_UMD_SAMPLE_DLL" ] || mh_die "the sample UMD build produced no $MH_UMD_SAMPLE_DLL"

# The addon, cross-built for the Windows Node. cmake-js must not pick up this machine's Linux
# Node headers (npm here may inject nodedir): the CMakeLists takes node-api-headers itself.
if [ -f CMakeLists.txt ]; then
  addon="$MH_BUILD/addon/miracast_hil.node"
  if [ ! -f "$addon" ] || [ -n "$(find native CMakeLists.txt driver/include driver/umd/include -newer "$addon" -print -quit)" ]; then
    npm_config_nodedir= node node_modules/cmake-js/bin/cmake-js build \
      --out "$MH_BUILD/addon-cmake" --CDCMAKE_TOOLCHAIN_FILE="$toolchain" --CDMH_ADDON_OUT="$MH_BUILD/addon" \
      --log-level error > "$MH_BUILD/addon-build.log" 2>&1 || { cat "$MH_BUILD/addon-build.log" >&2; mh_die "the addon build failed"; }
  fi
fi

# The TypeScript library: CommonJS, declarations, and the ES module entry. Only when lib/ changed:
# rewriting dist/ under a running test or benchmark would let it load a half-written file.
if [ -f tsconfig.json ]; then
  if [ ! -f dist/index.mjs ] || [ -n "$(find lib tsconfig.json -newer dist/index.mjs -print -quit)" ]; then
    node node_modules/typescript/bin/tsc -p tsconfig.json
    cp lib/index.d.mts dist/index.d.mts
    cp lib/index.mjs dist/index.mjs    # last: its time stamp marks the build complete
  fi
fi
mh_log "build complete"
