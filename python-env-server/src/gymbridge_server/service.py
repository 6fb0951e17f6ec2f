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
from gymbridge_server import __version__, snapshots
from gymbridge_server.errors import BridgeError, Unparsable, precondition
from gymbridge_server.handler import RequestHandler
from gymbridge_server.handler import status
from gymbridge_server.logsafe import log_safe
from gymbridge_server.sessions import call_active, current_peer
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
    fast_lane_tls = False  # whether that lane speaks TLS (a server with --tls-cert)

    def __init__(self, handler: RequestHandler) -> None:
        self.handler = handler
        self.d = handler.dispatcher
        self.registry = handler.registry

    def Handshake(self, request: epb.HandshakeRequest, context: grpc.ServicerContext) -> epb.HandshakeResponse:
        if isinstance(request, Unparsable):
            self._abort(context, request.error())
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
            log_safe(request.client_name or "?"), log_safe(request.client_version or "?"), request.protocol_version,
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
                fast_lane_tls=self.fast_lane_tls,
                vectorizations=factory.available_vectorizations(),
                session_idle_timeout_ms=int(self.registry.idle_timeout_s * 1000),
                max_total_envs=self.registry.max_total_envs,
                snapshot_families=list(snapshots.FAMILIES),
                max_snapshots_per_session=self.registry.max_snapshots_per_session,
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

    def Snapshot(self, request, context):
        return self._unary(self.d.snapshot, request, context)

    def Restore(self, request, context):
        return self._unary(self.d.restore, request, context)

    def ReleaseSnapshot(self, request, context):
        return self._unary(self.d.release_snapshot, request, context)

    def _unary(self, fn: Any, request: Any, context: grpc.ServicerContext) -> Any:
        current_peer.set(context.peer())
        call_active.set(context.is_active)
        if isinstance(request, Unparsable):
            self._abort(context, request.error())
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
        peer = context.peer()
        try:
            stream = self.handler.streams.open(context.cancel)
        except BridgeError as e:
            self._abort(context, e)
        handle = self.handler.session
        owned = stream.owned
        active = context.is_active
        try:
            for req in request_iterator:
                current_peer.set(peer)
                call_active.set(active)
                if isinstance(req, Unparsable):
                    yield epb.SessionResponse(seq=0, error=status(req.error()))
                    continue
                stream.begin()
                try:
                    resp = handle(req, owned)
                finally:
                    stream.end()
                yield resp
        except grpc.RpcError:
            log.info("session stream from %s ended by the client (cancelled or disconnected)", log_safe(peer))
        finally:
            self.handler.streams.close(stream)
            self.handler.end_stream(owned)


def _tolerant(message_class: Any) -> Any:
    name = message_class.DESCRIPTOR.full_name
    parse = message_class.FromString

    def deserialize(data: bytes) -> Any:
        try:
            return parse(data)
        except Exception as e:  # noqa: BLE001 -- DecodeError and friends: the service answers it
            return Unparsable(name, len(data), e)

    return deserialize


def add_to_server(servicer: EnvService, server: grpc.Server) -> None:
    """``env_pb2_grpc.add_EnvServiceServicer_to_server``, with request parsing that hands unparsable
    bytes to the service (which answers INVALID_ARGUMENT) instead of failing with INTERNAL."""
    service = epb.DESCRIPTOR.services_by_name["EnvService"]
    handlers = {}
    for method in service.methods:
        request_class = getattr(epb, method.input_type.name)
        response_class = getattr(epb, method.output_type.name)
        make = grpc.stream_stream_rpc_method_handler if method.client_streaming else grpc.unary_unary_rpc_method_handler
        handlers[method.name] = make(
            getattr(servicer, method.name),
            request_deserializer=_tolerant(request_class),
            response_serializer=response_class.SerializeToString,
        )
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service.full_name, handlers),))
    server.add_registered_method_handlers(service.full_name, handlers)
