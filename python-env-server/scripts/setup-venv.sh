#!/usr/bin/env bash
# Create python-env-server/.venv (if missing) and (re)install the client package (../python-client,
# `gymbridge`: stubs, codec, RemoteEnv) and the server with their test extras, but only when their
# inputs changed: a hash of both packages' sources (minus generated stubs) and ../proto is kept in
# .venv/.gymbridge-stamp. Unchanged inputs make this a fast no-op,
# so every Maven build can call it. Non-interactive (CI: no stdin).
#
# Usage: scripts/setup-venv.sh [PYTHON]   (default: python3; Maven passes the root ${python})
set -euo pipefail

PYTHON="${1:-python3}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$HERE/.venv"
STAMP="$VENV/.gymbridge-stamp"
PROTO="$HERE/../proto"
CLIENT="$(cd "$HERE/../python-client" && pwd)"

# Two builds at once (e.g. two Maven runs in one tree) must not pip-install into one venv
# concurrently: hold a lock on the module directory for the whole script.
if command -v flock >/dev/null 2>&1; then
  exec 9<"$HERE"
  flock 9
fi

if [ ! -d "$PROTO/gymbridge/v1" ]; then
  echo "setup-venv: $PROTO/gymbridge/v1 not found; run from a full gymbridge checkout" >&2
  exit 2
fi

inputs_hash() {
  # Sorted file list + contents; generated stubs (*/gymbridge/v1), builds and caches are excluded.
  ( cd "$HERE" && find pyproject.toml src ../python-client/pyproject.toml ../python-client/setup.py \
      ../python-client/src ../proto -type f \
      -not -path '*/gymbridge/v1/*' -not -path 'src/gymbridge/*' -not -name '*.pyc' \
      -not -path '*/__pycache__/*' -not -path '*.egg-info/*' -print0 \
    | LC_ALL=C sort -z | xargs -0 sha256sum ) | sha256sum | cut -d' ' -f1
}

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup-venv: creating $VENV with $PYTHON ($("$PYTHON" --version 2>&1))" >&2
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q --upgrade pip >&2 || true
fi

WANT="$(inputs_hash)"
HAVE="$(cat "$STAMP" 2>/dev/null || true)"
if [ "$WANT" = "$HAVE" ] && [ -x "$VENV/bin/gymbridge-server" ]; then
  echo "setup-venv: $VENV is up to date" >&2
  exit 0
fi

echo "setup-venv: installing gymbridge[test] and gymbridge-server[test] into $VENV" >&2
# Regular (non-editable) installs: the client's wheel carries the generated stubs. One pip call, so
# the server's dependency on gymbridge resolves to ../python-client, never to an index. The stamp
# makes every source change trigger a reinstall, so Maven and the Java tests always run current code.
export PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# A server installed before the client package existed owns the gymbridge/v1 stub files; upgrading
# it in place would delete them after the client installed them. Remove it first (deps stay).
"$VENV/bin/python" -m pip uninstall -y -q gymbridge-server >/dev/null 2>&1 || true
"$VENV/bin/python" -m pip install -q "$CLIENT[test]" "$HERE[test]" >&2
# Generated stubs are rebuilt on each install; leave no stale build dirs behind.
rm -rf "$HERE/build" "$CLIENT/build"
echo "$WANT" > "$STAMP"
echo "setup-venv: done" >&2
