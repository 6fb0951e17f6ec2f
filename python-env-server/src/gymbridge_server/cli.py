"""``gymbridge-server``: argument parsing only; the process lifecycle is ``server.serve``.

When serving, the server prints exactly one line to stdout -- ``GYMBRIDGE_READY 127.0.0.1:43521``
or ``GYMBRIDGE_READY unix:/path`` -- and flushes it; everything else goes to stderr.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gymbridge-server",
        description="Serve Gymnasium environments over gRPC (gymbridge.v1.EnvService).",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: loopback only)")
    p.add_argument("--port", type=int, default=50051, help="TCP port; 0 binds a free port (default 50051)")
    p.add_argument("--unix", metavar="PATH", help="serve on a unix domain socket at PATH instead of TCP")
    p.add_argument("--exit-with-parent", action="store_true", help="exit (closing all sessions) when stdin reaches EOF;"
                   " SIGINT (Ctrl-C to the process group) is then ignored: the parent decides when to stop")
    p.add_argument("--max-sessions", type=int, default=0, metavar="N", help="concurrent sessions allowed (0: unlimited)")
    p.add_argument("--max-envs-per-session", type=int, default=1024, metavar="N", help="num_envs allowed per session (default 1024; 0: unlimited)")
    p.add_argument("--max-total-envs", type=int, default=4096, metavar="N", help="envs allowed across all sessions (default 4096; 0: unlimited)")
    p.add_argument(
        "--session-idle-timeout", type=float, default=600.0, metavar="S",
        help="close a session unused for S seconds: its client vanished (default 600; 0: never)",
    )
    p.add_argument(
        "--max-snapshots-per-session", type=int, default=1024, metavar="N",
        help="env snapshots one session may hold on the server (default 1024; 0: unlimited)",
    )
    lim = p.add_argument_group("what one client may take (see README: Security)")
    lim.add_argument("--max-streams", type=int, default=64, metavar="N",
                     help="open Session streams and fast-lane connections together (default 64); streams without a "
                     "live session are closed after --session-idle-timeout")
    lim.add_argument("--max-session-mb", type=int, default=1024, metavar="M",
                     help="estimated memory a session's arguments may allocate: num_envs x (stacked/delayed "
                     "observations, maps, frames, worlds) (default 1024)")
    lim.add_argument("--max-arg-items", type=int, default=100_000, metavar="N",
                     help="list items and string characters in one Make's kwargs and wrapper arguments (default 100000)")
    lim.add_argument("--max-repeat", type=int, default=1000, metavar="N",
                     help="repetitions per step (RepeatAction num_repeats, MaxAndSkipObservation skip, frame_skip ...) (default 1000)")
    lim.add_argument("--max-processes-per-session", type=int, default=64, metavar="N",
                     help="worker processes of one session (async: one per env; workers: num_workers) (default 64; 0: unlimited)")
    lim.add_argument("--max-total-processes", type=int, default=256, metavar="N",
                     help="worker processes across all sessions (default 256; 0: unlimited)")
    lim.add_argument("--isolate-envs", action="store_true",
                     help="run every session's envs in worker processes (vectorization 'sync' becomes one worker), "
                     "so no env can crash the server; recommended for shared servers")
    p.add_argument("--max-message-mb", type=int, default=64, metavar="M", help="largest gRPC message, both ways, in MiB (default 64)")
    sec = p.add_argument_group("security (see README: Security)")
    sec.add_argument(
        "--token", metavar="TOKEN",
        help="require 'authorization: Bearer TOKEN' on every call (else UNAUTHENTICATED); also read from "
             "$GYMBRIDGE_TOKEN. Prefer the env var or --token-file: argv is visible to other users",
    )
    sec.add_argument("--token-file", metavar="PATH", help="read the bearer token from this file")
    sec.add_argument("--tls-cert", metavar="PEM", help="serve TLS with this certificate chain (needs --tls-key)")
    sec.add_argument("--tls-key", metavar="PEM", help="private key of --tls-cert")
    sec.add_argument(
        "--allow-entry-points", action="store_true",
        help="allow 'module:Env-v0' env ids, which import arbitrary modules on the server (off by default)",
    )
    p.add_argument("--metrics-port", type=int, metavar="PORT", help="serve Prometheus metrics on http://HOST:PORT/metrics (0: a free port)")
    p.add_argument("--metrics-host", default="127.0.0.1", help="address of the metrics endpoint (default 127.0.0.1)")
    p.add_argument(
        "--shutdown-grace", type=float, default=5.0, metavar="S",
        help="on SIGTERM/SIGINT, let calls in flight finish for up to S seconds (default 5)",
    )
    p.add_argument("--fault-envs", action="store_true", help=argparse.SUPPRESS)  # tests and soak only: gymbridge/Fault-v0
    p.add_argument(
        "--spin-us", type=float, default=None, metavar="US",
        help="while a fast-lane request or a worker's answer is due, poll for up to US microseconds before "
        "sleeping (waking a sleeping thread costs tens of us on a VM); 0: always sleep (default: "
        "$GYMBRIDGE_SPIN_US, else 1000)",
    )
    p.add_argument(
        "--ray-address", metavar="ADDR",
        help="join a Ray cluster so sessions can ask vectorization=ray (envs as Ray actors across its nodes): "
        "auto (the cluster this machine belongs to), ray://HOST:PORT (Ray Client) or local (start a private "
        "single-node Ray); needs pip install 'gymbridge-server[ray]'",
    )
    p.add_argument(
        "--fast-lane-port", type=int, metavar="P",
        help="also serve the fast lane's framing on TCP port P of --host (0: a free one), for clients on other "
        "machines; token-checked, TLS with --tls-cert (else plaintext)",
    )
    p.add_argument("--no-fast-lane", action="store_true", help="serve gRPC only: no same-host unix-socket fast lane for the session messages")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"], help="stderr log level (default info)")
    from gymbridge_server import envmodules  # --env-module / --env-path

    envmodules.add_arguments(p)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.port < 0 or args.port > 65535:
        build_parser().error(f"--port {args.port} is not in 0..65535")
    for flag in ("max_sessions", "max_envs_per_session", "max_total_envs", "max_snapshots_per_session",
                 "session_idle_timeout", "shutdown_grace", "max_processes_per_session", "max_total_processes"):
        if getattr(args, flag) < 0:
            build_parser().error(f"--{flag.replace('_', '-')} must be >= 0")
    for flag in ("max_streams", "max_session_mb", "max_arg_items", "max_repeat"):
        if getattr(args, flag) < 1:
            build_parser().error(f"--{flag.replace('_', '-')} must be >= 1")
    if not 1 <= args.max_message_mb <= 2047:
        build_parser().error("--max-message-mb must be in 1..2047 (gRPC sizes are 32-bit)")
    if bool(args.tls_cert) != bool(args.tls_key):
        build_parser().error("--tls-cert and --tls-key go together: give both (PEM files) or neither")
    for path in (args.tls_cert, args.tls_key, args.token_file):
        if path and not os.path.isfile(path):
            build_parser().error(f"{path} is not a readable file")
    if args.fast_lane_port is not None:
        if not 0 <= args.fast_lane_port <= 65535:
            build_parser().error(f"--fast-lane-port {args.fast_lane_port} is not in 0..65535")
        if args.unix or args.no_fast_lane:
            build_parser().error("--fast-lane-port needs a TCP server with the fast lane on (not --unix, not --no-fast-lane)")
    if args.metrics_port is not None and not 0 <= args.metrics_port <= 65535:
        build_parser().error(f"--metrics-port {args.metrics_port} is not in 0..65535")
    if args.ray_address is not None:
        from gymbridge_server.vector import ray as ray_vec

        if not args.ray_address:
            build_parser().error("--ray-address needs a value: auto, ray://HOST:PORT or local")
        try:
            ray_vec.require_installed()
        except ray_vec.RayUnavailableError as e:
            build_parser().error(f"--ray-address: {e}")
    from gymbridge_server.transport.security import resolve_token

    from gymbridge_server.transport.spinwait import resolve_us

    try:
        args.spin_us = resolve_us(args.spin_us, os.environ)
    except ValueError as e:
        build_parser().error(str(e))
    try:
        token = resolve_token(args.token, args.token_file, dict(os.environ))
    except ValueError as e:
        build_parser().error(str(e))
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # pygame (used by rgb_array rendering) would print a banner when imported.
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    # MuJoCo reads MUJOCO_GL when first imported: pick a headless backend before anything does.
    from gymbridge_server import envmodules, rendering

    rendering.configure_headless_gl()
    try:
        envmodules.load(args.env_module, args.env_path)
    except envmodules.EnvModuleError as e:
        build_parser().error(str(e))
    # Heavy imports after parsing, so --help is instant.
    from gymbridge_server.limits import Limits
    from gymbridge_server.server import ServerConfig, serve

    return serve(
        ServerConfig(
            host=args.host,
            port=args.port,
            unix=args.unix,
            max_sessions=args.max_sessions,
            max_envs_per_session=args.max_envs_per_session,
            max_message_mb=args.max_message_mb,
            fast_lane=not args.no_fast_lane,
            spin_us=args.spin_us,
            max_total_envs=args.max_total_envs,
            session_idle_timeout_s=args.session_idle_timeout,
            max_snapshots_per_session=args.max_snapshots_per_session,
            token=token,
            tls_cert=args.tls_cert,
            tls_key=args.tls_key,
            allow_entry_points=args.allow_entry_points,
            fault_envs=args.fault_envs,
            metrics_port=args.metrics_port,
            metrics_host=args.metrics_host,
            shutdown_grace_s=args.shutdown_grace,
            fast_lane_port=args.fast_lane_port,
            ray_address=args.ray_address,
            env_modules=tuple(args.env_module),
            env_paths=tuple(os.path.abspath(p) for p in args.env_path),
            max_streams=args.max_streams,
            isolate_envs=args.isolate_envs,
            limits=Limits(
                max_arg_items=args.max_arg_items,
                max_session_mb=args.max_session_mb,
                max_repeat=args.max_repeat,
                max_processes_per_session=args.max_processes_per_session,
                max_total_processes=args.max_total_processes,
            ),
        ),
        exit_with_parent=args.exit_with_parent,
    )


if __name__ == "__main__":
    sys.exit(main())
