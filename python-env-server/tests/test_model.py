"""GetModel: the tabular model (unwrapped.P) of a session's env, exactly as Python stores it."""
from __future__ import annotations

import grpc
import gymnasium as gym
import numpy as np
import pytest

from gymbridge.v1 import env_pb2 as epb
from gymbridge_server import codec


def _reason(e: grpc.RpcError) -> str:
    return dict(e.trailing_metadata() or ()).get("gymbridge-reason", "")


def _make(stub, env_id: str, kwargs=None, num_envs: int = 1, wrappers=()):
    return stub.Make(epb.MakeRequest(
        env_id=env_id, num_envs=num_envs, kwargs=codec.dict_to_args(kwargs or {}),
        wrappers=[epb.WrapperSpec(name=n, kwargs=codec.dict_to_args(k)) for n, k in wrappers],
    )).session_id


def _flatten_in_process(env_id: str, kwargs) -> list[tuple[int, int, float, int, float, bool]]:
    env = gym.make(env_id, **kwargs)
    P = env.unwrapped.P
    rows = [
        (s, a, float(p), int(n), float(r), bool(d))
        for s in range(env.observation_space.n)
        for a in range(env.action_space.n)
        for (p, n, r, d) in P[s][a]
    ]
    env.close()
    return rows


@pytest.mark.parametrize(
    "env_id,kwargs",
    [
        ("FrozenLake-v1", {}),
        ("FrozenLake-v1", {"map_name": "8x8"}),
        ("FrozenLake-v1", {"is_slippery": False}),
        ("FrozenLake8x8-v1", {}),
        ("Taxi-v4", {}),
        ("Taxi-v4", {"is_rainy": True}),
        ("CliffWalking-v1", {}),
    ],
)
def test_model_is_bit_identical_to_unwrapped_p(stub, env_id, kwargs):
    sid = _make(stub, env_id, kwargs, num_envs=2, wrappers=[("TimeLimit", {"max_episode_steps": 50})])
    try:
        m = stub.GetModel(epb.GetModelRequest(session_id=sid))
    finally:
        stub.Close(epb.CloseRequest(session_id=sid))
    want = _flatten_in_process(env_id, kwargs)
    got = list(zip(m.state, m.action, m.probability, m.next_state, m.reward, m.done))
    assert got == want  # float == float: bit-identical float64, same order
    ref = gym.make(env_id, **kwargs)
    assert (m.num_states, m.num_actions) == (ref.observation_space.n, ref.action_space.n)
    ref.close()
    # Every (state, action) pair has outcomes whose probabilities sum to 1.
    sums = np.zeros((m.num_states, m.num_actions))
    np.add.at(sums, (np.array(m.state), np.array(m.action)), np.array(m.probability))
    assert np.allclose(sums, 1.0, atol=1e-12)


def _value_iteration(n_s, n_a, rows, gamma=0.99, tol=1e-13):
    v = np.zeros(n_s)
    while True:
        q = np.zeros((n_s, n_a))
        for s, a, p, n, r, d in rows:
            q[s, a] += p * (r + (0.0 if d else gamma * v[n]))
        new = q.max(axis=1)
        if np.max(np.abs(new - v)) < tol:
            return new
        v = new


def test_value_iteration_on_the_served_frozenlake_8x8_model_matches_in_process(stub):
    sid = _make(stub, "FrozenLake-v1", {"map_name": "8x8"})
    try:
        m = stub.GetModel(epb.GetModelRequest(session_id=sid))
    finally:
        stub.Close(epb.CloseRequest(session_id=sid))
    served = _value_iteration(m.num_states, m.num_actions,
                              list(zip(m.state, m.action, m.probability, m.next_state, m.reward, m.done)))
    local = _value_iteration(64, 4, _flatten_in_process("FrozenLake-v1", {"map_name": "8x8"}))
    assert np.array_equal(served, local)
    assert served[0] > 0.0  # the goal is reachable from the start


def test_env_without_model_is_failed_precondition_naming_the_env(stub):
    sid = _make(stub, "CartPole-v1")
    try:
        with pytest.raises(grpc.RpcError) as e:
            stub.GetModel(epb.GetModelRequest(session_id=sid))
    finally:
        stub.Close(epb.CloseRequest(session_id=sid))
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert _reason(e.value) == "NO_MODEL"
    assert "CartPole-v1" in e.value.details() and "FrozenLake-v1" in e.value.details()


def test_model_of_unknown_session_is_not_found(stub):
    with pytest.raises(grpc.RpcError) as e:
        stub.GetModel(epb.GetModelRequest(session_id="nope"))
    assert e.value.code() == grpc.StatusCode.NOT_FOUND
    assert _reason(e.value) == "SESSION_NOT_FOUND"


def test_model_of_a_worker_session_equals_unwrapped_p(stub):
    # The envs of a "workers" session live in other processes; the model comes from a fresh copy
    # made with the session's kwargs, which must be the same P.
    sid = stub.Make(epb.MakeRequest(
        env_id="FrozenLake-v1", num_envs=2, vectorization="workers", num_workers=2,
        kwargs=codec.dict_to_args({"map_name": "8x8"}),
    )).session_id
    try:
        m = stub.GetModel(epb.GetModelRequest(session_id=sid))
    finally:
        stub.Close(epb.CloseRequest(session_id=sid))
    got = list(zip(m.state, m.action, m.probability, m.next_state, m.reward, m.done))
    assert got == _flatten_in_process("FrozenLake-v1", {"map_name": "8x8"})
