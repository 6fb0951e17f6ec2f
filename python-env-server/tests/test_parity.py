"""Trajectories through the bridge are bit-identical to in-process Gymnasium.

Each test makes the same vector env twice -- in-process with ``gymnasium.make_vec(...,
vectorization_mode="sync")`` and remotely through a server session -- resets both with the same
seed, feeds both the same actions (sampled from a seeded action space) and compares observation
bytes and dtypes, rewards, terminated, truncated and the whole infos dict at every step, across
autoresets.
"""
from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode

from gymbridge_server.client import RemoteVectorEnv
from helpers import assert_same


def run_both(server, env_id: str, num_envs: int, steps: int, *, seed: int, mode=AutoresetMode.NEXT_STEP,
             transport: str = "stream", make_kwargs=None, max_episode_steps: int = 0, reset_done_with_mask=False):
    make_kwargs = dict(make_kwargs or {})
    local_kwargs = dict(make_kwargs)
    if max_episode_steps:
        local_kwargs["max_episode_steps"] = max_episode_steps
    local = gym.make_vec(env_id, num_envs, vectorization_mode="sync",
                         vector_kwargs={"autoreset_mode": mode}, **local_kwargs)
    remote = RemoteVectorEnv(server.address, env_id, num_envs, autoreset_mode=mode, kwargs=make_kwargs,
                             max_episode_steps=max_episode_steps, transport=transport)
    dones = 0
    try:
        assert remote.single_observation_space == local.single_observation_space
        assert remote.action_space == local.action_space
        local.action_space.seed(seed + 1000)
        l_obs, l_info = local.reset(seed=seed)
        r_obs, r_info = remote.reset(seed=seed)
        assert_same(l_obs, r_obs, "reset obs")
        assert_same(l_info, r_info, "reset infos")
        for t in range(steps):
            actions = local.action_space.sample()
            l_out = local.step(actions)
            r_out = remote.step(actions)
            for name, a, b in zip(("obs", "rewards", "terminated", "truncated", "infos"), l_out, r_out):
                assert_same(a, b, f"step {t} {name}")
            assert r_out[1].dtype == np.float64 and r_out[2].dtype == np.bool_ and r_out[3].dtype == np.bool_
            done = l_out[2] | l_out[3]
            dones += int(done.sum())
            if reset_done_with_mask and done.any():
                l_obs, l_info = local.reset(options={"reset_mask": done})
                r_obs, r_info = remote.reset(options={"reset_mask": done})
                assert_same(l_obs, r_obs, f"masked reset {t} obs")
                assert_same(l_info, r_info, f"masked reset {t} infos")
    finally:
        local.close()
        remote.close()
    return dones


def test_cartpole_x4_is_bit_identical_across_autoresets(server):
    dones = run_both(server, "CartPole-v1", 4, 80, seed=7)
    assert dones >= 2, "the trajectory must cross at least one autoreset"


def test_cartpole_over_unary_rpcs_is_bit_identical(server):
    dones = run_both(server, "CartPole-v1", 2, 40, seed=11, transport="unary")
    assert dones >= 1


def test_halfcheetah_x2_is_bit_identical_across_truncation(server):
    # A 25-step time limit makes both envs truncate and autoreset within the run.
    dones = run_both(server, "HalfCheetah-v5", 2, 60, seed=3, max_episode_steps=25)
    assert dones >= 4


def test_frozenlake_x3_is_bit_identical(server):
    dones = run_both(server, "FrozenLake-v1", 3, 60, seed=5)
    assert dones >= 1


def test_same_step_autoreset_returns_final_obs_and_info_like_gymnasium(server):
    local = gym.make_vec("CartPole-v1", 3, vectorization_mode="sync",
                         vector_kwargs={"autoreset_mode": AutoresetMode.SAME_STEP})
    remote = RemoteVectorEnv(server.address, "CartPole-v1", 3, autoreset_mode=AutoresetMode.SAME_STEP)
    assert remote.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
    try:
        local.action_space.seed(1)
        assert_same(local.reset(seed=2), remote.reset(seed=2))
        saw_final = False
        for t in range(80):
            actions = local.action_space.sample()
            l_out, r_out = local.step(actions), remote.step(actions)
            assert_same(l_out, r_out, f"step {t}")
            if "final_obs" in r_out[4]:
                saw_final = True
                infos = r_out[4]
                done = r_out[2] | r_out[3]
                assert np.array_equal(infos["_final_obs"], done)
                assert np.array_equal(infos["_final_info"], done)
                assert isinstance(infos["final_info"], dict)  # a vector info dict, as in Gymnasium
                for i in range(3):
                    if done[i]:
                        assert infos["final_obs"][i].dtype == np.float32 and infos["final_obs"][i].shape == (4,)
                    else:
                        assert infos["final_obs"][i] is None
        assert saw_final
    finally:
        local.close()
        remote.close()


def test_next_step_autoreset_resets_on_the_step_after_done(server):
    dones = run_both(server, "CartPole-v1", 3, 60, seed=21, mode=AutoresetMode.NEXT_STEP)
    assert dones >= 1


def test_disabled_autoreset_with_masked_resets_matches_gymnasium(server):
    dones = run_both(server, "CartPole-v1", 3, 70, seed=9, mode=AutoresetMode.DISABLED, reset_done_with_mask=True)
    assert dones >= 2


def test_async_vectorization_is_bit_identical_to_sync(server):
    # vectorization="async" steps the envs in worker processes; results must not change.
    local = gym.make_vec("CartPole-v1", 2, vectorization_mode="sync")
    remote = RemoteVectorEnv(server.address, "CartPole-v1", 2, vectorization="async")
    try:
        local.action_space.seed(4)
        assert_same(local.reset(seed=8), remote.reset(seed=8))
        for t in range(40):
            a = local.action_space.sample()
            assert_same(local.step(a), remote.step(a), f"step {t}")
    finally:
        local.close()
        remote.close()


def test_same_step_autoreset_is_bit_identical_for_discrete_observations(server):
    # final_obs entries are numpy int64 scalars here: they cross as 0-d tensors.
    dones = run_both(server, "FrozenLake-v1", 3, 60, seed=6, mode=AutoresetMode.SAME_STEP)
    assert dones >= 1


def test_same_step_autoreset_is_bit_identical_for_mujoco(server):
    dones = run_both(server, "HalfCheetah-v5", 2, 30, seed=2, mode=AutoresetMode.SAME_STEP, max_episode_steps=10)
    assert dones >= 4
