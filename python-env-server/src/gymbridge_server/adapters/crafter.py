"""Crafter (``pip install crafter``) as Gymnasium envs: ``Crafter-v1`` and ``CrafterNoReward-v1``.

Crafter (Hafner 2021) is a Minecraft-like 2-D open world: 64x64x3 uint8 image observations, 17
discrete actions, 22 achievements. It still speaks the old Gym API (``reset() -> obs``, a 4-tuple
``step``, no ``seed`` argument), so :class:`CrafterEnv` shims it to Gymnasium:

- spaces: ``Box(0, 255, (64, 64, 3), uint8)`` and ``Discrete(17)`` (for the default ``size``);
- ``done`` is split: the player dying is **termination**; reaching ``length`` steps (10000 by
  default, Crafter's own episode length) is **truncation**;
- seeding: each reset draws the world seed from Gymnasium's ``np_random``, so ``reset(seed=s)``
  gives the same world every time and an unseeded reset continues the seeded sequence. Crafter's
  own randomness lives entirely in its world RNG (``numpy.random.RandomState``); with
  :func:`make_deterministic` (applied by :class:`CrafterEnv`) equal seeds and equal actions give
  equal episodes, in any process, whatever ran before;
- infos carry Crafter's ``inventory`` and ``achievements`` (dicts of int counts), ``discount``,
  ``semantic`` (uint8 map), ``player_pos`` (int64 [2]) and ``reward`` (the unmasked reward, also
  in CrafterNoReward-v1) -- all numeric, so they reach clients typed;
- ``render_mode="rgb_array"`` renders the same view as the observation (``render_size`` may ask
  for a larger frame, e.g. ``[256, 256]`` for videos).

The ids are registered only when ``crafter`` is importable; otherwise ListEnvs(with_spaces) shows
them as unavailable with the install command.
"""
from __future__ import annotations

import collections
import importlib.util
from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from gymbridge_server.adapters import catalog

ENTRY_POINT = "gymbridge_server.adapters.crafter:CrafterEnv"
IDS = {"Crafter-v1": True, "CrafterNoReward-v1": False}  # id -> reward
DEFAULT_LENGTH = 10000
INSTALL = "pip install crafter"


def _pair(value: int | Sequence[int], name: str) -> tuple[int, int]:
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    items = tuple(int(v) for v in value)
    if len(items) != 2:
        raise ValueError(f"Crafter {name} must be an int or two ints, got {value!r}")
    return items  # type: ignore[return-value]


def make_deterministic(crafter: Any) -> None:
    """Give Crafter's objects hashes that depend only on the world's history, not on memory addresses.

    Crafter keeps objects in sets (``World._chunks``, ``World.nearby``) and, when it balances a
    chunk, despawns ``creatures[random.randint(len(creatures))]`` from a list built by iterating such
    a set. With Python's default id()-based hashes that order follows memory addresses, so two envs
    with the same seed and the same actions diverged after a few dozen steps (measured: step 30 of
    a random-action episode, depending on what the process allocated before). Numbering objects per
    world (restarted by ``World.reset``) makes the set order, and so every episode, a function of the
    seed and the actions. Equality stays identity; only the hash changes. The chunks' object sets
    become :class:`_ObjectSet`s, which iterate in insertion order and are keyed by those numbers, so
    a world copied with ``copy.deepcopy`` (env snapshots, ``snapshots.py``) iterates its objects in
    the same order as the original -- a set copy may not (its table size, hence its order, can
    differ), and rebuilding a set hashes objects before the copy has filled in their numbers.
    Idempotent.
    """
    objects, engine = crafter.objects, crafter.engine
    if getattr(objects.Object, "_gymbridge_deterministic", False):
        return
    object_init, world_reset = objects.Object.__init__, engine.World.reset

    def init(self: Any, world: Any, pos: Any) -> None:
        object_init(self, world, pos)
        world._gymbridge_objects = getattr(world, "_gymbridge_objects", 0) + 1
        self._gymbridge_hash = world._gymbridge_objects

    def reset(self: Any, seed: Any = None) -> None:
        world_reset(self, seed)
        self._chunks = collections.defaultdict(_ObjectSet)
        self._gymbridge_objects = 0

    objects.Object.__init__ = init
    objects.Object.__hash__ = lambda self: self._gymbridge_hash
    engine.World.reset = reset
    objects.Object._gymbridge_deterministic = True


class _ObjectSet:
    """The objects of one Crafter chunk: the set operations Crafter uses (add, remove, iterate, len),
    in insertion order, keyed by the object's number (see :func:`make_deterministic`)."""

    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: dict[int, Any] = {}

    def add(self, obj: Any) -> None:
        self._items[obj._gymbridge_hash] = obj

    def remove(self, obj: Any) -> None:
        del self._items[obj._gymbridge_hash]

    def __contains__(self, obj: Any) -> bool:
        return self._items.get(obj._gymbridge_hash) is obj

    def __iter__(self) -> Any:
        return iter(list(self._items.values()))

    def __len__(self) -> int:
        return len(self._items)

    def __getstate__(self) -> dict[int, Any]:
        return self._items

    def __setstate__(self, items: dict[int, Any]) -> None:
        self._items = items


class CrafterEnv(gym.Env[np.ndarray, np.int64]):
    """Crafter behind the Gymnasium API (see the module docstring for the exact mapping)."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(
        self,
        reward: bool = True,
        length: int | None = DEFAULT_LENGTH,
        area: int | Sequence[int] = (64, 64),
        view: int | Sequence[int] = (9, 9),
        size: int | Sequence[int] = (64, 64),
        render_mode: str | None = None,
        render_size: int | Sequence[int] | None = None,
    ) -> None:
        import crafter  # the optional dependency; registration guarantees it imports

        make_deterministic(crafter)

        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"Crafter renders only 'rgb_array', not {render_mode!r}")
        self.render_mode = render_mode
        w, h = _pair(size, "size")
        self._render_size = _pair(render_size, "render_size") if render_size is not None else (w, h)
        # seed=0 only keeps Crafter from drawing from numpy's global RNG; reset() reseeds.
        self._env = crafter.Env(
            area=_pair(area, "area"), view=_pair(view, "view"), size=(w, h),
            reward=bool(reward), length=int(length) if length else None, seed=0,
        )
        # Crafter's frames are (height, width, 3) after its own transpose.
        self.observation_space = spaces.Box(0, 255, (h, w, 3), np.uint8)
        self.action_space = spaces.Discrete(len(crafter.constants.actions))
        self.action_names: list[str] = list(crafter.constants.actions)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        # Crafter seeds each world with hash((seed, episode)); pin both from np_random.
        self._env._seed = int(self.np_random.integers(2**31 - 1))
        self._env._episode = 0
        obs = self._env.reset()
        return obs, {}

    def step(self, action: Any):
        if not self.action_space.contains(action):
            raise ValueError(f"Crafter action {action!r} is not in {self.action_space}")
        obs, reward, done, info = self._env.step(int(action))
        dead = info["discount"] == 0.0  # Crafter: discount = 1 - dead
        terminated = bool(dead)
        truncated = bool(done and not dead)
        out = {
            "inventory": dict(info["inventory"]),
            "achievements": dict(info["achievements"]),
            "discount": float(info["discount"]),
            "semantic": np.asarray(info["semantic"]),
            "player_pos": np.array(info["player_pos"], dtype=np.int64),  # Crafter's is live state
            "reward": float(info["reward"]),
        }
        return obs, float(reward), terminated, truncated, out

    def render(self) -> np.ndarray | None:
        if self.render_mode != "rgb_array":
            gym.logger.warn("Crafter: render() without render_mode='rgb_array' returns None")
            return None
        return self._env.render(self._render_size)


def register() -> None:
    """Register Crafter-v1 and CrafterNoReward-v1 when crafter is importable (idempotent)."""
    if importlib.util.find_spec("crafter") is None:
        for env_id in IDS:
            catalog.note_unavailable(
                env_id, ENTRY_POINT, f"crafter is not installed on the server: {INSTALL}"
            )
        return
    for env_id, reward in IDS.items():
        if env_id not in gym.registry:
            gym.register(
                id=env_id,
                entry_point=ENTRY_POINT,
                kwargs={"reward": reward},
                max_episode_steps=DEFAULT_LENGTH,
            )
