"""The MineRL adapter, tested through envs with exactly MineRL's documented spaces (no Minecraft here).

gymbridge/MineRLTreechopSpaces-v0 and gymbridge/MineRLNavigateDenseSpaces-v0 are the adapter
(adapters/minerl.py: MineRLEnv) over an old-Gym env with MineRL 0.4.4's documented spaces, so
these tests exercise the same conversion code a real MineRL env goes through.
"""
from __future__ import annotations

from collections import OrderedDict

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.vector import AutoresetMode

from gymbridge.v1 import env_pb2 as epb
from gymbridge_server.adapters import minerl as minerl_adapter
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
    inner = minerl_adapter.FakeMineRLEnv("MineRLNavigateDense-v0")
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
