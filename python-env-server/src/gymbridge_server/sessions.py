"""The session registry: live sessions by id, each with its own lock, and the server's limits.

A session is one Gymnasium vector env plus the state the bridge tracks around it: whether it
needs a reset (after make, and after the env raised), the seed to use for its first reset, and
which stream (if any) owns it. Calls on one session are serialized by its lock; different
sessions step in parallel on the server's thread pool.
"""
from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv

from gymbridge_server.adapters.gymnasium import EnvSpecInfo
from gymbridge_server.errors import BridgeError, exhausted, not_found

log = logging.getLogger(__name__)


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
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def replace_env(self, env: VectorEnv) -> None:
        """Swap in a freshly made env (caller holds ``lock``); the old one is closed."""
        old, self.env = self.env, env
        self.broken = False
        try:
            old.close()
        except Exception:  # noqa: BLE001 -- the old env is already broken
            log.debug("closing the broken env of session %s raised", self.id, exc_info=True)

    def close(self) -> None:
        """Close the env (idempotent); waits for a call in progress on this session."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
            try:
                self.env.close()
            except Exception:  # noqa: BLE001 -- closing must not fail the caller
                log.exception("closing session %s (%s) raised", self.id, self.env_id)


class SessionRegistry:
    """Live sessions by id, with the --max-sessions and --max-envs-per-session limits."""

    def __init__(self, max_sessions: int = 0, max_envs_per_session: int = 0) -> None:
        self.max_sessions = max_sessions
        self.max_envs_per_session = max_envs_per_session
        self._sessions: dict[str, Session] = {}
        self._reserved = 0
        self._lock = threading.Lock()

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
            if self.max_sessions and len(self._sessions) + self._reserved >= self.max_sessions:
                raise exhausted(
                    f"this server already hosts {self.max_sessions} sessions, its limit; close "
                    "sessions you no longer need, or restart the server with a larger --max-sessions",
                    "max_sessions",
                    "--max-sessions",
                )
            self._reserved += 1
        try:
            session = build(uuid.uuid4().hex)
        finally:
            with self._lock:
                self._reserved -= 1
        with self._lock:
            self._sessions[session.id] = session
        log.info("session %s: %s x%d made", session.id, session.env_id, session.num_envs)
        return session

    def get(self, session_id: str) -> Session:
        """The live session with this id; NOT_FOUND (SESSION_NOT_FOUND) otherwise."""
        with self._lock:
            session = self._sessions.get(session_id)
        if session is None or session.closed:
            raise _session_not_found(session_id)
        return session

    def close(self, session_id: str) -> None:
        """Close and forget a session; NOT_FOUND if it is unknown or already closed."""
        with self._lock:
            session = self._sessions.pop(session_id, None)
        if session is None:
            raise _session_not_found(session_id)
        session.close()
        log.info("session %s: closed", session_id)

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
            log.info("session %s: closed (server stopping)", s.id)


def _session_not_found(session_id: str) -> BridgeError:
    return not_found(
        f"unknown or closed session {session_id!r}; sessions end on Close, when the stream that "
        "made them ends, or when the server restarts -- call Make to create a new one",
        "SESSION_NOT_FOUND",
    )
