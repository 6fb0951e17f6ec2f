"""Build, start and stop the gRPC server: EnvService, health and reflection, on TCP or a unix socket."""
from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from concurrent import futures
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from gymbridge.v1 import env_pb2
from gymbridge_server import register_envs
from gymbridge_server.adapters import gymnasium as gym_adapter
from gymbridge_server.dispatcher import Dispatcher
from gymbridge_server.handler import RequestHandler
from gymbridge_server.limits import Limits
from gymbridge_server.logsafe import log_safe
from gymbridge_server.service import EnvService, add_to_server
from gymbridge_server.sessions import SessionRegistry
from gymbridge_server.transport import fastlane, spinwait
from gymbridge_server.transport.fastlane import FastLane
from gymbridge_server.transport.security import TokenAuthInterceptor, server_credentials

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
    max_streams: int = 64  # open Session streams + fast-lane connections (--max-streams)
    # Threads for everything else (unary calls, health, reflection) on top of one per stream.
    unary_workers: int = 64
    fast_lane: bool = True  # also serve the Session messages on a same-host unix socket (fastlane.py)
    spin_us: float = spinwait.DEFAULT_SPIN_US  # poll this long before sleeping while data is due; 0: never
    max_total_envs: int = 0
    session_idle_timeout_s: float = 0.0
    max_snapshots_per_session: int = 0
    token: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    allow_entry_points: bool = False
    fault_envs: bool = False
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    shutdown_grace_s: float = 5.0
    fast_lane_port: int | None = None  # also serve the fast lane's framing on this TCP port (0: free); TLS with tls_cert
    ray_address: str | None = None  # join this Ray cluster for vectorization=ray (vector/ray.py)
    env_modules: tuple[str, ...] = ()  # what --env-module loaded: Ray actors load it too
    env_paths: tuple[str, ...] = ()
    isolate_envs: bool = False  # run every session's envs in worker processes (--isolate-envs)
    limits: Limits = field(default_factory=Limits)


# Keepalive: the server pings a connection idle for 60 s and drops it if no answer comes within
# 20 s (a client that vanished without closing its TCP connection ends its streams, whose sessions
# are then closed). Clients may ping every 10 s or more, even with no call in flight (the Java
# client pings every 30 s); more frequent pings are refused as abuse by gRPC.
KEEPALIVE_OPTIONS = [
    ("grpc.keepalive_time_ms", 60_000),
    ("grpc.keepalive_timeout_ms", 20_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_recv_ping_interval_without_data_ms", 10_000),
    ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.http2.max_ping_strikes", 2),
]


class GymBridgeServer:
    """A running server; ``address`` is what the READY line prints."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        gym_adapter.route_mujoco_warnings()
        gym_adapter.EntryPointPolicy.allowed = config.allow_entry_points
        register_envs(fault_envs=config.fault_envs)
        self.registry = SessionRegistry(
            config.max_sessions,
            config.max_envs_per_session,
            config.max_total_envs,
            config.session_idle_timeout_s,
            config.limits,
            max_snapshots_per_session=config.max_snapshots_per_session,
        )
        self.metrics = None
        if config.metrics_port is not None:
            from gymbridge_server.metrics import Metrics

            self.metrics = Metrics(self.registry)
            self.registry.on_event = self.metrics.on_session_event
        max_bytes = config.max_message_mb * 1024 * 1024
        interceptors = [TokenAuthInterceptor(config.token)] if config.token else []
        # Each open Session stream holds one worker thread for its lifetime: the pool has one per
        # allowed stream (--max-streams, refused beyond it by the handler) plus ``unary_workers``
        # for unary calls and health checks, which idle streams can therefore never starve. Beyond
        # the pool, new calls get RESOURCE_EXHAUSTED at once instead of queueing.
        workers = config.max_streams + config.unary_workers
        self._server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gymbridge"),
            maximum_concurrent_rpcs=workers,
            interceptors=interceptors,
            options=[
                ("grpc.max_send_message_length", max_bytes),
                ("grpc.max_receive_message_length", max_bytes),
                ("grpc.so_reuseport", 0),
                *KEEPALIVE_OPTIONS,
            ],
        )
        self.handler = RequestHandler(
            Dispatcher(self.registry, max_bytes, config.limits, config.isolate_envs), self.metrics, config.max_streams,
        )
        self.registry.idle_hooks.append(self.handler.streams.reap)
        self.service = EnvService(self.handler)
        add_to_server(self.service, self._server)
        self.fast_lane: FastLane | None = None
        self.tcp_lane: FastLane | None = None
        self._health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._server)
        reflection.enable_server_reflection(
            (SERVICE_NAME, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME),
            self._server,
        )
        where = f"unix:{config.unix}" if config.unix else _host_port(config.host, config.port)
        old_umask = os.umask(0o077) if config.unix else None  # the socket is created 0600, whatever the umask
        try:
            if config.tls_cert:
                bound = self._server.add_secure_port(where, server_credentials(config.tls_cert, config.tls_key or ""))
            else:
                bound = self._server.add_insecure_port(where)
        except RuntimeError:  # grpcio raises instead of returning 0 when the bind fails
            bound = 0
        finally:
            if old_umask is not None:
                os.umask(old_umask)
        if bound and config.unix and os.path.exists(config.unix):
            os.chmod(config.unix, 0o600)  # only this user's processes may connect
        if not bound:
            raise OSError(
                f"could not bind {where} (in use or not permitted); pick another --port, or --port 0 "
                "for a free one" + ("" if not config.unix else ", or another --unix path")
            )
        self.address = where if config.unix else _host_port(config.host, bound)
        self.metrics_port: int | None = None
        if not config.unix and not _loopback(config.host):
            if not config.token:
                log.warning(
                    "serving on %s without a token: anyone who can reach this address can run envs here; "
                    "set GYMBRIDGE_TOKEN (or --token-file) and --tls-cert/--tls-key", self.address,
                )
            elif not config.tls_cert:
                log.warning(
                    "serving on %s with a token over plaintext: anyone on the network path can read the token; "
                    "add --tls-cert/--tls-key", self.address,
                )
        if config.metrics_port is not None and not _loopback(config.metrics_host):
            log.warning(
                "metrics on %s:%s are reachable beyond this host and unauthenticated (they show session "
                "counts and peers); bind them to 127.0.0.1 unless a firewall guards the port",
                config.metrics_host, config.metrics_port,
            )

    def start(self) -> None:
        spinwait.configure(self.config.spin_us)
        if self.config.ray_address:
            from gymbridge_server.vector import ray as ray_vec

            setup = ray_vec.ActorSetup(self.config.env_modules, self.config.env_paths, self.config.fault_envs)
            log.info("joined %s", ray_vec.connect(self.config.ray_address, setup))
        if self.metrics is not None:
            self.metrics_port = self.metrics.serve(self.config.metrics_host, self.config.metrics_port or 0)
        self._server.start()
        if self.config.fast_lane:
            self.fast_lane = fastlane.start_for(self.handler, self.handler.dispatcher.max_message_bytes,
                                                self.config.unix, self.config.token)
            if self.fast_lane is not None:
                self.service.fast_lane_path = self.fast_lane.path  # told to clients in the handshake
        if self.config.fast_lane_port is not None:
            self.tcp_lane = fastlane.start_tcp_for(self.handler, self.handler.dispatcher.max_message_bytes,
                                                   self.config.host, self.config.fast_lane_port, self.config.token,
                                                   self.config.tls_cert, self.config.tls_key)
            self.service.fast_lane_port = self.tcp_lane.port
            self.service.fast_lane_tls = bool(self.config.tls_cert)
        self.registry.start_reaper()
        for name in ("", SERVICE_NAME):
            self._health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info(
            "gymbridge-server serving on %s (%s%s)",
            self.address,
            "TLS" if self.config.tls_cert else "plaintext",
            ", bearer token required" if self.config.token else "",
        )

    def stop(self, grace: float | None = None) -> None:
        """Graceful stop: refuse new sessions and calls, let calls in flight finish for up to
        ``grace`` seconds (--shutdown-grace), then close every session, its envs and workers."""
        grace = self.config.shutdown_grace_s if grace is None else grace
        self.registry.accepting = False
        self._health.enter_graceful_shutdown()
        self._server.stop(grace).wait(grace + 1.0)
        self.registry.stop_reaper()
        if self.fast_lane is not None:
            self.fast_lane.stop()  # ends its connections, which close their sessions
        if self.tcp_lane is not None:
            self.tcp_lane.stop()
        self.registry.close_all()
        if self.config.ray_address:
            from gymbridge_server.vector import ray as ray_vec

            ray_vec.disconnect()  # after every session's actors are gone; a private cluster stops
        if self.metrics is not None:
            self.metrics.stop()
        log.info("gymbridge-server stopped")

    def wait(self, timeout: float | None = None) -> bool:
        return self._server.wait_for_termination(timeout)


def _loopback(host: str) -> bool:
    return host in ("127.0.0.1", "localhost", "::1", "[::1]") or host.startswith("127.")


def _host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def serve(config: ServerConfig, exit_with_parent: bool = False) -> int:
    """Run a server until SIGTERM/SIGINT (or, with ``exit_with_parent``, stdin EOF or SIGTERM); the exit code.

    Prints the READY line once serving. Exit code 0 after a graceful stop, 2 if binding failed.
    """
    if config.unix:
        problem = _clear_stale_socket(config.unix)
        if problem:
            log.error("%s", problem)
            return 2
    _detach_console_script()
    try:
        server = GymBridgeServer(config)
    except OSError as e:
        log.error("%s", e)
        return 2
    try:
        server.start()
    except Exception as e:  # noqa: BLE001 -- e.g. --ray-address names no reachable cluster
        log.error("could not start: %s", e)
        return 2

    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    if exit_with_parent:
        # The parent owns this server's life. Ctrl-C in a terminal reaches the whole process group, and the
        # parent (gymbridge train) still needs its envs to finish the step and write a checkpoint: it closes
        # stdin when done. Ignored here, SIGINT stays ignored in env worker processes started later.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    else:
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
    # Calls in flight get --shutdown-grace seconds; an env that is still stepping after that (hung,
    # or just slow) does not keep the process alive: its workers are killed and the server exits.
    stopper = threading.Thread(target=server.stop, name="gymbridge-stop", daemon=True)
    stopper.start()
    stopper.join(config.shutdown_grace_s + _CLOSE_MARGIN_S)
    if config.unix and os.path.exists(config.unix):
        os.unlink(config.unix)
    if stopper.is_alive():
        log.warning(
            "sessions still busy %.1f s after the stop (--shutdown-grace %.1f): killing their worker "
            "processes and exiting", config.shutdown_grace_s + _CLOSE_MARGIN_S, config.shutdown_grace_s,
        )
        _kill_children()
        if server.fast_lane is not None:
            server.fast_lane.remove_files()
        logging.shutdown()
        os._exit(0)
    return 0


# After the grace, closing the sessions (their envs and workers) may take this much longer.
_CLOSE_MARGIN_S = 2.0


def _kill_children() -> None:
    import multiprocessing

    for p in multiprocessing.active_children():
        try:
            p.kill()
        except Exception:  # noqa: BLE001 -- already gone
            pass


def _clear_stale_socket(path: str) -> str | None:
    """Remove a stale unix socket at ``path`` (left by a killed server); None when the path is free
    now, else why the server must not take it: anything that is not a socket is never deleted, and
    a socket some server still answers on is not taken over."""
    import socket
    import stat

    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if not stat.S_ISSOCK(mode):
        return f"--unix {path}: the path exists and is not a socket; refusing to replace it -- choose another path"
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(1.0)
        probe.connect(path)
    except OSError:
        os.unlink(path)  # nobody listens: stale
        return None
    finally:
        probe.close()
    return f"--unix {path}: another server is listening on this socket; stop it or choose another path"


def _detach_console_script() -> None:
    """Keep spawned worker processes from re-running the ``gymbridge-server`` console script.

    multiprocessing's spawn re-executes the parent's main script in every worker (async and
    workers vectorization). The console script holds nothing a worker needs, and re-reading it makes
    every new worker fail while the script is being replaced (a pip upgrade of a running server;
    seen in the soak). Only the console script is detached: a user's own main script may define
    what its workers unpickle.
    """
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is not None and getattr(main, "__spec__", None) is None and path and os.path.basename(path) == "gymbridge-server":
        del main.__file__


def _watch_stdin(stop: threading.Event) -> None:
    """Set ``stop`` when stdin reaches EOF: the parent that holds the pipe has exited."""
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except (OSError, ValueError):
        pass
    log.info("stdin closed (parent gone), stopping")
    stop.set()
