"""GridWorld: walk to a target on a size x size grid (Gymnasium's "create an env" tutorial shape).

Observation: Dict(agent: Box(0, size-1, (2,), int64), target: the same) -- a Dict observation,
which gymbridge sends to Java as a DictValue. Actions: Discrete(4) = right, up, left, down.
Reward 1.0 on reaching the target (terminated), else 0.0. Renders "ansi" text and "rgb_array".
"""
from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

MOVES = np.array([[1, 0], [0, 1], [-1, 0], [0, -1]], dtype=np.int64)
CELL = 16  # pixels per cell in rgb_array frames


class GridWorldEnv(gym.Env[dict[str, np.ndarray], np.int64]):
    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(self, size: int = 5, render_mode: str | None = None) -> None:
        if int(size) < 2:
            raise ValueError(f"GridWorld size must be >= 2, got {size}")
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"GridWorld renders {self.metadata['render_modes']}, not {render_mode!r}")
        self.size = int(size)
        self.render_mode = render_mode
        cell = spaces.Box(0, self.size - 1, shape=(2,), dtype=np.int64)
        self.observation_space = spaces.Dict({"agent": cell, "target": cell})
        self.action_space = spaces.Discrete(4)
        self._agent = np.zeros(2, dtype=np.int64)
        self._target = np.zeros(2, dtype=np.int64)

    def _obs(self) -> dict[str, np.ndarray]:
        return {"agent": self._agent.copy(), "target": self._target.copy()}

    def _info(self) -> dict[str, Any]:
        return {"distance": int(np.abs(self._agent - self._target).sum())}

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._agent = self.np_random.integers(0, self.size, size=2, dtype=np.int64)
        self._target = self._agent
        while np.array_equal(self._target, self._agent):
            self._target = self.np_random.integers(0, self.size, size=2, dtype=np.int64)
        return self._obs(), self._info()

    def step(self, action: Any):
        self._agent = np.clip(self._agent + MOVES[int(action)], 0, self.size - 1)
        terminated = bool(np.array_equal(self._agent, self._target))
        return self._obs(), 1.0 if terminated else 0.0, terminated, False, self._info()

    def render(self) -> str | np.ndarray | None:
        if self.render_mode == "ansi":
            rows = []
            for y in range(self.size - 1, -1, -1):
                row = ""
                for x in range(self.size):
                    row += "A" if (x, y) == tuple(self._agent) else "T" if (x, y) == tuple(self._target) else "."
                rows.append(row)
            return "\n".join(rows) + "\n"
        if self.render_mode == "rgb_array":
            frame = np.full((self.size * CELL, self.size * CELL, 3), 255, dtype=np.uint8)
            for (x, y), color in ((self._target, (220, 40, 40)), (self._agent, (40, 80, 220))):
                row = (self.size - 1 - int(y)) * CELL
                frame[row:row + CELL, int(x) * CELL:(int(x) + 1) * CELL] = color
            return frame
        return None
