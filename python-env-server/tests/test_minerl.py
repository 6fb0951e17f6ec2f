"""The MineRL adapter, tested through envs with exactly MineRL's documented spaces (no Minecraft here).

gymbridge/MineRLTreechopSpaces-v0 and gymbridge/MineRLNavigateDenseSpaces-v0 are the adapter
(adapters/minerl.py: MineRLEnv) over an old-Gym env with MineRL 0.4.4's documented spaces, so
these tests exercise the same conversion code a real MineRL env goes through.
"""
from __future__ import annotations

from collections import OrderedDict

import grpc
import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.vector import AutoresetMode

from gymbridge.v1 import env_pb2 as epb
from gymbridge.v1 import tensor_pb2 as tpb
from gymbridge_server import codec
from gymbridge_server.adapters import minerl as minerl_adapter
from gymbridge_server.envs import minerl_fakes
from gymbridge_server.client import RemoteVectorEnv
from helpers import assert_same

TREECHOP = "gymbridge/MineRLTreechopSpaces-v0"
NAVIGATE = "gymbridge/MineRLNavigateDenseSpaces-v0"
POV = spaces.Box(0, 255, (64, 64, 3), np.uint8)
CAMERA = spaces.Box(-180.0, 180.0, (2,), np.float32)
BUTTONS = ("attack", "back", "forward", "jump", "left", "right", "sneak", "sprint")


def _actions(extra=()):
    keys = {b: spaces.Discrete(2) for b in BUTTONS}
    keys["camera"] = CAMERA
    keys.update(extra)
    return spaces.Dict(OrderedDict(sorted(keys.items())))


def test_treechop_spaces_reach_the_client_as_documented(server):
    env = RemoteVectorEnv(server.address, TREECHOP, 1)
    try:
        assert env.single_observation_space == spaces.Dict(OrderedDict(pov=POV))
        assert env.single_action_space == _actions()
        assert list(env.single_action_space.keys()) == sorted(BUTTONS + ("camera",))
    finally:
        env.close()


def test_navigate_dense_spaces_reach_the_client_as_documented(server):
    env = RemoteVectorEnv(server.address, NAVIGATE, 1)
    try:
        assert env.single_observation_space == spaces.Dict(OrderedDict(
            compass=spaces.Dict(OrderedDict(angle=spaces.Box(-180.0, 180.0, (), np.float32))),
            inventory=spaces.Dict(OrderedDict(dirt=spaces.Box(0, 2304, (), np.int32))),
            pov=POV,
        ))
        assert env.single_action_space == _actions({"place": spaces.Discrete(2)})
    finally:
        env.close()


@pytest.mark.parametrize("env_id", [TREECHOP, NAVIGATE])
def test_trajectory_through_the_bridge_is_bit_identical(server, env_id):
    local = gym.make_vec(env_id, 2, vectorization_mode="sync",
                         vector_kwargs={"autoreset_mode": AutoresetMode.NEXT_STEP}, episode_length=6)
    remote = RemoteVectorEnv(server.address, env_id, 2, kwargs={"episode_length": 6})
    try:
        lo, ro = local.reset(seed=4), remote.reset(seed=4)
        assert_same(lo, ro)
        assert ro[0]["pov"].dtype == np.uint8 and ro[0]["pov"].shape == (2, 64, 64, 3)
        local.action_space.seed(9)
        truncated = 0
        for _ in range(8):
            a = local.action_space.sample()
            l_out, r_out = local.step(a), remote.step(a)
            for x, y in zip(l_out, r_out):
                assert_same(x, y)
            truncated += int(r_out[3].sum())
        assert truncated == 2  # both envs hit episode_length=6 (old Gym TimeLimit -> truncated)
        if env_id == NAVIGATE:
            assert r_out[0]["inventory"]["dirt"].dtype == np.int32
            assert r_out[0]["compass"]["angle"].dtype == np.float32
    finally:
        local.close()
        remote.close()


def test_enum_actions_map_to_minerl_strings_and_back():
    inner = minerl_fakes.FakeMineRLEnv("MineRLNavigateDense-v0")
    place = inner.action_space.spaces["place"]
    assert type(place).__name__ == "Enum" and place.values == ("dirt", "none")
    assert minerl_adapter.action_to_minerl(place, 0) == "dirt"
    assert minerl_adapter.obs_to_gymnasium(place, "none") == 1
    env = minerl_adapter.MineRLEnv(inner, "MineRLNavigateDense-v0")
    obs, _ = env.reset(seed=2)
    dirt = int(obs["inventory"]["dirt"])
    action = {k: env.action_space[k].sample() * 0 for k in env.action_space.keys()}
    action["place"] = 0  # "dirt": places one block if the agent has any
    obs, *_ = env.step(action)
    assert int(obs["inventory"]["dirt"]) == max(dirt - 1, 0)


def test_rgb_array_render_is_the_last_pov_frame(stub):
    made = stub.Make(epb.MakeRequest(env_id=TREECHOP, num_envs=1, render_mode="rgb_array"))
    try:
        reset = stub.Reset(epb.ResetRequest(session_id=made.session_id, seed=1))
        frame = stub.Render(epb.RenderRequest(session_id=made.session_id)).frames.tensor
        pov = reset.observations.dict.entries[0].value.tensor
        assert list(frame.shape) == [1, 64, 64, 3] and frame.data == pov.data
    finally:
        stub.Close(epb.CloseRequest(session_id=made.session_id))


def test_real_minerl_ids_are_listed_unavailable_with_the_install_command(stub):
    envs = {e.env_id: e for e in stub.ListEnvs(epb.ListEnvsRequest(prefix="MineRL", with_spaces=True)).envs}
    assert "MineRLTreechop-v0" in envs and "MineRLNavigateDense-v0" in envs
    assert "pip install minerl" in envs["MineRLTreechop-v0"].unavailable
    assert "JDK 8" in envs["MineRLTreechop-v0"].unavailable


# ------------------------------------------------------------------ the pixel-agent mapping
# MineRLDiscreteActions + MineRLPovObservation (adapters/minerl.py): the URL wrappers that give
# a MineRL env Crafter's interface, Box(uint8 [64, 64, 3]) frames and Discrete(K) actions.

PIXEL_WRAPPERS = [("MineRLDiscreteActions", {"camera_step": 10.0}), ("MineRLPovObservation", {})]

# The documented table, written out by hand as the MineRL-side action each index must send
# (module docstring of adapters/minerl.py, python-env-server/README.md#minerl).
NOOP = {"attack": 0, "back": 0, "camera": (0.0, 0.0), "forward": 0, "jump": 0, "left": 0,
        "right": 0, "sneak": 0, "sprint": 0}
DOCUMENTED_TABLE = [
    ("noop", {}),
    ("forward", {"forward": 1}),
    ("forward_jump", {"forward": 1, "jump": 1}),
    ("back", {"back": 1}),
    ("left", {"left": 1}),
    ("right", {"right": 1}),
    ("attack", {"attack": 1}),
    ("look_up", {"camera": (-10.0, 0.0)}),
    ("look_down", {"camera": (10.0, 0.0)}),
    ("turn_left", {"camera": (0.0, -10.0)}),
    ("turn_right", {"camera": (0.0, 10.0)}),
]


class RecordingFake(minerl_fakes.FakeMineRLEnv):
    """The spaces fake, keeping the MineRL-side action of each step (what MineRL itself would get)."""

    def __init__(self, minerl_id):
        super().__init__(minerl_id)
        self.sent = []

    def step(self, action):
        self.sent.append(action)
        return super().step(action)


def _pixel_env(minerl_id, camera_step=10.0):
    inner = RecordingFake(minerl_id)
    env = minerl_adapter.MineRLPovObservation(
        minerl_adapter.MineRLDiscreteActions(minerl_adapter.MineRLEnv(inner, minerl_id), camera_step=camera_step))
    return env, inner


@pytest.mark.parametrize("minerl_id", ["MineRLTreechop-v0", "MineRLNavigateDense-v0"])
def test_each_discrete_index_sends_exactly_the_documented_minerl_action(minerl_id):
    env, inner = _pixel_env(minerl_id)
    navigate = minerl_id == "MineRLNavigateDense-v0"
    table = DOCUMENTED_TABLE + ([("place_dirt", {"place": "dirt"})] if navigate else [])
    assert env.action_space == spaces.Discrete(12 if navigate else 11)
    assert env.env.action_names == [name for name, _ in table]
    env.reset(seed=3)
    for index, (name, keys) in enumerate(table):
        env.step(index)
        sent = inner.sent[-1]
        want = dict(NOOP, **({"place": "none"} if navigate else {}))
        want.update(keys)
        assert list(sent) == sorted(want), name  # every MineRL key, in MineRL's order
        for key, value in want.items():
            if key == "camera":
                assert sent[key].dtype == np.float32 and sent[key].tolist() == list(value), (name, sent[key])
            elif key == "place":
                assert sent[key] == value, (name, sent[key])  # MineRL's Enum string, "none" unless placing
            else:
                assert type(sent[key]) is int and sent[key] == value, (name, key, sent[key])


def test_camera_step_sets_the_degrees_of_one_turn():
    env, inner = _pixel_env("MineRLTreechop-v0", camera_step=22.5)
    env.reset(seed=0)
    for index in (7, 8, 9, 10):
        env.step(index)
    assert [a["camera"].tolist() for a in inner.sent] == [[-22.5, 0.0], [22.5, 0.0], [0.0, -22.5], [0.0, 22.5]]


@pytest.mark.parametrize("minerl_id", ["MineRLTreechop-v0", "MineRLNavigateDense-v0"])
def test_pov_frames_pass_through_bit_identical(minerl_id):
    # The same seeds and actions with and without the wrappers: the frame is MineRL's pov array.
    dict_env = minerl_adapter.MineRLEnv(minerl_fakes.FakeMineRLEnv(minerl_id), minerl_id)
    pixel_env, _ = _pixel_env(minerl_id)
    assert pixel_env.observation_space == POV
    obs, _ = dict_env.reset(seed=11)
    frame, _ = pixel_env.reset(seed=11)
    assert frame.dtype == np.uint8 and frame.shape == (64, 64, 3)
    assert frame.tobytes() == obs["pov"].tobytes()
    for index in (6, 1, 11 if minerl_id == "MineRLNavigateDense-v0" else 0, 9):
        obs, r1, t1, u1, _ = dict_env.step(pixel_env.env.action(index))
        frame, r2, t2, u2, _ = pixel_env.step(index)
        assert frame.tobytes() == obs["pov"].tobytes() and (r1, t1, u1) == (r2, t2, u2)


@pytest.mark.parametrize("bad", [11, -1, 1.0, np.float32(2.0), "forward", np.array([1, 2])])
def test_bad_indices_fail_naming_the_table(bad):
    env, inner = _pixel_env("MineRLTreechop-v0")
    env.reset(seed=0)
    with pytest.raises(ValueError) as e:
        env.step(bad)
    assert "is not in Discrete(11)" in str(e.value) and "0 noop" in str(e.value) and "10 turn_right" in str(e.value)
    assert inner.sent == []  # nothing reached MineRL


def test_the_noop_keeps_enum_defaults_not_index_zero():
    base = minerl_adapter.MineRLEnv(minerl_fakes.FakeMineRLEnv("MineRLNavigateDense-v0"), "MineRLNavigateDense-v0")
    assert base.enum_values() == {"place": ("dirt", "none")}
    noop = base.noop_action()
    assert int(noop["place"]) == 1  # "none": index 0 would place dirt every step
    assert base.action_space.contains(noop)


def test_pixel_wrappers_through_the_bridge_are_bit_identical(server):
    wrappers = [lambda e: minerl_adapter.MineRLDiscreteActions(e, camera_step=10.0), minerl_adapter.MineRLPovObservation]
    local = gym.make_vec(NAVIGATE, 2, vectorization_mode="sync", wrappers=wrappers,
                         vector_kwargs={"autoreset_mode": AutoresetMode.NEXT_STEP}, episode_length=5)
    remote = RemoteVectorEnv(server.address, NAVIGATE, 2, wrappers=PIXEL_WRAPPERS, kwargs={"episode_length": 5})
    try:
        assert remote.single_observation_space == POV
        assert remote.single_action_space == spaces.Discrete(12)
        lo, ro = local.reset(seed=21), remote.reset(seed=21)
        assert_same(lo, ro)
        assert ro[0].dtype == np.uint8 and ro[0].shape == (2, 64, 64, 3)
        for t in range(7):
            a = np.array([t % 12, (5 * t + 11) % 12], dtype=np.int64)
            for x, y in zip(local.step(a), remote.step(a)):
                assert_same(x, y)
    finally:
        local.close()
        remote.close()


def test_pixel_wrappers_in_worker_processes_match_in_process(server):
    # The Crafter training URL runs envs in worker processes; the MineRL one may too.
    local = gym.make_vec(TREECHOP, 2, vectorization_mode="sync",
                         wrappers=[minerl_adapter.MineRLDiscreteActions, minerl_adapter.MineRLPovObservation],
                         vector_kwargs={"autoreset_mode": AutoresetMode.NEXT_STEP})
    remote = RemoteVectorEnv(server.address, TREECHOP, 2, wrappers=PIXEL_WRAPPERS, vectorization="workers")
    try:
        assert_same(local.reset(seed=8), remote.reset(seed=8))
        for t in range(4):
            a = np.array([6, t], dtype=np.int64)
            for x, y in zip(local.step(a), remote.step(a)):
                assert_same(x, y)
    finally:
        local.close()
        remote.close()


def test_out_of_range_index_through_the_bridge_is_invalid_argument(stub):
    made = stub.Make(epb.MakeRequest(env_id=TREECHOP, num_envs=2, wrappers=[
        epb.WrapperSpec(name=n, kwargs=codec.dict_to_args(k)) for n, k in PIXEL_WRAPPERS]))
    try:
        stub.Reset(epb.ResetRequest(session_id=made.session_id, seed=1))
        action = tpb.Value(tensor=codec.encode_tensor(np.array([3, 11], dtype=np.int64)))
        with pytest.raises(grpc.RpcError) as e:
            stub.Step(epb.StepRequest(session_id=made.session_id, actions=action))
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "11" in e.value.details() and "env 1" in e.value.details(), e.value.details()
        good = tpb.Value(tensor=codec.encode_tensor(np.array([3, 10], dtype=np.int64)))
        stub.Step(epb.StepRequest(session_id=made.session_id, actions=good))  # the session still works
    finally:
        stub.Close(epb.CloseRequest(session_id=made.session_id))


@pytest.mark.parametrize(
    "env_id,wrappers,expect",
    [
        ("CartPole-v1", [("MineRLDiscreteActions", {})], "wraps only MineRL envs (MineRL* ids, gymbridge/MineRL*Spaces-v0), not CartPole-v1"),
        (TREECHOP, [("MineRLDiscreteActions", {"camera_step": 0})], "camera_step=0 degrees is outside (0, 180]"),
        (TREECHOP, [("MineRLDiscreteActions", {"camera_step": "10"})], "camera_step='10' is a str"),
        ("CartPole-v1", [("MineRLPovObservation", {})], "needs a Dict observation with a 'pov' Box"),
    ],
)
def test_pixel_wrappers_on_the_wrong_env_or_arguments_name_the_problem(stub, env_id, wrappers, expect):
    with pytest.raises(grpc.RpcError) as e:
        stub.Make(epb.MakeRequest(env_id=env_id, wrappers=[
            epb.WrapperSpec(name=n, kwargs=codec.dict_to_args(k)) for n, k in wrappers]))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert expect in e.value.details(), e.value.details()
