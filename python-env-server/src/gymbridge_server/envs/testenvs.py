"""Environments the server registers itself, under the ``gymbridge/`` namespace.

``gymbridge/AllSpaces-v0`` exists so that both sides of the bridge (the Python tests and the
Java client's tests) can round-trip every kind of space through real sessions: its action space
and its observation space are the same Dict covering Box (float32 with infinite bounds, float64,
uint8 image), Discrete with a start, MultiDiscrete with starts, MultiBinary, Tuple, a nested Dict
and Text. ``step`` returns the action as the next observation, reward 1.0, and terminates after
5 steps. The ``fail_at_step`` kwarg (default 0: never) makes ``step`` raise, to test how the
bridge reports an env that crashes.

``gymbridge/ExtraSpaces-v0`` is the same echo env over the kinds Gymnasium batches as a Tuple of
per-env values: Sequence (ragged and stacked), Graph and OneOf.

``gymbridge/TupleSpace-v0`` and ``gymbridge/TextSpace-v0`` are small envs whose top-level spaces
are a Tuple and a Text (the conformance suites need one of each besides the Dict of AllSpaces):
seeded dynamics, rewards that depend on the action, episodes that end -- so trajectories can be
compared bit for bit with in-process Gymnasium.
"""
from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

ALL_SPACES_ID = "gymbridge/AllSpaces-v0"
EXTRA_SPACES_ID = "gymbridge/ExtraSpaces-v0"
TUPLE_SPACE_ID = "gymbridge/TupleSpace-v0"
TEXT_SPACE_ID = "gymbridge/TextSpace-v0"
INFO_TYPES_ID = "gymbridge/InfoTypes-v0"
EPISODE_LENGTH = 5


def all_spaces_space() -> spaces.Dict:
    """The Dict space used as both the action and the observation space of AllSpaces-v0."""
    return spaces.Dict(
        {
            "box_f32": spaces.Box(low=-np.inf, high=np.inf, shape=(3,), dtype=np.float32),
            "box_f64": spaces.Box(low=-1.0, high=2.0, shape=(2, 2), dtype=np.float64),
            "image": spaces.Box(low=0, high=255, shape=(4, 5, 3), dtype=np.uint8),
            "discrete": spaces.Discrete(5, start=-2),
            "multi_discrete": spaces.MultiDiscrete([3, 4], start=[1, -1]),
            "multi_binary": spaces.MultiBinary(3),
            "tuple": spaces.Tuple(
                (spaces.Discrete(2), spaces.Box(low=-1.0, high=1.0, shape=(2,), dtype=np.float32))
            ),
            "nested": spaces.Dict(
                {
                    "position": spaces.Box(low=0.0, high=1.0, shape=(2,), dtype=np.float32),
                    "mode": spaces.Discrete(3),
                }
            ),
            "text": spaces.Text(max_length=8),
        },
        # Keep the declaration order on the wire (the default would sort the keys).
        sort_keys=False,
    )


def extra_spaces_space() -> spaces.Dict:
    """The ragged kinds Gymnasium batches as a Tuple of per-env values: Sequence, Graph, OneOf."""
    return spaces.Dict(
        {
            "sequence": spaces.Sequence(spaces.Box(-1.0, 1.0, (2,), np.float32)),
            "stacked": spaces.Sequence(spaces.Discrete(4), stack=True),
            "graph": spaces.Graph(node_space=spaces.Box(-1.0, 1.0, (3,), np.float32), edge_space=spaces.Discrete(2)),
            "one_of": spaces.OneOf((spaces.Discrete(3), spaces.Box(-1.0, 1.0, (2,), np.float64))),
        },
        sort_keys=False,
    )


class AllSpacesEnv(gym.Env[dict[str, Any], dict[str, Any]]):
    """Echo env: the next observation is the action; reward 1.0; terminates after 5 steps."""

    metadata = {"render_modes": ["ansi"], "render_fps": 4}
    make_space = staticmethod(all_spaces_space)

    def __init__(self, fail_at_step: int = 0, render_mode: str | None = None) -> None:
        self.observation_space = self.make_space()
        self.action_space = self.make_space()
        self.render_mode = render_mode
        self.fail_at_step = int(fail_at_step)
        self._t = 0
        self._last: dict[str, Any] | None = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        # Derive the first observation from the env's own RNG, so equal seeds give equal resets.
        self.observation_space.seed(int(self.np_random.integers(2**31 - 1)))
        self._t = 0
        self._last = self.observation_space.sample()
        return self._last, {"t": self._t, "label": "reset"}

    def step(self, action: dict[str, Any]):
        self._t += 1
        if self.fail_at_step and self._t >= self.fail_at_step:
            raise RuntimeError(f"AllSpaces-v0 failed on purpose at step {self._t} (fail_at_step={self.fail_at_step})")
        self._last = action
        terminated = self._t >= EPISODE_LENGTH
        info = {"t": self._t, "label": f"step {self._t}"}
        if "text" in action:
            info["echo_text"] = action["text"]
        return action, 1.0, terminated, False, info

    def render(self) -> str | None:
        if self.render_mode == "ansi":
            return f"AllSpaces t={self._t} text={None if self._last is None else self._last['text']!r}\n"
        return None


class ExtraSpacesEnv(AllSpacesEnv):
    """The AllSpaces echo env over Sequence (ragged and stacked), Graph and OneOf."""

    make_space = staticmethod(extra_spaces_space)

    def render(self) -> str | None:
        if self.render_mode == "ansi":
            return f"ExtraSpaces t={self._t}\n"
        return None


class TupleSpaceEnv(gym.Env[tuple, tuple]):
    """Tuple observations (Discrete(4), Box(-1, 1, (2,), float32), MultiBinary(3)) and Tuple actions
    (Discrete(3), Box(-1, 1, (1,), float32)). The position moves by the continuous action, the
    counter by the discrete one; reward is the continuous action; terminates after 10 steps."""

    metadata = {"render_modes": ["ansi"], "render_fps": 4}
    LENGTH = 10

    def __init__(self, render_mode: str | None = None) -> None:
        self.observation_space = spaces.Tuple(
            (spaces.Discrete(4), spaces.Box(-1.0, 1.0, (2,), np.float32), spaces.MultiBinary(3))
        )
        self.action_space = spaces.Tuple((spaces.Discrete(3), spaces.Box(-1.0, 1.0, (1,), np.float32)))
        self.render_mode = render_mode
        self._t = 0
        self._obs: tuple | None = None

    def _bits(self) -> np.ndarray:
        return self.np_random.integers(0, 2, size=3, dtype=np.int8)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._t = 0
        pos = self.np_random.uniform(-0.5, 0.5, size=2).astype(np.float32)
        self._obs = (int(self.np_random.integers(4)), pos, self._bits())
        return self._obs, {"t": 0}

    def step(self, action: tuple):
        assert self._obs is not None, "call reset() before step()"
        self._t += 1
        count, pos, _ = self._obs
        push = np.float32(action[1][0])
        pos = np.clip(pos + np.float32(0.1) * push, -1.0, 1.0).astype(np.float32)
        self._obs = ((count + int(action[0])) % 4, pos, self._bits())
        return self._obs, float(push), self._t >= self.LENGTH, False, {"t": self._t}

    def render(self) -> str | None:
        if self.render_mode == "ansi":
            return f"TupleSpace t={self._t} obs={self._obs}\n"
        return None


class TextSpaceEnv(gym.Env[str, np.int64]):
    """Text observations (1..12 lowercase letters) edited by Discrete(3) actions: 0 appends a
    random letter, 1 drops the last letter (never the first), 2 reverses the text. Reward is the
    text length / 12; terminates when the text is 12 letters long (time limit 50 steps)."""

    metadata = {"render_modes": ["ansi"], "render_fps": 4}
    MAX_LENGTH = 12
    LETTERS = "abcdefghijklmnopqrstuvwxyz"

    def __init__(self, render_mode: str | None = None) -> None:
        self.observation_space = spaces.Text(min_length=1, max_length=self.MAX_LENGTH, charset=self.LETTERS)
        self.action_space = spaces.Discrete(3)
        self.render_mode = render_mode
        self._text = ""

    def _letter(self) -> str:
        return self.LETTERS[int(self.np_random.integers(len(self.LETTERS)))]

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._text = "".join(self._letter() for _ in range(int(self.np_random.integers(1, 4))))
        return self._text, {"op": "reset"}

    def step(self, action: Any):
        a = int(action)
        if a == 0 and len(self._text) < self.MAX_LENGTH:
            self._text += self._letter()
        elif a == 1 and len(self._text) > 1:
            self._text = self._text[:-1]
        elif a == 2:
            self._text = self._text[::-1]
        op = ("append", "drop", "reverse")[a]
        terminated = len(self._text) >= self.MAX_LENGTH
        return self._text, len(self._text) / self.MAX_LENGTH, terminated, False, {"op": op}

    def render(self) -> str | None:
        if self.render_mode == "ansi":
            return self._text + "\n"
        return None


class InfoTypesEnv(gym.Env[np.ndarray, np.int64]):
    """Infos of every numeric width, bool, str, arrays and nested dicts, some only sometimes.

    Every step's info carries one value of each type; ``maybe`` (int16) and ``only_on_1`` (str)
    appear only when the action is 1, so in a vector env their ``_key`` masks differ per env.
    Observation is the step count / 4; episodes terminate after 4 steps.
    """

    LENGTH = 4

    def __init__(self) -> None:
        self.observation_space = spaces.Box(0.0, 1.0, (1,), np.float32)
        self.action_space = spaces.Discrete(2)
        self._t = 0

    def _obs(self) -> np.ndarray:
        return np.array([self._t / self.LENGTH], dtype=np.float32)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._t = 0
        return self._obs(), {"start": int(self.np_random.integers(100)), "phase": "reset"}

    def step(self, action: Any):
        self._t += 1
        t = self._t
        info: dict[str, Any] = {
            "i8": np.int8(-t), "u8": np.uint8(t), "i16": np.int16(-300 * t), "u16": np.uint16(60000 + t),
            "i32": np.int32(-70000 * t), "u32": np.uint32(4_000_000_000 + t), "i64": np.int64(-(2**40) * t),
            "u64": np.uint64(2**63 + t), "f16": np.float16(0.5 * t), "f32": np.float32(1 / 3 * t),
            "f64": 0.1 * t, "count": t, "flag": t % 2 == 0, "np_flag": np.bool_(t > 2),
            "name": f"step {t}", "np_name": np.str_("abc"[: t % 3 + 1]),
            "vec": np.arange(3, dtype=np.float32) * t, "grid": np.eye(2, dtype=np.uint8) * t,
            "nested": {"depth": t, "label": "deep", "inner": {"x": np.float32(t)}},
        }
        if int(action) == 1:
            info["maybe"] = np.int16(t)
            info["only_on_1"] = "yes"
        return self._obs(), float(t), t >= self.LENGTH, False, info


def register() -> None:
    """Register the gymbridge/ test envs with Gymnasium (idempotent)."""
    if ALL_SPACES_ID not in gym.registry:
        gym.register(id=ALL_SPACES_ID, entry_point="gymbridge_server.envs.testenvs:AllSpacesEnv")
    if EXTRA_SPACES_ID not in gym.registry:
        # Gymnasium's env checker cannot handle these spaces' samples; the bridge can.
        gym.register(
            id=EXTRA_SPACES_ID,
            entry_point="gymbridge_server.envs.testenvs:ExtraSpacesEnv",
            disable_env_checker=True,
        )
    if TUPLE_SPACE_ID not in gym.registry:
        gym.register(id=TUPLE_SPACE_ID, entry_point="gymbridge_server.envs.testenvs:TupleSpaceEnv")
    if TEXT_SPACE_ID not in gym.registry:
        gym.register(id=TEXT_SPACE_ID, entry_point="gymbridge_server.envs.testenvs:TextSpaceEnv", max_episode_steps=50)
    if INFO_TYPES_ID not in gym.registry:
        gym.register(id=INFO_TYPES_ID, entry_point="gymbridge_server.envs.testenvs:InfoTypesEnv")
