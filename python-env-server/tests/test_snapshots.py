"""Env snapshots: Snapshot at a random step, run ahead, Restore, and the env replays bit-identically (every
supported family, sync and workers); refusals, the per-session limit, and snapshots dying with their session."""
from __future__ import annotations

import gc
import random
import weakref

import grpc
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from gymbridge.v1 import env_pb2 as epb
from gymbridge_server import register_envs, snapshots
from gymbridge_server.client import RemoteEnv, RemoteError, RemoteVectorEnv
from gymbridge_server.sessions import Session
from gymbridge_server.vector import factory
from helpers import assert_same

# (env id, kwargs, wrappers, time limit): short limits make the run ahead cross episode ends and autoresets.
FAMILIES = [
    ("FrozenLake-v1", {"is_slippery": True}, [], 15),
    ("FrozenLake-v1", {"map_name": "8x8"}, [], 15),
    ("Taxi-v4", {}, [], 12),
    ("CliffWalking-v1", {}, [], 10),
    ("Blackjack-v1", {}, [], 0),
    ("CartPole-v1", {}, [("RecordEpisodeStatistics", {})], 20),
    ("MountainCar-v0", {}, [], 15),
    ("MountainCarContinuous-v0", {}, [], 15),
    ("Acrobot-v1", {}, [], 15),
    ("Pendulum-v1", {}, [("NormalizeObservation", {})], 15),
    ("HalfCheetah-v5", {}, [], 15),
    ("Hopper-v5", {}, [], 15),
    ("Ant-v5", {}, [], 15),
    ("Humanoid-v5", {}, [], 15),
    ("Crafter-v1", {}, [], 15),
]


def _run(env: RemoteVectorEnv, actions: list) -> list:
    """The steps' results, without RecordEpisodeStatistics' wall-clock time (the only thing that may differ)."""
    out = []
    for a in actions:
        result = env.step(a)
        result[4].get("episode", {}).pop("t", None)
        out.append(result)
    return out


def _snapshot_run_restore(env: RemoteVectorEnv, seed: int) -> None:
    """Reset, step a random number of steps, snapshot every env, run ahead, restore, run the same actions:
    both runs equal in observations, rewards, flags and infos."""
    rng = random.Random(seed)
    env.reset(seed=seed)
    env.action_space.seed(seed)
    for _ in range(rng.randrange(1, 25)):
        env.step(env.action_space.sample())
    ids = [env.snapshot(i) for i in range(env.num_envs)]
    actions = [env.action_space.sample() for _ in range(30)]
    first = _run(env, actions)
    for i, sid in enumerate(ids):
        env.restore(sid, i)
    again = _run(env, actions)
    for t, (a, b) in enumerate(zip(first, again)):
        assert_same(a, b, f"step {t} after restore")
    # A snapshot stays valid: restoring it a second time replays once more.
    for i, sid in enumerate(ids):
        env.restore(sid, i)
    assert_same(tuple(first), tuple(_run(env, actions)), "second restore")
    assert env.release_snapshots() == env.num_envs


@pytest.mark.parametrize("env_id,kwargs,wrappers,limit", FAMILIES, ids=[f"{f[0]}{'-' + str(f[1]) if f[1] else ''}" for f in FAMILIES])
def test_restored_env_replays_bit_identically(server, env_id, kwargs, wrappers, limit):
    env = RemoteVectorEnv(server.address, env_id, 2, kwargs=kwargs, wrappers=wrappers, max_episode_steps=limit)
    try:
        _snapshot_run_restore(env, seed=sum(map(ord, env_id)))
    finally:
        env.close()


@pytest.mark.parametrize("env_id,kwargs", [("FrozenLake-v1", {"is_slippery": True}), ("CartPole-v1", {}),
                                           ("HalfCheetah-v5", {}), ("Crafter-v1", {})])
def test_restored_env_replays_bit_identically_in_worker_processes(server, env_id, kwargs):
    env = RemoteVectorEnv(server.address, env_id, 3, kwargs=kwargs, max_episode_steps=12, vectorization="workers")
    try:
        _snapshot_run_restore(env, seed=5)
    finally:
        env.close()


def test_restoring_one_env_leaves_the_others_running(server):
    env = RemoteVectorEnv(server.address, "CartPole-v1", 2, max_episode_steps=30)
    try:
        env.reset(seed=1)
        sid = env.snapshot(1)
        acts = [np.array([t % 2, 1 - t % 2]) for t in range(10)]
        first = _run(env, acts)
        env.restore(sid, 1)
        again = _run(env, acts)
        for a, b in zip(first, again):
            assert_same(a[0][1], b[0][1])  # env 1 replays
        assert not np.array_equal(first[0][0][0], again[0][0][0])  # env 0 went on from where it was
    finally:
        env.close()


def test_a_snapshot_taken_at_an_episode_end_keeps_the_autoreset_that_follows(server):
    env = RemoteVectorEnv(server.address, "CartPole-v1", 1, max_episode_steps=3)
    try:
        env.reset(seed=2)
        for _ in range(3):
            out = env.step(np.array([0]))
        assert out[3][0]  # truncated: the next step is the autoreset step
        sid = env.snapshot(0)
        first = env.step(np.array([1]))
        assert first[1][0] == 0.0  # the reset step of NEXT_STEP autoreset
        env.restore(sid, 0)
        assert_same(first, env.step(np.array([1])))
    finally:
        env.close()


def test_with_autoreset_disabled_an_ended_env_restored_to_before_its_end_steps_again(server):
    env = RemoteEnv(server.address, "FrozenLake-v1", kwargs={"is_slippery": False})
    try:
        env.reset(seed=0)
        sid = env.snapshot()
        _, _, terminated, _, _ = env.step(0)
        for _ in range(30):
            if terminated:
                break
            _, _, terminated, truncated, _ = env.step(1)
        assert terminated
        with pytest.raises(RemoteError) as e:
            env.step(0)
        assert e.value.reason == "RESET_REQUIRED"
        env.restore(sid)
        env.step(2)  # the env is back before its end: it steps
    finally:
        env.close()


def test_reseed_samples_another_outcome_and_is_itself_reproducible(server):
    env = RemoteEnv(server.address, "FrozenLake-v1", kwargs={"is_slippery": True})
    try:
        env.reset(seed=3)
        sid = env.snapshot()

        def outcomes(reseed=None):
            env.restore(sid, reseed=reseed)
            states = []
            for _ in range(6):
                obs, _, terminated, truncated, _ = env.step(2)
                states.append(obs)
                if terminated or truncated:
                    break
            return states

        assert outcomes(7) == outcomes(7)
        runs = {tuple(outcomes(s)) for s in range(8)}
        assert len(runs) > 1  # slippery: different seeds, different slips
        assert outcomes() == outcomes()
    finally:
        env.close()


def _error(fn) -> RemoteError:
    with pytest.raises(RemoteError) as e:
        fn()
    return e.value


def test_envs_whose_state_cannot_be_copied_are_refused_saying_why(server):
    env = RemoteVectorEnv(server.address, "gymbridge/AllSpaces-v0", 1)
    try:
        env.reset(seed=0)
        e = _error(lambda: env.snapshot(0))
        assert e.code == grpc.StatusCode.FAILED_PRECONDITION and e.reason == "SNAPSHOT_UNSUPPORTED"
        assert "gymbridge/AllSpaces-v0" in str(e) and "toy_text" in str(e)
    finally:
        env.close()
    env = RemoteVectorEnv(server.address, "CartPole-v1", 2, vectorization="async")
    try:
        env.reset(seed=0)
        e = _error(lambda: env.snapshot(0))
        assert e.reason == "SNAPSHOT_UNSUPPORTED" and "'sync' or 'workers'" in str(e)
    finally:
        env.close()


def test_bad_snapshot_requests_name_the_problem(server):
    env = RemoteVectorEnv(server.address, "CartPole-v1", 2)
    try:
        assert _error(lambda: env.snapshot(0)).reason == "RESET_REQUIRED"
        env.reset(seed=0)
        assert _error(lambda: env.snapshot(2)).reason == "BAD_ENV_INDEX"
        sid = env.snapshot(0)
        assert _error(lambda: env.restore(sid, 1)).reason == "SNAPSHOT_ENV_MISMATCH"
        assert _error(lambda: env.restore(sid + 100, 0)).code == grpc.StatusCode.NOT_FOUND
        assert env.release_snapshots(sid, sid + 100) == 1
        assert _error(lambda: env.restore(sid, 0)).reason == "SNAPSHOT_NOT_FOUND"
    finally:
        env.close()


@pytest.mark.parametrize("vectorization", ["sync", "workers"])
def test_every_env_is_snapshotted_and_restored_in_one_call(server, vectorization):
    """A planner's lanes: all envs of a slippery lake at one state, restored together, each reseeded its own way."""
    env = RemoteVectorEnv(server.address, "FrozenLake-v1", 4, kwargs={"is_slippery": True}, vectorization=vectorization)
    try:
        env.reset(seed=[3, 3, 3, 3])
        ids = env.snapshot_all()
        assert len(ids) == 4 and len(set(ids)) == 4
        right = np.full(4, 2)
        first = _run(env, [right] * 4)
        env.restore_all(ids)
        for t, (a, b) in enumerate(zip(first, _run(env, [right] * 4))):
            assert_same(a, b, f"step {t} after restore_all")
        env.restore_all(ids, reseeds=[7, 8, 9, 10])
        reseeded = _run(env, [right] * 4)
        env.restore_all(ids, reseeds=[7, 8, 9, 10])
        for t, (a, b) in enumerate(zip(reseeded, _run(env, [right] * 4))):
            assert_same(a, b, f"step {t}: the same reseeds, the same outcomes")
        lanes = np.stack([r[0] for r in reseeded])  # [steps, envs]: the reseeded lanes went their own ways
        assert len({tuple(lanes[:, i]) for i in range(4)}) > 1
        assert env.release_snapshots(*ids) == 4
    finally:
        env.close()


def test_batched_snapshot_and_restore_misuse_names_the_problem(new_server):
    srv = new_server("--port", "0", "--max-snapshots-per-session", "3")
    env = RemoteVectorEnv(srv.address, "CartPole-v1", 2)
    try:
        env.reset(seed=0)
        ids = env.snapshot_all()
        e = _error(lambda: env.snapshot_all())
        assert e.code == grpc.StatusCode.RESOURCE_EXHAUSTED, "2 held + 2 asked > 3: none taken"
        assert env.release_snapshots() == 2, "the refused batch took nothing"
        ids = env.snapshot_all()
        swapped = epb.RestoreRequest(session_id=env.session_id, env_indices=[0, 1], snapshot_ids=[ids[1], ids[0]])
        assert _error(lambda: env._call("restore", swapped)).reason == "SNAPSHOT_ENV_MISMATCH"
        short = epb.RestoreRequest(session_id=env.session_id, env_indices=[0, 1], snapshot_ids=[ids[0]])
        assert _error(lambda: env._call("restore", short)).code == grpc.StatusCode.INVALID_ARGUMENT
        assert _error(lambda: env.restore_all(ids, reseeds=[1])).code == grpc.StatusCode.INVALID_ARGUMENT
    finally:
        env.close()


def test_the_per_session_limit_is_resource_exhausted_naming_its_flag(new_server):
    srv = new_server("--port", "0", "--max-snapshots-per-session", "2")
    env = RemoteVectorEnv(srv.address, "CartPole-v1", 1)
    try:
        env.reset(seed=0)
        a, _ = env.snapshot(0), env.snapshot(0)
        e = _error(lambda: env.snapshot(0))
        assert e.code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert dict(e.metadata) == {"limit": "max_snapshots_per_session", "flag": "--max-snapshots-per-session"}
        env.release_snapshots(a)
        env.snapshot(0)  # room again
    finally:
        env.close()


def test_unary_calls_and_the_handshake_and_list_envs(stub):
    caps = stub.Handshake(epb.HandshakeRequest(protocol_version=1)).capabilities
    assert list(caps.snapshot_families) == list(snapshots.FAMILIES) and caps.max_snapshots_per_session == 1024
    listed = {e.env_id: e for e in stub.ListEnvs(epb.ListEnvsRequest()).envs}
    for supported in ("FrozenLake-v1", "Taxi-v4", "CartPole-v1", "Pendulum-v1", "HalfCheetah-v5", "Crafter-v1"):
        assert listed[supported].snapshots and not listed[supported].snapshot_unsupported
    assert not listed["gymbridge/AllSpaces-v0"].snapshots and "copy" in listed["gymbridge/AllSpaces-v0"].snapshot_unsupported
    made = stub.Make(epb.MakeRequest(env_id="Acrobot-v1", num_envs=1, seed=4))
    try:
        sid = made.session_id
        stub.Reset(epb.ResetRequest(session_id=sid))
        snap = stub.Snapshot(epb.SnapshotRequest(session_id=sid, env_index=0))
        assert snap.snapshot_id > 0 and snap.snapshots_held == 1
        stub.Restore(epb.RestoreRequest(session_id=sid, env_index=0, snapshot_id=snap.snapshot_id))
        released = stub.ReleaseSnapshot(epb.ReleaseSnapshotRequest(session_id=sid))
        assert (released.released, released.snapshots_held) == (1, 0)
    finally:
        stub.Close(epb.CloseRequest(session_id=made.session_id))
    with pytest.raises(grpc.RpcError) as e:
        stub.Restore(epb.RestoreRequest(session_id=made.session_id, env_index=0, snapshot_id=snap.snapshot_id))
    assert e.value.code() == grpc.StatusCode.NOT_FOUND  # the session, and its snapshots, are gone


def _session(env_id: str, vectorization: str = "sync") -> Session:
    register_envs()
    return Session.make(
        "s", env_id,
        lambda: factory.make_vector_env(env_id, 2, autoreset_mode=AutoresetMode.NEXT_STEP, kwargs={},
                                        vectorization=vectorization),
        num_envs=2, autoreset_mode=AutoresetMode.NEXT_STEP, kwargs={}, remakeable=vectorization != "sync",
    )


def test_no_snapshot_outlives_its_session():
    s = _session("CartPole-v1")
    s.reset(seed=0)
    sid, _ = s.snapshot(1)
    state = weakref.ref(s.snapshot_store._states[sid])
    s.close()
    gc.collect()
    assert state() is None and not s.snapshots
    w = _session("CartPole-v1", "workers")  # the snapshot lives in a worker process: it goes with it
    w.reset(seed=0)
    w.snapshot(0)
    processes = list(w.env.processes)
    w.close()
    assert not w.snapshots and not any(p.is_alive() for p in processes)
