"""BridgeError: a failure the client can act on, carrying its gRPC code and a reason.

Unary RPCs turn it into a gRPC status (reason in the "gymbridge-reason" trailer); the session
stream turns it into an in-band ``Status``. Messages name the problem and the fix.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass, field

import grpc


@dataclass
class BridgeError(Exception):
    """An error with a gRPC status code, a human message and a machine-readable reason."""

    code: grpc.StatusCode
    message: str
    reason: str
    metadata: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code.name} {self.reason}: {self.message}"


def not_found(message: str, reason: str) -> BridgeError:
    return BridgeError(grpc.StatusCode.NOT_FOUND, message, reason)


def invalid(message: str, reason: str = "INVALID_REQUEST") -> BridgeError:
    return BridgeError(grpc.StatusCode.INVALID_ARGUMENT, message, reason)


def precondition(message: str, reason: str) -> BridgeError:
    return BridgeError(grpc.StatusCode.FAILED_PRECONDITION, message, reason)


def aborted(message: str, reason: str = "ENV_ERROR") -> BridgeError:
    return BridgeError(grpc.StatusCode.ABORTED, message, reason)


def exhausted(message: str, limit: str, flag: str) -> BridgeError:
    return BridgeError(
        grpc.StatusCode.RESOURCE_EXHAUSTED, message, "LIMIT_EXCEEDED", {"limit": limit, "flag": flag}
    )


def last_line(e: BaseException) -> str:
    """The Python error's last line, e.g. "ValueError: bad value" (what ABORTED carries)."""
    return traceback.format_exception_only(type(e), e)[-1].strip()


def internal(e: BaseException) -> BridgeError:
    """INTERNAL for an unexpected exception: a bug in the bridge, said so instead of UNKNOWN."""
    return BridgeError(grpc.StatusCode.INTERNAL, f"gymbridge-server bug: {last_line(e)}", "INTERNAL")


class Unparsable:
    """A request whose bytes do not parse as its message type: answered INVALID_ARGUMENT
    (UNPARSABLE_REQUEST) by the service instead of gRPC's bare INTERNAL."""

    def __init__(self, message_type: str, size: int, error: BaseException) -> None:
        self.message_type = message_type
        self.size = size
        self.cause = last_line(error)

    def error(self) -> BridgeError:
        return invalid(
            f"the request ({self.size} bytes) is not a valid {self.message_type} ({self.cause}); "
            "send a message serialized from gymbridge/v1's proto files",
            "UNPARSABLE_REQUEST",
        )
