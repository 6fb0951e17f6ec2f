"""Stable-Baselines3 adapter: one batched gymbridge session as an SB3 ``VecEnv``.

    from stable_baselines3 import PPO
    import gymbridge.sb3
    venv = gymbridge.sb3.make_vec_env("local:CartPole-v1?num_envs=8&seed=1")
    PPO("MlpPolicy", venv).learn(100_000)

All envs step in one call (one server session, autoreset "same step" on the server), and the step
results follow SB3's ``VecEnv`` contract as its ``DummyVecEnv`` + ``VecMonitor`` produce them:
``dones = terminated | truncated``; for a finished env the returned observation is the first of
its next episode and its info holds ``terminal_observation``, ``TimeLimit.truncated`` and
``episode`` (``r``, ``l``, ``t``); rewards are float32. The class subclasses SB3's ``VecEnv``
when Stable-Baselines3 is installed, and implements the same methods without it.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode

from gymbridge.client import GymBridgeError, RemoteVectorEnv
from gymbridge.connect import make_vec

try:  # SB3 (and with it PyTorch) is optional: only needed to be an isinstance of its VecEnv
    from stable_baselines3.common.vec_env import VecEnv as _VecEnvBase

    HAVE_SB3 = True
except ImportError:  # the same contract, duck-typed
    _VecEnvBase = object
    HAVE_SB3 = False

_LOCAL_ATTRS = ("render_mode", "metadata", "observation_space", "action_space", "spec")


def make_vec_env(url: str, **options: Any) -> GymBridgeVecEnv:
    """An SB3 VecEnv over one batched session of ``url`` (``gymbridge.make_vec``'s URL and options;
    the autoreset mode is fixed to same-step, which is what SB3 expects)."""
    mode = options.pop("autoreset_mode", None)
    if mode is not None and AutoresetMode(mode) != AutoresetMode.SAME_STEP:
        raise ValueError("gymbridge.sb3 needs autoreset_mode same_step (SB3's VecEnv contract); drop the option")
    if "autoreset=" in url and "autoreset=same_step" not in url:
        raise ValueError("gymbridge.sb3 needs autoreset=same_step (SB3's VecEnv contract); drop autoreset= from the URL")
    return GymBridgeVecEnv(make_vec(url, autoreset_mode=AutoresetMode.SAME_STEP, **options))


class GymBridgeVecEnv(_VecEnvBase):  # type: ignore[misc, valid-type]
    """SB3's ``VecEnv`` over a :class:`gymbridge.RemoteVectorEnv` made with same-step autoreset."""

    def __init__(self, venv: RemoteVectorEnv) -> None:
        if venv.metadata.get("autoreset_mode") != AutoresetMode.SAME_STEP:
            raise ValueError("GymBridgeVecEnv needs a RemoteVectorEnv with autoreset_mode same_step")
        obs_space = venv.single_observation_space
        if isinstance(obs_space, spaces.Tuple) or (
            isinstance(obs_space, spaces.Dict) and any(isinstance(s, (spaces.Dict, spaces.Tuple)) for s in obs_space.spaces.values())
        ):
            raise ValueError(f"SB3 supports Box, Discrete, MultiDiscrete, MultiBinary and flat Dict observations, not {obs_space}")
        self.venv = venv
        self._actions: Any = None
        self._returns = np.zeros(venv.num_envs, dtype=np.float64)
        self._lengths = np.zeros(venv.num_envs, dtype=np.int64)
        self._t0 = time.time()
        if HAVE_SB3:
            super().__init__(venv.num_envs, obs_space, venv.single_action_space)
        else:
            self.num_envs = venv.num_envs
            self.observation_space = obs_space
            self.action_space = venv.single_action_space
            self.reset_infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
            self._seeds: list[int | None] = [None] * self.num_envs
            self._options: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
            self.render_mode = venv.render_mode
            self.metadata = {"render_modes": venv.metadata.get("render_modes", [])}

    # ------------------------------------------------------------------------------ the contract

    def reset(self) -> Any:
        seeds = None if all(s is None for s in self._seeds) else [s if s is not None else 0 for s in self._seeds]
        first = self._options[0] if self._options else {}
        if any(o != first for o in self._options):
            raise GymBridgeError("gymbridge.sb3: one session resets all its envs with the same options; pass one dict to set_options")
        obs, infos = self.venv.reset(seed=seeds, options=dict(first) or None)
        self._seeds = [None] * self.num_envs
        self._options = [{} for _ in range(self.num_envs)]
        self.reset_infos = _per_env(infos, self.num_envs)
        self._returns[:] = 0.0
        self._lengths[:] = 0
        return _sb3_obs(obs)

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = actions

    def step_wait(self) -> tuple[Any, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        if self._actions is None:
            raise GymBridgeError("gymbridge.sb3: step_wait() without step_async(actions)")
        actions, self._actions = self._actions, None
        obs, rewards, terminated, truncated, infos = self.venv.step(self._batch_actions(actions))
        dones = np.logical_or(terminated, truncated)
        self._returns += rewards
        self._lengths += 1
        per_env = _per_env(infos, self.num_envs)
        if dones.any():
            final_obs = infos.get("final_obs")
            final_infos = _per_env(infos.get("final_info", {}), self.num_envs)
            now = round(time.time() - self._t0, 6)
            for i in np.flatnonzero(dones):
                info = final_infos[i]
                if final_obs is not None:
                    info["terminal_observation"] = _sb3_obs(final_obs[i])
                info["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
                info.setdefault("episode", {"r": float(self._returns[i]), "l": int(self._lengths[i]), "t": now})
                per_env[i] = info
                self.reset_infos[i] = {}
            self._returns[dones] = 0.0
            self._lengths[dones] = 0
        return _sb3_obs(obs), rewards.astype(np.float32), dones, per_env

    def step(self, actions: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        self.step_async(actions)
        return self.step_wait()

    def close(self) -> None:
        self.venv.close()

    def seed(self, seed: int | None = None) -> Sequence[int | None]:
        """Seeds the next reset: env *i* gets ``seed + i`` (as SB3's VecEnv does)."""
        if seed is None:
            seed = int(np.random.randint(0, np.iinfo(np.uint32).max, dtype=np.uint32))
        self._seeds = [seed + i for i in range(self.num_envs)]
        return self._seeds

    def set_options(self, options: list[dict] | dict | None = None) -> None:
        if options is None:
            options = {}
        self._options = [dict(o) for o in options] if isinstance(options, list) else [dict(options)] * self.num_envs

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        """Attributes the client knows locally (render_mode, metadata, spaces, spec); the envs
        themselves live in the server."""
        n = len(self._indices(indices))
        if attr_name in ("observation_space", "action_space"):
            value = getattr(self.venv, f"single_{attr_name}")
        elif attr_name == "spec":
            value = self.venv.spec_info
        elif attr_name in ("render_mode", "metadata"):
            value = getattr(self.venv, attr_name)
        else:
            raise AttributeError(
                f"gymbridge.sb3: '{attr_name}' lives in an env on the gymbridge server; the client knows "
                f"only {', '.join(_LOCAL_ATTRS)}"
            )
        return [value] * n

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        raise GymBridgeError(
            f"gymbridge.sb3: cannot set '{attr_name}' on envs that live in a gymbridge server; pass env options "
            "in the URL (kwargs, wrappers=...) instead"
        )

    def env_method(self, method_name: str, *method_args: Any, indices: Any = None, **method_kwargs: Any) -> list[Any]:
        if method_name in ("get_wrapper_attr", "getattr"):
            return self.get_attr(method_args[0], indices)
        if method_name == "render":
            frames = self.venv.render()
            return [frames[i] for i in self._indices(indices)] if frames is not None else [None] * len(self._indices(indices))
        raise GymBridgeError(
            f"gymbridge.sb3: cannot call '{method_name}' on envs that live in a gymbridge server; the adapter "
            "offers reset, step, seed, set_options, render and the attributes " + ", ".join(_LOCAL_ATTRS)
        )

    def env_is_wrapped(self, wrapper_class: type, indices: Any = None) -> list[bool]:
        return [False] * len(self._indices(indices))  # wrappers run on the server, out of SB3's sight

    def get_images(self) -> Sequence[np.ndarray | None]:
        frames = self.venv.render()
        return list(frames) if frames is not None else [None] * self.num_envs

    # ------------------------------------------------------------------------------------ helpers

    def _indices(self, indices: Any) -> list[int]:
        if indices is None:
            return list(range(self.num_envs))
        if isinstance(indices, (int, np.integer)):
            return [int(indices)]
        return list(indices)

    def _batch_actions(self, actions: Any) -> Any:
        space = self.action_space
        if isinstance(space, spaces.Discrete):
            return np.asarray(actions, dtype=np.int64).reshape(self.num_envs)
        if isinstance(space, spaces.Box):
            return np.asarray(actions, dtype=space.dtype).reshape((self.num_envs, *space.shape))
        if isinstance(space, (spaces.MultiDiscrete, spaces.MultiBinary)):
            return np.asarray(actions, dtype=space.dtype).reshape((self.num_envs, *space.shape))
        return actions


def _sb3_obs(obs: Any) -> Any:
    """Dict observations as SB3 expects them (an OrderedDict of arrays); arrays as they are."""
    if isinstance(obs, dict):
        return OrderedDict((k, np.asarray(v)) for k, v in obs.items())
    return obs


def _per_env(infos: dict[str, Any], n: int) -> list[dict[str, Any]]:
    """Gymnasium's vector infos (value + ``_key`` mask) as one dict per env (SB3's layout)."""
    out: list[dict[str, Any]] = [{} for _ in range(n)]
    for k, v in infos.items():
        if k in ("final_obs", "final_info") or (k.startswith("_") and k[1:] in infos):
            continue
        mask = infos.get(f"_{k}")
        if isinstance(v, dict):
            nested = _per_env(v, n)
            for i in range(n):
                if nested[i] and (mask is None or bool(mask[i])):
                    out[i][k] = nested[i]
            continue
        for i in range(n):
            if mask is None or bool(mask[i]):
                out[i][k] = v[i]
    return out
