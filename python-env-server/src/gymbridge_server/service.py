"""The EnvService servicer: gRPC in and out of the one :class:`RequestHandler` (handler.py).

Unary failures become gRPC status codes (reason in the ``gymbridge-reason`` trailer); stream
failures travel in-band as ``SessionResponse.error`` and the stream goes on.
"""
from __future__ import annotations

import logging
import platform
from collections.abc import Iterator
from importlib import metadata as importlib_metadata
from typing import Any

import grpc

from gymbridge.v1 import env_pb2 as epb
from gymbridge.v1 import env_pb2_grpc
from gymbridge_server import __version__
from gymbridge_server.errors import BridgeError, precondition
from gymbridge_server.handler import RequestHandler
from gymbridge_server.sessions import current_peer
from gymbridge_server.vector import factory

log = logging.getLogger(__name__)

PROTOCOL_VERSION = epb.PROTOCOL_VERSION_1
MIN_PROTOCOL_VERSION = epb.PROTOCOL_VERSION_1
REASON_TRAILER = "gymbridge-reason"


def library_versions() -> dict[str, str]:
    """Versions of the libraries that decide env behaviour and the wire (for the handshake)."""
    out = {"python": platform.python_version(), "gymbridge-server": __version__}
    for name in ("gymnasium", "numpy", "mujoco", "grpcio", "protobuf"):
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            pass
    return out


class EnvService(env_pb2_grpc.EnvServiceServicer):
    """gymbridge.v1.EnvService over the RequestHandler."""

    fast_lane_path = ""  # the same-host fast lane's socket, set by the server when it runs one (fastlane.py)
    fast_lane_port = 0  # the TCP fast lane's port, set by the server when it runs one (--fast-lane-port)

    def __init__(self, handler: RequestHandler) -> None:
        self.handler = handler
        self.d = handler.dispatcher
        self.registry = handler.registry

    def Handshake(self, request: epb.HandshakeRequest, context: grpc.ServicerContext) -> epb.HandshakeResponse:
        if request.protocol_version and request.protocol_version < MIN_PROTOCOL_VERSION:
            self._abort(
                context,
                precondition(
                    f"client speaks protocol version {request.protocol_version}, this server needs "
                    f">= {MIN_PROTOCOL_VERSION}; upgrade the client",
                    "PROTOCOL_MISMATCH",
                ),
            )
        log.info(
            "handshake from %s %s (protocol %d)",
            request.client_name or "?", request.client_version or "?", request.protocol_version,
        )
        return epb.HandshakeResponse(
            protocol_version=PROTOCOL_VERSION,
            min_protocol_version=MIN_PROTOCOL_VERSION,
            server_version=__version__,
            library_versions=library_versions(),
            capabilities=epb.Capabilities(
                codecs=[],  # raw only: reserved codecs are never produced
                autoreset_modes=[
                    epb.AUTORESET_MODE_NEXT_STEP,
                    epb.AUTORESET_MODE_SAME_STEP,
                    epb.AUTORESET_MODE_DISABLED,
                ],
                max_message_bytes=self.d.max_message_bytes,
                max_sessions=self.registry.max_sessions,
                max_envs_per_session=self.registry.max_envs_per_session,
                fast_lane=self.fast_lane_path,
                fast_lane_port=self.fast_lane_port,
                vectorizations=factory.available_vectorizations(),
                session_idle_timeout_ms=int(self.registry.idle_timeout_s * 1000),
                max_total_envs=self.registry.max_total_envs,
            ),
        )

    def ListEnvs(self, request, context):
        return self._unary(self.d.list_envs, request, context)

    def Make(self, request, context):
        return self._unary(self.d.make, request, context)

    def Reset(self, request, context):
        return self._unary(self.d.reset, request, context)

    def Step(self, request, context):
        return self._unary(self.d.step, request, context)

    def Render(self, request, context):
        return self._unary(self.d.render, request, context)

    def Close(self, request, context):
        return self._unary(self.d.close, request, context)

    def GetModel(self, request, context):
        return self._unary(self.d.get_model, request, context)

    def _unary(self, fn: Any, request: Any, context: grpc.ServicerContext) -> Any:
        current_peer.set(context.peer())
        try:
            return self.handler.unary(fn, request)
        except BridgeError as e:
            self._abort(context, e)

    @staticmethod
    def _abort(context: grpc.ServicerContext, e: BridgeError) -> None:
        context.set_trailing_metadata(((REASON_TRAILER, e.reason),))
        context.abort(e.code, e.message)

    def Session(self, request_iterator: Iterator[epb.SessionRequest], context: grpc.ServicerContext) -> Iterator[epb.SessionResponse]:
        """The hot path. Sessions made on a stream are closed when the stream ends.

        A client that cancels the stream, disconnects, or vanishes (detected by keepalive pings)
        ends it too: the request iterator raises, and the sessions it made are closed here.
        """
        owned: list[str] = []
        peer = context.peer()
        handle = self.handler.session
        try:
            for req in request_iterator:
                current_peer.set(peer)
                yield handle(req, owned)
        except grpc.RpcError:
            log.info("session stream from %s ended by the client (cancelled or disconnected)", peer)
        finally:
            self.handler.end_stream(owned)
