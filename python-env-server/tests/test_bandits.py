"""The k-armed bandit testbeds: spaces, seeding, optimal-action infos, stationarity, through the gRPC service."""
from __future__ import annotations

import gymnasium as gym
import numpy as np

from gymbridge_server.envs.bandits import BANDIT_ID, NON_STATIONARY_ID, register

register()


def test_bandit_is_a_valid_gymnasium_env():
    from gymnasium.utils.env_checker import check_env

    env = gym.make(BANDIT_ID)
    check_env(env.unwrapped)
    assert env.spec.max_episode_steps == 1000
    assert env.action_space == gym.spaces.Discrete(10)


def test_seeded_reset_replays_the_same_problem_and_rewards():
    runs = []
    for _ in range(2):
        env = gym.make(BANDIT_ID, k=5)
        env.reset(seed=3)
        runs.append((env.unwrapped.q_star.copy(), [env.step(a % 5)[1] for a in range(20)]))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]


def test_infos_name_the_optimal_action_and_rewards_center_on_q_star():
    env = gym.make(BANDIT_ID, k=4, reward_std=0.5)
    _, info = env.reset(seed=1)
    best = int(np.argmax(env.unwrapped.q_star))
    assert info["optimal_action"] == best
    rewards = []
    for _ in range(400):
        _, r, terminated, truncated, info = env.step(best)
        assert info["optimal"] and not terminated and not truncated
        rewards.append(r)
    assert abs(np.mean(rewards) - env.unwrapped.q_star[best]) < 0.1
    _, _, _, _, info = env.step((best + 1) % 4)
    assert not info["optimal"]


def test_non_stationary_values_start_equal_and_walk():
    env = gym.make(NON_STATIONARY_ID, k=10, walk_std=0.1)
    env.reset(seed=0)
    assert np.all(env.unwrapped.q_star == 0.0)
    for _ in range(50):
        env.step(0)
    assert np.std(env.unwrapped.q_star) > 0.05
    assert env.spec.max_episode_steps == 10000


def test_episodes_end_by_time_limit_through_the_service():
    vec = gym.make_vec(BANDIT_ID, num_envs=2, vectorization_mode="sync", k=3)
    vec.reset(seed=5)
    truncated = np.zeros(2, dtype=bool)
    for _ in range(1000):
        _, _, terminated, truncated, infos = vec.step(np.array([0, 1]))
        assert not terminated.any()
    assert truncated.all()
    assert infos["optimal_action"].dtype.kind == "i"
