"""A no-op env for measuring the bridge's own cost (``bin/gymbridge bench``).

``gymbridge/NoOp-v0`` does no work: step returns a constant observation, reward 0 and never ends,
so a batched step through the bridge costs exactly the transport, encoding and dispatch.
"""
from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

NOOP_ID = "gymbridge/NoOp-v0"


class NoOpEnv(gym.Env):
    """Box(-1, 1, (4,), float32) observations (all zeros), Discrete(2) actions, reward 0.0, no end."""

    metadata = {"render_modes": []}

    def __init__(self) -> None:
        self.observation_space = spaces.Box(-1.0, 1.0, (4,), np.float32)
        self.action_space = spaces.Discrete(2)
        self._obs = np.zeros(4, np.float32)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        return self._obs, {}

    def step(self, action: Any):
        return self._obs, 0.0, False, False, {}


def register() -> None:
    """Register gymbridge/NoOp-v0 (idempotent). No env checker: it would only add per-step cost."""
    if NOOP_ID not in gym.registry:
        gym.register(id=NOOP_ID, entry_point="gymbridge_server.envs.bench:NoOpEnv", disable_env_checker=True)
