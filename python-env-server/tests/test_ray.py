"""vectorization="ray" (vector/ray.py): env slices as Ray actors, bit-identical to SyncVectorEnv.

One server joins a private single-node Ray (``--ray-address local``) inside a loopback-only network
namespace (raynet.py) and serves on a unix socket; the tests step its sessions through the Python
client next to ``gymnasium.make_vec(..., "sync")`` with the same seeds and actions and compare every
observation, reward, flag and info bit for bit, then break actors and check what is left. The
multi-node cases (a 3-node ``ray.cluster_utils.Cluster``) are in test_ray_cluster.py.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import grpc
import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from conftest import ServerProcess
from gymbridge.v1 import env_pb2 as epb
from gymbridge_server.client import RemoteError, RemoteVectorEnv
from helpers import assert_same, step_frozenlake_like_sync, step_like_sync
from raynet import netns_prefix, ray_processes

IDLE_TIMEOUT_S = 20


@pytest.fixture(scope="module")
def ray_server(tmp_path_factory: pytest.TempPathFactory):
    d = tmp_path_factory.mktemp("ray")
    srv = ServerProcess(
        "--unix", str(d / "s.sock"), "--ray-address", "local", "--session-idle-timeout", str(IDLE_TIMEOUT_S),
        "--fault-envs", "--log-level", "warning",
        # 4 logical CPUs: room for two sessions' actors on this small machine
        log_path=d / "server.log", prefix=("env", "GYMBRIDGE_RAY_LOCAL_CPUS=4", *netns_prefix()),
    )
    yield srv
    code = srv.terminate(60)
    assert code == 0, f"server exited with {code}; log:\n{srv.log()}"
    deadline = time.monotonic() + 20
    while ray_processes("gbray-") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ray_processes("gbray-") == [], "the private Ray outlived the server"
    assert ray_processes() == [], "actors outlived the server"


def remote(srv: ServerProcess, env_id: str, n: int, workers: int, **options) -> RemoteVectorEnv:
    return RemoteVectorEnv(srv.address, env_id, n, vectorization="ray", num_workers=workers, **options)


def compare(srv, env_id: str, n: int, workers: int, steps: int, seed: int, mode=AutoresetMode.NEXT_STEP, **kwargs) -> int:
    local = gym.make_vec(env_id, n, vectorization_mode="sync", vector_kwargs={"autoreset_mode": mode}, **kwargs)
    env = remote(srv, env_id, n, workers, autoreset_mode=mode, kwargs=kwargs)
    try:
        assert env.observation_space == local.observation_space and env.action_space == local.action_space
        return step_like_sync(local, env, steps, seed, mode == AutoresetMode.DISABLED)
    finally:
        local.close()
        env.close()


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_the_handshake_offers_ray(ray_server):
    caps = ray_server.stub().Handshake(epb.HandshakeRequest(protocol_version=1)).capabilities
    assert list(caps.vectorizations) == ["sync", "async", "workers", "ray"]


def test_cartpole_matches_sync_across_autoresets_in_every_mode(ray_server):
    for mode in (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP, AutoresetMode.DISABLED):
        assert compare(ray_server, "CartPole-v1", 5, 2, 60, seed=11, mode=mode) >= 1, mode


def test_halfcheetah_infos_and_observations_match_sync_with_unequal_slices(ray_server):
    compare(ray_server, "HalfCheetah-v5", 3, 2, 20, seed=3, mode=AutoresetMode.SAME_STEP, max_episode_steps=7)


def test_frozenlake_matches_sync(ray_server):
    assert compare(ray_server, "FrozenLake-v1", 3, 2, 40, seed=5) >= 1


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
def test_info_dtypes_are_those_of_syncs_first_env_when_a_slice_begins_with_a_reset_env(ray_server, mode):
    env = remote(ray_server, "FrozenLake-v1", 6, 3, autoreset_mode=mode)
    try:  # slices of 2 envs: 0-1, 2-3, 4-5
        assert step_frozenlake_like_sync(env, 6, [0, 2, 4], mode, 300, seed=4) > 0, "the case was not exercised"
    finally:
        env.close()


def test_dict_observations_and_actions_match_sync(ray_server):
    compare(ray_server, "gymbridge/AllSpaces-v0", 3, 2, 7, seed=5)


def test_crafter_matches_sync(ray_server):
    compare(ray_server, "Crafter-v1", 2, 2, 10, seed=1)


def test_renders_are_the_frames_of_sync(ray_server):
    local = gym.make_vec("CartPole-v1", 3, vectorization_mode="sync", render_mode="rgb_array")
    env = remote(ray_server, "CartPole-v1", 3, 2, render_mode="rgb_array")
    try:
        local.reset(seed=2)
        env.reset(seed=2)
        assert np.array_equal(np.stack(local.render()), env.render())
    finally:
        local.close()
        env.close()


def test_an_env_error_is_aborted_with_its_message_and_the_next_reset_makes_fresh_actors(ray_server):
    env = remote(ray_server, "gymbridge/AllSpaces-v0", 2, 2, kwargs={"fail_at_step": 2})
    try:
        env.reset(seed=1)
        env.step(env.action_space.sample())
        with pytest.raises(RemoteError) as e:
            env.step(env.action_space.sample())
        assert e.value.code == grpc.StatusCode.ABORTED and e.value.reason == "ENV_ERROR"
        assert "failed on purpose" in e.value.message
        env.reset(seed=1)
        env.step(env.action_space.sample())
    finally:
        env.close()


def test_a_killed_actor_fails_only_its_session_naming_the_node_and_reset_recreates_it(ray_server):
    env = remote(ray_server, "CartPole-v1", 4, 2)
    env.reset(seed=1)
    mine = ray_processes()
    assert len(mine) == 2, mine
    other = remote(ray_server, "CartPole-v1", 2, 1, placement="pack")
    try:
        other.reset(seed=0)
        os.kill(mine[1], signal.SIGKILL)
        with pytest.raises(RemoteError) as e:
            for _ in range(50):  # Ray may answer a step or two before it sees the death
                env.step(np.zeros(4, dtype=np.int64))
        assert e.value.code == grpc.StatusCode.ABORTED and e.value.reason == "WORKER_DIED", e.value
        assert "on node 127.0.0.1" in e.value.message and "died" in e.value.message, e.value.message
        other.step(np.zeros(2, dtype=np.int64))  # another session is unaffected
        env.reset(seed=1)  # the session's next reset makes new actors: what on_crash=recreate relies on
        env.step(np.zeros(4, dtype=np.int64))
    finally:
        env.close()
        other.close()
    wait_for(lambda: ray_processes() == [], 20, f"actors left after close: {ray_processes()}")


def test_pack_placement_and_bad_options_are_checked(ray_server):
    env = remote(ray_server, "CartPole-v1", 2, 2, placement="pack")
    env.close()
    with pytest.raises(RemoteError) as e:
        remote(ray_server, "CartPole-v1", 2, 2, placement="scatter")
    assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT and "'spread' or 'pack'" in e.value.message
    with pytest.raises(RemoteError) as e:
        remote(ray_server, "CartPole-v1", 8, 8)  # 8 one-CPU actors on a 4-CPU Ray cannot be placed
    assert e.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED and "num_workers <= 4" in e.value.message
    wait_for(lambda: ray_processes() == [], 20, f"actors left: {ray_processes()}")


def test_a_reaped_session_releases_its_actors(ray_server):
    # Unary calls: the server also ends an idle stream once its session is reaped (CANCELLED), while a
    # unary step reaches the dispatcher and names the missing session.
    env = remote(ray_server, "CartPole-v1", 2, 2, transport="unary")
    env.reset(seed=0)
    assert len(ray_processes()) == 2
    wait_for(lambda: ray_processes() == [], IDLE_TIMEOUT_S + 30, "the reaper left the session's actors")
    with pytest.raises(RemoteError) as e:
        env.step(np.zeros(2, dtype=np.int64))
    assert e.value.code == grpc.StatusCode.NOT_FOUND
    env.close()


def test_without_a_cluster_ray_is_refused_naming_the_flag(stub):
    with pytest.raises(grpc.RpcError) as e:
        stub.Make(epb.MakeRequest(env_id="CartPole-v1", num_envs=2, vectorization="ray"))
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "--ray-address" in e.value.details()
    assert "ray" not in stub.Handshake(epb.HandshakeRequest(protocol_version=1)).capabilities.vectorizations


def test_without_ray_installed_the_mode_and_the_flag_are_refused_with_the_pip_command():
    # `import ray` fails as on a server installed without the [ray] extra.
    code = (
        "import sys; sys.modules['ray'] = None\n"
        "from gymbridge_server.vector import factory, ray as rv\n"
        "from gymbridge.v1 import env_pb2\n"
        "try:\n"
        "    factory.make_vector_env('CartPole-v1', 2, autoreset_mode=None, kwargs={}, vectorization='ray')\n"
        "except rv.RayUnavailableError as e:\n"
        "    print('REFUSED', e.reason, e)\n"
        "from gymbridge_server.cli import main\n"
        "main(['--ray-address', 'local'])\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "REFUSED DEPENDENCY_MISSING" in r.stdout and "pip install 'gymbridge-server[ray]'" in r.stdout, r
    assert r.returncode == 2 and "pip install 'gymbridge-server[ray]'" in r.stderr, r.stderr
