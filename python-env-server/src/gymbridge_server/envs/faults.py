"""``gymbridge/Fault-v0``: an env that fails on command, for crash-isolation tests and the soak.

Registered only when the server runs with ``--fault-envs`` (never in production: with
``vectorization="sync"`` a client could take the whole server down with it).

Observation: Box(-inf, inf, (2,), float32) = [steps taken, the process id]. Action: Discrete(6):
  0 step normally (reward 1.0)    1 raise RuntimeError         2 os.abort() (SIGABRT)
  3 segfault in native code (ctypes reads address 0)           4 os._exit(3)
  5 sleep ``sleep_s`` seconds (kwarg, default 2.0) then step normally (for deadline tests)
``make_sleep_s`` (default 0) makes the constructor take that long. Never terminates; the registered time limit truncates after 1000 steps. ``info["pid"]`` is the
pid of the process running the env, so tests can SIGKILL a worker from outside.
"""
from __future__ import annotations

import ctypes
import os
import time
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

FAULT_ID = "gymbridge/Fault-v0"
OK, RAISE, ABORT, SEGFAULT, EXIT, SLEEP = range(6)


class FaultEnv(gym.Env):
    metadata = {"render_modes": []}

    def __init__(self, sleep_s: float = 2.0, make_sleep_s: float = 0.0) -> None:
        time.sleep(make_sleep_s)  # a slow constructor (deadline and slow-Make tests)
        self.observation_space = spaces.Box(-np.inf, np.inf, shape=(2,), dtype=np.float32)
        self.action_space = spaces.Discrete(6)
        self.sleep_s = float(sleep_s)
        self._t = 0

    def _obs(self) -> np.ndarray:
        return np.array([self._t, os.getpid()], dtype=np.float32)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._t = 0
        return self._obs(), {"pid": os.getpid()}

    def step(self, action: Any):
        a = int(action)
        if a == RAISE:
            raise RuntimeError(f"fault injected at step {self._t}")
        if a == ABORT:
            os.abort()
        if a == SEGFAULT:
            ctypes.string_at(0)  # reads address 0: SIGSEGV in native code
        if a == EXIT:
            os._exit(3)
        if a == SLEEP:
            time.sleep(self.sleep_s)
        self._t += 1
        return self._obs(), 1.0, False, False, {"pid": os.getpid()}


def register() -> None:
    if FAULT_ID not in gym.registry:
        gym.register(id=FAULT_ID, entry_point="gymbridge_server.envs.faults:FaultEnv", max_episode_steps=1000)
