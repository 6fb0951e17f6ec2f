"""Every space kind round-trips: space -> wire -> space, and values -> wire -> values.

gymbridge/AllSpaces-v0 is checked through a real session (its batched and single spaces from
MakeResponse equal Gymnasium's, and sampled actions come back as the next observation); the
kinds it cannot hold as an action of a vector env (Sequence, Graph, OneOf) are checked through
the codec directly.
"""
from __future__ import annotations

import grpc
import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.vector.utils import batch_space

from gymbridge.v1 import tensor_pb2 as tpb
from gymbridge_server import codec
from gymbridge_server.client import RemoteVectorEnv
from gymbridge_server.envs.testenvs import ALL_SPACES_ID, all_spaces_space
from helpers import assert_same

ALL = all_spaces_space()

EXTRA_SPACES = {
    "sequence": spaces.Sequence(spaces.Box(-1, 1, (2,), np.float32)),
    "sequence_stacked": spaces.Sequence(spaces.Discrete(4), stack=True),
    "sequence_of_dicts": spaces.Sequence(spaces.Dict({"a": spaces.Discrete(3), "b": spaces.Box(0, 1, (1,))})),
    "graph": spaces.Graph(node_space=spaces.Box(-1, 1, (3,)), edge_space=spaces.Discrete(2)),
    "graph_no_edges": spaces.Graph(node_space=spaces.Discrete(5), edge_space=None),
    "one_of": spaces.OneOf((spaces.Discrete(3), spaces.Box(-1, 1, (2,), np.float64))),
    "text_digits": spaces.Text(min_length=2, max_length=5, charset="9876543210"),
    "multi_binary_2d": spaces.MultiBinary([2, 3]),
    "box_int16": spaces.Box(-5, 5, (2, 1), np.int16),
    "box_float16": spaces.Box(-1, 1, (2,), np.float16),
    "discrete_int32": spaces.Discrete(4, start=1, dtype=np.int32),
}


def wire(space):
    """space -> Space message -> bytes -> Space message -> space."""
    msg = tpb.Space()
    msg.ParseFromString(codec.encode_space(space).SerializeToString())
    return codec.decode_space(msg)


def value_wire(space, x):
    v = tpb.Value()
    v.ParseFromString(codec.encode_value(space, x).SerializeToString())
    return codec.decode_value(space, v)


@pytest.mark.parametrize("key", list(ALL.keys()))
def test_each_all_spaces_subspace_round_trips(key):
    space = ALL[key]
    assert wire(space) == space
    batched = batch_space(space, 3)
    assert wire(batched) == batched
    space.seed(1)
    for _ in range(5):
        sample = space.sample()
        back = value_wire(space, sample)
        assert space.contains(back), f"{key}: {back!r} not in {space}"
        assert_same(sample, back, key)
    batched.seed(2)
    bsample = batched.sample()
    bback = value_wire(batched, bsample)
    assert batched.contains(bback)
    assert_same(bsample, bback, f"batched {key}")


def test_whole_all_spaces_dict_round_trips_in_key_order():
    back = wire(ALL)
    assert back == ALL
    assert list(back.keys()) == list(ALL.keys())


@pytest.mark.parametrize("name", list(EXTRA_SPACES))
def test_other_space_kinds_round_trip(name):
    space = EXTRA_SPACES[name]
    assert wire(space) == space
    space.seed(3)
    for _ in range(5):
        sample = space.sample()
        back = value_wire(space, sample)
        assert space.contains(back), f"{name}: {back!r} not in {space}"
    batched = batch_space(space, 2)
    assert wire(batched) == batched
    bsample = batched.sample()
    assert batched.contains(value_wire(batched, bsample))


def test_box_bounds_keep_infinities():
    box = ALL["box_f32"]
    msg = codec.encode_space(box)
    low = codec.decode_tensor(msg.box.low)
    assert low.dtype == np.float32 and np.all(np.isneginf(low))
    assert np.all(np.isposinf(codec.decode_tensor(msg.box.high)))


def test_all_spaces_session_spaces_equal_gymnasium_and_actions_echo(server):
    envs = RemoteVectorEnv(server.address, ALL_SPACES_ID, 3, seed=5)
    try:
        assert envs.single_action_space == ALL
        assert envs.single_observation_space == ALL
        assert envs.action_space == batch_space(ALL, 3)
        assert envs.observation_space == batch_space(ALL, 3)
        assert list(envs.single_observation_space.keys()) == list(ALL.keys())
        obs, infos = envs.reset(seed=1)
        assert envs.observation_space.contains(obs)
        assert list(infos["label"]) == ["reset"] * 3
        for t in range(1, 7):
            actions = envs.action_space.sample()
            obs, rewards, terminated, truncated, infos = envs.step(actions)
            if t == 6:  # NEXT_STEP autoreset: the step after termination resets
                assert envs.observation_space.contains(obs)
                assert not terminated.any()
                continue
            assert_same(actions, obs, f"echo at step {t}")
            assert rewards.tolist() == [1.0] * 3
            assert terminated.tolist() == [t == 5] * 3
            assert infos["t"].tolist() == [t] * 3 and infos["t"].dtype == np.int64
            assert list(infos["echo_text"]) == list(actions["text"])
    finally:
        envs.close()


# The infinite Box bounds are deliberate (they test +-inf on the wire); check_env warns about them.
@pytest.mark.filterwarnings("ignore:.*infinity.*:UserWarning", "ignore:.*symmetric and normalized.*:UserWarning")
def test_all_spaces_single_remote_env_passes_gymnasium_check_env(server):
    from gymnasium.utils.env_checker import check_env

    from gymbridge_server.client import RemoteEnv

    env = RemoteEnv(server.address, ALL_SPACES_ID)
    try:
        check_env(env, skip_render_check=True)
    finally:
        env.close()


def test_sequence_graph_and_one_of_cross_a_session_both_ways(server):
    from gymbridge_server.envs.testenvs import EXTRA_SPACES_ID, extra_spaces_space

    space = extra_spaces_space()
    envs = RemoteVectorEnv(server.address, EXTRA_SPACES_ID, 2, seed=3)
    try:
        assert envs.single_action_space == space
        assert envs.action_space == batch_space(space, 2)
        obs, _ = envs.reset(seed=0)
        assert envs.observation_space.contains(obs)
        for t in range(1, 5):
            actions = envs.action_space.sample()
            obs, rewards, terminated, _, _ = envs.step(actions)
            assert_same(actions, obs, f"echo at step {t}")
            assert rewards.tolist() == [1.0, 1.0]
    finally:
        envs.close()


def test_dict_action_errors_name_the_path(server):
    from gymbridge_server.client import RemoteError

    envs = RemoteVectorEnv(server.address, ALL_SPACES_ID, 2, seed=3, transport="unary")
    try:
        envs.reset(seed=0)
        good = envs.action_space.sample()

        def refused(actions) -> str:
            with pytest.raises(RemoteError) as info:
                envs.step(actions)
            assert info.value.code.name == "INVALID_ARGUMENT"
            return info.value.message

        from gymbridge.v1 import env_pb2 as epb

        value = codec.encode_value(envs.action_space, good)
        del value.dict.entries[-1]  # drop "text"
        with pytest.raises(grpc.RpcError) as info:
            server.stub().Step(epb.StepRequest(session_id=envs.session_id, actions=value))
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "missing ['text']" in info.value.details() and "expected keys" in info.value.details()
        bad = dict(good, nested=dict(good["nested"], mode=good["nested"]["mode"].astype(np.float32)))
        assert "actions['nested']['mode']: dtype float32 is not allowed for Discrete(3)" in refused(bad)
        bad = dict(good, text=("ok", "no spaces!"))
        msg = refused(bad)
        assert "action for env 1" in msg and "'no spaces!'" in msg and "Text(" in msg
        bad = dict(good, multi_discrete=np.array([[1, -1], [4, 0]]))
        msg = refused(bad)
        assert "actions['multi_discrete'][1]" in msg and "start=[1, -1], nvec=[3, 4]" in msg
        bad = dict(good, image=good["image"].astype(np.int64) + 256)
        assert "actions['image']" in refused(bad)
        obs, *_ = envs.step(good)  # still usable, and the good action goes through unchanged
        assert_same(good, obs)
    finally:
        envs.close()
