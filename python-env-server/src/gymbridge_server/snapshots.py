"""Env snapshots: the whole state of one env of a vector env, copied in memory so that the env can be
put back into it later and continue bit-identically (observations, rewards, flags, infos, RNG).

What a snapshot holds, for env ``i`` of a ``SyncVectorEnv``:

- every layer of env i's wrapper stack (TimeLimit's elapsed steps, OrderEnforcing, the env checker,
  RecordEpisodeStatistics, NormalizeObservation's statistics ...) and of the unwrapped env (its state
  arrays, ``np_random``), copied with one ``copy.deepcopy`` over all layers so that references between
  them stay references; spaces, specs, renderers and other handles are shared, not copied;
- for MuJoCo, the whole ``MjData`` (``mj_copyData``: qpos, qvel, act, time, warm start, controls and
  every derived quantity such as ``xpos``, which v5's rewards read before stepping);
- the vector env's bookkeeping for env i: its last observation and whether its next step autoresets.

Only families whose state is plain Python/numpy data (plus MjData) are supported: Gymnasium's toy text
and classic control, MuJoCo, and Crafter. :func:`unsupported_reason` says why another env is refused
(its state lives in C objects that cannot be copied, or in another program, or the server does not
know the env).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.envs.registration import EnvSpec
from gymnasium.utils import seeding

# The families Snapshot supports (reported in the handshake), by the module that defines the env.
FAMILIES = ("toy_text", "classic_control", "mujoco", "crafter")
_FAMILY_MODULES = (
    ("gymnasium.envs.toy_text.", "toy_text"),
    ("gymnasium.envs.classic_control.", "classic_control"),
    ("gymnasium.envs.mujoco.", "mujoco"),
    ("gymbridge_server.adapters.crafter.", "crafter"),
)
_WHY_NOT = (
    ("gymnasium.envs.box2d.", "Box2D keeps its world in C++ objects that cannot be copied"),
    ("gymbridge_server.adapters.minerl", "MineRL's state lives in a Minecraft JVM, which cannot be copied"),
    ("gymbridge_server.envs.minerl_fakes", "MineRL's state lives in a Minecraft JVM, which cannot be copied"),
    ("ale_py", "Atari state is not copied by this server"),
)
# Attributes that are handles or constants, shared by the snapshot instead of copied.
_SHARED_KEYS = frozenset(("env", "P", "mujoco_renderer", "screen", "clock", "surf", "window", "viewer"))


class SnapshotUnsupported(Exception):
    """This env's state cannot be snapshotted; the message says why."""


def family_of_entry_point(entry_point: Any) -> str | None:
    """The snapshot family of a registered entry point ("module:Class" or a class), or None."""
    module = entry_point if isinstance(entry_point, str) else getattr(entry_point, "__module__", "")
    module = module.split(":")[0] + "."
    for prefix, family in _FAMILY_MODULES:
        if module.startswith(prefix):
            return family
    return None


def unsupported_reason(env_id: str, entry_point: Any) -> str:
    """Why Snapshot refuses this registered env; empty when it is supported."""
    if family_of_entry_point(entry_point) is not None:
        return ""
    module = entry_point if isinstance(entry_point, str) else getattr(entry_point, "__module__", "")
    for prefix, why in _WHY_NOT:
        if str(module).startswith(prefix):
            return f"{env_id}: {why}"
    return (
        f"{env_id} ({module}) is not in a family whose state the server knows how to copy "
        f"({', '.join(FAMILIES)})"
    )


def _layers(env: gym.Env) -> list[Any]:
    """The wrapper stack of one env, outermost first, ending with the unwrapped env."""
    out = [env]
    while isinstance(out[-1], gym.Wrapper):
        out.append(out[-1].env)
    return out


def _family(env: gym.Env, env_id: str) -> str:
    unwrapped = env.unwrapped
    family = family_of_entry_point(type(unwrapped))
    if family is None:
        raise SnapshotUnsupported(unsupported_reason(env_id, type(unwrapped)))
    if family == "mujoco" and not hasattr(unwrapped, "data"):
        raise SnapshotUnsupported(f"{env_id}: this MuJoCo env has no MjData (mujoco-py based); use a v5 id")
    return family


def _shared(key: str, value: Any) -> bool:
    """Whether a layer attribute is shared with the snapshot rather than copied."""
    if key in _SHARED_KEYS or isinstance(value, (gym.Space, EnvSpec)):
        return True
    return type(value).__module__.startswith(("pygame", "mujoco"))


@dataclass
class EnvState:
    """The copied state of one env (see the module docstring)."""

    family: str
    layers: list[dict[str, Any]]  # per layer, outermost first: the copied attributes
    shared: dict[int, Any]        # deepcopy memo of the objects that are shared, not copied
    mj_data: Any = None           # MuJoCo: a full copy of MjData
    vector: dict[str, Any] | None = None  # the vector env's bookkeeping for this env


def _memo(env: gym.Env, family: str) -> dict[int, Any]:
    """Objects inside the copied attributes that must stay shared (deepcopy memo)."""
    memo: dict[int, Any] = {}
    if family == "crafter":
        inner = getattr(env.unwrapped, "_env", None)
        textures = getattr(inner, "_textures", None)
        if textures is not None:  # loaded images, read only: the views keep pointing at them
            memo[id(textures)] = textures
    return memo


def capture(env: gym.Env, env_id: str) -> EnvState:
    """A copy of the state of one (possibly wrapped) env; SnapshotUnsupported when it cannot be."""
    family = _family(env, env_id)
    layers = _layers(env)
    memo = _memo(env, family)
    attrs = [{k: v for k, v in vars(layer).items() if not _shared(k, v)} for layer in layers]
    state = EnvState(family, copy.deepcopy(attrs, dict(memo)), memo)
    if family == "mujoco":
        import mujoco

        u = env.unwrapped
        state.mj_data = mujoco.MjData(u.model)
        mujoco.mj_copyData(state.mj_data, u.model, u.data)
    return state


def restore(env: gym.Env, state: EnvState, reseed: int | None = None) -> None:
    """Put ``env`` back into ``state`` (which stays intact, so it can be restored again); with ``reseed``,
    reseed the env's random number generators afterwards."""
    layers = _layers(env)
    fresh = copy.deepcopy(state.layers, dict(state.shared))
    for layer, saved in zip(layers, fresh):
        for key in [k for k, v in vars(layer).items() if k not in saved and not _shared(k, v)]:
            delattr(layer, key)  # set after the snapshot was taken
        vars(layer).update(saved)
    if state.mj_data is not None:
        import mujoco

        u = env.unwrapped
        mujoco.mj_copyData(u.data, u.model, state.mj_data)
    if reseed is not None:
        _reseed(env, state.family, reseed)


def _reseed(env: gym.Env, family: str, seed: int) -> None:
    u = env.unwrapped
    u._np_random, _ = seeding.np_random(int(seed))
    if family == "crafter":  # Crafter's own randomness is its world's RandomState
        u._env._world.random = np.random.RandomState(int(seed) % 2**32)
    for layer in _layers(env)[:-1]:  # wrappers with their own generator (StickyAction ...)
        if vars(layer).get("_np_random") is not None:
            layer._np_random, _ = seeding.np_random(int(seed) + 1)


# ------------------------------------------------------------------------------- vector envs


def _sub_envs(venv: Any) -> list[gym.Env]:
    envs = getattr(venv, "envs", None)
    if envs is None:
        raise SnapshotUnsupported(
            f"{type(venv).__name__} keeps its envs in other processes; snapshots need vectorization "
            "'sync' or 'workers'"
        )
    return envs


def capture_vector(venv: Any, index: int, env_id: str) -> EnvState:
    """Snapshot env ``index`` of a SyncVectorEnv, with the vector env's bookkeeping for it."""
    state = capture(_sub_envs(venv)[index], env_id)
    state.vector = {
        "autoreset": bool(venv._autoreset_envs[index]),
        "obs": copy.deepcopy(venv._env_obs[index]),
    }
    return state


def restore_vector(venv: Any, index: int, state: EnvState, reseed: int | None = None) -> None:
    """Restore env ``index`` of a SyncVectorEnv (see :func:`capture_vector`)."""
    restore(_sub_envs(venv)[index], state, reseed)
    if state.vector is not None:
        venv._autoreset_envs[index] = state.vector["autoreset"]
        venv._env_obs[index] = copy.deepcopy(state.vector["obs"])



class SnapshotStore:
    """Snapshots of the envs of one in-process vector env, by id (a ``WorkerVectorEnv`` offers the same
    three methods, keeping each snapshot in the worker process that owns its env)."""

    def __init__(self, venv: Any, env_id: str) -> None:
        self.venv = venv
        self.env_id = env_id
        self._states: dict[int, EnvState] = {}

    def take_snapshot(self, index: int, snapshot_id: int) -> None:
        self._states[snapshot_id] = capture_vector(self.venv, index, self.env_id)

    def restore_snapshot(self, index: int, snapshot_id: int, reseed: int | None) -> None:
        restore_vector(self.venv, index, self._states[snapshot_id], reseed)

    def release_snapshots(self, snapshot_ids: list[int]) -> None:
        for sid in snapshot_ids:
            self._states.pop(sid, None)
