"""MineRL (``pip install minerl``, needs JDK 8) behind the Gymnasium API.

MineRL envs speak the old Gym API (``reset() -> obs``, a 4-tuple ``step``, ``seed(s)``) over
MineRL's own space classes (``minerl.herobraine.hero.spaces``: Box, Discrete, Enum, Dict).
:class:`MineRLEnv` adapts any such env to Gymnasium, so Dict observations and Dict actions
reach clients like any other Dict space:

- spaces: MineRL Dict -> gymnasium Dict (MineRL's key order kept), Box -> Box (same bounds, shape,
  dtype), Discrete -> Discrete, Enum(values) -> Discrete(len(values)) whose index i stands for
  ``values[i]`` (MineRL sorts them, e.g. ``place``: 0 = "dirt", 1 = "none");
- observations and actions are converted leaf by leaf (Enum strings <-> indices, Box leaves as
  arrays of the space's dtype -- inventory counts are 0-d int32 arrays, the compass angle a 0-d
  float32, ``pov`` uint8 [64, 64, 3]);
- ``done`` is split with old Gym's TimeLimit marker: ``info["TimeLimit.truncated"]`` ->
  truncated, any other end -> terminated;
- ``reset(seed=s)`` calls MineRL's ``env.seed(s)`` first (the world seed of the next reset);
- ``render_mode="rgb_array"`` returns the last ``pov`` frame (MineRL itself only opens a window).

Spaces as MineRL 0.4.4 documents them (https://minerl.readthedocs.io/en/v0.4.4/environments/index.html,
generated from minerl/herobraine/env_specs/{treechop,navigate}_specs.py and simple_embodiment.py):

    MineRLTreechop-v0      obs  Dict(pov: Box(low=0, high=255, shape=(64, 64, 3)))
                           act  Dict(attack: Discrete(2), back: Discrete(2),
                                     camera: Box(low=-180.0, high=180.0, shape=(2,)),
                                     forward, jump, left, right, sneak, sprint: Discrete(2))
    MineRLNavigateDense-v0 obs  Dict(compass: Dict(angle: Box(low=-180.0, high=180.0, shape=())),
                                     inventory: Dict(dirt: Box(low=0, high=2304, shape=())),
                                     pov: Box(low=0, high=255, shape=(64, 64, 3)))
                           act  the Treechop keys + place: Enum(dirt,none)

(dtypes from the handlers: pov uint8, camera and compass float32, inventory int32.)

**Pixel agents (the one place where MineRL actions and observations are mapped).** Two URL
wrappers on the server's allowlist (wrappers.py) give any MineRL env Crafter-v1's interface, so the
same Java agent code trains on either by changing only the URL:

    ?wrappers=MineRLDiscreteActions(camera_step=10),MineRLPovObservation

- :class:`MineRLDiscreteActions`: ``Discrete(K)`` actions, each index one full MineRL Dict action
  from :func:`action_table` -- 0 noop, 1 forward, 2 forward_jump, 3 back, 4 left, 5 right,
  6 attack, 7 look_up, 8 look_down, 9 turn_left, 10 turn_right (camera [-s, 0], [s, 0], [0, -s],
  [0, s] with s = camera_step degrees), and 11 place_dirt where ``place`` offers "dirt"
  (MineRLNavigate*, MineRLObtain*). Every key an entry does not set keeps MineRL's no-op (buttons 0, camera
  [0, 0], ``place`` "none"). Treechop: Discrete(11); NavigateDense: Discrete(12).
- :class:`MineRLPovObservation`: only the ``pov`` frame, ``Box(0, 255, (64, 64, 3), uint8)``,
  passed through bit-identical. Without it the observation stays MineRL's Dict (pov + inventory +
  compass), for agents that take Dicts; the CNN PPO takes a Box, so it uses the pov only
  (NavigateDense's compass is then not seen: see the README for that trade-off).

Resets are long: the first one starts Minecraft (minutes), later ones regenerate a world (tens of
seconds). The server sets no deadline of its own on Make/Reset; clients must allow for it (see the
README's MineRL section for the client deadline option).

Real MineRL ids (every ``MineRL*`` id in old Gym's registry) are registered when ``minerl`` is
importable. ``gymbridge/MineRLTreechopSpaces-v0`` and ``gymbridge/MineRLNavigateDenseSpaces-v0``
are the same adapter over ``envs/minerl_fakes.FakeMineRLEnv``, an old-Gym env with exactly the
documented spaces, so this adapter is tested here without Minecraft.
``scripts/check_minerl_spaces.py`` checks the adapter and the pixel mapping against a real
``minerl`` install's own spaces (no Minecraft needed; run here with minerl 0.4.4's package).
"""
from __future__ import annotations

import importlib.util
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from gymbridge_server.adapters import catalog

log = logging.getLogger(__name__)

ENTRY_POINT = "gymbridge_server.adapters.minerl:make_minerl"
INSTALL = "pip install minerl (needs JDK 8; see python-env-server/README.md, MineRL)"
# The MineRL 0.4 ids, shown as unavailable in ListEnvs(with_spaces) when minerl is missing.
KNOWN_IDS = (
    "MineRLTreechop-v0",
    "MineRLNavigate-v0",
    "MineRLNavigateDense-v0",
    "MineRLNavigateExtreme-v0",
    "MineRLNavigateExtremeDense-v0",
    "MineRLObtainIronPickaxe-v0",
    "MineRLObtainIronPickaxeDense-v0",
    "MineRLObtainDiamond-v0",
    "MineRLObtainDiamondDense-v0",
)


# ------------------------------------------------------------------------------------- spaces


def _is_enum(space: Any) -> bool:
    return type(space).__name__ == "Enum" and hasattr(space, "values")


def convert_space(space: Any) -> spaces.Space:
    """A MineRL (old Gym) space as the equivalent Gymnasium space (duck-typed on attributes)."""
    if _is_enum(space):
        return spaces.Discrete(len(space.values))
    if hasattr(space, "spaces") and isinstance(space.spaces, Mapping):
        return spaces.Dict(OrderedDict((str(k), convert_space(v)) for k, v in space.spaces.items()))
    if hasattr(space, "n") and not hasattr(space, "low"):
        return spaces.Discrete(int(space.n))
    if hasattr(space, "low") and hasattr(space, "high"):
        dtype = np.dtype(space.dtype)
        return spaces.Box(
            low=np.asarray(space.low, dtype=dtype),
            high=np.asarray(space.high, dtype=dtype),
            shape=tuple(space.shape),
            dtype=dtype,
        )
    raise TypeError(f"MineRL space {space!r} ({type(space).__name__}) has no Gymnasium equivalent here")


def obs_to_gymnasium(space: Any, value: Any) -> Any:
    """A MineRL observation (leaf or dict) as a value of ``convert_space(space)``."""
    if _is_enum(space):
        return np.int64(list(space.values).index(value))
    if hasattr(space, "spaces") and isinstance(space.spaces, Mapping):
        return OrderedDict((str(k), obs_to_gymnasium(s, value[k])) for k, s in space.spaces.items())
    if hasattr(space, "n") and not hasattr(space, "low"):
        return np.int64(value)
    return np.asarray(value, dtype=np.dtype(space.dtype)).reshape(tuple(space.shape))


def action_to_minerl(space: Any, value: Any) -> Any:
    """A Gymnasium action (of ``convert_space(space)``) as the value MineRL expects."""
    if _is_enum(space):
        return list(space.values)[int(value)]
    if hasattr(space, "spaces") and isinstance(space.spaces, Mapping):
        return OrderedDict((str(k), action_to_minerl(s, value[str(k)])) for k, s in space.spaces.items())
    if hasattr(space, "n") and not hasattr(space, "low"):
        return int(value)
    return np.asarray(value, dtype=np.dtype(space.dtype))


# ---------------------------------------------------------------------------------- the adapter


class MineRLEnv(gym.Env):
    """A MineRL env (old Gym API, MineRL spaces) as a Gymnasium env; see the module docstring."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 20}

    def __init__(self, inner: Any, env_id: str, render_mode: str | None = None) -> None:
        if render_mode not in (None, "rgb_array"):
            inner.close()
            raise ValueError(f"{env_id} renders only 'rgb_array' (the pov frame), not {render_mode!r}")
        self._inner = inner
        self._env_id = env_id
        self._inner_obs_space = inner.observation_space
        self._inner_act_space = inner.action_space
        self.observation_space = convert_space(inner.observation_space)
        self.action_space = convert_space(inner.action_space)
        self.render_mode = render_mode
        self._last_pov: np.ndarray | None = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        if seed is not None:
            self._inner.seed(int(seed))
        obs = obs_to_gymnasium(self._inner_obs_space, self._inner.reset())
        self._remember(obs)
        return obs, {}

    def step(self, action: Any):
        obs, reward, done, info = self._inner.step(action_to_minerl(self._inner_act_space, action))
        info = dict(info or {})
        truncated = bool(done) and bool(info.pop("TimeLimit.truncated", False))
        terminated = bool(done) and not truncated
        converted = obs_to_gymnasium(self._inner_obs_space, obs)
        self._remember(converted)
        return converted, float(reward), terminated, truncated, _plain_info(info)

    def _remember(self, obs: Any) -> None:
        if isinstance(obs, Mapping) and "pov" in obs:
            self._last_pov = obs["pov"]

    def render(self) -> np.ndarray | None:
        if self.render_mode != "rgb_array":
            gym.logger.warn(f"{self._env_id}: render() without render_mode='rgb_array' returns None")
            return None
        return None if self._last_pov is None else np.array(self._last_pov, copy=True)

    def enum_values(self) -> dict[str, tuple[str, ...]]:
        """MineRL's values of each top-level Enum action (``place``: ("dirt", "none")): index i of the
        Gymnasium Discrete stands for values[i]."""
        return {
            str(k): tuple(str(v) for v in s.values)
            for k, s in self._inner_act_space.spaces.items() if _is_enum(s)
        }

    def noop_action(self) -> dict[str, Any]:
        """MineRL's no-op (its ``action_space.no_op()``) as a value of :attr:`action_space`: buttons 0,
        ``camera`` [0, 0], each Enum at its default (MineRL's ``default``, else "none") -- not index 0,
        which for ``place`` is "dirt"."""
        out: dict[str, Any] = {}
        for k, s in self._inner_act_space.spaces.items():
            if _is_enum(s):
                values = [str(v) for v in s.values]
                default = getattr(s, "default", None)
                default = str(default) if default is not None else ("none" if "none" in values else values[0])
                out[str(k)] = np.int64(values.index(default))
            elif hasattr(s, "low") and hasattr(s, "high"):
                out[str(k)] = np.zeros(tuple(s.shape), dtype=np.dtype(s.dtype))
            else:
                out[str(k)] = np.int64(0)
        return out

    def close(self) -> None:
        self._inner.close()


def _plain_info(info: Mapping[str, Any]) -> dict[str, Any]:
    """MineRL infos with only values the wire carries typed (numbers, bools, strings, arrays, dicts)."""
    out: dict[str, Any] = {}
    for k, v in info.items():
        if isinstance(v, Mapping):
            out[str(k)] = _plain_info(v)
        elif isinstance(v, (bool, int, float, str, np.ndarray, np.generic)):
            out[str(k)] = v
        else:
            log.debug("MineRL info %r of type %s dropped", k, type(v).__name__)
    return out


# ------------------------------------------------- the pixel-agent mapping (server-side URL wrappers)

#: Keys the discrete action table needs in a MineRL action space (every MineRL 0.4 / 1.x env has them).
TABLE_KEYS = ("attack", "back", "camera", "forward", "jump", "left", "right")


def action_table(camera_step: float = 10.0, place_dirt: bool = False) -> list[tuple[str, dict[str, Any]]]:
    """The discrete action set of :class:`MineRLDiscreteActions`: (name, the MineRL keys it sets).

    Every key an entry does not name keeps MineRL's no-op value (buttons 0, ``camera`` [0, 0],
    ``place`` "none", ...), so each index is exactly one of the moves the common MineRL baselines
    discretise to (MineRL's behavioural-cloning tutorial's ActionShaping: attack, forward,
    forward+jump and four camera turns of 10 degrees; other published discrete sets for the 2019
    tasks add back/left/right and, for Navigate, place dirt), plus a noop. ``camera`` is MineRL's
    [delta pitch, delta yaw] in degrees (minerl.herobraine.hero.handlers.CameraAction; as in
    Minecraft, positive pitch looks down and positive yaw turns right).
    """
    s = float(camera_step)
    table: list[tuple[str, dict[str, Any]]] = [
        ("noop", {}),
        ("forward", {"forward": 1}),
        ("forward_jump", {"forward": 1, "jump": 1}),
        ("back", {"back": 1}),
        ("left", {"left": 1}),
        ("right", {"right": 1}),
        ("attack", {"attack": 1}),
        ("look_up", {"camera": (-s, 0.0)}),
        ("look_down", {"camera": (s, 0.0)}),
        ("turn_left", {"camera": (0.0, -s)}),
        ("turn_right", {"camera": (0.0, s)}),
    ]
    if place_dirt:
        table.append(("place_dirt", {"place": "dirt"}))
    return table


def _env_name(env: gym.Env) -> str:
    return env.spec.id if env.spec is not None else type(env.unwrapped).__name__


class MineRLDiscreteActions(gym.ActionWrapper):
    """``Discrete(K)`` actions for a MineRL env, each index one full MineRL Dict action.

    The table is :func:`action_table`: 11 entries (0 noop, 1 forward, 2 forward_jump, 3 back,
    4 left, 5 right, 6 attack, 7 look_up, 8 look_down, 9 turn_left, 10 turn_right), plus
    11 place_dirt when the env has a ``place`` action with a "dirt" value (MineRLNavigate*,
    MineRLObtain*): Treechop has 11 actions, NavigateDense 12. ``camera_step`` (degrees, default
    10 as in MineRL's tutorial) is the size of one camera turn. :attr:`action_names` names the
    entries; index i is sent as ``table[i]`` (a fresh copy each step).

    Wraps only MineRL envs (the ``MineRL*`` ids and the ``gymbridge/MineRL*Spaces-v0`` fakes),
    because it needs MineRL's Enum values and no-op defaults, which :class:`MineRLEnv` keeps.
    From a URL: ``?wrappers=MineRLDiscreteActions(camera_step=10),MineRLPovObservation``.
    """

    def __init__(self, env: gym.Env, camera_step: float = 10.0) -> None:
        super().__init__(env)
        base = env.unwrapped
        if not isinstance(base, MineRLEnv):
            raise ValueError(
                f"MineRLDiscreteActions maps MineRL's Dict actions and wraps only MineRL envs "
                f"(MineRL* ids, gymbridge/MineRL*Spaces-v0), not {_env_name(env)}"
            )
        if not 0.0 < float(camera_step) <= 180.0:
            raise ValueError(f"camera_step={camera_step!r} degrees is outside (0, 180], MineRL's camera range")
        space = env.action_space
        missing = [k for k in TABLE_KEYS if not isinstance(space, spaces.Dict) or k not in space.spaces]
        if missing:
            raise ValueError(f"{_env_name(env)}'s actions lack {', '.join(missing)}, which the discrete table needs")
        enums = base.enum_values()
        noop = base.noop_action()
        self.camera_step = float(camera_step)
        self.action_names: list[str] = []
        self._table: list[dict[str, Any]] = []
        for name, keys in action_table(self.camera_step, "dirt" in enums.get("place", ())):
            action = {k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v for k, v in noop.items()}
            for key, value in keys.items():
                if key in enums:
                    action[key] = np.int64(enums[key].index(value))
                elif key == "camera":
                    action[key] = np.asarray(value, dtype=space["camera"].dtype)
                else:
                    action[key] = np.int64(value)
            if not space.contains(action):  # cannot happen with MineRL's spaces; guards odd envs
                raise ValueError(f"{_env_name(env)}: the table entry {name} = {action} is not in {space}")
            self.action_names.append(name)
            self._table.append(action)
        self.action_space = spaces.Discrete(len(self._table))

    def action(self, action: Any) -> dict[str, Any]:
        n = len(self._table)
        value = np.asarray(action)
        if value.ndim != 0 or value.dtype.kind not in "iu" or not 0 <= int(value) < n:
            table = ", ".join(f"{i} {name}" for i, name in enumerate(self.action_names))
            raise ValueError(f"MineRLDiscreteActions: action {action!r} is not in Discrete({n}); the actions are {table}")
        entry = self._table[int(value)]
        return {k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v for k, v in entry.items()}


class MineRLPovObservation(gym.ObservationWrapper):
    """Only the ``pov`` frame of a MineRL observation: ``Box(0, 255, (64, 64, 3), uint8)`` for the
    64x64 MineRL 0.4 envs, the very array MineRL returned (bit-identical). This is what a pixel
    agent takes (the CNN PPO that plays Crafter-v1: same shape, same dtype). Agents that take
    Dicts leave it out and get MineRL's whole Dict (``pov`` plus ``inventory`` / ``compass``).
    """

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        space = env.observation_space
        if not isinstance(space, spaces.Dict) or not isinstance(space.spaces.get("pov"), spaces.Box):
            raise ValueError(f"MineRLPovObservation needs a Dict observation with a 'pov' Box; {_env_name(env)} has {space}")
        self.observation_space = space["pov"]

    def observation(self, observation: Any) -> np.ndarray:
        return observation["pov"]


def make_minerl(minerl_id: str, render_mode: str | None = None) -> MineRLEnv:
    """The real MineRL env ``minerl_id`` (starts Minecraft on the first reset)."""
    import gym as old_gym  # MineRL registers its ids with the old Gym package it depends on
    import minerl  # noqa: F401 -- registers the MineRL* ids

    return MineRLEnv(old_gym.make(minerl_id), minerl_id, render_mode)


# ------------------------------------------------------------------------------- registration


def _old_gym_minerl_ids() -> list[str]:
    import gym as old_gym
    import minerl  # noqa: F401 -- registers the ids

    registry: Any = old_gym.envs.registry
    ids = registry.env_specs.keys() if hasattr(registry, "env_specs") else registry.keys()
    return sorted(i for i in ids if str(i).startswith("MineRL"))


def register(import_minerl: Callable[[], list[str]] = _old_gym_minerl_ids) -> None:
    """Register MineRL's own ids when minerl imports (idempotent)."""
    if importlib.util.find_spec("minerl") is None:
        for env_id in KNOWN_IDS:
            catalog.note_unavailable(env_id, ENTRY_POINT, f"minerl is not installed on the server: {INSTALL}")
        return
    try:
        ids = import_minerl()
    except Exception as e:  # noqa: BLE001 -- a broken minerl install must not stop the server
        log.warning("minerl is installed but does not import (%s); MineRL ids are unavailable", e)
        for env_id in KNOWN_IDS:
            catalog.note_unavailable(env_id, ENTRY_POINT, f"minerl does not import: {e}")
        return
    for minerl_id in ids:
        if minerl_id not in gym.registry:
            # No Gymnasium TimeLimit: MineRL's own (old Gym) TimeLimit marks truncation.
            gym.register(id=minerl_id, entry_point=ENTRY_POINT, kwargs={"minerl_id": minerl_id})
