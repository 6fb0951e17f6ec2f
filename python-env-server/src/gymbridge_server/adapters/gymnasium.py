"""Gymnasium adapter: make sessions' vector envs, describe their spec, list registered ids.

Every session's envs come from ``gymnasium.make_vec(env_id, num_envs, vectorization_mode="sync" |
"async", vector_kwargs={"autoreset_mode": ...}, **kwargs)`` (``vector/factory.py`` chooses the mode);
the ``vector_entry_point`` mode is never used, so results are bit-identical to in-process
``SyncVectorEnv`` / per-env ``gymnasium.make``.
Env ids resolve only from Gymnasium's registry (which includes the server's own ``gymbridge/``
envs); the ``module:Env-v0`` import form of ``gymnasium.make`` is refused, because it would let a
client import arbitrary modules on the server.
"""
from __future__ import annotations

import difflib
import importlib
import logging
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
from gymnasium.vector import VectorEnv

from gymbridge_server.wrappers import build_wrappers

log = logging.getLogger(__name__)


class UnknownEnvError(LookupError):
    """The env id is not registered; the message lists close matches."""


class EnvDependencyError(RuntimeError):
    """The env id is registered but its Python dependencies are not installed on the server."""


@dataclass(frozen=True)
class EnvSpecInfo:
    """Spec metadata of a made env (the EnvSpec message, as plain data)."""

    env_id: str
    max_episode_steps: int
    reward_min: float
    reward_max: float
    render_modes: list[str]
    render_fps: float
    render_mode: str
    nondeterministic: bool
    entry_point: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    reward_threshold: float | None = None


class EntryPointPolicy:
    """Whether ``module:Env-v0`` env ids (which import ``module`` on the server) are allowed.

    Off by default; the operator turns it on with ``gymbridge-server --allow-entry-points``.
    """

    allowed = False


def check_env_id(env_id: str) -> gym.envs.registration.EnvSpec:
    """The registered spec of ``env_id``; UnknownEnvError with suggestions otherwise."""
    if ":" in env_id:
        if not EntryPointPolicy.allowed:
            raise UnknownEnvError(
                f"env id {env_id!r} uses the 'module:Env-v0' import form, which this server does not "
                "allow (it would import arbitrary modules); use a registered id -- ListEnvs shows all "
                "ids -- or, if you operate the server and trust its clients, restart it with "
                "--allow-entry-points"
            )
        module, _, env_id = env_id.partition(":")
        try:
            importlib.import_module(module)
        except Exception as e:  # noqa: BLE001 -- any import failure means "not makeable"
            raise UnknownEnvError(f"cannot import module {module!r} of env id '{module}:{env_id}': {e}") from e
    spec = gym.registry.get(env_id)
    if spec is None:
        servable = [e.env_id for e in list_envs()]
        matches = difflib.get_close_matches(env_id, servable, n=3, cutoff=0.6)
        hint = f"did you mean {', '.join(matches)}? " if matches else ""
        raise UnknownEnvError(f"unknown env id {env_id!r}; {hint}ListEnvs shows all ids")
    return spec


def make_vec(
    env_id: str,
    num_envs: int,
    *,
    vectorization_mode: str,
    vector_kwargs: dict[str, Any],
    kwargs: dict[str, Any],
    wrappers: Sequence[tuple[str, dict[str, Any]]] = (),
    render_mode: str | None = None,
    max_episode_steps: int | None = None,
    limits: Any = None,
    budget_per_env: int = 0,
) -> VectorEnv:
    """``gymnasium.make_vec`` of a session's env id (see the module docstring for the exact call);
    which mode and vector kwargs is the vector factory's choice (``vector/factory.py``)."""
    spec = check_env_id(env_id)
    if spec.entry_point is None:
        raise UnknownEnvError(
            f"env id {env_id!r} has only a vector entry point, which the bridge does not serve "
            "(results would differ from per-env gymnasium.make); ListEnvs shows servable ids"
        )
    make_kwargs = dict(kwargs)
    if render_mode:
        make_kwargs["render_mode"] = render_mode
    if max_episode_steps:
        make_kwargs["max_episode_steps"] = max_episode_steps
    wrapper_fns: list[Callable[[gym.Env], gym.Env]] = build_wrappers(wrappers, limits, budget_per_env)
    try:
        return gym.make_vec(
            env_id,
            num_envs=num_envs,
            vectorization_mode=vectorization_mode,
            vector_kwargs=vector_kwargs,
            wrappers=wrapper_fns,
            **make_kwargs,
        )
    except gym.error.DependencyNotInstalled as e:
        raise EnvDependencyError(f"{env_id} needs a Python package the server lacks: {e}") from e


def spec_info(
    env: VectorEnv, env_id: str, kwargs: dict[str, Any], render_mode: str | None, max_episode_steps: int | None = None
) -> EnvSpecInfo:
    """Spec metadata of a made vector env (its per-env spec and metadata).

    ``max_episode_steps`` is the session's override, which the vector env's spec does not show.
    """
    spec = env.spec
    single = getattr(env, "envs", None)
    first = single[0] if single else None
    reward_range = getattr(first, "reward_range", (-math.inf, math.inf)) if first is not None else (-math.inf, math.inf)
    metadata = env.metadata or {}
    entry = spec.entry_point if spec is not None else ""
    return EnvSpecInfo(
        env_id=env_id,
        max_episode_steps=int(max_episode_steps or (spec.max_episode_steps if spec is not None else 0) or 0),
        reward_min=float(reward_range[0]),
        reward_max=float(reward_range[1]),
        render_modes=[str(m) for m in metadata.get("render_modes", [])],
        render_fps=float(metadata.get("render_fps") or 0.0),
        render_mode=render_mode or "",
        nondeterministic=bool(spec.nondeterministic) if spec is not None else False,
        entry_point=entry if isinstance(entry, str) else f"{entry.__module__}:{entry.__qualname__}",
        kwargs=dict(kwargs),
        reward_threshold=float(spec.reward_threshold) if spec is not None and spec.reward_threshold is not None else None,
    )


_importable: dict[str, bool] = {}
_importable_lock = threading.Lock()


def _entry_point_importable(entry_point: Any) -> bool:
    """Whether an env's entry point module imports here (cached per module)."""
    if callable(entry_point):
        return True
    if not isinstance(entry_point, str) or ":" not in entry_point:
        return False
    module = entry_point.split(":", 1)[0]
    with _importable_lock:
        if module not in _importable:
            try:
                importlib.import_module(module)
                _importable[module] = True
            except Exception as e:  # noqa: BLE001 -- any import failure means "not servable here"
                log.debug("env module %s is not importable: %s", module, e)
                _importable[module] = False
        return _importable[module]


@dataclass(frozen=True)
class RegisteredEnv:
    """One entry of ListEnvs."""

    env_id: str
    entry_point: str
    max_episode_steps: int


def list_envs(prefix: str = "") -> list[RegisteredEnv]:
    """Registered env ids whose modules import on this server, sorted, filtered by prefix."""
    out = []
    for env_id, spec in sorted(gym.registry.items()):
        if prefix and not env_id.startswith(prefix):
            continue
        if spec.entry_point is None or not _entry_point_importable(spec.entry_point):
            continue
        entry = spec.entry_point if isinstance(spec.entry_point, str) else (
            f"{spec.entry_point.__module__}:{spec.entry_point.__qualname__}"
        )
        out.append(RegisteredEnv(env_id, entry, int(spec.max_episode_steps or 0)))
    return out


_mujoco_seen: set[str] = set()


def route_mujoco_warnings() -> None:
    """Send MuJoCo's warnings to logging instead of MUJOCO_LOG.TXT in the working directory.

    MuJoCo otherwise appends every warning (e.g. the deprecated ``settotalmass`` of the v5 model
    files, once per env made) to a file in whatever directory the server was started from.
    Each distinct message is logged once at WARNING, repeats at DEBUG.
    """
    try:
        import mujoco
    except ImportError:
        return
    mj_log = logging.getLogger("mujoco")

    def on_warning(message: str) -> None:
        if message in _mujoco_seen:
            mj_log.debug("%s", message)
        else:
            _mujoco_seen.add(message)
            mj_log.warning("%s", message)

    mujoco.set_mju_user_warning(on_warning)
