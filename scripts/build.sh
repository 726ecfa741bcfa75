#!/usr/bin/env bash
# Builds what is stale: the driver and the raw C client, the addon (and its prebuilt copy in
# prebuilds/), the TypeScript library, the packed package. Outputs go to build/, prebuilds/ and
# dist/ (all git-ignored). A part is rebuilt when one of its inputs is newer than one of its
# outputs (then CMake and tsc decide what to recompile); each build is a step
# (scripts/lib/step.sh): when it fails, this script fails and says which part.
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

# The sample user-mode Miracast driver and its broken variants (one DLL each), for the UMD host.
mh_step "the sample UMD build (build/umd must belong to this checkout)" cache_is_ours "$MH_BUILD/umd" "$MH_ROOT/driver/umd"
if [ ! -f "$MH_BUILD/umd/CMakeCache.txt" ]; then
  mh_step "the sample UMD configure (cmake)" cmake -S driver/umd -B "$MH_BUILD/umd" \
    -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCMAKE_BUILD_TYPE=Release > /dev/null
fi
mh_step "the sample UMD build (cmake --build; see build/umd-build.log)" \
  cmake_build "$MH_BUILD/umd-build.log" "$MH_BUILD/umd" -j "$(nproc)"
mh_step "the sample UMD build (no $(basename "$MH_UMD_SAMPLE_DLL") came out)" test -f "$MH_UMD_SAMPLE_DLL"

# The addon, cross-built for the Windows Node. cmake-js must not pick up this machine's Linux
# Node headers (npm here may inject nodedir): the CMakeLists takes node-api-headers itself.
if [ -f CMakeLists.txt ]; then
  addon="$MH_BUILD/addon/miracast_hil.node"
  if stale "$addon" -- native CMakeLists.txt driver/include driver/umd/include cmake; then
    mh_step "the addon build (build/addon-cmake must belong to this checkout)" cache_is_ours "$MH_BUILD/addon-cmake" "$MH_ROOT"
    mh_step "the addon build (cmake-js; see build/addon-build.log)" build_addon
    mh_step "the addon build (no miracast_hil.node came out)" test -f "$addon"
    touch "$addon"
  fi
  # The prebuilt, where the package loads it from (node-gyp-build's prebuildify layout, N-API
  # tagged; linked stripped). Replaced by rename, so a running test never loads half a file.
  prebuilt="$MH_ROOT/prebuilds/win32-x64/miracast-hil.napi.node"
  if [ ! -f "$prebuilt" ] || [ "$addon" -nt "$prebuilt" ]; then
    mkdir -p "$(dirname "$prebuilt")"
    cp "$addon" "$prebuilt.tmp" && mv -f "$prebuilt.tmp" "$prebuilt" || mh_die "copying the addon to prebuilds/ failed"
  fi
fi

# The TypeScript library: CommonJS, declarations, and the ES module entry. Only when lib/ changed:
# rewriting dist/ under a running test or benchmark would let it load a half-written file.
if [ -f tsconfig.json ]; then
  if stale dist/index.mjs -- lib tsconfig.json; then
    mh_step "the library build (tsc)" node node_modules/typescript/bin/tsc -p tsconfig.json
    cp lib/index.d.mts dist/index.d.mts
    chmod +x dist/cli/main.js          # the package's bin (npm makes the Windows shims)
    cp lib/index.mjs dist/index.mjs    # last: its time stamp marks the build complete
  fi
fi
# The package as users get it: npm pack (its prepack guard included) into build/pack/, installed
# into a new project, build/pack/app, the way a Windows user's npm does it (win32-x64; the
# install script finds the prebuilt). The tests run the README example and the CLI from there.
if [ -f dist/index.mjs ] && [ -f "$MH_ROOT/prebuilds/win32-x64/miracast-hil.napi.node" ]; then
  pack_dir="$MH_BUILD/pack"
  stamp="$pack_dir/app/node_modules/miracast-hil/package.json"
  if [ ! -f "$stamp" ] || [ -n "$(find dist prebuilds package.json README.md docs scripts/install-addon.cjs -newer "$stamp" -print -quit)" ]; then
    rm -rf "$pack_dir" && mkdir -p "$pack_dir/app"
    npm pack --silent --pack-destination "$pack_dir" > "$pack_dir/pack.log" 2>&1 \
      || { cat "$pack_dir/pack.log" >&2; mh_die "npm pack failed"; }
    printf '{ "name": "miracast-hil-app", "version": "1.0.0", "private": true, "type": "module" }\n' > "$pack_dir/app/package.json"
    # --force: npm checks a named tarball's "os" against this machine, not --os (see setup.sh).
    (cd "$pack_dir/app" && npm install --os=win32 --cpu=x64 --force --prefer-offline --no-audit --no-fund \
      --foreground-scripts --loglevel=warn "$pack_dir"/miracast-hil-*.tgz) \
      > "$pack_dir/install.log" 2>&1 || { cat "$pack_dir/install.log" >&2; mh_die "installing the packed package into build/pack/app failed"; }
  fi
fi
mh_log "build complete"
