# Sourced by the scripts (after env.sh): Debian packages, installed only when missing.
#
#   mh_apt_ensure PACKAGE...
#
# checks each package with dpkg-query and runs apt-get (update, then install) only for the missing
# ones, as root or through sudo; a failed install fails the caller (the calling step names itself).
mh_apt_ensure() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  mh_log "installing Debian packages: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q || return 1
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" || return 1
}
