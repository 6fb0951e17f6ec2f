#!/usr/bin/env bash
# System packages the build needs beyond PyPI and Maven Central, installed once when missing (run by the
# Maven build before the venv, so `mvn -B -ntp verify` alone sets up a fresh Debian/Ubuntu machine):
#   libosmesa6               headless MuJoCo rendering (the server sets MUJOCO_GL=osmesa when there is no display)
#   chromium chromium-driver the RLHF label page's browser test (LabelPageBrowserTest drives headless chromium);
#                            measured on a Debian 12 VM: apt-get update 3 s + install 51 s
# Never interactive: as root it uses apt-get, otherwise `sudo -n` (fails fast instead of asking). When it
# cannot install, it says how and goes on: only the tests that need a package fail without it.
set -uo pipefail
command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 || exit 0
missing=()
for pkg in libosmesa6 chromium chromium-driver; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0
echo "install-system-deps: installing ${missing[*]} (headless MuJoCo rendering, label-page browser test)" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
export DEBIAN_FRONTEND=noninteractive
if $SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
  exit 0
fi
echo "install-system-deps: could not install ${missing[*]}; the tests that need them fail until you run:" >&2
echo "    sudo apt-get install -y ${missing[*]}" >&2
exit 0
