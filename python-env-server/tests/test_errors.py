"""Errors a user can act on: right gRPC code, a message naming problem and fix, a reason, and
the session still usable afterwards (unary and in-band on the stream)."""
from __future__ import annotations

import grpc
import numpy as np
import pytest

from gymbridge.v1 import env_pb2 as epb
from gymbridge.v1 import tensor_pb2 as tpb
from gymbridge_server import codec
from gymbridge_server.client import RemoteError, RemoteVectorEnv
from gymbridge_server.envs.testenvs import ALL_SPACES_ID


def rpc_error(call, *args) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        call(*args)
    return info.value


def reason(e: grpc.RpcError) -> str:
    return dict(e.trailing_metadata() or ()).get("gymbridge-reason", "")


def tensor_value(a) -> tpb.Value:
    return tpb.Value(tensor=codec.encode_tensor(np.asarray(a)))


@pytest.fixture
def cartpole(stub):
    made = stub.Make(epb.MakeRequest(env_id="CartPole-v1", num_envs=2, seed=3))
    yield made.session_id
    try:
        stub.Close(epb.CloseRequest(session_id=made.session_id))
    except grpc.RpcError:
        pass


def step(stub, sid, actions):
    return stub.Step(epb.StepRequest(session_id=sid, actions=tensor_value(actions)))


def test_unknown_env_is_not_found_with_suggestion(stub):
    e = rpc_error(stub.Make, epb.MakeRequest(env_id="CartPol-v1"))
    assert e.code() == grpc.StatusCode.NOT_FOUND
    assert "did you mean CartPole-v1" in e.details() and "ListEnvs" in e.details()
    assert reason(e) == "ENV_NOT_FOUND"


def test_module_import_form_of_env_id_is_refused(stub):
    e = rpc_error(stub.Make, epb.MakeRequest(env_id="os:CartPole-v1"))
    assert e.code() == grpc.StatusCode.NOT_FOUND
    assert "module:Env-v0" in e.details()


def test_step_before_reset_is_failed_precondition(stub, cartpole):
    e = rpc_error(step, stub, cartpole, np.array([0, 1]))
    assert e.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "call reset() before step()" in e.details()
    assert reason(e) == "RESET_REQUIRED"


def test_unknown_session_is_not_found(stub):
    e = rpc_error(step, stub, "no-such-session", np.array([0]))
    assert e.code() == grpc.StatusCode.NOT_FOUND
    assert reason(e) == "SESSION_NOT_FOUND"
    e = rpc_error(stub.Close, epb.CloseRequest(session_id="no-such-session"))
    assert e.code() == grpc.StatusCode.NOT_FOUND


def test_closed_session_is_not_found(stub):
    sid = stub.Make(epb.MakeRequest(env_id="CartPole-v1")).session_id
    stub.Close(epb.CloseRequest(session_id=sid))
    e = rpc_error(stub.Reset, epb.ResetRequest(session_id=sid))
    assert e.code() == grpc.StatusCode.NOT_FOUND and reason(e) == "SESSION_NOT_FOUND"


@pytest.mark.parametrize(
    "actions, needle",
    [
        (np.array([0, 1, 1]), "shape [3] does not match the batched action space [2]"),
        (np.array([0.0, 1.0]), "dtype float64 is not allowed for Discrete(2)"),
        (np.array([0, 2]), "action for env 1 is out of its space: actions[1] = 2 is not in Discrete(2)"),
        (np.array([-1, 0]), "action for env 0 is out of its space"),
        (np.array(1), "shape [] does not match"),
    ],
)
def test_bad_discrete_actions_are_invalid_argument_and_leave_session_usable(stub, cartpole, actions, needle):
    first = stub.Reset(epb.ResetRequest(session_id=cartpole, seed=1)).observations
    e = rpc_error(step, stub, cartpole, actions)
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert needle in e.details(), e.details()
    # State unchanged: the next good step continues from the reset observation exactly like a
    # fresh in-process env would.
    import gymnasium as gym

    local = gym.make_vec("CartPole-v1", 2, vectorization_mode="sync")
    l_obs, _ = local.reset(seed=1)
    assert codec.decode_value(local.observation_space, first).tobytes() == l_obs.tobytes()
    good = step(stub, cartpole, np.array([1, 0], dtype=np.int8))  # any integer dtype is accepted
    l_next = local.step(np.array([1, 0]))[0]
    assert codec.decode_tensor(good.observations.tensor).tobytes() == l_next.tobytes()
    local.close()


def test_out_of_range_ids_name_the_env_value_space_and_fix(stub, cartpole):
    stub.Reset(epb.ResetRequest(session_id=cartpole, seed=1))
    e = rpc_error(step, stub, cartpole, np.array([1, 7]))
    assert "env 1" in e.details() and "7" in e.details() and "Discrete(2)" in e.details()
    assert "send an integer in 0..1" in e.details()
    assert reason(e) == "ACTION_OUT_OF_SPACE"


def test_box_actions_need_float_kind_shape_and_bounds(stub):
    sid = stub.Make(epb.MakeRequest(env_id="Pendulum-v1", num_envs=2)).session_id
    try:
        stub.Reset(epb.ResetRequest(session_id=sid, seed=0))
        cases = [
            (np.zeros((2, 1), dtype=np.int64), "dtype int64 does not match Box"),
            (np.zeros((2, 2), dtype=np.float32), "shape [2, 2] does not match"),
            (np.array([[0.0], [3.0]], dtype=np.float32), "action for env 1 is out of its space"),
            (np.array([[np.nan], [0.0]], dtype=np.float32), "action for env 0 contains NaN"),
        ]
        for actions, needle in cases:
            e = rpc_error(step, stub, sid, actions)
            assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, actions
            assert needle in e.details(), e.details()
        ok = step(stub, sid, np.array([[0.5], [-0.5]], dtype=np.float32))
        assert codec.decode_tensor(ok.rewards).shape == (2,)
        # float64 is the same kind: accepted and cast to the space's float32.
        step(stub, sid, np.array([[0.5], [-0.5]], dtype=np.float64))
    finally:
        stub.Close(epb.CloseRequest(session_id=sid))


def test_malformed_tensor_is_invalid_argument(stub, cartpole):
    stub.Reset(epb.ResetRequest(session_id=cartpole, seed=1))
    bad = tpb.Value(tensor=tpb.Tensor(dtype=tpb.DTYPE_INT64, shape=[2], data=b"\x00" * 12))
    e = rpc_error(stub.Step, epb.StepRequest(session_id=cartpole, actions=bad))
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "12 data bytes do not match shape [2] of int64 (16 bytes" in e.details()
    no_dtype = tpb.Value(tensor=tpb.Tensor(shape=[2], data=b"\x00" * 16))
    e = rpc_error(stub.Step, epb.StepRequest(session_id=cartpole, actions=no_dtype))
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and "DTYPE_UNSPECIFIED" in e.details()


def test_env_exception_is_aborted_with_last_line_and_requires_reset(server):
    envs = RemoteVectorEnv(server.address, ALL_SPACES_ID, 2, kwargs={"fail_at_step": 2}, transport="unary")
    try:
        envs.reset(seed=0)
        envs.step(envs.action_space.sample())
        with pytest.raises(RemoteError) as info:
            envs.step(envs.action_space.sample())
        assert info.value.code == grpc.StatusCode.ABORTED
        assert "RuntimeError: AllSpaces-v0 failed on purpose at step 2 (fail_at_step=2)" in info.value.message
        with pytest.raises(RemoteError) as info:
            envs.step(envs.action_space.sample())
        assert info.value.code == grpc.StatusCode.FAILED_PRECONDITION and info.value.reason == "RESET_REQUIRED"
        envs.reset(seed=1)
        envs.step(envs.action_space.sample())  # usable again after reset
    finally:
        envs.close()


def test_bad_make_kwargs_are_invalid_argument(stub):
    req = epb.MakeRequest(env_id="CartPole-v1", kwargs=codec.dict_to_args({"no_such_kwarg": 1}))
    e = rpc_error(stub.Make, req)
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "no_such_kwarg" in e.details()


def test_wrapper_outside_allowlist_is_invalid_argument(stub):
    req = epb.MakeRequest(env_id="CartPole-v1", wrappers=[epb.WrapperSpec(name="HumanRendering")])
    e = rpc_error(stub.Make, req)
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "not allowed" in e.details() and "RecordEpisodeStatistics" in e.details()


def test_stream_errors_are_in_band_and_the_stream_continues(server):
    with server.channel() as channel:
        from gymbridge.v1 import env_pb2_grpc

        stub = env_pb2_grpc.EnvServiceStub(channel)
        reqs = [
            epb.SessionRequest(seq=1, make=epb.MakeRequest(env_id="NoSuchEnv-v0")),
            epb.SessionRequest(seq=2, make=epb.MakeRequest(env_id="CartPole-v1", num_envs=2)),
        ]
        import queue

        q: queue.Queue = queue.Queue()
        responses = stub.Session(iter(q.get, None))
        q.put(reqs[0])
        r1 = next(responses)
        assert r1.seq == 1 and r1.error.code == grpc.StatusCode.NOT_FOUND.value[0]
        assert r1.error.reason == "ENV_NOT_FOUND" and r1.WhichOneof("response") is None
        q.put(reqs[1])
        r2 = next(responses)
        sid = r2.make.session_id
        assert r2.seq == 2 and not r2.HasField("error") and sid
        q.put(epb.SessionRequest(seq=3, step=epb.StepRequest(session_id=sid, actions=tensor_value(np.array([0, 1])))))
        r3 = next(responses)
        assert r3.seq == 3 and r3.error.code == grpc.StatusCode.FAILED_PRECONDITION.value[0]
        assert r3.error.reason == "RESET_REQUIRED"
        q.put(epb.SessionRequest(seq=4, reset=epb.ResetRequest(session_id=sid, seed=0)))
        assert next(responses).HasField("reset")
        q.put(epb.SessionRequest(seq=5, step=epb.StepRequest(session_id=sid, actions=tensor_value(np.array([0, 5])))))
        r5 = next(responses)
        assert r5.error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0] and "env 1" in r5.error.message
        q.put(epb.SessionRequest(seq=6, step=epb.StepRequest(session_id=sid, actions=tensor_value(np.array([0, 1])))))
        r6 = next(responses)
        assert r6.seq == 6 and r6.HasField("step")
        assert codec.decode_tensor(r6.step.rewards).tolist() == [1.0, 1.0]
        q.put(epb.SessionRequest(seq=7))
        r7 = next(responses)
        assert r7.error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
        q.put(None)  # end the stream: sessions it made are closed
        assert list(responses) == []
    with server.channel() as channel:
        from gymbridge.v1 import env_pb2_grpc

        e = rpc_error(env_pb2_grpc.EnvServiceStub(channel).Reset, epb.ResetRequest(session_id=sid))
        assert e.code() == grpc.StatusCode.NOT_FOUND


def test_reset_argument_errors(stub, cartpole):
    e = rpc_error(stub.Reset, epb.ResetRequest(session_id=cartpole, seed=1, seeds=[1, 2]))
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT
    e = rpc_error(stub.Reset, epb.ResetRequest(session_id=cartpole, seeds=[1]))
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and "one seed per env" in e.details()
    e = rpc_error(stub.Reset, epb.ResetRequest(session_id=cartpole, reset_mask=[True, False]))
    assert e.code() == grpc.StatusCode.FAILED_PRECONDITION and "without reset_mask" in e.details()
    per_env = stub.Reset(epb.ResetRequest(session_id=cartpole, seeds=[5, 9])).observations
    import gymnasium as gym

    a = gym.make("CartPole-v1").reset(seed=5)[0]
    b = gym.make("CartPole-v1").reset(seed=9)[0]
    assert codec.decode_tensor(per_env.tensor).tobytes() == np.stack([a, b]).tobytes()


def test_stepping_an_ended_env_without_autoreset_asks_for_a_masked_reset(server):
    from gymnasium.vector import AutoresetMode

    envs = RemoteVectorEnv(server.address, ALL_SPACES_ID, 2, autoreset_mode=AutoresetMode.DISABLED)
    try:
        envs.reset(seed=0)
        for _ in range(5):  # AllSpaces terminates after 5 steps
            _, _, terminated, _, _ = envs.step(envs.action_space.sample())
        assert terminated.tolist() == [True, True]
        with pytest.raises(RemoteError) as info:
            envs.step(envs.action_space.sample())
        assert info.value.code == grpc.StatusCode.FAILED_PRECONDITION and info.value.reason == "RESET_REQUIRED"
        assert "envs [0, 1] ended" in info.value.message
        envs.reset(options={"reset_mask": np.array([True, False])})
        with pytest.raises(RemoteError) as info:
            envs.step(envs.action_space.sample())
        assert "envs [1] ended" in info.value.message
        envs.reset(options={"reset_mask": np.array([False, True])})
        _, rewards, terminated, _, infos = envs.step(envs.action_space.sample())
        assert rewards.tolist() == [1.0, 1.0] and infos["t"].tolist() == [1, 1]
    finally:
        envs.close()


def test_async_session_recovers_from_a_crashed_worker_on_reset(server):
    envs = RemoteVectorEnv(server.address, ALL_SPACES_ID, 2, vectorization="async", kwargs={"fail_at_step": 2})
    try:
        envs.reset(seed=0)
        envs.step(envs.action_space.sample())
        with pytest.raises(RemoteError) as info:
            envs.step(envs.action_space.sample())
        assert info.value.code == grpc.StatusCode.ABORTED
        assert "failed on purpose at step 2" in info.value.message
        obs, _ = envs.reset(seed=1)  # remakes the worker processes
        assert envs.observation_space.contains(obs)
        _, rewards, _, _, _ = envs.step(envs.action_space.sample())
        assert rewards.tolist() == [1.0, 1.0]
    finally:
        envs.close()


def test_env_constructor_refusing_its_arguments_is_invalid_argument_with_the_python_error(stub):
    req = epb.MakeRequest(env_id="FrozenLake-v1", kwargs=codec.dict_to_args({"map_name": "9x9"}))
    e = rpc_error(stub.Make, req)
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "making FrozenLake-v1 failed: KeyError: '9x9'" in e.details()
