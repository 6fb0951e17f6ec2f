"""Gymnasium's own env checker (a test suite nobody here wrote) against envs served by the bridge.

``gymnasium.utils.env_checker.check_env`` runs unmodified against :class:`RemoteEnv` -- spaces,
reset/step return types, seeding determinism, data not reused between calls, every render mode
(through ``RemoteEnv.spec``) and close -- for the whole matrix, one test per env id.
"""
from __future__ import annotations

import warnings

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

from gymbridge_server.client import RemoteEnv

TOY_TEXT = ["Blackjack-v1", "CliffWalking-v1", "CliffWalkingSlippery-v1", "FrozenLake-v1", "FrozenLake8x8-v1", "Taxi-v4"]
CLASSIC_CONTROL = ["Acrobot-v1", "CartPole-v0", "CartPole-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1"]
MUJOCO = ["HalfCheetah-v5", "Hopper-v5", "Walker2d-v5", "Ant-v5", "Humanoid-v5", "Reacher-v5", "InvertedPendulum-v5"]
GYMBRIDGE = [
    "gymbridge/AllSpaces-v0", "gymbridge/ExtraSpaces-v0", "gymbridge/TupleSpace-v0", "gymbridge/TextSpace-v0", "gymbridge/InfoTypes-v0",
    "gymbridge/MineRLTreechopSpaces-v0", "gymbridge/MineRLNavigateDenseSpaces-v0",
]
CRAFTER = ["Crafter-v1", "CrafterNoReward-v1"]
MATRIX = TOY_TEXT + CLASSIC_CONTROL + MUJOCO + GYMBRIDGE + CRAFTER


def test_matrix_covers_every_toy_text_and_classic_control_id():
    def family(module: str) -> set[str]:
        return {
            env_id for env_id, spec in gym.registry.items()
            if isinstance(spec.entry_point, str) and spec.entry_point.startswith(module)
        }

    assert family("gymnasium.envs.toy_text") == set(TOY_TEXT)
    assert family("gymnasium.envs.classic_control") == set(CLASSIC_CONTROL)


@pytest.mark.parametrize("env_id", MATRIX)
def test_check_env_passes_through_the_bridge(server, env_id):
    env = RemoteEnv(server.address, env_id)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # check_env's advice (infinite bounds ...) is not failure
            check_env(env)
    finally:
        env.close()

