"""The same-host fast lane: the Session stream's messages over a plain unix socket, outside grpcio.

Stock grpcio costs ~260 us per message on a 2-core machine, over ten times a unix socket round
trip, which is most of a batched CartPole step. A client on the same host (told the socket path in
the handshake, ``Capabilities.fast_lane``) may instead send the *same* ``SessionRequest`` messages
here and get the same ``SessionResponse`` messages back, dispatched by the same
``EnvService._dispatch_stream`` as the gRPC stream -- so behaviour, errors and sessions are
identical; only the framing differs (and a step's response is serialized by hand, to the same bytes:
``codec.raw_step_response``). gRPC stays the protocol for everything else.

Framing, both ways: a 4-byte little-endian length, then the serialized message. The first frame
from the client is the bearer token (UTF-8; empty when the server has none), answered by a
``SessionResponse`` with seq 0 that carries an UNAUTHENTICATED error when refused (then the
connection closes). Sessions made on a connection are closed when it ends, like a stream's.

Waiting for the next request (``SpinWait``): on this 2-core VM a thread that blocks in ``recv`` lets
its vCPU halt, and waking it costs ~60-90 us -- more than a CartPole x64 step's whole bridge budget.
So after an answer the connection thread polls the socket (non-blocking reads, yielding the CPU
between them) for up to ``--fast-lane-spin-us`` (default 1000) before it blocks, unless the client's
recent requests all came later than that. ``--fast-lane-spin-us 0`` turns it off.

The socket lives in a private directory (mode 0700) unless ``--unix PATH`` was given, in which case
it is ``PATH.fast`` next to the gRPC socket; either way only local processes that may open that file
can connect.
"""
from __future__ import annotations

import collections
import logging
import os
import shutil
import socket
import struct
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

import grpc

from gymbridge.v1 import env_pb2 as epb

log = logging.getLogger(__name__)

_HEADER = struct.Struct("<I")
# Replies up to this size go out as one send (header + body copied together); larger ones as two
# sends, so an 8 MiB frame batch is never copied just to prepend four bytes.
_COALESCE_LIMIT = 1 << 16
# Default of --fast-lane-spin-us (see SpinWait).
DEFAULT_SPIN_US = 1000


class FastLane:
    """Accepts fast-lane connections on a unix socket; one thread per connection."""

    def __init__(
        self,
        service: Any,
        max_message_bytes: int,
        check_token: Callable[[str], str | None] | None = None,
        path: str | None = None,
        spin_us: float = DEFAULT_SPIN_US,
    ) -> None:
        """``service`` is the EnvService (its ``_dispatch_stream`` serves each request);
        ``check_token(token)`` returns None when the token is accepted, else the reason; ``spin_us``:
        see ``SpinWait`` (0: always block)."""
        self._service = service
        self._spin_s = max(0.0, spin_us) * 1e-6
        self._max = max_message_bytes
        self._check_token = check_token
        self._own_dir = None
        if path is None:
            self._own_dir = tempfile.mkdtemp(prefix="gymbridge-fast-")
            os.chmod(self._own_dir, 0o700)
            path = os.path.join(self._own_dir, "fast.sock")
        self.path = path
        if os.path.exists(path):
            os.unlink(path)  # a stale socket of a killed server
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(path)
        os.chmod(path, 0o600)
        self._listener.listen(64)
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._accept_loop, name="fastlane-accept", daemon=True)

    def start(self) -> None:
        self._thread.start()
        log.info("fast lane on unix:%s", self.path)

    def stop(self) -> None:
        """Stop accepting, end every connection (closing its sessions), remove the socket."""
        self._closed = True
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        try:
            os.unlink(self.path)
        except OSError:
            pass
        if self._own_dir is not None:
            shutil.rmtree(self._own_dir, ignore_errors=True)

    # ------------------------------------------------------------------------------ connections

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._conns.add(conn)
            threading.Thread(target=self._serve, args=(conn,), name="fastlane-conn", daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        owned: list[str] = []
        spin = SpinWait(self._spin_s) if self._spin_s > 0 else None
        reader = _FrameReader(conn, self._max, spin)
        try:
            token = reader.read()
            if token is None:
                return
            problem = self._check_token(bytes(token).decode("utf-8", "replace")) if self._check_token else None
            if problem is not None:
                log.warning("fast lane: refused a connection: %s", problem)
                _send(conn, epb.SessionResponse(seq=0, error=epb.Status(
                    code=grpc.StatusCode.UNAUTHENTICATED.value[0], message=problem, reason="UNAUTHENTICATED",
                )).SerializeToString())
                return
            _send(conn, epb.SessionResponse(seq=0).SerializeToString())
            # Each answer comes back already framed and serialized (steps without building protobuf
            # messages: service._dispatch_stream_frame) as a list of byte strings.
            dispatch = self._service._dispatch_stream_frame
            parse = epb.SessionRequest.FromString
            while True:
                frame = reader.read()
                if frame is None:
                    return
                try:
                    req = parse(frame)
                except Exception:  # noqa: BLE001 -- a garbled frame: the connection cannot be trusted
                    log.warning("fast lane: unparsable SessionRequest (%d bytes); closing the connection", len(frame))
                    return
                _send_parts(conn, *dispatch(req, owned))
                if spin is not None:
                    spin.answered()
        except _TooLarge as e:
            log.warning("fast lane: %s", e)
            _send_quietly(conn, epb.SessionResponse(seq=0, error=epb.Status(
                code=grpc.StatusCode.RESOURCE_EXHAUSTED.value[0], message=str(e), reason="max_message_bytes",
            )).SerializeToString())
        except OSError:
            pass  # the client went away
        finally:
            for sid in owned:
                self._service.registry.close_quietly(sid)
            with self._lock:
                self._conns.discard(conn)
            conn.close()


class _TooLarge(Exception):
    pass


class _FrameReader:
    """Reads length-prefixed frames through one reused buffer: a recv takes whatever has arrived (usually
    a whole request, header and body), so a frame costs one system call rather than two."""

    def __init__(self, conn: socket.socket, max_bytes: int, spin: "SpinWait | None" = None) -> None:
        self._conn = conn
        self._spin = spin
        self._max = max_bytes
        self._buf = bytearray(1 << 16)
        self._start = 0  # first unread byte
        self._end = 0  # end of the bytes received so far

    def read(self) -> memoryview | None:
        """The next frame's bytes (valid until the next read), or None at EOF."""
        if not self._ensure(4):
            return None
        (n,) = _HEADER.unpack_from(self._buf, self._start)
        if n > self._max:
            raise _TooLarge(
                f"a {n}-byte request exceeds this server's {self._max}-byte message limit; restart the server "
                "with a larger --max-message-mb"
            )
        if not self._ensure(4 + n):
            return None
        begin = self._start + 4
        self._start = begin + n
        return memoryview(self._buf)[begin:begin + n]

    def _ensure(self, k: int) -> bool:
        """At least k unread bytes in the buffer (False at EOF)."""
        if self._start == self._end:
            self._start = self._end = 0  # all consumed: receive at the front again
        while self._end - self._start < k:
            if len(self._buf) - self._start < k:
                # Move the unread tail to the front of a buffer big enough for k bytes (the previous
                # frame has been parsed by now; a new array, as views of the old one may still exist).
                unread = self._end - self._start
                buf = bytearray(max(k, len(self._buf)))
                buf[:unread] = self._buf[self._start:self._end]
                self._buf, self._start, self._end = buf, 0, unread
            view = memoryview(self._buf)[self._end:]
            got = self._spin.recv_into(self._conn, view) if self._spin is not None else None
            if got is None:
                got = self._conn.recv_into(view)
            if got == 0:
                return False
            self._end += got
        return True


class SpinWait:
    """Waits for a connection's next request without letting the thread fall asleep right before it
    comes (see the module docstring): poll with non-blocking reads, yielding the CPU between polls, for up
    to ``spin`` seconds after the last answer, then block. When the last ``window`` gaps between an answer
    and the next request were all longer than ``spin`` (a client with a slow policy), block at once."""

    def __init__(self, spin_s: float, window: int = 8) -> None:
        self.spin = spin_s
        self._gaps: collections.deque[float] = collections.deque(maxlen=window)
        self._since: float | None = None  # when the last answer went out (None: no request is due)

    def answered(self) -> None:
        """An answer went out: the next request is due."""
        self._since = time.perf_counter()

    def recv_into(self, conn: socket.socket, view: memoryview) -> int | None:
        """Receive into ``view`` as described above: the byte count (0 at EOF), or None when the caller
        should block in a plain ``recv_into`` (inside a frame, or before the first answer)."""
        since, self._since = self._since, None
        if since is None:
            return None
        if self._gaps and min(self._gaps) > self.spin:
            got = conn.recv_into(view)
        else:
            end = since + self.spin
            while True:
                try:
                    got = conn.recv_into(view, 0, socket.MSG_DONTWAIT)
                    break
                except BlockingIOError:
                    if time.perf_counter() >= end:
                        got = conn.recv_into(view)
                        break
                    # Yield: a runnable thread or process that wants this CPU (an env worker) gets it.
                    os.sched_yield()
        self._gaps.append(time.perf_counter() - since)
        return got


def _send(conn: socket.socket, data: bytes) -> None:
    if len(data) <= _COALESCE_LIMIT:
        conn.sendall(_HEADER.pack(len(data)) + data)
    else:
        conn.sendall(_HEADER.pack(len(data)))
        conn.sendall(data)


def _send_parts(conn: socket.socket, parts: list, size: int) -> None:
    """Sends a framed message given as byte strings (frame header first) of ``size`` message bytes:
    one copy into one buffer when small; a gathering ``sendmsg`` (no copy) when large."""
    if size <= _COALESCE_LIMIT or len(parts) > 512:  # (sendmsg takes at most IOV_MAX buffers)
        conn.sendall(b"".join(parts))
        return
    sent = conn.sendmsg(parts)
    total = 4 + size
    if sent < total:
        # The socket took part of it: send the rest (rare: only frames beyond the socket buffer).
        rest = memoryview(b"".join(parts))[sent:]
        conn.sendall(rest)


def _send_quietly(conn: socket.socket, data: bytes) -> None:
    try:
        _send(conn, data)
    except OSError:
        pass


def start_for(
    service: Any, max_message_bytes: int, unix: str | None, token: str | None, spin_us: float = DEFAULT_SPIN_US
) -> FastLane | None:
    """Start the fast lane of a server (``PATH.fast`` next to a ``--unix PATH`` socket, else a
    private temp dir) and tell the handshake about it; None (and a warning) if it cannot bind --
    clients then simply stay on gRPC."""
    check = None
    if token:
        from gymbridge_server.security import TokenAuthInterceptor

        interceptor = TokenAuthInterceptor(token)

        def check(got: str) -> str | None:
            return interceptor._check((("authorization", f"Bearer {got}"),))

    try:
        lane = FastLane(service, max_message_bytes, check, f"{unix}.fast" if unix else None, spin_us)
    except OSError as e:
        log.warning("fast lane disabled: cannot bind its unix socket (%s); clients use gRPC only", e)
        return None
    lane.start()
    service.fast_lane_path = lane.path
    return lane
