"""ListEnvs with_spaces: every id with its spaces and render modes, or why it is unavailable."""
from __future__ import annotations

import time

import gymnasium as gym
import pytest

from gymbridge.v1 import env_pb2 as epb
from gymbridge_server import codec


@pytest.fixture(scope="module")
def listing(stub):
    t0 = time.perf_counter()
    envs = stub.ListEnvs(epb.ListEnvsRequest(with_spaces=True)).envs
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = stub.ListEnvs(epb.ListEnvsRequest(with_spaces=True)).envs
    second = time.perf_counter() - t0
    return envs, again, first, second


def test_with_spaces_reports_the_spaces_gymnasium_makes(listing):
    envs = {e.env_id: e for e in listing[0]}
    for env_id in ("CartPole-v1", "FrozenLake-v1", "HalfCheetah-v5", "Taxi-v4", "gymbridge/AllSpaces-v0"):
        info = envs[env_id]
        assert info.unavailable == "", f"{env_id}: {info.unavailable}"
        ref = gym.make(env_id)
        assert codec.decode_space(info.observation_space) == ref.observation_space
        assert codec.decode_space(info.action_space) == ref.action_space
        assert list(info.render_modes) == list(ref.metadata.get("render_modes", []))
        ref.close()
    assert "rgb_array" in envs["CartPole-v1"].render_modes
    assert envs["CartPole-v1"].max_episode_steps == 500


def test_an_env_that_cannot_be_made_is_listed_with_the_reason_not_an_error(listing):
    envs = {e.env_id: e for e in listing[0]}
    # mujoco-py based v2 envs moved out of Gymnasium 1.x: listed, not makeable, reason given.
    old = envs["HalfCheetah-v2"]
    assert "gymnasium-robotics" in old.unavailable
    assert not old.HasField("observation_space") and not old.HasField("action_space")
    # Ids whose package is missing say how to install it.
    for info in envs.values():
        if "DependencyNotInstalled" in info.unavailable:
            assert "pip install" in info.unavailable, info
    assert sum(1 for e in envs.values() if not e.unavailable) >= 30


def test_with_spaces_is_sorted_and_cached(listing):
    envs, again, first, second = listing
    ids = [e.env_id for e in envs]
    assert ids == sorted(ids)
    assert [e.env_id for e in again] == ids
    assert again == envs
    assert first < 20.0 and second < 2.0, (first, second)


def test_with_spaces_filters_by_prefix(stub):
    envs = stub.ListEnvs(epb.ListEnvsRequest(prefix="gymbridge/", with_spaces=True)).envs
    ids = [e.env_id for e in envs]
    assert "gymbridge/AllSpaces-v0" in ids and all(i.startswith("gymbridge/") for i in ids)
    plain = stub.ListEnvs(epb.ListEnvsRequest(prefix="gymbridge/")).envs
    assert all(not e.HasField("observation_space") for e in plain)
