"""gymbridge.sb3 against Stable-Baselines3's VecEnv contract, on a real server. Runs without SB3
(the adapter then implements the contract duck-typed); with SB3 installed it is also a real VecEnv."""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import gymbridge
import gymbridge.sb3
from client_fixtures import cartpole_server, start_server  # noqa: F401  (fixtures)


@pytest.fixture
def url(cartpole_server):
    return lambda env_id, query="": f"grpc://{cartpole_server.address}/{env_id}?{query}"


def _reference(env_id: str, n: int, seed: int, actions: list[np.ndarray], **kwargs):
    """What SB3's DummyVecEnv (+ VecMonitor) returns for in-process Gymnasium envs."""
    envs = [gym.make(env_id, **kwargs) for _ in range(n)]
    obs = np.stack([e.reset(seed=seed + i)[0] for i, e in enumerate(envs)])
    out = [(obs.copy(), None, None, None)]
    for a in actions:
        rows, rewards, dones, infos = [], [], [], []
        for i, e in enumerate(envs):
            o, r, te, tr, info = e.step(a[i])
            info = dict(info)
            if te or tr:
                info["terminal_observation"] = o
                info["TimeLimit.truncated"] = tr and not te
                o, _ = e.reset()
            rows.append(o)
            rewards.append(r)
            dones.append(te or tr)
            infos.append(info)
        out.append((np.stack(rows), np.array(rewards, dtype=np.float32), np.array(dones), infos))
    for e in envs:
        e.close()
    return out


def test_steps_all_envs_in_one_session_with_the_vecenv_contract(url):
    venv = gymbridge.sb3.make_vec_env(url("CartPole-v1", "num_envs=8"))
    try:
        assert venv.num_envs == 8 and venv.observation_space.shape == (4,) and venv.action_space.n == 2
        if gymbridge.sb3.HAVE_SB3:
            from stable_baselines3.common.vec_env import VecEnv

            assert isinstance(venv, VecEnv)
        venv.seed(3)
        obs = venv.reset()
        assert obs.shape == (8, 4) and obs.dtype == np.float32
        assert len(venv.reset_infos) == 8
        venv.step_async(np.zeros(8, dtype=np.int64))
        obs, rewards, dones, infos = venv.step_wait()
        assert obs.shape == (8, 4) and obs.dtype == np.float32
        assert rewards.dtype == np.float32 and rewards.tolist() == [1.0] * 8
        assert dones.dtype == np.bool_ and dones.shape == (8,)
        assert isinstance(infos, list) and len(infos) == 8 and all(isinstance(i, dict) for i in infos)
    finally:
        venv.close()


def test_autoreset_and_infos_match_sb3s_dummy_vec_env(url):
    n, seed = 4, 11
    rng = np.random.default_rng(0)
    actions = [rng.integers(0, 2, size=n) for _ in range(120)]
    expected = _reference("CartPole-v1", n, seed, actions)
    venv = gymbridge.sb3.make_vec_env(url("CartPole-v1", f"num_envs={n}"))
    try:
        venv.seed(seed)
        np.testing.assert_array_equal(venv.reset(), expected[0][0])
        finished = 0
        returns = np.zeros(n)
        for t, a in enumerate(actions, start=1):
            obs, rewards, dones, infos = venv.step(a)
            exp_obs, exp_rewards, exp_dones, exp_infos = expected[t]
            np.testing.assert_array_equal(obs, exp_obs)
            np.testing.assert_array_equal(rewards, exp_rewards)
            np.testing.assert_array_equal(dones, exp_dones)
            returns += rewards
            for i in np.flatnonzero(dones):
                finished += 1
                np.testing.assert_array_equal(infos[i]["terminal_observation"], exp_infos[i]["terminal_observation"])
                assert infos[i]["terminal_observation"].dtype == np.float32
                assert infos[i]["TimeLimit.truncated"] is False
                assert infos[i]["episode"]["r"] == returns[i] and infos[i]["episode"]["l"] == int(returns[i])
                returns[i] = 0
            for i in np.flatnonzero(~dones):
                assert "terminal_observation" not in infos[i]
        assert finished >= 4  # random CartPole episodes end within ~20-40 steps
    finally:
        venv.close()


def test_time_limit_truncation_is_flagged_and_box_actions_keep_their_dtype(url):
    venv = gymbridge.sb3.make_vec_env(url("Pendulum-v1", "num_envs=2&max_episode_steps=5"))
    try:
        assert venv.action_space.dtype == np.float32
        venv.seed(0)
        venv.reset()
        for _ in range(4):
            _, _, dones, _ = venv.step(np.zeros((2, 1), dtype=np.float32))
            assert not dones.any()
        obs, rewards, dones, infos = venv.step(np.zeros((2, 1), dtype=np.float32))
        assert dones.tolist() == [True, True] and rewards.dtype == np.float32
        for info in infos:
            assert info["TimeLimit.truncated"] is True and info["terminal_observation"].shape == (3,)
            assert info["episode"]["l"] == 5
    finally:
        venv.close()


def test_attributes_methods_and_refusals(url):
    venv = gymbridge.sb3.make_vec_env(url("CartPole-v1", "num_envs=3&render_mode=rgb_array"))
    try:
        assert venv.get_attr("render_mode") == ["rgb_array"] * 3
        assert venv.get_attr("action_space", indices=[0])[0].n == 2
        assert venv.env_is_wrapped(gym.Wrapper) == [False, False, False]
        venv.reset()
        frames = venv.env_method("render", indices=[1])
        assert frames[0].shape == (400, 600, 3)
        with pytest.raises(AttributeError, match="lives in an env on the gymbridge server"):
            venv.get_attr("gravity")
        with pytest.raises(gymbridge.GymBridgeError, match="cannot set 'gravity'"):
            venv.set_attr("gravity", 1.0)
        with pytest.raises(gymbridge.GymBridgeError, match="cannot call 'unwrapped_thing'"):
            venv.env_method("unwrapped_thing")
        with pytest.raises(ValueError, match="same_step"):
            gymbridge.sb3.make_vec_env(url("CartPole-v1", "autoreset=next_step"))
    finally:
        venv.close()
    with pytest.raises(gymbridge.GymBridgeError, match="closed env"):
        venv.venv.step(np.zeros(3, dtype=np.int64))
