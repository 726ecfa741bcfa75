#!/usr/bin/env bash
# Builds what is stale (CMake and tsc keep track): the driver and the raw C client, the addon
# (and its prebuilt copy in prebuilds/), the TypeScript library. Outputs go to build/, prebuilds/
# and dist/ (all git-ignored).
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
  if [ ! -f dist/index.mjs ] || [ -n "$(find lib tsconfig.json -newer dist/index.mjs -print -quit)" ]; then
    node node_modules/typescript/bin/tsc -p tsconfig.json
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
