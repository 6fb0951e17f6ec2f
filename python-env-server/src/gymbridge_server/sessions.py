"""Sessions and their registry.

A :class:`Session` is one Gymnasium vector env plus the state the bridge tracks around it (whether it
needs a reset, is broken, the seed for its first reset, which envs ended with autoreset disabled);
its reset/step/render/close are the whole state machine, usable without gRPC. The
:class:`SessionRegistry` holds live sessions by id with the server's limits and the idle reaper.
Calls on one session are serialized by its lock; different sessions step in parallel on the
server's thread pool.
"""
from __future__ import annotations

import contextvars
import json
import logging
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv

from gymbridge_server import rendering, snapshots
from gymbridge_server.adapters import gymnasium as gym_adapter
from gymbridge_server.adapters import tabular
from gymbridge_server.adapters.gymnasium import EnvSpecInfo
from gymbridge_server.errors import BridgeError, aborted, exhausted, invalid, last_line, not_found, precondition
from gymbridge_server.limits import LimitError, Limits, check_processes
from gymbridge_server.vector import crash

log = logging.getLogger(__name__)
# One structured line per session event (created, closed, reaped, crashed), with the client's address.
event_log = logging.getLogger("gymbridge_server.events")

# The address of the client whose call is running (grpc's context.peer()); the servicer sets it
# so that session events can name who made or lost a session without threading it through calls.
current_peer: contextvars.ContextVar[str] = contextvars.ContextVar("gymbridge_peer", default="")
# Whether the client still waits for the call that runs (grpc's context.is_active); a session made
# for a call whose client gave up (deadline, cancel) is closed at once instead of living on unnamed.
call_active: contextvars.ContextVar[Callable[[], bool] | None] = contextvars.ContextVar("gymbridge_call_active", default=None)


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
    """One live vector env and the bridge's state machine around it.

    A new session needs a full reset before it steps; an env that raises (or whose worker dies)
    makes it broken and needing a full reset again, and that reset first remakes the env when it
    is process-backed (``remake``). ``pending_seed`` (Make's seed) seeds the first reset that
    carries none. With autoreset DISABLED, envs that ended must be reset (``reset_mask``) before
    the next step. Each call holds ``lock`` (so calls on one session are serialized) and releases
    the thread's GL context afterwards when the env renders (rendering.py). Failures raise
    :class:`BridgeError` with the reason the client sees.
    """

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
    processes: int = 0  # worker processes its env runs in (the --max-total-processes count)
    # Told when the env raised or a worker died (the registry logs and counts it).
    on_crash: Callable[["Session", str], None] | None = field(default=None, repr=False)
    # Env snapshots (snapshots.py): id -> (env index, its done flag with autoreset DISABLED). The states
    # live in ``snapshot_store`` (this process) or in the env's worker process; all die with the session.
    snapshots: dict[int, tuple[int, bool]] = field(default_factory=dict, repr=False)
    max_snapshots: int = 0  # --max-snapshots-per-session (0: unlimited)
    snapshot_store: Any = field(default=None, repr=False)
    next_snapshot_id: int = 1

    def __post_init__(self) -> None:
        self.lock._on_release = self.touch

    @classmethod
    def make(
        cls,
        session_id: str,
        env_id: str,
        make_env: Callable[[], VectorEnv],
        *,
        num_envs: int,
        autoreset_mode: AutoresetMode,
        kwargs: dict[str, Any],
        render_mode: str | None = None,
        max_episode_steps: int | None = None,
        seed: int | None = None,
        remakeable: bool = False,
    ) -> "Session":
        """A session over ``make_env()`` (called again to replace a broken env when ``remakeable``).

        ``seed`` seeds the action space now and the first reset that carries no seed. A render mode
        the env does not list is INVALID_ARGUMENT (BAD_RENDER_MODE).
        """
        try:
            env = make_env()
        finally:
            if render_mode:  # AddRenderObservation renders while wrapping (rendering.py)
                rendering.release_current_gl_context()
        if seed is not None:
            env.action_space.seed(seed)
        spec = gym_adapter.spec_info(env, env_id, kwargs, render_mode, max_episode_steps)
        if render_mode and spec.render_modes and render_mode not in spec.render_modes:
            env.close()
            raise invalid(
                f"render_mode {render_mode!r} is not supported by {env_id}; use one of "
                f"{', '.join(spec.render_modes)}",
                "BAD_RENDER_MODE",
            )
        return cls(
            id=session_id,
            env_id=env_id,
            env=env,
            num_envs=num_envs,
            autoreset_mode=autoreset_mode,
            spec=spec,
            pending_seed=seed,
            remake=make_env if remakeable else None,
        )

    def touch(self) -> None:
        """Renew the lease."""
        self.last_used = time.monotonic()

    def check_open(self) -> None:
        """NOT_FOUND (SESSION_NOT_FOUND) once the session is closed."""
        if self.closed:
            raise not_found(f"session {self.id!r} was closed; call Make to create a new one", "SESSION_NOT_FOUND")

    # ------------------------------------------------------------------------- the env calls

    def reset(
        self, seed: int | list[int] | None = None, options: dict[str, Any] | None = None,
        reset_mask: np.ndarray | None = None,
    ) -> tuple[Any, Any]:
        """``env.reset``: (observations, infos). ``seed`` None uses Make's seed once; a
        ``reset_mask`` with some (not all) entries true resets only those envs, which needs a
        session that has had a full reset."""
        n = self.num_envs
        with self.lock:
            self.check_open()
            if seed is None:
                seed = self.pending_seed
            mask = None  # a partial reset's mask (Gymnasium pops it from options)
            if reset_mask is not None and not reset_mask.all():
                mask = reset_mask
                if not mask.any():
                    raise invalid("reset_mask selects no env; set at least one entry to true (or send no mask to reset all)")
                if self.needs_reset:
                    raise precondition(
                        "this session needs a full reset first (it is new, or an env raised); "
                        "call reset() without reset_mask",
                        "RESET_REQUIRED",
                    )
                options = dict(options or {})
                options["reset_mask"] = mask
            if self.broken and self.remake is not None:
                # Free the broken env first: what it holds (worker processes, a Ray placement group's
                # CPUs) may be what the new one needs. replace_env closes it again, which does nothing.
                try:
                    crash.close_env(self.env)
                except Exception:  # noqa: BLE001 -- the old env is already broken
                    log.debug("closing the broken env of session %s raised", self.id, exc_info=True)
                self.replace_env(self.remake())
            try:
                obs, infos = self.env.reset(seed=seed, options=options)
            except Exception as e:  # noqa: BLE001 -- the env raised
                self.needs_reset = True
                self.broken = True
                raise self._env_failed("reset", e) from e
            finally:
                if self.spec.render_mode:  # AddRenderObservation renders in reset/step (rendering.py)
                    rendering.release_current_gl_context()
            self.pending_seed = None
            self.needs_reset = False
            if self.autoreset_mode == AutoresetMode.DISABLED:
                if self.done is None or mask is None:
                    self.done = np.zeros(n, dtype=np.bool_)
                else:
                    self.done[mask] = False
            return obs, infos

    def step(
        self, actions: Any = None, *, decode: Callable[[VectorEnv], Any] | None = None,
    ) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, Any]:
        """``env.step``: (observations, rewards as float64, terminated, truncated, infos).

        ``decode(env)``, when given, makes the actions from the request once the session is known
        to be steppable (so a step that cannot run says that, whatever its actions).
        """
        with self.lock:
            self.check_open()
            if self.needs_reset:
                raise precondition("call reset() before step(): the session is new or an env raised", "RESET_REQUIRED")
            env = self.env
            if decode is not None:
                actions = decode(env)
            if self.done is not None and self.done.any():
                ended = np.flatnonzero(self.done).tolist()
                raise precondition(
                    f"envs {ended} ended and autoreset is disabled: reset them before the next "
                    f"step, e.g. reset(reset_mask) with true at {ended}",
                    "RESET_REQUIRED",
                )
            try:
                obs, rewards, terminated, truncated, infos = env.step(actions)
            except Exception as e:  # noqa: BLE001 -- the env raised
                self.needs_reset = True
                self.broken = True
                raise self._env_failed("step", e) from e
            finally:
                if self.spec.render_mode:  # AddRenderObservation renders in reset/step (rendering.py)
                    rendering.release_current_gl_context()
            if self.done is not None:
                self.done = np.logical_or(terminated, truncated)
            return (
                obs, np.asarray(rewards, dtype=np.float64), np.asarray(terminated, dtype=np.bool_),
                np.asarray(truncated, dtype=np.bool_), infos,
            )

    def render(self) -> Any:
        """``env.render()``'s frames; FAILED_PRECONDITION (NO_RENDER_MODE) without a render mode.
        A render that raises is ABORTED and leaves the session as it was."""
        with self.lock:
            self.check_open()
            if not self.spec.render_mode:
                modes = ", ".join(self.spec.render_modes) or "none"
                raise precondition(
                    f"session {self.id} was made without render_mode; Make it with render_mode set "
                    f"(this env supports: {modes})",
                    "NO_RENDER_MODE",
                )
            try:
                return rendering.render_vector(self.env)
            except Exception as e:  # noqa: BLE001 -- the env raised
                log.warning("session %s (%s): render raised\n%s", self.id, self.env_id, traceback.format_exc())
                raise aborted(f"{self.env_id} render raised {last_line(e)}") from e
            finally:
                rendering.release_current_gl_context()  # this pool thread may close nothing later

    def model(self) -> tabular.TabularModel:
        """The tabular model (unwrapped.P) of env 0; FAILED_PRECONDITION (NO_MODEL) when it has none."""
        with self.lock:
            self.check_open()
            envs = getattr(self.env, "envs", None)
            try:
                if envs:
                    return tabular.model_of(envs[0], self.env_id)
                # The envs live elsewhere (worker processes): a fresh copy made with the
                # session's kwargs has the same model.
                probe = gym.make(self.env_id, **self.spec.kwargs)
                try:
                    return tabular.model_of(probe, self.env_id)
                finally:
                    probe.close()
            except tabular.NoModelError as e:
                raise precondition(str(e), "NO_MODEL") from e

    # ------------------------------------------------------------------------------ snapshots

    def snapshot(self, index: int) -> tuple[int, int]:
        """Snapshot env ``index`` on the server: (its id, snapshots held). Needs a reset session;
        RESOURCE_EXHAUSTED over --max-snapshots-per-session; FAILED_PRECONDITION (SNAPSHOT_UNSUPPORTED)
        for envs whose state cannot be copied, saying why."""
        ids, held = self.snapshot_many([index])
        return ids[0], held

    def snapshot_many(self, indices: list[int]) -> tuple[list[int], int]:
        """Snapshot each env of ``indices`` (one call for a planner's lanes): (their ids in order, snapshots
        held). All or none: when one fails, the ones already taken are released."""
        with self.lock:
            self.check_open()
            for index in indices:
                self._check_env_index(index)
            if self.needs_reset:
                raise precondition("call reset() before snapshot(): the session is new or an env raised", "RESET_REQUIRED")
            if self.max_snapshots and len(self.snapshots) + len(indices) > self.max_snapshots:
                raise exhausted(
                    f"session {self.id} already holds {len(self.snapshots)} snapshots"
                    + (f" and asks for {len(indices)} more" if len(indices) > 1 else "")
                    + ", over this server's limit per session; release snapshots you no longer need "
                    "(ReleaseSnapshot), or restart the server with a larger --max-snapshots-per-session",
                    "max_snapshots_per_session",
                    "--max-snapshots-per-session",
                )
            backend = self._snapshot_backend()
            ids: list[int] = []
            try:
                for index in indices:
                    sid = self.next_snapshot_id
                    try:
                        backend.take_snapshot(index, sid)
                    except snapshots.SnapshotUnsupported as e:
                        raise precondition(f"{e}; Snapshot is not supported for this env", "SNAPSHOT_UNSUPPORTED") from e
                    except Exception as e:  # noqa: BLE001 -- copying failed; the env itself is untouched
                        log.warning("session %s (%s): snapshot raised\n%s", self.id, self.env_id, traceback.format_exc())
                        raise aborted(f"{self.env_id} snapshot of env {index} failed: {last_line(e)}") from e
                    self.next_snapshot_id += 1
                    done = bool(self.done[index]) if self.done is not None else False
                    self.snapshots[sid] = (index, done)
                    ids.append(sid)
            except BaseException:
                if ids:
                    backend.release_snapshots(ids)
                    for sid in ids:
                        del self.snapshots[sid]
                raise
            return ids, len(self.snapshots)

    def restore(self, index: int, snapshot_id: int, reseed: int | None = None) -> None:
        """Put env ``index`` back into snapshot ``snapshot_id`` (taken of the same env); with ``reseed``,
        reseed its random number generators afterwards."""
        self.restore_many([(index, snapshot_id, reseed)])

    def restore_many(self, restores: list[tuple[int, int, int | None]]) -> None:
        """Restore each (env index, snapshot id, reseed or None); every pair is checked before any env is touched."""
        with self.lock:
            self.check_open()
            for index, _, _ in restores:
                self._check_env_index(index)
            if self.needs_reset:
                raise precondition("call reset() before restore(): the session is new or an env raised", "RESET_REQUIRED")
            for index, snapshot_id, _ in restores:
                if not snapshot_id:
                    raise invalid("a snapshot id is 0; send the ids a Snapshot call returned")
                held = self.snapshots.get(snapshot_id)
                if held is None:
                    raise not_found(
                        f"session {self.id} holds no snapshot {snapshot_id}; it was released, or never taken "
                        "(snapshots are lost when the session's workers restart after a crash)",
                        "SNAPSHOT_NOT_FOUND",
                    )
                taken_of, _ = held
                if taken_of != index:
                    raise invalid(
                        f"snapshot {snapshot_id} was taken of env {taken_of}, not env {index}; restore it into "
                        f"env {taken_of} (a snapshot lives with its env)",
                        "SNAPSHOT_ENV_MISMATCH",
                    )
            backend = self._snapshot_backend()
            for index, snapshot_id, reseed in restores:
                try:
                    backend.restore_snapshot(index, snapshot_id, reseed)
                except Exception as e:  # noqa: BLE001 -- the env may be half restored: it needs a reset
                    self.needs_reset = True
                    self.broken = True
                    raise self._env_failed("restore", e) from e
                if self.done is not None:
                    self.done[index] = self.snapshots[snapshot_id][1]

    def release_snapshots(self, snapshot_ids: list[int]) -> tuple[int, int]:
        """Free these snapshots (all when empty; unknown ids are ignored): (freed, still held)."""
        with self.lock:
            self.check_open()
            ids = [sid for sid in (snapshot_ids or list(self.snapshots)) if sid in self.snapshots]
            if ids:
                self._snapshot_backend().release_snapshots(ids)
                for sid in ids:
                    del self.snapshots[sid]
            return len(ids), len(self.snapshots)

    def _check_env_index(self, index: int) -> None:
        if not 0 <= index < self.num_envs:
            raise invalid(f"env_index {index} is not in 0..{self.num_envs - 1} (the session has {self.num_envs} envs)", "BAD_ENV_INDEX")

    def _snapshot_backend(self) -> Any:
        """Where this session's snapshots live: its worker processes, or a store in this process."""
        if hasattr(self.env, "take_snapshot"):
            return self.env
        if self.snapshot_store is None:
            self.snapshot_store = snapshots.SnapshotStore(self.env, self.env_id)
        return self.snapshot_store

    def replace_env(self, env: VectorEnv) -> None:
        """Swap in a freshly made env (caller holds ``lock``); the old one is closed, with the snapshots
        it held."""
        old, self.env = self.env, env
        self.broken = False
        self.snapshots.clear()
        self.snapshot_store = None
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
            self.snapshots.clear()
            self.snapshot_store = None
            try:
                # MuJoCo's GL objects, freed here with their context current (rendering.py: why).
                rendering.free_gl_resources(self.env)
                crash.close_env(self.env)
            except Exception:  # noqa: BLE001 -- closing must not fail the caller
                log.exception("closing session %s (%s) raised", self.id, self.env_id)

    def _env_failed(self, what: str, e: BaseException) -> BridgeError:
        """ABORTED for an env that raised, or WORKER_DIED naming the dead worker processes.

        Only this session is affected: it needs reset(), which remakes a worker-backed env.
        """
        # A broken pipe to a worker means it died; give the kernel a moment to report how.
        dead = crash.dead_workers(self.env, wait_s=2.0 if isinstance(e, (EOFError, OSError)) else 0.0)
        if dead:
            message = (
                f"{self.env_id} {what} failed: {', '.join(dead)} ({last_line(e)}); only this session "
                "is affected -- call reset() to restart its workers"
            )
            reason = "WORKER_DIED"
        else:
            message = f"{self.env_id} {what} raised {last_line(e)}; the session needs reset()"
            reason = "ENV_ERROR"
        log.warning("session %s (%s): %s raised\n%s", self.id, self.env_id, what, traceback.format_exc())
        if self.on_crash is not None:
            self.on_crash(self, message)
        return aborted(message, reason)


class SessionRegistry:
    """Live sessions by id, with the --max-sessions, --max-envs-per-session, --max-total-envs and
    --max-snapshots-per-session limits, and the idle reaper (--session-idle-timeout)."""

    def __init__(
        self,
        max_sessions: int = 0,
        max_envs_per_session: int = 0,
        max_total_envs: int = 0,
        idle_timeout_s: float = 0.0,
        limits: Limits | None = None,
        max_snapshots_per_session: int = 0,
    ) -> None:
        self.limits = limits or Limits()
        self.max_sessions = max_sessions
        self.max_snapshots_per_session = max_snapshots_per_session
        self.max_envs_per_session = max_envs_per_session
        self.max_total_envs = max_total_envs
        self.idle_timeout_s = idle_timeout_s
        self._sessions: dict[str, Session] = {}
        self._reserved = 0
        self._reserved_envs = 0
        self._reserved_processes = 0
        self._lock = threading.Lock()
        self.accepting = True  # False once the server is stopping: Make is refused
        self.on_event: Callable[[str, Session], None] | None = None  # metrics hook
        self._reaper: threading.Thread | None = None
        self.idle_hooks: list[Callable[[float], object]] = []  # also run by the reaper, with the idle timeout
        self._stop_reaper = threading.Event()

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def create(self, num_envs: int, build: Callable[[str], Session], processes: int = 0) -> Session:
        """Check the limits, then build (outside the registry lock) and register a session
        (``processes``: the worker processes its env will run in).

        A session whose call's client stopped waiting while it was built (deadline, cancel) is
        closed again: nobody could name it. That call fails with CANCELLED."""
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
            in_use = sum(s.processes for s in self._sessions.values()) + self._reserved_processes
            try:
                check_processes(self.limits, processes, in_use)
            except LimitError as e:
                raise exhausted(e.message, e.limit, e.flag) from e
            self._reserved += 1
            self._reserved_envs += num_envs
            self._reserved_processes += processes
        try:
            session = build(uuid.uuid4().hex)
        finally:
            with self._lock:
                self._reserved -= 1
                self._reserved_envs -= num_envs
                self._reserved_processes -= processes
        session.peer = current_peer.get()
        session.on_crash = self.crashed
        session.max_snapshots = self.max_snapshots_per_session
        session.processes = processes
        session.touch()
        active = call_active.get()
        if active is not None and not active():
            session.close()
            session_event("abandoned", session, why="the client stopped waiting for Make (deadline or cancel)")
            raise BridgeError(
                grpc.StatusCode.CANCELLED,
                "the client stopped waiting for this Make (deadline exceeded or cancelled); the session "
                "was closed again -- retry with a longer deadline",
                "CALL_ABANDONED",
            )
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
            idle_s = {s.id: round(now - s.last_used, 1) for s in idle}  # before close() renews the lease
        for s in idle:
            s.close()
            self._event("reaped", s, idle_s=idle_s[s.id])
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
                    for hook in self.idle_hooks:
                        hook(self.idle_timeout_s)
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

    def alive(self, session_id: str) -> bool:
        """Whether a session with this id is live."""
        with self._lock:
            return session_id in self._sessions

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
