"""A private gymbridge server process for ``local:`` URLs (the Python twin of the Java LocalServer).

Finds the ``gymbridge-server`` command, starts it on a free loopback port with
``--exit-with-parent`` (it exits when this process's pipe to it closes, even if this process is
killed), waits for its ``GYMBRIDGE_READY`` line, and stops it on :meth:`LocalServer.close` or at exit.
"""
from __future__ import annotations

import atexit
import collections
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from gymbridge.client import GymBridgeError

ENV_VAR = "GYMBRIDGE_SERVER"
REPO_VENV_EXECUTABLE = Path("python-env-server") / ".venv" / "bin" / "gymbridge-server"
_READY = "GYMBRIDGE_READY "
_TAIL_LINES = 40


class ServerNotFoundError(GymBridgeError):
    """No ``gymbridge-server`` command to start for a ``local:`` URL."""


def find_executable() -> Path:
    """The server command: $GYMBRIDGE_SERVER, the one beside this Python (same venv),
    python-env-server/.venv/bin/gymbridge-server in the working directory or a parent, or the PATH."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        p = Path(env)
        if not (p.is_file() and os.access(p, os.X_OK)):
            raise ServerNotFoundError(
                f"${ENV_VAR} names {p}, which is not an executable file; point it at gymbridge-server "
                "(e.g. python-env-server/.venv/bin/gymbridge-server)"
            )
        return p
    candidates = [Path(sys.executable).with_name("gymbridge-server")]
    candidates += [d / REPO_VENV_EXECUTABLE for d in (Path.cwd(), *Path.cwd().parents)]
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    on_path = shutil.which("gymbridge-server")
    if on_path:
        return Path(on_path)
    raise ServerNotFoundError(
        "cannot find the gymbridge-server command for a local: URL. Looked at $"
        f"{ENV_VAR}, {Path(sys.executable).parent}, {REPO_VENV_EXECUTABLE} in {Path.cwd()} and its parents, "
        "and the PATH. Install the server next to the client with `pip install gymbridge-server` (from a "
        "checkout: `pip install ./python-client ./python-env-server`), or set "
        f"{ENV_VAR}=/path/to/bin/gymbridge-server, or connect to a running server with grpc://host:port/EnvId."
    )


class LocalServer:
    """A running private server; ``address`` is what its READY line printed (``127.0.0.1:PORT``)."""

    def __init__(self, *, token: str | None = None, start_timeout: float = 60.0, extra_args: tuple[str, ...] = ()) -> None:
        exe = find_executable()
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        if token:
            env["GYMBRIDGE_TOKEN"] = token  # in the environment, never on the command line
        self._tail: collections.deque[str] = collections.deque(maxlen=_TAIL_LINES)
        self._closed = False
        self._pid = os.getpid()
        try:
            self.process = subprocess.Popen(
                [str(exe), "--host", "127.0.0.1", "--port", "0", "--exit-with-parent", *extra_args],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                text=True,
            )
        except OSError as e:
            raise ServerNotFoundError(f"could not start the local gymbridge server {exe}: {e}") from e
        atexit.register(self.close)
        ready: list[str] = []
        got = threading.Event()
        self._stderr_reader = threading.Thread(target=self._drain_stderr, name="gymbridge-server-stderr", daemon=True)
        self._stderr_reader.start()
        threading.Thread(target=self._read_stdout, args=(ready, got), name="gymbridge-server-stdout", daemon=True).start()
        if not got.wait(start_timeout) or not ready:
            exited = self.process.poll() is not None
            self._stderr_reader.join(5 if exited else 0)
            self.close()
            what = "exited before it was ready" if exited else f"did not print GYMBRIDGE_READY within {start_timeout:g} s"
            raise GymBridgeError(self._failure(what))
        self.address = ready[0]

    def _read_stdout(self, ready: list[str], got: threading.Event) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if not got.is_set() and line.startswith(_READY):
                ready.append(line[len(_READY):].strip())
                got.set()
        got.set()

    def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._tail.append(line.rstrip("\n"))

    def _failure(self, what: str) -> str:
        tail = "\n".join(self._tail)
        return (
            f"the local gymbridge server ({self.process.args[0]}, pid {self.process.pid}) {what}"
            + (f"; its stderr ends with:\n{tail}" if tail else "")
        )

    def close(self) -> None:
        """EOF on its stdin (graceful), then SIGTERM, then SIGKILL. Idempotent; a no-op in a forked child."""
        if self._closed or os.getpid() != self._pid:
            return
        self._closed = True
        atexit.unregister(self.close)
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()  # --exit-with-parent: EOF means "exit cleanly"
        except OSError:
            pass
        for stop in (None, self.process.terminate, self.process.kill):
            if stop is not None:
                stop()
            try:
                self.process.wait(5)
                break
            except subprocess.TimeoutExpired:
                continue
