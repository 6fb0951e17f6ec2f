"""The same-host fast lane: the Session stream's messages over a plain unix socket, outside grpcio.

Stock grpcio costs ~260 us per message on a 2-core machine, over ten times a unix socket round
trip, which is most of a batched CartPole step. A client on the same host (told the socket path in
the handshake, ``Capabilities.fast_lane``) may instead send the *same* ``SessionRequest`` messages
here and get the same ``SessionResponse`` messages back, handled by the same
``RequestHandler`` as the gRPC stream (handler.py) -- so behaviour, errors and sessions are
identical; only the framing differs (and a step's response is serialized by hand, to the same bytes:
``codec.raw_step_response``). gRPC stays the protocol for everything else.

Framing, both ways: a 4-byte little-endian length, then the serialized message. The first frame
from the client is the bearer token (UTF-8; empty when the server has none), answered by a
``SessionResponse`` with seq 0 that carries an UNAUTHENTICATED error when refused (then the
connection closes). Sessions made on a connection are closed when it ends, like a stream's.

Waiting for the next request: after an answer the connection thread polls the socket for up to the
server's ``--spin-us`` before it blocks (``spinwait.py``: why, and when it does not).

The socket lives in a private directory (mode 0700) unless ``--unix PATH`` was given, in which case
it is ``PATH.fast`` next to the gRPC socket; either way only local processes that may open that file
can connect.

Between machines (``--fast-lane-port P``): the same framing and token preface on a TCP port of the
server's ``--host`` (``Capabilities.fast_lane_port``), with TCP_NODELAY. A server with ``--tls-cert``
speaks TLS on it with the same certificate as its gRPC (``Capabilities.fast_lane_tls``: a TLS client never
falls back to plaintext); otherwise it is plaintext like the server's gRPC. The token is checked exactly as
on the unix socket, inside the TLS connection.
"""
from __future__ import annotations

import logging
import os
import shutil
import socket
import ssl
import struct
import tempfile
import threading
from collections.abc import Callable
from typing import Any

import grpc

from gymbridge.v1 import env_pb2 as epb
from gymbridge_server.errors import BridgeError, Unparsable
from gymbridge_server.handler import status
from gymbridge_server.transport.spinwait import SpinWait, readable

log = logging.getLogger(__name__)

_HEADER = struct.Struct("<I")
# Replies up to this size go out as one send (header + body copied together); larger ones as two
# sends, so an 8 MiB frame batch is never copied just to prepend four bytes.
_COALESCE_LIMIT = 1 << 16
_TLS_HANDSHAKE_S = 10.0


# The private socket directory: <tmp>/gymbridge-fast-<server pid>-<random>, so that a server can
# remove the directories of servers that were killed (and never removed their own).
_DIR_PREFIX = "gymbridge-fast-"


def remove_stale_dirs() -> list[str]:
    """Remove this user's fast-lane directories whose server process is gone; the paths removed."""
    tmp = tempfile.gettempdir()
    removed = []
    try:
        names = os.listdir(tmp)
    except OSError:
        return removed
    for name in names:
        if not name.startswith(_DIR_PREFIX):
            continue
        pid_text = name[len(_DIR_PREFIX):].split("-", 1)[0]
        path = os.path.join(tmp, name)
        try:
            if not pid_text.isdigit() or os.lstat(path).st_uid != os.getuid():
                continue
            os.kill(int(pid_text), 0)
            continue  # its server is alive
        except ProcessLookupError:
            pass
        except OSError:
            continue  # not ours to judge (another user's pid, or gone meanwhile)
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


class FastLane:
    """Accepts fast-lane connections on a unix socket; one thread per connection."""

    def __init__(
        self,
        handler: Any,
        max_message_bytes: int,
        check_token: Callable[[str], str | None] | None = None,
        path: str | None = None,
        tcp: tuple[str, int] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """``handler`` is the server's RequestHandler (handler.py), which serves each request;
        ``check_token(token)`` returns None when the token is accepted, else the reason. ``tcp``
        (host, port): listen on TCP instead of a unix socket (port 0: a free one, then ``self.port``);
        ``tls``: wrap each TCP connection in TLS with this server context."""
        self._handler = handler
        self._max = max_message_bytes
        self._check_token = check_token
        self._tls = tls
        self._own_dir = None
        self.port = 0
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._accept_loop, name="fastlane-accept", daemon=True)
        if tcp is not None:
            host, port = tcp
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            self.path = ""
            self._listener = socket.socket(family, socket.SOCK_STREAM)
            self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._listener.bind((host.strip("[]"), port))
            self._listener.listen(64)
            self.port = self._listener.getsockname()[1]
            return
        if path is None:
            remove_stale_dirs()
            self._own_dir = tempfile.mkdtemp(prefix=f"{_DIR_PREFIX}{os.getpid()}-")
            os.chmod(self._own_dir, 0o700)
            path = os.path.join(self._own_dir, "fast.sock")
        self.path = path
        if os.path.exists(path):
            os.unlink(path)  # a stale socket of a killed server
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(path)
        os.chmod(path, 0o600)
        self._listener.listen(64)

    def start(self) -> None:
        self._thread.start()
        log.info("fast lane on %s", f"unix:{self.path}" if self.path else f"TCP port {self.port}")

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
        self.remove_files()

    def remove_files(self) -> None:
        """Remove the socket (and its private directory); a TCP lane has none."""
        if self.path:
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
            if conn.family != socket.AF_UNIX:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # a frame must not wait for the next
            with self._lock:
                self._conns.add(conn)
            threading.Thread(target=self._serve, args=(conn,), name="fastlane-conn", daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        stream = None
        owned: list[str] = []
        raw = conn
        if self._tls is not None:
            try:
                conn.settimeout(_TLS_HANDSHAKE_S)  # on this connection's thread: a slow peer holds only itself
                conn = self._tls.wrap_socket(conn, server_side=True)
                conn.settimeout(None)
            except (OSError, ValueError) as e:  # ssl.SSLError is an OSError
                log.warning("fast lane: TLS handshake failed: %s", e)
                with self._lock:
                    self._conns.discard(raw)
                raw.close()
                return
        spin = SpinWait()
        reader = _FrameReader(conn, self._max, spin)
        try:
            try:
                # One thread per connection: counted with the gRPC streams (--max-streams).
                stream = self._handler.streams.open(lambda: _shutdown(conn))
            except BridgeError as e:
                log.warning("fast lane: refused a connection: %s", e.message)
                _send(conn, epb.SessionResponse(seq=0, error=status(e)).SerializeToString())
                return
            owned = stream.owned
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
            # Each answer comes back serialized (steps without building protobuf messages) as a list of
            # byte strings with room for the frame header first.
            handle = self._handler.session_serialized
            parse = epb.SessionRequest.FromString
            while True:
                data = reader.read()
                if data is None:
                    return
                stream.begin()
                try:
                    req = parse(data)
                except Exception as e:  # noqa: BLE001 -- a garbled frame; the framing itself still holds
                    error = Unparsable(epb.SessionRequest.DESCRIPTOR.full_name, len(data), e).error()
                    _send(conn, epb.SessionResponse(seq=0, error=status(error)).SerializeToString())
                    stream.end()
                    continue
                try:
                    parts, size = handle(req, owned)
                finally:
                    stream.end()
                _send_parts(conn, frame(parts, size), size)
                spin.begin()
        except _TooLarge as e:
            log.warning("fast lane: %s", e)
            _send_quietly(conn, epb.SessionResponse(seq=0, error=epb.Status(
                code=grpc.StatusCode.RESOURCE_EXHAUSTED.value[0], message=str(e), reason="max_message_bytes",
            )).SerializeToString())
        except OSError:
            pass  # the client went away
        finally:
            if stream is not None:
                self._handler.streams.close(stream)
            self._handler.end_stream(owned)
            with self._lock:
                self._conns.discard(raw)
            conn.close()


def _shutdown(conn: socket.socket) -> None:
    try:
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _TooLarge(Exception):
    pass


class _FrameReader:
    """Reads length-prefixed frames through one reused buffer: a recv takes whatever has arrived (usually
    a whole request, header and body), so a frame costs one system call rather than two."""

    def __init__(self, conn: socket.socket, max_bytes: int, spin: SpinWait) -> None:
        self._conn = conn
        self._spin = spin
        self._ready = readable(conn)
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
            self._spin.poll(self._ready)  # a next request due: poll before blocking (spinwait.py)
            got = self._conn.recv_into(memoryview(self._buf)[self._end:])
            self._spin.end()
            if got == 0:
                return False
            self._end += got
        return True


def frame(parts: list, size: int) -> list:
    """A serialized message of ``size`` bytes, given as byte strings whose first is empty, framed:
    its 4-byte little-endian length put in that first place."""
    parts[0] = _HEADER.pack(size)
    return parts


def _send(conn: socket.socket, data: bytes) -> None:
    if len(data) <= _COALESCE_LIMIT:
        conn.sendall(_HEADER.pack(len(data)) + data)
    else:
        conn.sendall(_HEADER.pack(len(data)))
        conn.sendall(data)


def _send_parts(conn: socket.socket, parts: list, size: int) -> None:
    """Sends a framed message given as byte strings (frame header first) of ``size`` message bytes:
    one copy into one buffer when small; a gathering ``sendmsg`` (no copy) when large."""
    if size <= _COALESCE_LIMIT or len(parts) > 512 or isinstance(conn, ssl.SSLSocket):
        # (sendmsg takes at most IOV_MAX buffers; a TLS socket has no sendmsg)
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


def start_tcp_for(handler: Any, max_message_bytes: int, host: str, port: int, token: str | None,
                  tls_cert: str | None = None, tls_key: str | None = None) -> FastLane:
    """Start the TCP fast lane of a server on ``host:port`` (0: a free port), TLS with ``tls_cert``/``tls_key``
    (the gRPC server's PEM files); OSError if it cannot bind."""
    tls = None
    if tls_cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.minimum_version = ssl.TLSVersion.TLSv1_2
        tls.load_cert_chain(tls_cert, tls_key)
    lane = FastLane(handler, max_message_bytes, _token_check(token), tcp=(host, port), tls=tls)
    lane.start()
    return lane


def _token_check(token: str | None) -> Callable[[str], str | None] | None:
    check = None
    if token:
        from gymbridge_server.transport.security import TokenAuthInterceptor

        interceptor = TokenAuthInterceptor(token)

        def check(got: str) -> str | None:
            return interceptor.check((("authorization", f"Bearer {got}"),))

    return check


def start_for(handler: Any, max_message_bytes: int, unix: str | None, token: str | None) -> FastLane | None:
    """Start the fast lane of a server (``PATH.fast`` next to a ``--unix PATH`` socket, else a
    private temp dir); None (and a warning) if it cannot bind -- clients then simply stay on gRPC."""
    check = _token_check(token)
    try:
        lane = FastLane(handler, max_message_bytes, check, f"{unix}.fast" if unix else None)
    except OSError as e:
        log.warning("fast lane disabled: cannot bind its unix socket (%s); clients use gRPC only", e)
        return None
    lane.start()
    return lane
