"""The fast lane's hand-serialized step responses (codec.raw_step_response) are byte-identical to
serializing the messages that the generic encoders build, for every value they cover."""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces

from gymbridge.v1 import env_pb2 as epb
from gymbridge_server import codec
from gymbridge_server.transport import fastlane


def _message_bytes(seq, space, obs, rewards, term, trunc, infos) -> bytes:
    step = epb.StepResponse(
        observations=codec.encode_value(space, obs),
        rewards=codec.encode_tensor(rewards),
        terminated=codec.encode_tensor(term),
        truncated=codec.encode_tensor(trunc),
        infos=codec.encode_info(infos),
    )
    return epb.SessionResponse(seq=seq, step=step).SerializeToString()


def _check(seq, space, obs, rewards, term, trunc, infos):
    parts, size = codec.raw_step_response(seq, space, obs, rewards, term, trunc, infos)
    raw = b"".join(fastlane.frame(parts, size))  # framed as the fast lane sends it
    want = _message_bytes(seq, space, obs, rewards, term, trunc, infos)
    assert int.from_bytes(raw[:4], "little") == size == len(want)
    assert raw[4:] == want
    # and it parses back to the same message
    assert epb.SessionResponse.FromString(raw[4:]) == epb.SessionResponse.FromString(want)


def _flags(n, pattern):
    return np.array([pattern(i) for i in range(n)], dtype=np.bool_)


@pytest.mark.parametrize("env_id,n", [("CartPole-v1", 1), ("CartPole-v1", 64), ("Pendulum-v1", 3), ("FrozenLake-v1", 4)])
def test_real_env_steps_match_the_message_bytes(env_id, n):
    env = gym.make_vec(env_id, num_envs=n, vectorization_mode="sync")
    env.reset(seed=3)
    env.action_space.seed(3)
    for i in range(60):
        obs, r, te, tr, infos = env.step(env.action_space.sample())
        _check(i, env.observation_space, obs, np.asarray(r, np.float64), te, tr, infos)
    env.close()


def test_mujoco_infos_match_the_message_bytes():
    env = gym.make_vec("HalfCheetah-v5", num_envs=4, vectorization_mode="sync")
    env.reset(seed=1)
    env.action_space.seed(1)
    obs, r, te, tr, infos = env.step(env.action_space.sample())
    assert len(infos) == 8  # x_position, x_velocity, reward_forward, reward_ctrl and their masks
    _check(2**40 + 5, env.observation_space, obs, np.asarray(r, np.float64), te, tr, infos)
    env.close()


def test_nested_dict_and_tuple_observations_and_edge_shapes():
    space = spaces.Dict({
        "img": spaces.Box(0, 255, (2, 3, 3), np.uint8),
        "pos": spaces.Tuple((spaces.Discrete(4), spaces.Box(-np.inf, np.inf, (2, 0), np.float64))),
        "": spaces.MultiBinary(5),  # an empty key is left out of the NamedValue, as proto3 does
        "md": spaces.MultiDiscrete([3, 300]),
    }, sort_keys=False)
    batched = gym.vector.utils.batch_space(space, 2)
    batched.seed(0)
    obs = batched.sample()
    infos = {
        "scalar": np.array(1.5),  # a 0-d array: shape left out
        "_scalar": np.array([True, False]),
        "big": np.arange(300, dtype=">i4"),  # big-endian: sent little-endian
        "empty": np.zeros((0,), np.float32),
        "ü": np.ones(2, np.int16),
        "nested": {"a": np.ones(2), "_a": np.ones(2, bool), "deeper": {"": np.zeros(2, np.uint8)}, "empty": {}},
    }
    _check(0, batched, obs, np.array([1.0, -0.0]), _flags(2, lambda i: i == 1), _flags(2, lambda i: False), infos)
    _check(1, batched, obs, np.array([1.0, 2.0]), _flags(2, lambda i: True), _flags(2, lambda i: True), {})


@pytest.mark.parametrize("infos", [
    {"final_obs": np.array([None, np.zeros(4)], dtype=object)},
    {"nested": {"a": np.ones(2), "b": {"c": [1, 2]}}},
    {"text": "hello"},
    {"py": 1.0},
    [1, 2],
])
def test_infos_without_a_raw_form_are_left_to_the_message_path(infos):
    space = spaces.Box(-1, 1, (2, 4), np.float32)
    with pytest.raises(codec.NoRawForm):
        codec.raw_step_response(1, space, np.zeros((2, 4), np.float32), np.zeros(2), np.zeros(2, bool), np.zeros(2, bool), infos)


def test_text_observations_are_left_to_the_message_path():
    space = gym.vector.utils.batch_space(spaces.Text(8), 2)
    with pytest.raises(codec.NoRawForm):
        codec.raw_step_response(1, space, ("ab", "c"), np.zeros(2), np.zeros(2, bool), np.zeros(2, bool), {})


def test_crafter_steps_match_the_message_bytes():
    from gymbridge_server.adapters import crafter

    crafter.register()

    env = gym.make_vec("Crafter-v1", num_envs=2, vectorization_mode="sync")
    env.reset(seed=2)
    env.action_space.seed(2)
    for i in range(5):
        obs, r, te, tr, infos = env.step(env.action_space.sample())
        assert isinstance(infos["inventory"], dict)  # nested info dicts take the raw path too
        _check(i + 1, env.observation_space, obs, np.asarray(r, np.float64), te, tr, infos)
    env.close()
