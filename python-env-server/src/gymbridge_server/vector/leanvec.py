"""``LeanSyncVectorEnv``: Gymnasium's ``SyncVectorEnv`` with a tighter per-env loop in ``step``.

On a CartPole-v1 x64 step, ``SyncVectorEnv.step`` spends ~50 us (12%) around the 64 ``env.step``
calls: per env it compares the autoreset mode (an enum), indexes ``self.envs``, ``self._env_obs`` and a
numpy bool array, and calls ``_add_info`` even for an empty info dict. ``step`` here does the same work
in the same order -- the same ``iterate`` of the actions, the same ``env.step`` / ``env.reset`` calls,
the same numpy stores, ``_add_info`` for every non-empty info, the same ``concatenate`` -- with those
costs hoisted out of the loop (~30 us saved per x64 step, ~95 us per x256). Results are bit-identical
to ``SyncVectorEnv`` (tests/test_leanvec.py compares every field, dtype and info of both); only the
default ``NEXT_STEP`` autoreset mode takes this path, the others run Gymnasium's own ``step``.
"""
from __future__ import annotations

from copy import deepcopy
from typing import Any

import numpy as np
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from gymnasium.vector.utils import concatenate, iterate


class LeanSyncVectorEnv(SyncVectorEnv):
    """A ``SyncVectorEnv`` whose ``NEXT_STEP`` step loop is leaner (see the module docstring)."""

    @classmethod
    def adopt(cls, env: SyncVectorEnv) -> SyncVectorEnv:
        """Make ``env`` (exactly a SyncVectorEnv, as ``gymnasium.make_vec`` returns) use this class's step;
        anything else is returned unchanged. The subclass adds no state, so switching the class of the made
        env keeps ``make_vec``'s construction (wrappers, spaces, buffers) exactly as Gymnasium did it."""
        if type(env) is SyncVectorEnv:
            env.__class__ = cls
        return env

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        if self.autoreset_mode != AutoresetMode.NEXT_STEP:
            return super().step(actions)
        env_obs = self._env_obs
        rewards = self._rewards
        terminations = self._terminations
        truncations = self._truncations
        add_info = self._add_info
        infos: dict[str, Any] = {}
        autoreset = self._autoreset_envs.tolist()
        for i, (action, env) in enumerate(zip(iterate(self.action_space, actions), self.envs, strict=True)):
            if autoreset[i]:
                env_obs[i], env_info = env.reset()
                rewards[i] = 0.0
                terminations[i] = False
                truncations[i] = False
            else:
                env_obs[i], rewards[i], terminations[i], truncations[i], env_info = env.step(action)
            # SyncVectorEnv calls _add_info for every env; for an empty dict that call does nothing.
            if env_info or type(env_info) is not dict:
                infos = add_info(infos, env_info, i)
        self._observations = concatenate(self.single_observation_space, env_obs, self._observations)
        self._autoreset_envs = np.logical_or(terminations, truncations)
        return (
            deepcopy(self._observations) if self.copy else self._observations,
            np.copy(rewards),
            np.copy(terminations),
            np.copy(truncations),
            infos,
        )
