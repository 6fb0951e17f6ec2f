"""ShardedVectorEnv (client.py): one vector env over two real servers equals one server with the same num_envs.

Every observation, reward, flag and info (bytes, dtypes, key order) is compared at every step, across
autoresets; a server killed during a step fails only its shard.
"""
from __future__ import annotations

import grpc
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from gymbridge_server.client import RemoteError, RemoteVectorEnv, ShardedVectorEnv
from helpers import assert_same, step_like_sync


@pytest.fixture(scope="module")
def second(tmp_path_factory: pytest.TempPathFactory):
    from conftest import ServerProcess

    srv = ServerProcess("--port", "0", "--log-level", "warning", log_path=tmp_path_factory.mktemp("second") / "s.log")
    yield srv
    assert srv.terminate() == 0


def compare(server, second, env_id: str, n: int, steps: int, seed: int, mode=AutoresetMode.NEXT_STEP, shards=None, **options) -> int:
    one = RemoteVectorEnv(server.address, env_id, n, autoreset_mode=mode, **options)
    both = RemoteVectorEnv(f"{server.address},{second.address}", env_id, n, autoreset_mode=mode, shards=shards, **options)
    try:
        assert isinstance(both, ShardedVectorEnv)
        assert both.observation_space == one.observation_space and both.action_space == one.action_space
        return step_like_sync(one, both, steps, seed, mode == AutoresetMode.DISABLED)
    finally:
        one.close()
        both.close()


def test_cartpole_over_two_servers_equals_one_server(server, second):
    assert compare(server, second, "CartPole-v1", 6, 80, seed=3) > 0


def test_uneven_shards_in_same_step_mode_equal_one_server(server, second):
    assert compare(server, second, "CartPole-v1", 5, 60, seed=5, mode=AutoresetMode.SAME_STEP, shards=[4, 1]) > 0


def test_halfcheetah_infos_equal_one_server(server, second):
    compare(server, second, "HalfCheetah-v5", 3, 14, seed=1, mode=AutoresetMode.SAME_STEP, max_episode_steps=6)


def test_frozenlake_with_masked_resets_equals_one_server(server, second):
    assert compare(server, second, "FrozenLake-v1", 5, 40, seed=2, mode=AutoresetMode.DISABLED) > 0


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
@pytest.mark.parametrize("shard_options", [{}, {"vectorization": "workers", "num_workers": 2}], ids=["sync", "workers"])
def test_frozenlake_autoreset_infos_keep_one_servers_dtypes(server, second, mode, shard_options):
    # After an autoreset FrozenLake's prob is an int 1, after a step a float 1/3: one server gives the key
    # the dtype of its first env reporting it, so each shard must send its envs' values uncast -- a workers
    # shard too, whose own slices join into one batch before it is sent.
    one = RemoteVectorEnv(server.address, "FrozenLake-v1", 6, autoreset_mode=mode)
    both = ShardedVectorEnv([server.address, second.address], "FrozenLake-v1", 6, autoreset_mode=mode, shards=[2, 4],
                            **shard_options)
    try:
        assert_same(one.reset(seed=9), both.reset(seed=9), "reset")
        one.action_space.seed(9)
        widened = dtypes = 0
        for t in range(150):
            a = one.action_space.sample()
            want, got = one.step(a), both.step(a)
            assert_same(want, got, f"step {t}")
            widened += any(sh.last_info_dtypes for sh in both.shards)
            dtypes |= 1 << (want[4]["prob"].dtype == np.float64) if "prob" in want[4] else 0
        assert widened > 0, "no shard ever had envs disagreeing on a dtype: the case was not exercised"
        assert dtypes == 3, "one server's prob was never both int and float"
    finally:
        one.close()
        both.close()


def test_dict_observations_and_actions_equal_one_server(server, second):
    compare(server, second, "gymbridge/AllSpaces-v0", 3, 12, seed=4)


def test_crafter_equals_one_server(server, second):
    compare(server, second, "Crafter-v1", 2, 8, seed=1)


def test_make_vec_url_with_two_servers_equals_one_server(server, second):
    import gymbridge

    one = gymbridge.make_vec(f"grpc://{server.address}/CartPole-v1?num_envs=5")
    both = gymbridge.make_vec(f"grpc://{server.address},{second.address}/CartPole-v1?num_envs=5&shards=2,3")
    try:
        assert isinstance(both, ShardedVectorEnv) and [sh.num_envs for sh in both.shards] == [2, 3]
        assert step_like_sync(one, both, 40, 7, False) > 0
    finally:
        one.close()
        both.close()
    with pytest.raises(ValueError, match="names several: use gymbridge.make_vec"):
        gymbridge.make(f"grpc://{server.address},{second.address}/CartPole-v1")


def test_shard_sizes_must_add_up(server, second):
    with pytest.raises(ValueError, match="adds up to 5, not num_envs=4"):
        ShardedVectorEnv([server.address, second.address], "CartPole-v1", 4, shards=[3, 2])


def test_a_server_killed_during_a_step_fails_only_its_shard(server, new_server):
    doomed = new_server("--port", "0", "--log-level", "warning")
    env = ShardedVectorEnv(f"{server.address},{doomed.address}", "CartPole-v1", 4, seed=1)
    try:
        env.reset()
        env.step(np.zeros(4, dtype=np.int64))
        doomed.kill()
        with pytest.raises(RemoteError) as e:
            env.step(np.zeros(4, dtype=np.int64))
        assert e.value.code == grpc.StatusCode.UNAVAILABLE
        assert e.value.message.startswith(f"shard 1 (envs 2..3 on {doomed.address}) failed"), e.value.message
        assert env.shards[0].step(np.zeros(2, dtype=np.int64))[1].shape == (2,)  # the other server's shard goes on
    finally:
        env.close()
    assert doomed.proc.poll() is not None
