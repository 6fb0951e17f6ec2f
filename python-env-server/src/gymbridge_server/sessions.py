"""The session registry: live sessions by id, each with its own lock, and the server's limits.

A session is one Gymnasium vector env plus the state the bridge tracks around it: whether it
needs a reset (after make, and after the env raised), the seed to use for its first reset, and
which stream (if any) owns it. Calls on one session are serialized by its lock; different
sessions step in parallel on the server's thread pool.
"""
from __future__ import annotations

import contextvars
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import grpc
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv

from gymbridge_server import crash, rendering
from gymbridge_server.adapters.gymnasium import EnvSpecInfo
from gymbridge_server.errors import BridgeError, exhausted, not_found

log = logging.getLogger(__name__)
# One structured line per session event (created, closed, reaped, crashed), with the client's address.
event_log = logging.getLogger("gymbridge_server.events")

# The address of the client whose call is running (grpc's context.peer()); the servicer sets it
# so that session events can name who made or lost a session without threading it through calls.
current_peer: contextvars.ContextVar[str] = contextvars.ContextVar("gymbridge_peer", default="")


def session_event(event: str, session: "Session", **extra: object) -> None:
    """Log one JSON line for a session event: event, session, env, num_envs, peer and extras."""
    record = {
        "event": event,
        "session": session.id,
        "env_id": session.env_id,
        "num_envs": session.num_envs,
        "peer": current_peer.get() or session.peer or "unknown",
    }
    record.update(extra)
    event_log.info("session_event %s", json.dumps(record, default=str))


class _LeaseLock:
    """The session's call lock; releasing it renews the lease, so a call that ran longer than the
    idle timeout (a slow reset) does not leave a session that looks idle the moment it returns."""

    __slots__ = ("_lock", "_on_release")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._on_release: Callable[[], None] | None = None

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        return self._lock.acquire(blocking, timeout)

    def release(self) -> None:
        if self._on_release is not None:
            self._on_release()
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()

    def __enter__(self) -> bool:
        return self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


@dataclass
class Session:
    """One live vector env and the bridge's bookkeeping around it."""

    id: str
    env_id: str
    env: VectorEnv
    num_envs: int
    autoreset_mode: AutoresetMode
    spec: EnvSpecInfo
    pending_seed: int | None = None  # MakeRequest.seed, used by the first reset without a seed
    needs_reset: bool = True  # step() is refused until a full reset succeeds
    # AUTORESET_MODE_DISABLED only: envs that ended and must be reset (with reset_mask) before
    # the next step; Gymnasium would otherwise fail the whole step with a bare AssertionError.
    done: np.ndarray | None = None
    closed: bool = False
    broken: bool = False  # the env raised; the next reset remakes it when ``remake`` is set
    remake: Callable[[], VectorEnv] | None = field(default=None, repr=False)
    lock: _LeaseLock = field(default_factory=_LeaseLock, repr=False)
    # Lease: every call on the session renews it (registry.get); the reaper closes sessions whose
    # lease ran out (--session-idle-timeout), i.e. whose client vanished without closing them.
    last_used: float = field(default_factory=time.monotonic)
    peer: str = ""  # the address of the client that made it
    stream_owned: bool = False  # made on a Session stream: closed when that stream ends

    def __post_init__(self) -> None:
        self.lock._on_release = self.touch

    def touch(self) -> None:
        """Renew the lease."""
        self.last_used = time.monotonic()

    def replace_env(self, env: VectorEnv) -> None:
        """Swap in a freshly made env (caller holds ``lock``); the old one is closed."""
        old, self.env = self.env, env
        self.broken = False
        try:
            crash.close_env(old)
        except Exception:  # noqa: BLE001 -- the old env is already broken
            log.debug("closing the broken env of session %s raised", self.id, exc_info=True)

    def close(self) -> None:
        """Close the env (idempotent); waits for a call in progress on this session."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
            try:
                # MuJoCo's GL objects, freed here with their context current (rendering.py: why).
                rendering.free_gl_resources(self.env)
                crash.close_env(self.env)
            except Exception:  # noqa: BLE001 -- closing must not fail the caller
                log.exception("closing session %s (%s) raised", self.id, self.env_id)


class SessionRegistry:
    """Live sessions by id, with the --max-sessions, --max-envs-per-session and --max-total-envs
    limits, and the idle reaper (--session-idle-timeout)."""

    def __init__(
        self,
        max_sessions: int = 0,
        max_envs_per_session: int = 0,
        max_total_envs: int = 0,
        idle_timeout_s: float = 0.0,
    ) -> None:
        self.max_sessions = max_sessions
        self.max_envs_per_session = max_envs_per_session
        self.max_total_envs = max_total_envs
        self.idle_timeout_s = idle_timeout_s
        self._sessions: dict[str, Session] = {}
        self._reserved = 0
        self._reserved_envs = 0
        self._lock = threading.Lock()
        self.accepting = True  # False once the server is stopping: Make is refused
        self.on_event: Callable[[str, Session], None] | None = None  # metrics hook
        self._reaper: threading.Thread | None = None
        self._stop_reaper = threading.Event()

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def create(self, num_envs: int, build: Callable[[str], Session]) -> Session:
        """Check the limits, then build (outside the registry lock) and register a session."""
        if self.max_envs_per_session and num_envs > self.max_envs_per_session:
            raise exhausted(
                f"num_envs={num_envs} exceeds this server's limit of {self.max_envs_per_session} envs "
                "per session; use fewer envs per session (or several sessions), or restart the "
                "server with a larger --max-envs-per-session",
                "max_envs_per_session",
                "--max-envs-per-session",
            )
        with self._lock:
            if not self.accepting:
                raise BridgeError(
                    grpc.StatusCode.UNAVAILABLE,
                    "the server is shutting down and accepts no new sessions; connect to another "
                    "server or retry once it has restarted",
                    "SHUTTING_DOWN",
                )
            if self.max_sessions and len(self._sessions) + self._reserved >= self.max_sessions:
                raise exhausted(
                    f"this server already hosts {self.max_sessions} sessions, its limit; close "
                    "sessions you no longer need, or restart the server with a larger --max-sessions",
                    "max_sessions",
                    "--max-sessions",
                )
            total = sum(s.num_envs for s in self._sessions.values()) + self._reserved_envs
            if self.max_total_envs and total + num_envs > self.max_total_envs:
                raise exhausted(
                    f"num_envs={num_envs} would bring this server to {total + num_envs} envs, over its "
                    f"limit of {self.max_total_envs} envs across all sessions ({total} in use); close "
                    "sessions you no longer need, use fewer envs, or restart the server with a larger "
                    "--max-total-envs",
                    "max_total_envs",
                    "--max-total-envs",
                )
            self._reserved += 1
            self._reserved_envs += num_envs
        try:
            session = build(uuid.uuid4().hex)
        finally:
            with self._lock:
                self._reserved -= 1
                self._reserved_envs -= num_envs
        session.peer = current_peer.get()
        session.touch()
        with self._lock:
            self._sessions[session.id] = session
        self._event("created", session)
        return session

    def _event(self, event: str, session: Session, **extra: object) -> None:
        session_event(event, session, **extra)
        if self.on_event is not None:
            self.on_event(event, session)

    def crashed(self, session: Session, error: str) -> None:
        """Record that a session's env raised or its worker died (the session itself lives on)."""
        self._event("crashed", session, error=error)

    def total_envs(self) -> int:
        with self._lock:
            return sum(s.num_envs for s in self._sessions.values())

    # ----------------------------------------------------------------------------- reaper

    def reap_idle(self, now: float | None = None) -> list[str]:
        """Close sessions whose lease ran out; skips sessions with a call in progress. Their ids."""
        if not self.idle_timeout_s:
            return []
        now = time.monotonic() if now is None else now
        with self._lock:
            idle = [
                s for s in self._sessions.values()
                if now - s.last_used > self.idle_timeout_s and not s.lock.locked()
            ]
            for s in idle:
                self._sessions.pop(s.id, None)
        for s in idle:
            s.close()
            self._event("reaped", s, idle_s=round(now - s.last_used, 1))
        return [s.id for s in idle]

    def start_reaper(self) -> None:
        """Check leases in a daemon thread, a few times per idle timeout (at most every 30 s)."""
        if not self.idle_timeout_s or self._reaper is not None:
            return
        period = min(30.0, max(0.05, self.idle_timeout_s / 4))

        def run() -> None:
            while not self._stop_reaper.wait(period):
                try:
                    self.reap_idle()
                except Exception:  # noqa: BLE001 -- the reaper must outlive one bad close
                    log.exception("reaping idle sessions failed")

        self._reaper = threading.Thread(target=run, name="gymbridge-reaper", daemon=True)
        self._reaper.start()

    def stop_reaper(self) -> None:
        self._stop_reaper.set()

    def get(self, session_id: str) -> Session:
        """The live session with this id; NOT_FOUND (SESSION_NOT_FOUND) otherwise."""
        with self._lock:
            session = self._sessions.get(session_id)
        if session is None or session.closed:
            raise _session_not_found(session_id)
        session.touch()
        return session

    def close(self, session_id: str) -> None:
        """Close and forget a session; NOT_FOUND if it is unknown or already closed."""
        with self._lock:
            session = self._sessions.pop(session_id, None)
        if session is None:
            raise _session_not_found(session_id)
        session.close()
        self._event("closed", session)

    def close_quietly(self, session_id: str) -> None:
        """Close a session if it is still open (stream teardown)."""
        try:
            self.close(session_id)
        except BridgeError:
            pass

    def close_all(self) -> None:
        """Close every session (server shutdown)."""
        with self._lock:
            sessions = list(self._sessions.values())
            self._sessions.clear()
        for s in sessions:
            s.close()
            self._event("closed", s, why="server stopping")


def _session_not_found(session_id: str) -> BridgeError:
    return not_found(
        f"unknown or closed session {session_id!r}; sessions end on Close, when the stream that "
        "made them ends, when unused for longer than the server's --session-idle-timeout, or when "
        "the server restarts -- call Make to create a new one",
        "SESSION_NOT_FOUND",
    )
