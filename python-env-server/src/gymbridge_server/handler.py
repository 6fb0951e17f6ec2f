"""The one request handler behind every transport: the gRPC ``Session`` stream, the unary RPCs and
the fast lane all run requests through :class:`RequestHandler`, so errors, metrics and the
sessions a stream owns behave the same on each.

A request that fails with a :class:`BridgeError` answers with it (in-band ``Status`` on a stream,
the gRPC status on a unary call); any other exception is a bug in the bridge and answers INTERNAL
("gymbridge-server bug: ..."). With ``--metrics-port`` every request is counted and timed.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from gymbridge.v1 import env_pb2 as epb
from gymbridge_server.dispatcher import Dispatcher
from gymbridge_server.errors import BridgeError, exhausted, internal, invalid

log = logging.getLogger(__name__)


class RequestHandler:
    """Runs requests through a :class:`Dispatcher`, observed by ``metrics`` (None: off)."""

    def __init__(self, dispatcher: Dispatcher, metrics: Any = None, max_streams: int = 0) -> None:
        self.dispatcher = dispatcher
        self.registry = dispatcher.registry
        self.metrics = metrics  # gymbridge_server.metrics.Metrics, or None (no --metrics-port)
        self.streams = Streams(max_streams, self.registry.alive)

    # ------------------------------------------------------------------------------- unary

    def unary(self, fn: Callable[[Any], Any], request: Any) -> Any:
        """``fn(request)`` of a unary call (a Dispatcher method); raises BridgeError."""
        resp, error = self._run(fn.__name__, fn, request, _unary_envs)
        if error is not None:
            raise error
        return resp

    # ----------------------------------------------------------------------------- streams

    def session(self, req: epb.SessionRequest, owned: list[str]) -> epb.SessionResponse:
        """One request of a session stream; never raises. ``owned`` collects the ids of the
        sessions made on the stream (close them with :meth:`end_stream`)."""
        kind = req.WhichOneof("request")
        resp, error = self._run(kind or "empty", self._session, (kind, req, owned), _stream_envs)
        if error is not None:
            return epb.SessionResponse(seq=req.seq, error=status(error))
        return resp

    def session_serialized(self, req: epb.SessionRequest, owned: list[str]) -> tuple[list, int]:
        """:meth:`session`, serialized: a list of byte strings whose first item is empty (room for a
        transport's frame header) and the message length. A step is serialized without building
        protobuf messages (``Dispatcher.step_serialized``; the same bytes)."""
        if req.WhichOneof("request") == "step":
            result, error = self._run("step", self._step_serialized, req, _serialized_envs)
            if error is None:
                parts, size, _ = result
                return parts, size
            body = epb.SessionResponse(seq=req.seq, error=status(error)).SerializeToString()
        else:
            body = self.session(req, owned).SerializeToString()
        return [b"", body], len(body)

    def end_stream(self, owned: list[str]) -> None:
        """Close the sessions a stream made (the stream ended, however)."""
        for sid in list(owned):
            self.registry.close_quietly(sid)

    # ---------------------------------------------------------------------------- plumbing

    def _session(self, call: tuple[str | None, epb.SessionRequest, list[str]]) -> epb.SessionResponse:
        kind, req, owned = call
        d = self.dispatcher
        if kind == "step":
            return epb.SessionResponse(seq=req.seq, step=d.step(req.step))
        if kind == "reset":
            return epb.SessionResponse(seq=req.seq, reset=d.reset(req.reset))
        if kind == "make":
            made = d.make(req.make)
            owned.append(made.session_id)
            return epb.SessionResponse(seq=req.seq, make=made)
        if kind == "render":
            return epb.SessionResponse(seq=req.seq, render=d.render(req.render))
        if kind == "close":
            resp = d.close(req.close)
            if req.close.session_id in owned:
                owned.remove(req.close.session_id)
            return epb.SessionResponse(seq=req.seq, close=resp)
        if kind == "snapshot":
            return epb.SessionResponse(seq=req.seq, snapshot=d.snapshot(req.snapshot))
        if kind == "restore":
            return epb.SessionResponse(seq=req.seq, restore=d.restore(req.restore))
        if kind == "release_snapshot":
            return epb.SessionResponse(seq=req.seq, release_snapshot=d.release_snapshot(req.release_snapshot))
        raise invalid(
            "SessionRequest has no request set; set one of make, reset, step, render, close, snapshot, "
            "restore, release_snapshot",
            "EMPTY_REQUEST",
        )

    def _step_serialized(self, req: epb.SessionRequest) -> tuple[list, int, int]:
        return self.dispatcher.step_serialized(req.seq, req.step)

    def _run(self, kind: str, fn: Callable[[Any], Any], arg: Any,
             envs: Callable[[Any], int]) -> tuple[Any, BridgeError | None]:
        """``fn(arg)`` and its failure as a value: (result, None) or (None, error); observed as
        ``kind`` when metrics are on (``envs(result)``: the envs a step served)."""
        if self.metrics is None:
            return self._attempt(kind, fn, arg)
        t0 = time.perf_counter()
        result, error = self._attempt(kind, fn, arg)
        n = envs(result) if error is None and kind == "step" else 0
        self.metrics.observe(kind, "OK" if error is None else error.code.name, time.perf_counter() - t0, n)
        return result, error

    @staticmethod
    def _attempt(kind: str, fn: Callable[[Any], Any], arg: Any) -> tuple[Any, BridgeError | None]:
        """``fn(arg)``: (result, None), or (None, the BridgeError; INTERNAL for any other exception)."""
        try:
            return fn(arg), None
        except BridgeError as e:
            return None, e
        except Exception as e:  # noqa: BLE001 -- a bug in the bridge; say so instead of UNKNOWN
            log.exception("internal error in %s", kind)
            return None, internal(e)


class Stream:
    """One open session stream (a gRPC ``Session`` call or a fast-lane connection): the sessions it
    made, when it last carried a request, and how to end it from outside."""

    __slots__ = ("owned", "last_used", "cancel", "busy")

    def __init__(self, cancel: Callable[[], None]) -> None:
        self.owned: list[str] = []
        self.last_used = time.monotonic()
        self.cancel = cancel
        self.busy = False  # a request is being served (a Make may take long before it owns a session)

    def begin(self) -> None:
        self.busy = True
        self.last_used = time.monotonic()

    def end(self) -> None:
        self.last_used = time.monotonic()
        self.busy = False


class Streams:
    """The open session streams, at most ``limit`` (--max-streams; 0: unlimited).

    Each stream holds a server thread for its life, so without a bound a client could open idle
    streams until no thread is left for anyone (health checks included). Streams that own no live
    session are ended after the idle timeout (:meth:`reap`, run by the registry's reaper)."""

    def __init__(self, limit: int, alive: Callable[[str], bool]) -> None:
        self.limit = limit
        self._alive = alive
        self._open: set[Stream] = set()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._open)

    def open(self, cancel: Callable[[], None]) -> Stream:
        """A new stream; RESOURCE_EXHAUSTED (limit max_streams, flag --max-streams) over the limit."""
        with self._lock:
            if self.limit and len(self._open) >= self.limit:
                raise exhausted(
                    f"this server already has {self.limit} open session streams (gRPC Session streams and "
                    "fast-lane connections), its limit; close streams you no longer use, use unary calls, or "
                    "restart the server with a larger --max-streams",
                    "max_streams",
                    "--max-streams",
                )
            stream = Stream(cancel)
            self._open.add(stream)
            return stream

    def close(self, stream: Stream) -> None:
        with self._lock:
            self._open.discard(stream)

    def reap(self, idle_s: float, now: float | None = None) -> int:
        """End the streams without a live session that carried no request for ``idle_s`` seconds."""
        now = time.monotonic() if now is None else now
        with self._lock:
            idle = [s for s in self._open
                    if not s.busy and now - s.last_used > idle_s and not any(self._alive(i) for i in s.owned)]
        for s in idle:
            log.info("ending a session stream idle for %.0f s without a live session", now - s.last_used)
            try:
                s.cancel()
            except Exception:  # noqa: BLE001 -- already ending
                log.debug("cancelling an idle stream raised", exc_info=True)
        return len(idle)


def status(e: BridgeError) -> epb.Status:
    """A BridgeError as the in-band ``Status`` of a stream's response."""
    return epb.Status(code=e.code.value[0], message=e.message, reason=e.reason, metadata=e.metadata)


def _unary_envs(resp: Any) -> int:
    rewards = getattr(resp, "rewards", None)
    return rewards.shape[0] if rewards is not None and rewards.shape else 0


def _stream_envs(resp: epb.SessionResponse) -> int:
    return resp.step.rewards.shape[0] if resp.step.rewards.shape else 0


def _serialized_envs(result: tuple[list, int, int]) -> int:
    return result[2]
