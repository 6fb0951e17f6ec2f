"""Build, start and stop the gRPC server: EnvService, health and reflection, on TCP or a unix socket."""
from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from concurrent import futures
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from gymbridge.v1 import env_pb2, env_pb2_grpc
from gymbridge_server.adapters import gymnasium as gym_adapter
from gymbridge_server.service import Dispatcher, EnvService
from gymbridge_server.sessions import SessionRegistry

log = logging.getLogger(__name__)

READY_PREFIX = "GYMBRIDGE_READY"
SERVICE_NAME = env_pb2.DESCRIPTOR.services_by_name["EnvService"].full_name  # gymbridge.v1.EnvService


@dataclass
class ServerConfig:
    """Everything the CLI configures (see cli.py for the flags)."""

    host: str = "127.0.0.1"
    port: int = 50051
    unix: str | None = None
    max_sessions: int = 0
    max_envs_per_session: int = 0
    max_message_mb: int = 64
    max_workers: int = 128


class GymBridgeServer:
    """A running server; ``address`` is what the READY line prints."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        gym_adapter.route_mujoco_warnings()
        self.registry = SessionRegistry(config.max_sessions, config.max_envs_per_session)
        max_bytes = config.max_message_mb * 1024 * 1024
        # Each open Session stream holds one worker thread for its lifetime, so the pool is
        # sized for many concurrent streams rather than for CPU count; beyond it, new calls get
        # RESOURCE_EXHAUSTED at once instead of queueing behind streams that may never end.
        self._server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=config.max_workers, thread_name_prefix="gymbridge"),
            maximum_concurrent_rpcs=config.max_workers,
            options=[
                ("grpc.max_send_message_length", max_bytes),
                ("grpc.max_receive_message_length", max_bytes),
                ("grpc.so_reuseport", 0),
            ],
        )
        env_pb2_grpc.add_EnvServiceServicer_to_server(
            EnvService(Dispatcher(self.registry, max_bytes), self.registry), self._server
        )
        self._health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._server)
        reflection.enable_server_reflection(
            (SERVICE_NAME, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME),
            self._server,
        )
        where = f"unix:{config.unix}" if config.unix else _host_port(config.host, config.port)
        try:
            bound = self._server.add_insecure_port(where)
        except RuntimeError:  # grpcio raises instead of returning 0 when the bind fails
            bound = 0
        if not bound:
            raise OSError(
                f"could not bind {where} (in use or not permitted); pick another --port, or --port 0 "
                "for a free one" + ("" if not config.unix else ", or another --unix path")
            )
        self.address = where if config.unix else _host_port(config.host, bound)

    def start(self) -> None:
        self._server.start()
        for name in ("", SERVICE_NAME):
            self._health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info("gymbridge-server serving on %s", self.address)

    def stop(self, grace: float = 2.0) -> None:
        """Graceful stop: report NOT_SERVING, let calls finish for ``grace`` seconds, close all sessions."""
        self._health.enter_graceful_shutdown()
        self._server.stop(grace).wait(grace + 1.0)
        self.registry.close_all()
        log.info("gymbridge-server stopped")

    def wait(self, timeout: float | None = None) -> bool:
        return self._server.wait_for_termination(timeout)


def _host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def serve(config: ServerConfig, exit_with_parent: bool = False) -> int:
    """Run a server until SIGTERM/SIGINT (or stdin EOF with ``exit_with_parent``); the exit code.

    Prints the READY line once serving. Exit code 0 after a graceful stop, 2 if binding failed.
    """
    if config.unix and os.path.exists(config.unix):
        os.unlink(config.unix)  # a stale socket from a killed server would make bind fail
    try:
        server = GymBridgeServer(config)
    except OSError as e:
        log.error("%s", e)
        return 2
    server.start()

    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if exit_with_parent:
        threading.Thread(target=_watch_stdin, args=(stop,), name="stdin-watch", daemon=True).start()

    sys.stdout.write(f"{READY_PREFIX} {server.address}\n")
    sys.stdout.flush()
    # The READY line is the only stdout output: anything an env prints later (pygame's banner,
    # a print() in env code, C libraries writing to fd 1) goes to stderr with the logs.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr

    # A timed wait keeps the main thread responsive to signals.
    while not stop.wait(0.5):
        pass
    server.stop()
    if config.unix and os.path.exists(config.unix):
        os.unlink(config.unix)
    return 0


def _watch_stdin(stop: threading.Event) -> None:
    """Set ``stop`` when stdin reaches EOF: the parent that holds the pipe has exited."""
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except (OSError, ValueError):
        pass
    log.info("stdin closed (parent gone), stopping")
    stop.set()
