"""vectorization="workers" (workers.py): envs stepped by a few processes, bit-identical to SyncVectorEnv.

Each test steps a WorkerVectorEnv and ``gymnasium.make_vec(..., "sync")`` with the same seeds and
actions and compares observations (bytes and dtypes), rewards, flags and the whole infos dict at
every step -- with slices of unequal size, across autoresets, for every autoreset mode.
"""
from __future__ import annotations

import os
import signal

import grpc
import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from gymbridge.v1 import env_pb2 as epb
from gymbridge_server import codec
from gymbridge_server.vector.workers import WorkerVectorEnv
from helpers import assert_same, step_frozenlake_like_sync, step_like_sync


def compare(env_id: str, n: int, workers: int, steps: int, seed: int, mode=AutoresetMode.NEXT_STEP, check=None, **kwargs) -> int:
    local = gym.make_vec(env_id, n, vectorization_mode="sync", vector_kwargs={"autoreset_mode": mode}, **kwargs)
    remote = WorkerVectorEnv(env_id, n, num_workers=workers, autoreset_mode=mode, kwargs=kwargs)
    try:
        assert remote.observation_space == local.observation_space and remote.action_space == local.action_space
        assert len(remote.processes) == workers
        dones = step_like_sync(local, remote, steps, seed, mode == AutoresetMode.DISABLED)
        if check is not None:
            check(remote)
    finally:
        local.close()
        remote.close()
    return dones


def test_mujoco_infos_and_observations_match_sync_with_unequal_slices():
    compare("HalfCheetah-v5", 5, 2, 25, seed=3)


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
@pytest.mark.parametrize("num_envs, workers", [(6, 3), (4, 2)])
def test_info_dtypes_are_those_of_syncs_first_env_when_a_slice_begins_with_a_reset_env(mode, num_envs, workers):
    env = WorkerVectorEnv("FrozenLake-v1", num_envs, num_workers=workers, autoreset_mode=mode)
    try:
        starts = [lo for lo, _ in env.slices]
        assert step_frozenlake_like_sync(env, num_envs, starts, mode, 300, seed=4) > 0, "the case was not exercised"
    finally:
        env.close()


def test_mujoco_infos_come_through_shared_memory_and_fall_back_to_the_pipes_when_their_layout_changes():
    # Episodes of 7 steps: the steps that end or restart episodes carry other infos (final_obs and
    # final_info dicts in SAME_STEP, a reset's info in NEXT_STEP), which take the pipes; the others
    # are written into the shared info area. Both must equal SyncVectorEnv's infos exactly.
    def used_both_paths(remote):
        assert 0 < remote.shm_info_steps < 40, remote.shm_info_steps

    for mode in (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP):
        assert compare("HalfCheetah-v5", 5, 2, 40, seed=4, mode=mode, check=used_both_paths, max_episode_steps=7) > 0


def test_actions_of_another_dtype_reach_the_workers_unchanged():
    # float64 actions for a float32 Box: SyncVectorEnv steps MuJoCo with the float64 values, so the
    # workers must get them as they are (the pickled path), not rounded through the float32 area.
    local = gym.make_vec("HalfCheetah-v5", 3, vectorization_mode="sync")
    remote = WorkerVectorEnv("HalfCheetah-v5", 3, num_workers=2)
    try:
        assert_same(local.reset(seed=8), remote.reset(seed=8), "reset")
        rng = np.random.default_rng(8)
        for t in range(5):
            a = rng.uniform(-1, 1, size=(3, 6))  # float64
            assert_same(local.step(a), remote.step(a), f"step {t}")
    finally:
        local.close()
        remote.close()


def test_the_workers_of_a_session_are_pinned_to_different_cpus():
    # Otherwise Linux often queues both on the CPU of the parent that woke them (see workers._pin).
    cpus = sorted(os.sched_getaffinity(0))
    env = WorkerVectorEnv("CartPole-v1", 4, num_workers=min(2, len(cpus)))
    try:
        got = [os.sched_getaffinity(p.pid) for p in env.processes]
        assert all(len(a) == 1 for a in got), got
        assert len(set().union(*got)) == len(got), got
    finally:
        env.close()


def test_cartpole_matches_sync_across_autoresets_in_every_mode():
    for mode in (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP, AutoresetMode.DISABLED):
        assert compare("CartPole-v1", 4, 3, 60, seed=11, mode=mode) >= 1, mode


def test_structured_observations_and_actions_match_sync():
    compare("gymbridge/AllSpaces-v0", 3, 2, 7, seed=5)


def test_an_env_error_in_a_worker_is_reraised_with_its_message():
    env = WorkerVectorEnv("gymbridge/AllSpaces-v0", 2, num_workers=2, kwargs={"fail_at_step": 2})
    try:
        env.reset(seed=1)
        env.step(env.action_space.sample())
        with pytest.raises(RuntimeError, match="failed on purpose"):
            env.step(env.action_space.sample())
    finally:
        env.close()


def test_a_killed_worker_fails_the_step_naming_it():
    env = WorkerVectorEnv("CartPole-v1", 4, num_workers=2)
    try:
        env.reset(seed=1)
        os.kill(env.processes[1].pid, signal.SIGKILL)
        env.processes[1].join(5)
        with pytest.raises(EOFError, match="worker process 1"):
            env.step(np.zeros(4, dtype=np.int64))
    finally:
        env.close()
    assert not any(p.is_alive() for p in env.processes)


def test_workers_session_through_the_server(stub):
    caps = stub.Handshake(epb.HandshakeRequest(protocol_version=1)).capabilities
    assert "workers" in caps.vectorizations
    made = stub.Make(epb.MakeRequest(env_id="CartPole-v1", num_envs=4, vectorization="workers", num_workers=2))
    local = gym.make_vec("CartPole-v1", 4, vectorization_mode="sync")
    try:
        r = stub.Reset(epb.ResetRequest(session_id=made.session_id, seed=2))
        assert codec.decode_tensor(r.observations.tensor).tobytes() == local.reset(seed=2)[0].tobytes()
        local.action_space.seed(2)
        for _ in range(30):
            a = local.action_space.sample()
            s = stub.Step(epb.StepRequest(session_id=made.session_id, actions=codec.encode_value(local.action_space, a)))
            obs, rew, *_ = local.step(a)
            assert codec.decode_tensor(s.observations.tensor).tobytes() == obs.tobytes()
            assert codec.decode_tensor(s.rewards).tobytes() == rew.tobytes()
    finally:
        stub.Close(epb.CloseRequest(session_id=made.session_id))
        local.close()
    with pytest.raises(grpc.RpcError) as e:
        stub.Make(epb.MakeRequest(env_id="CartPole-v1", num_envs=2, num_workers=2))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "vectorization='workers'" in e.value.details()
