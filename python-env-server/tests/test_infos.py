"""Infos keep Gymnasium's vector layout: values, "_key" masks, nested dicts, episode stats."""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from gymbridge.v1 import tensor_pb2 as tpb
from gymbridge_server import codec
from gymbridge_server.client import RemoteVectorEnv
from helpers import assert_same


def info_wire(x):
    v = tpb.Value()
    v.ParseFromString(codec.encode_info(x).SerializeToString())
    return codec.decode_info(v)


def test_record_episode_statistics_like_infos_round_trip():
    infos = {
        "episode": {
            "r": np.array([0.0, 21.0, 0.0], dtype=np.float64),
            "l": np.array([0, 21, 0], dtype=np.int64),
            "t": np.array([0.0, 0.013, 0.0], dtype=np.float64),
        },
        "_episode": np.array([False, True, False]),
        "final_obs": np.array([None, np.arange(4, dtype=np.float32), None], dtype=object),
        "_final_obs": np.array([False, True, False]),
        "lives": np.array([3, 2, 3], dtype=np.int32),
        "text": np.array(["a", None, "c"], dtype=object),
        "flag": True,
        "count": 7,
        "ratio": 0.25,
        "name": "x",
        "pair": (1, "b"),
        "nothing": None,
    }
    back = info_wire(infos)
    assert list(back) == list(infos)  # insertion order kept
    assert_same(infos["episode"], back["episode"])
    assert_same(infos["_episode"], back["_episode"])
    assert_same(infos["final_obs"], back["final_obs"])
    assert_same(infos["lives"], back["lives"])
    assert list(back["text"]) == ["a", None, "c"]
    assert back["flag"] is np.True_ and back["count"] == 7 and back["count"].dtype == np.int64
    assert back["ratio"] == 0.25 and back["ratio"].dtype == np.float64
    assert back["name"] == "x"
    assert back["pair"][0] == 1 and back["pair"][1] == "b"
    assert back["nothing"] is None


def test_episode_statistics_from_server_side_wrapper_match_gymnasium(server):
    wrappers = [("RecordEpisodeStatistics", {})]
    local = gym.make_vec("CartPole-v1", 2, vectorization_mode="sync",
                         wrappers=[gym.wrappers.RecordEpisodeStatistics],
                         vector_kwargs={"autoreset_mode": AutoresetMode.NEXT_STEP})
    remote = RemoteVectorEnv(server.address, "CartPole-v1", 2, wrappers=wrappers)
    try:
        local.action_space.seed(0)
        local.reset(seed=12)
        remote.reset(seed=12)
        episodes = 0
        for _ in range(60):
            a = local.action_space.sample()
            l_out, r_out = local.step(a), remote.step(a)
            assert_same(l_out[:4], r_out[:4])
            if "episode" in l_out[4]:
                episodes += 1
                l_ep, r_ep = l_out[4]["episode"], r_out[4]["episode"]
                assert_same(l_out[4]["_episode"], r_out[4]["_episode"])
                assert_same(l_ep["r"], r_ep["r"])
                assert_same(l_ep["l"], r_ep["l"])
                # "t" is wall-clock time: same dtype and mask, values differ between processes.
                assert r_ep["t"].dtype == l_ep["t"].dtype
        assert episodes >= 1
    finally:
        local.close()
        remote.close()


def test_gymnasium_vector_wrappers_run_on_a_remote_vector_env(server):
    # Gymnasium's own vector wrappers accept RemoteVectorEnv as a VectorEnv and see the same
    # episodes as on an in-process env.
    from gymnasium.wrappers.vector import RecordEpisodeStatistics

    local = RecordEpisodeStatistics(gym.make_vec("CartPole-v1", 3, vectorization_mode="sync"))
    remote = RecordEpisodeStatistics(RemoteVectorEnv(server.address, "CartPole-v1", 3))
    try:
        local.action_space.seed(2)
        local.reset(seed=30)
        remote.reset(seed=30)
        for _ in range(80):
            a = local.action_space.sample()
            local.step(a)
            remote.step(a)
        assert remote.episode_count == local.episode_count > 0
        assert list(remote.return_queue) == list(local.return_queue)
        assert list(remote.length_queue) == list(local.length_queue)
    finally:
        local.close()
        remote.close()


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
def test_infos_of_every_numeric_bool_and_string_type_arrive_typed_with_masks(server, mode):
    local = gym.make_vec("gymbridge/InfoTypes-v0", 3, vectorization_mode="sync", vector_kwargs={"autoreset_mode": mode})
    remote = RemoteVectorEnv(server.address, "gymbridge/InfoTypes-v0", 3, autoreset_mode=mode)
    try:
        assert_same(local.reset(seed=1), remote.reset(seed=1))
        seen_partial_mask = False
        for step, actions in enumerate([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 0], [1, 0, 0], [1, 1, 1]]):
            l_out, r_out = local.step(np.array(actions)), remote.step(np.array(actions))
            for x, y in zip(l_out, r_out):
                assert_same(x, y)
            infos = r_out[4]
            if "maybe" in infos and not infos["_maybe"].all():
                seen_partial_mask = True
                assert infos["_maybe"].tolist() == [bool(a) for a in actions]
        assert seen_partial_mask
        # Widths kept: every dtype arrives as itself (not widened to int64/float64).
        for key, dtype in [("i8", np.int8), ("u16", np.uint16), ("u32", np.uint32), ("u64", np.uint64),
                           ("f16", np.float16), ("f32", np.float32), ("f64", np.float64), ("count", np.int64),
                           ("flag", np.bool_)]:
            assert infos[key].dtype == dtype, (key, infos[key].dtype)
        assert infos["vec"].dtype == np.float32 and infos["vec"].shape == (3, 3)
        assert infos["nested"]["inner"]["x"].dtype == np.float32
        assert list(infos["name"]) == list(l_out[4]["name"])
    finally:
        local.close()
        remote.close()


def test_numpy_byte_and_unicode_string_arrays_arrive_as_text():
    back = info_wire({"u": np.array(["ab", "c"]), "b": np.array([b"xy", b"z"])})
    assert list(back["u"]) == ["ab", "c"]
    assert list(back["b"]) == ["xy", "z"]
