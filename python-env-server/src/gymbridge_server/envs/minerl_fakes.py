"""``gymbridge/MineRLTreechopSpaces-v0`` and ``gymbridge/MineRLNavigateDenseSpaces-v0``: the MineRL
adapter (``adapters/minerl.py``) over :class:`FakeMineRLEnv`, an old-Gym env with exactly MineRL's
documented spaces, so that the adapter is tested without Minecraft.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from gymbridge_server.adapters.minerl import MineRLEnv

ENTRY_POINT = "gymbridge_server.envs.minerl_fakes:make_spaces_fake"
FAKE_IDS = {
    "gymbridge/MineRLTreechopSpaces-v0": "MineRLTreechop-v0",
    "gymbridge/MineRLNavigateDenseSpaces-v0": "MineRLNavigateDense-v0",
}



class Enum:
    """Stand-in for minerl.herobraine.hero.spaces.Enum (the adapter knows it by its class name):
    a Discrete over string values, which MineRL keeps sorted."""

    def __init__(self, *values: str, default: str | None = None) -> None:
        self.default = default if default is not None else values[0]  # MineRL: the first value given
        self.values = tuple(sorted(values))
        self.n = len(self.values)


def _buttons(*names: str) -> dict[str, Any]:
    return {n: spaces.Discrete(2) for n in names}


def documented_spaces(minerl_id: str) -> tuple[Any, Any]:
    """MineRL's documented (observation, action) spaces of ``minerl_id`` (module docstring)."""
    pov = spaces.Box(0, 255, (64, 64, 3), np.uint8)
    keys = _buttons("attack", "back", "forward", "jump", "left", "right", "sneak", "sprint")
    keys["camera"] = spaces.Box(-180.0, 180.0, (2,), np.float32)
    if minerl_id == "MineRLTreechop-v0":
        obs = spaces.Dict(OrderedDict(pov=pov))
    elif minerl_id == "MineRLNavigateDense-v0":
        keys["place"] = Enum("none", "dirt")
        obs = spaces.Dict(OrderedDict(
            compass=spaces.Dict(OrderedDict(angle=spaces.Box(-180.0, 180.0, (), np.float32))),
            inventory=spaces.Dict(OrderedDict(dirt=spaces.Box(0, 2304, (), np.int32))),
            pov=pov,
        ))
    else:
        raise ValueError(f"no documented spaces for {minerl_id!r}; use one of {', '.join(FAKE_IDS.values())}")
    act = _OldDict(OrderedDict(sorted(keys.items())))
    return obs, act


class _OldDict:
    """A MineRL-style Dict whose leaves may be Enums (which Gymnasium's Dict would refuse)."""

    def __init__(self, entries: Mapping[str, Any]) -> None:
        self.spaces = OrderedDict(entries)


class FakeMineRLEnv:
    """An old-Gym env with exactly MineRL's documented spaces (no Minecraft).

    Deterministic given ``seed()``: pov frames and the compass come from its RNG; ``attack``
    chops a log with probability 0.2 (Treechop, +1 each, 64 logs end the episode); moving
    ``forward`` towards the compass target earns the dense reward and reaching it (+100) ends
    Navigate. ``episode_length`` steps end an episode with ``info["TimeLimit.truncated"]`` like
    old Gym's TimeLimit (MineRL: 8000 Treechop, 6000 Navigate).
    """

    def __init__(self, minerl_id: str, episode_length: int | None = None) -> None:
        self.minerl_id = minerl_id
        self.observation_space, self.action_space = documented_spaces(minerl_id)
        self.episode_length = int(episode_length or (8000 if "Treechop" in minerl_id else 6000))
        self._rng = np.random.default_rng()
        self._t = 0
        self._logs = 0
        self._distance = 0.0
        self._angle = 0.0
        self._dirt = 0

    def seed(self, seed: int | None = None) -> list[int]:
        self._rng = np.random.default_rng(seed)
        return [int(seed or 0)]

    def _obs(self) -> dict[str, Any]:
        pov = self._rng.integers(0, 256, size=(64, 64, 3), dtype=np.uint8)
        if "Navigate" in self.minerl_id:
            return {
                "compass": {"angle": np.array(self._angle, dtype=np.float32)},
                "inventory": {"dirt": np.array(self._dirt, dtype=np.int32)},
                "pov": pov,
            }
        return {"pov": pov}

    def reset(self) -> dict[str, Any]:
        self._t = 0
        self._logs = 0
        self._distance = float(self._rng.uniform(56.0, 72.0))
        self._angle = float(self._rng.uniform(-180.0, 180.0))
        self._dirt = int(self._rng.integers(0, 5))
        return self._obs()

    def step(self, action: Mapping[str, Any]):
        for key in self.action_space.spaces:
            if key not in action:
                raise ValueError(f"{self.minerl_id} action lacks {key!r}")
        self._t += 1
        reward, done = 0.0, False
        camera = np.asarray(action["camera"], dtype=np.float32)
        self._angle = float(((self._angle - float(camera[1]) + 180.0) % 360.0) - 180.0)
        if "Treechop" in self.minerl_id:
            if action["attack"] and self._rng.random() < 0.2:
                self._logs += 1
                reward = 1.0
            done = self._logs >= 64
        else:
            if action.get("place") == "dirt" and self._dirt > 0:
                self._dirt -= 1
            if action["forward"]:
                step = float(np.cos(np.radians(self._angle)))
                self._distance -= step
                reward = step  # dense: + for getting closer, - for getting farther
            if self._distance <= 1.0:
                reward += 100.0
                done = True
        info: dict[str, Any] = {}
        if not done and self._t >= self.episode_length:
            done = True
            info["TimeLimit.truncated"] = True
        return self._obs(), reward, done, info

    def close(self) -> None:
        pass


def make_spaces_fake(
    minerl_id: str, render_mode: str | None = None, episode_length: int | None = None
) -> MineRLEnv:
    """The MineRL adapter over :class:`FakeMineRLEnv` (the same code path as a real MineRL env)."""
    return MineRLEnv(FakeMineRLEnv(minerl_id, episode_length), minerl_id, render_mode)


def register() -> None:
    """Register the spaces fakes with Gymnasium (idempotent)."""
    for env_id, minerl_id in FAKE_IDS.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=ENTRY_POINT, kwargs={"minerl_id": minerl_id})
