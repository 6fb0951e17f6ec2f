"""The one place that knows the vectorization modes: how a session's vector env is made, and
whether a broken one can be made again.

- ``sync``: Gymnasium's ``SyncVectorEnv`` in the server process, switched to
  :class:`LeanSyncVectorEnv`'s tighter step (same calls, bit-identical results; ``leanvec.py``).
- ``async``: Gymnasium's ``AsyncVectorEnv``, one spawned process per env.
- ``workers``: :class:`WorkerVectorEnv`, a few spawned processes sharing memory (``workers.py``).
- ``ray``: :class:`RayVectorEnv`, slices of the envs as Ray actors across a cluster the server joined with
  ``--ray-address`` (``ray.py``; Ray is an optional extra, refused with its pip command when missing).

A process-backed env whose worker raised or died has closed its pipes for good, so the session's
next reset makes a fresh one (:func:`remakeable`); a sync env just resets its envs.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gymnasium.vector import AutoresetMode, VectorEnv

from gymbridge_server.adapters import gymnasium as gym_adapter
from gymbridge_server.limits import Limits
from gymbridge_server.vector.leanvec import LeanSyncVectorEnv

# MakeRequest.vectorization values (empty: sync), as the handshake advertises them.
VECTORIZATIONS = ("sync", "async", "workers", "ray")
_REMAKEABLE = frozenset(("async", "workers", "ray"))
# Modes that split the envs over num_workers processes or actors.
WITH_WORKERS = frozenset(("workers", "ray"))


def available_vectorizations() -> list[str]:
    """The modes this server can run now (``ray`` only once it joined a cluster): the handshake's list."""
    from gymbridge_server.vector import ray as ray_vec

    return [v for v in VECTORIZATIONS if v != "ray" or ray_vec.available()]


def remakeable(vectorization: str) -> bool:
    """Whether a broken env of this mode is replaced by a fresh one at the next reset."""
    return vectorization in _REMAKEABLE


def make_vector_env(
    env_id: str,
    num_envs: int,
    *,
    autoreset_mode: AutoresetMode,
    kwargs: dict[str, Any],
    wrappers: Sequence[tuple[str, dict[str, Any]]] = (),
    render_mode: str | None = None,
    max_episode_steps: int | None = None,
    vectorization: str = "sync",
    num_workers: int = 0,
    placement: str = "",
    limits: Limits | None = None,
    session_envs: int | None = None,
) -> VectorEnv:
    """A session's vector env in the given mode (``num_workers``: ``workers`` and ``ray``, 0 = one per
    core; ``placement``: ``ray`` only, spread or pack).

    ``limits`` bound what the wrappers may allocate per env: a ``session_envs``-th (default
    ``num_envs``; a worker makes a slice of the session) of --max-session-mb each.

    Raises the adapter's UnknownEnvError / EnvDependencyError, WrapperError, and whatever the env's
    constructor raises; ValueError for an unknown mode; for ``ray``, RayUnavailableError (not installed,
    or no cluster) and PlacementError (the cluster has no room).
    """
    if vectorization == "ray":
        from gymbridge_server.vector.ray import RayVectorEnv

        return RayVectorEnv(
            env_id,
            num_envs,
            num_workers=num_workers,
            placement=placement,
            autoreset_mode=autoreset_mode,
            kwargs=kwargs,
            wrappers=list(wrappers),
            render_mode=render_mode,
            max_episode_steps=max_episode_steps,
            limits=limits,
        )
    if vectorization == "workers":
        from gymbridge_server.vector.workers import WorkerVectorEnv

        return WorkerVectorEnv(
            env_id,
            num_envs,
            num_workers=num_workers,
            autoreset_mode=autoreset_mode,
            kwargs=kwargs,
            wrappers=list(wrappers),
            render_mode=render_mode,
            max_episode_steps=max_episode_steps,
            limits=limits,
        )
    if vectorization not in ("sync", "async"):
        raise ValueError(f"vectorization {vectorization!r} is not one of {', '.join(VECTORIZATIONS)}")
    # copy=False: the service serializes each result before the next call on the session, so
    # Gymnasium's defensive deepcopy of every observation batch would be wasted work.
    vector_kwargs: dict[str, Any] = {"autoreset_mode": autoreset_mode, "copy": False}
    if vectorization == "async":
        # Worker processes must not be forked from a multi-threaded gRPC server.
        vector_kwargs["context"] = "spawn"
    env = gym_adapter.make_vec(
        env_id,
        num_envs,
        vectorization_mode=vectorization,
        vector_kwargs=vector_kwargs,
        kwargs=kwargs,
        wrappers=wrappers,
        render_mode=render_mode,
        max_episode_steps=max_episode_steps,
        limits=limits,
        budget_per_env=(limits or Limits()).max_session_bytes // max(session_envs or num_envs, 1),
    )
    # The same SyncVectorEnv with a leaner step loop, bit-identical results (leanvec.py).
    return LeanSyncVectorEnv.adopt(env)
