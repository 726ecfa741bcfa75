# Sourced by the steps that render HTML reports in a real browser (test/render/): Debian's
# chromium package, installed when missing (idempotent), and how it is run headless. Its profile,
# cache and home stay under build/, never in the real home directory.

MH_CHROMIUM_PACKAGE=chromium

# mh_chromium_ensure: installs the chromium package if it is missing; fails naming the step.
mh_chromium_ensure() {
  if dpkg-query -W -f='${Status}' "$MH_CHROMIUM_PACKAGE" 2>/dev/null | grep -q "install ok installed"; then
    return 0
  fi
  mh_log "installing Debian package $MH_CHROMIUM_PACKAGE (renders the conformance report in a real browser)"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  # Other lanes on this machine may hold the dpkg lock for a while: wait for it rather than fail.
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 update -q > "$MH_BUILD/chromium-install.log" 2>&1 \
    && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends \
         "$MH_CHROMIUM_PACKAGE" >> "$MH_BUILD/chromium-install.log" 2>&1 \
    || { tail -20 "$MH_BUILD/chromium-install.log" >&2; mh_die "setup step 'install chromium' failed (log: build/chromium-install.log)"; }
  command -v chromium > /dev/null || mh_die "setup step 'install chromium': the package installed no chromium command"
}
