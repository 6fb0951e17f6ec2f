"""Test fixtures: real gymbridge-server processes started through the real CLI.

Every server here is the installed console script ``gymbridge-server`` (next to the venv's
python), started on ``--port 0`` (or a unix socket) and found through its GYMBRIDGE_READY line.
"""
from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from gymbridge.v1 import env_pb2_grpc
from gymbridge_server import register_envs
from gymbridge_server.adapters.gymnasium import route_mujoco_warnings
from gymbridge_server.client import open_channel

# The in-process reference envs would otherwise write MUJOCO_LOG.TXT into the working directory.
route_mujoco_warnings()
# The in-process references make the server's own ids (gymbridge/*, Crafter-v1) too.
register_envs()

SERVER_EXE = Path(sys.executable).with_name("gymbridge-server")
READY_TIMEOUT_S = 60.0

class ServerProcess:
    """A running gymbridge-server subprocess and the address from its READY line."""

    def __init__(self, *args: str, log_path: Path, stdin: int | None = subprocess.DEVNULL,
                 prefix: tuple[str, ...] = ()) -> None:
        """``prefix``: a command the server runs under (e.g. ``unshare -n ...`` for a private network)."""
        assert SERVER_EXE.exists(), f"{SERVER_EXE} missing: install the package (scripts/setup-venv.sh)"
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [*prefix, str(SERVER_EXE), *args],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        self.ready_line = self._read_ready_line()
        self.address = self.ready_line.split(" ", 1)[1]

    def _read_ready_line(self) -> str:
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(READY_TIMEOUT_S)
        line = result[0].rstrip("\n") if result else ""
        if not line.startswith("GYMBRIDGE_READY "):
            self.kill()
            raise AssertionError(f"no GYMBRIDGE_READY line (got {line!r}); server log:\n{self.log()}")
        return line

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stub(self) -> env_pb2_grpc.EnvServiceStub:
        return env_pb2_grpc.EnvServiceStub(self.channel())

    def channel(self) -> grpc.Channel:
        return open_channel(self.address)

    def terminate(self, timeout: float = 15.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        finally:
            self._log.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._log.close()

@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One shared server on a free loopback port for the whole run."""
    log = tmp_path_factory.mktemp("server") / "server.log"
    srv = ServerProcess("--port", "0", "--log-level", "warning", log_path=log)
    yield srv
    code = srv.terminate()
    assert code == 0, f"server exited with {code}; log:\n{srv.log()}"

@pytest.fixture(scope="session")
def stub(server: ServerProcess) -> Iterator[env_pb2_grpc.EnvServiceStub]:
    channel = server.channel()
    yield env_pb2_grpc.EnvServiceStub(channel)
    channel.close()

@pytest.fixture
def new_server(tmp_path: Path):
    """Factory for private servers (CLI behaviour tests); all are stopped at test end."""
    started: list[ServerProcess] = []

    def start(*args: str, stdin: int | None = subprocess.DEVNULL) -> ServerProcess:
        srv = ServerProcess(*args, log_path=tmp_path / f"server{len(started)}.log", stdin=stdin)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.kill()

def wait_exit(proc: subprocess.Popen, timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return proc.returncode
        time.sleep(0.05)
    return None
