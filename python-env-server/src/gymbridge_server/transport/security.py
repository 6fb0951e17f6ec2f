"""Who may talk to the server: bearer-token auth (a server interceptor) and TLS credentials.

Defaults are safe without configuration: the server binds 127.0.0.1, refuses ``module:Class`` env
ids, and accepts only JSON-typed kwargs (never pickle). Operators who expose it further add a
token (``--token`` / ``GYMBRIDGE_TOKEN`` / ``--token-file``) and TLS (``--tls-cert`` / ``--tls-key``).

What the token guards: every EnvService call and server reflection. The standard health service
(``grpc.health.v1.Health``) stays open on purpose: it reveals only SERVING / NOT_SERVING, and load
balancers and container probes check it without secrets.
"""
from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc

log = logging.getLogger(__name__)

TOKEN_ENV = "GYMBRIDGE_TOKEN"
AUTH_HEADER = "authorization"
HEALTH_PREFIX = "/grpc.health.v1.Health/"
REASON_TRAILER = "gymbridge-reason"


class TokenAuthInterceptor(grpc.ServerInterceptor):
    """Refuses calls without ``authorization: Bearer <token>`` with UNAUTHENTICATED.

    The comparison is constant-time; the message says what was wrong (missing, malformed, wrong)
    and how to send the token, never the token itself.
    """

    def __init__(self, token: str, open_prefixes: tuple[str, ...] = (HEALTH_PREFIX,)) -> None:
        if not token:
            raise ValueError("empty token")
        self._expected = f"Bearer {token}".encode()
        self._open = open_prefixes

    def intercept_service(self, continuation: Callable[[Any], Any], details: grpc.HandlerCallDetails) -> Any:
        method = details.method or ""
        if method.startswith(self._open):
            return continuation(details)
        problem = self.check(details.invocation_metadata or ())
        if problem is None:
            return continuation(details)
        handler = continuation(details)
        if handler is None:
            return None
        log.warning("refused %s: %s", method, problem)
        return _denying_handler(handler, problem)

    def check(self, metadata: Any) -> str | None:
        """None when ``metadata`` carries the right bearer token, else what is wrong and how to fix it."""
        got = None
        for key, value in metadata:
            if key == AUTH_HEADER:
                got = value
                break
        how = ("send the header 'authorization: Bearer <token>' (Java: URL option token=... or env "
               f"{TOKEN_ENV}; Python: grpc.access_token_call_credentials)")
        if got is None:
            return f"this server requires a bearer token and the call carried none; {how}"
        raw = got.encode() if isinstance(got, str) else bytes(got)
        if not raw.startswith(b"Bearer "):
            return f"the authorization header is not of the form 'Bearer <token>'; {how}"
        if not hmac.compare_digest(raw, self._expected):
            return "the bearer token is wrong; use the token the server was started with (--token / " \
                   f"{TOKEN_ENV} on the server)"
        return None


def _denying_handler(handler: grpc.RpcMethodHandler, message: str) -> grpc.RpcMethodHandler:
    """A handler of the same shape as ``handler`` that fails with UNAUTHENTICATED."""

    def deny(_request: Any, context: grpc.ServicerContext) -> Any:
        context.set_trailing_metadata(((REASON_TRAILER, "UNAUTHENTICATED"),))
        context.abort(grpc.StatusCode.UNAUTHENTICATED, message)

    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(deny)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(deny)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(deny)
    return grpc.unary_unary_rpc_method_handler(deny)


def resolve_token(flag: str | None, token_file: str | None, environ: dict[str, str]) -> str | None:
    """The token from --token, else --token-file, else $GYMBRIDGE_TOKEN; None when none is set."""
    if flag:
        return flag
    if token_file:
        text = Path(token_file).read_text().strip()
        if not text:
            raise ValueError(f"--token-file {token_file} is empty")
        return text
    env = environ.get(TOKEN_ENV, "").strip()
    return env or None


def server_credentials(cert_path: str, key_path: str) -> grpc.ServerCredentials:
    """TLS credentials from PEM files (the certificate chain and its private key)."""
    cert = Path(cert_path).read_bytes()
    key = Path(key_path).read_bytes()
    return grpc.ssl_server_credentials([(key, cert)])


def token_matches(expected: str | None, given: str | bytes | None) -> bool:
    """Whether ``given`` (a bare token, as the fast lane's preface carries it) is the server's token.

    True when the server has no token. Constant-time. For transports outside gRPC (the fast lane).
    """
    if not expected:
        return True
    if given is None:
        return False
    raw = given.encode() if isinstance(given, str) else bytes(given)
    return hmac.compare_digest(raw, expected.encode())
