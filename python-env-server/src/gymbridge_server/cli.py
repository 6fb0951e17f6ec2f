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
    p.add_argument("--exit-with-parent", action="store_true", help="exit (closing all sessions) when stdin reaches EOF")
    p.add_argument("--max-sessions", type=int, default=0, metavar="N", help="concurrent sessions allowed (0: unlimited)")
    p.add_argument("--max-envs-per-session", type=int, default=0, metavar="N", help="num_envs allowed per session (0: unlimited)")
    p.add_argument("--max-message-mb", type=int, default=64, metavar="M", help="largest gRPC message, both ways, in MiB (default 64)")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"], help="stderr log level (default info)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.port < 0 or args.port > 65535:
        build_parser().error(f"--port {args.port} is not in 0..65535")
    for flag in ("max_sessions", "max_envs_per_session"):
        if getattr(args, flag) < 0:
            build_parser().error(f"--{flag.replace('_', '-')} must be >= 0")
    if not 1 <= args.max_message_mb <= 2047:
        build_parser().error("--max-message-mb must be in 1..2047 (gRPC sizes are 32-bit)")
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # pygame (used by rgb_array rendering) would print a banner when imported.
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    # Heavy imports after parsing, so --help is instant.
    from gymbridge_server.server import ServerConfig, serve

    return serve(
        ServerConfig(
            host=args.host,
            port=args.port,
            unix=args.unix,
            max_sessions=args.max_sessions,
            max_envs_per_session=args.max_envs_per_session,
            max_message_mb=args.max_message_mb,
        ),
        exit_with_parent=args.exit_with_parent,
    )


if __name__ == "__main__":
    sys.exit(main())
