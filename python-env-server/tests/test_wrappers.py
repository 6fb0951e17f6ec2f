"""Server-side wrappers from the allowlist: every one works with its kwargs, bit-identical to
in-process Gymnasium; bad names, bad arguments and wrongly typed env kwargs are INVALID_ARGUMENT
naming what is accepted."""
from __future__ import annotations

import grpc
import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from gymbridge.v1 import env_pb2 as epb
from gymbridge_server import codec
from gymbridge_server.client import RemoteError, RemoteVectorEnv
from gymbridge_server.wrappers import ALLOWED
from helpers import assert_same

# (wrapper, kwargs as the wire sends them, env id, kwargs as Python passes them if different)
CASES = [
    ("TimeLimit", {"max_episode_steps": 3}, "CartPole-v1", None),
    ("RecordEpisodeStatistics", {"buffer_length": 10}, "CartPole-v1", None),
    ("ClipAction", {}, "Pendulum-v1", None),
    ("RescaleAction", {"min_action": -1.0, "max_action": 1.0}, "Pendulum-v1", None),
    ("RescaleAction", {"min_action": [-1.0], "max_action": [1.0]}, "Pendulum-v1",
     {"min_action": np.array([-1.0]), "max_action": np.array([1.0])}),
    ("StickyAction", {"repeat_action_probability": 0.5}, "CartPole-v1", None),
    ("RepeatAction", {"num_repeats": 2}, "CartPole-v1", None),
    ("DiscretizeAction", {"bins": 5}, "Pendulum-v1", None),
    ("FlattenObservation", {}, "Blackjack-v1", None),
    ("NormalizeObservation", {"epsilon": 1e-6}, "CartPole-v1", None),
    ("FrameStackObservation", {"stack_size": 4}, "CartPole-v1", None),
    ("DtypeObservation", {"dtype": "float64"}, "CartPole-v1", None),
    ("RescaleObservation", {"min_obs": -1.0, "max_obs": 1.0}, "MountainCar-v0", None),
    ("ReshapeObservation", {"shape": [2, 2]}, "CartPole-v1", {"shape": (2, 2)}),
    ("ResizeObservation", {"shape": [32, 32]}, "Crafter-v1", {"shape": (32, 32)}),
    ("GrayscaleObservation", {"keep_dim": True}, "Crafter-v1", None),
    ("MaxAndSkipObservation", {"skip": 2}, "CartPole-v1", None),
    ("DelayObservation", {"delay": 2}, "CartPole-v1", None),
    ("TimeAwareObservation", {"normalize_time": True}, "CartPole-v1", None),
    ("FilterObservation", {"filter_keys": ["compass", "pov"]}, "gymbridge/MineRLNavigateDenseSpaces-v0", None),
    ("DiscretizeObservation", {"bins": 5}, "MountainCar-v0", None),
    ("AddRenderObservation", {"render_only": False}, "CartPole-v1", None),
    ("NormalizeReward", {"gamma": 0.9}, "Pendulum-v1", None),
    ("ClipReward", {"min_reward": -1.0, "max_reward": 0.5}, "Pendulum-v1", None),
    ("MineRLDiscreteActions", {"camera_step": 15}, "gymbridge/MineRLNavigateDenseSpaces-v0", None),
    ("MineRLPovObservation", {}, "gymbridge/MineRLTreechopSpaces-v0", None),
]


def test_every_allowed_wrapper_is_tested():
    assert {c[0] for c in CASES} == set(ALLOWED)


@pytest.mark.parametrize("name,kwargs,env_id,py_kwargs", CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_wrapper_through_the_bridge_is_bit_identical(server, name, kwargs, env_id, py_kwargs):
    render_mode = "rgb_array" if name == "AddRenderObservation" else None
    cls = ALLOWED[name]  # Gymnasium's own, or the server's MineRL ones (adapters/minerl.py)
    local = gym.make_vec(env_id, 2, vectorization_mode="sync", render_mode=render_mode,
                         wrappers=[lambda e: cls(e, **(py_kwargs or kwargs))],
                         vector_kwargs={"autoreset_mode": AutoresetMode.NEXT_STEP})
    remote = RemoteVectorEnv(server.address, env_id, 2, wrappers=[(name, kwargs)], render_mode=render_mode)
    try:
        assert remote.single_observation_space == local.single_observation_space
        assert remote.single_action_space == local.single_action_space
        assert_same(local.reset(seed=5), remote.reset(seed=5))
        local.action_space.seed(1)
        for _ in range(4):
            a = local.action_space.sample()
            for x, y in zip(local.step(a), remote.step(a)):
                assert_same(x, y)
    finally:
        local.close()
        remote.close()


def _make_error(stub, env_id="CartPole-v1", kwargs=None, wrappers=()) -> grpc.RpcError:
    req = epb.MakeRequest(
        env_id=env_id, kwargs=codec.dict_to_args(kwargs or {}),
        wrappers=[epb.WrapperSpec(name=n, kwargs=codec.dict_to_args(k)) for n, k in wrappers],
    )
    with pytest.raises(grpc.RpcError) as e:
        stub.Make(req)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT, e.value.details()
    return e.value


def _reason(e: grpc.RpcError) -> str:
    return dict(e.trailing_metadata() or ()).get("gymbridge-reason", "")


def test_unknown_wrapper_names_the_allowlist(stub):
    e = _make_error(stub, wrappers=[("NormaliseObservation", {})])
    assert _reason(e) == "WRAPPER_NOT_ALLOWED"
    assert "NormaliseObservation" in e.details() and "NormalizeObservation" in e.details()
    assert "TimeLimit" in e.details()


@pytest.mark.parametrize(
    "wrapper,expect",
    [
        (("TimeLimit", {"max_steps": 3}), ["no argument 'max_steps'", "max_episode_steps: int (required)"]),
        (("TimeLimit", {}), ["needs max_episode_steps"]),
        (("TimeLimit", {"max_episode_steps": "ten"}), ["max_episode_steps='ten' is a str", "takes int"]),
        (("FrameStackObservation", {"stack_size": 0}), ["FrameStackObservation(stack_size=0) could not wrap the env"]),
        (("GrayscaleObservation", {"keep_dim": 1}), ["keep_dim=1 is a int", "takes bool"]),
    ],
)
def test_bad_wrapper_arguments_name_what_the_wrapper_accepts(stub, wrapper, expect):
    e = _make_error(stub, wrappers=[wrapper])
    assert _reason(e) == "BAD_WRAPPER_ARGS"
    for text in expect:
        assert text in e.details(), e.details()


@pytest.mark.parametrize(
    "kwargs,expect",
    [
        ({"slippery": False}, ["FrozenLake-v1 has no argument 'slippery'", "is_slippery", "map_name"]),
        ({"is_slippery": "false"}, ["is_slippery='false' is a str", "takes bool"]),
        ({"map_name": 8}, ["map_name=8 is a int", "takes str"]),
        ({"success_rate": True}, ["success_rate=True is a bool", "takes float"]),
    ],
)
def test_env_kwargs_of_wrong_name_or_type_name_the_accepted_ones(stub, kwargs, expect):
    e = _make_error(stub, "FrozenLake-v1", kwargs)
    assert _reason(e) == "BAD_KWARGS"
    for text in expect:
        assert text in e.details(), e.details()


def test_env_kwargs_of_the_right_type_still_work(server):
    env = RemoteVectorEnv(server.address, "FrozenLake-v1", 1,
                          kwargs={"map_name": "8x8", "is_slippery": False, "success_rate": 1, "reward_schedule": [2, 0, 0]})
    try:
        assert env.single_observation_space.n == 64
    finally:
        env.close()


def test_bad_wrapper_on_the_stream_is_in_band(server):
    with pytest.raises(RemoteError) as e:
        RemoteVectorEnv(server.address, "CartPole-v1", 1, wrappers=[("TimeLimit", {"max_steps": 3})])
    assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT and e.value.reason == "BAD_WRAPPER_ARGS"


def test_wrappers_work_in_worker_processes(server):
    # vectorization=workers sends the vector env's spec (which holds the wrapper callables) from the
    # worker process through a pipe: the callables must pickle (they did not, as closures).
    local = gym.make_vec("CartPole-v1", 2, vectorization_mode="sync",
                         wrappers=[lambda e: gym.wrappers.FrameStackObservation(e, stack_size=3)],
                         vector_kwargs={"autoreset_mode": AutoresetMode.NEXT_STEP})
    remote = RemoteVectorEnv(server.address, "CartPole-v1", 2, wrappers=[("FrameStackObservation", {"stack_size": 3})],
                             vectorization="workers")
    try:
        assert remote.single_observation_space == local.single_observation_space
        assert_same(local.reset(seed=3), remote.reset(seed=3))
        for t in range(5):
            a = np.array([t % 2, 1], dtype=np.int64)
            for x, y in zip(local.step(a), remote.step(a)):
                assert_same(x, y)
    finally:
        local.close()
        remote.close()
