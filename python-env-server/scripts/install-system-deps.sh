#!/usr/bin/env bash
# System packages the server needs beyond PyPI, installed once when missing (run by the Maven build before
# the venv, so `mvn -B -ntp verify` alone sets up a fresh Debian/Ubuntu machine):
#   libosmesa6 — headless MuJoCo rendering (the server sets MUJOCO_GL=osmesa when there is no display).
# Never interactive: as root it uses apt-get, otherwise `sudo -n` (fails fast instead of asking). When it
# cannot install, it says how and goes on: only the rendering tests need the package.
set -uo pipefail
command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 || exit 0
if dpkg-query -W -f='${Status}' libosmesa6 2>/dev/null | grep -q "install ok installed"; then
  exit 0
fi
echo "install-system-deps: installing libosmesa6 (headless MuJoCo rendering)" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
export DEBIAN_FRONTEND=noninteractive
if $SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq --no-install-recommends libosmesa6 >/dev/null; then
  exit 0
fi
echo "install-system-deps: could not install libosmesa6; MuJoCo rendering will fail until you run:" >&2
echo "    sudo apt-get install -y libosmesa6" >&2
exit 0
