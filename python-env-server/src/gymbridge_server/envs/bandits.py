"""k-armed bandit testbeds (Sutton and Barto, section 2.3 and exercise 2.5) served as Gymnasium envs.

``gymbridge/Bandit-v0``: one episode is one bandit problem ("run") of 1000 steps. At reset the true action
values q*(a) are drawn from N(q_mean, q_std) (stationary) or all set to q_mean (non-stationary, then every
q*(a) takes an independent N(0, walk_std) random-walk step after each pull). Pulling arm a pays N(q*(a),
reward_std). The observation is always 0 (Discrete(1): a bandit has no state); the info tells what the
testbed knows and the agent does not: ``optimal_action`` (argmax q* before the step's walk) and ``optimal``
(whether the pulled arm was it) — what the classic %-optimal-action plot needs.

``gymbridge/BanditNonStationary-v0`` is the same env with ``stationary=False`` and 10000 steps per episode.
All randomness comes from the env's ``np_random``, so a seeded reset replays the same problem and rewards.
"""
from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

BANDIT_ID = "gymbridge/Bandit-v0"
NON_STATIONARY_ID = "gymbridge/BanditNonStationary-v0"


class KArmedBandit(gym.Env):
    """The k-armed testbed; kwargs: k, stationary, walk_std, reward_std, q_mean, q_std."""

    metadata: dict[str, Any] = {"render_modes": []}

    def __init__(self, k: int = 10, stationary: bool = True, walk_std: float = 0.01, reward_std: float = 1.0,
                 q_mean: float = 0.0, q_std: float = 1.0) -> None:
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        if walk_std < 0 or reward_std < 0 or q_std < 0:
            raise ValueError("walk_std, reward_std and q_std must be >= 0")
        self.k = int(k)
        self.stationary = bool(stationary)
        self.walk_std = float(walk_std)
        self.reward_std = float(reward_std)
        self.q_mean = float(q_mean)
        self.q_std = float(q_std)
        self.observation_space = spaces.Discrete(1)
        self.action_space = spaces.Discrete(self.k)
        self.q_star = np.zeros(self.k)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        if self.stationary:
            self.q_star = self.np_random.normal(self.q_mean, self.q_std, self.k)
        else:
            self.q_star = np.full(self.k, self.q_mean)
        return 0, {"optimal_action": int(np.argmax(self.q_star))}

    def step(self, action):
        a = int(action)
        best = int(np.argmax(self.q_star))
        reward = float(self.np_random.normal(self.q_star[a], self.reward_std))
        if not self.stationary:
            self.q_star = self.q_star + self.np_random.normal(0.0, self.walk_std, self.k)
        return 0, reward, False, False, {"optimal_action": best, "optimal": a == best}


def register() -> None:
    """Register the bandit testbeds with Gymnasium (idempotent)."""
    if BANDIT_ID not in gym.registry:
        gym.register(id=BANDIT_ID, entry_point="gymbridge_server.envs.bandits:KArmedBandit", max_episode_steps=1000)
    if NON_STATIONARY_ID not in gym.registry:
        gym.register(id=NON_STATIONARY_ID, entry_point="gymbridge_server.envs.bandits:KArmedBandit",
                     max_episode_steps=10000, kwargs={"stationary": False})
