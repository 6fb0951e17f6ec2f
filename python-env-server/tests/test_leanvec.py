"""leanvec.LeanSyncVectorEnv: the server's sync sessions step with a leaner loop than SyncVectorEnv,
so every test here steps both with the same seeds and actions and compares observations (bytes and
dtypes), rewards, flags and the whole infos dict at every step, across autoresets."""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv

from gymbridge_server.vector.factory import make_vector_env
from gymbridge_server.vector.leanvec import LeanSyncVectorEnv
from gymbridge_server.envs.testenvs import ALL_SPACES_ID, INFO_TYPES_ID
from helpers import step_like_sync


def compare(env_id: str, n: int, steps: int, seed: int, mode=AutoresetMode.NEXT_STEP, **kwargs) -> int:
    stock = gym.make_vec(env_id, n, vectorization_mode="sync", vector_kwargs={"autoreset_mode": mode}, **kwargs)
    lean = make_vector_env(env_id, n, autoreset_mode=mode, kwargs=kwargs)
    try:
        assert type(stock) is SyncVectorEnv and type(lean) is LeanSyncVectorEnv
        return step_like_sync(stock, lean, steps, seed, mode == AutoresetMode.DISABLED)
    finally:
        stock.close()
        lean.close()


def test_cartpole_matches_sync_across_many_autoresets():
    assert compare("CartPole-v1", 16, 300, seed=7) > 100


def test_every_info_type_with_per_env_masks_matches_sync():
    # Infos of every dtype, nested dicts, keys only some envs have, and a reset's info at each autoreset.
    assert compare(INFO_TYPES_ID, 5, 30, seed=2) > 20


def test_mujoco_observations_and_infos_match_sync():
    compare("HalfCheetah-v5", 3, 40, seed=3, max_episode_steps=15)


def test_dict_tuple_and_image_spaces_match_sync():
    compare(ALL_SPACES_ID, 3, 20, seed=4)


def test_toy_text_infos_match_sync():
    assert compare("FrozenLake-v1", 4, 200, seed=5) > 10


@pytest.mark.parametrize("mode", [AutoresetMode.SAME_STEP, AutoresetMode.DISABLED])
def test_other_autoreset_modes_use_gymnasiums_step(mode):
    assert compare("CartPole-v1", 4, 120, seed=6, mode=mode) > 0


def test_a_wrong_number_of_actions_fails_like_sync():
    env = make_vector_env("CartPole-v1", 3, autoreset_mode=AutoresetMode.NEXT_STEP, kwargs={})
    try:
        env.reset(seed=0)
        with pytest.raises(ValueError):
            env.step(np.zeros(2, dtype=np.int64))
    finally:
        env.close()


def test_only_a_plain_sync_vector_env_is_adopted():
    class Custom(SyncVectorEnv):
        pass

    env = Custom([lambda: gym.make("CartPole-v1")])
    try:
        assert type(LeanSyncVectorEnv.adopt(env)) is Custom
    finally:
        env.close()
