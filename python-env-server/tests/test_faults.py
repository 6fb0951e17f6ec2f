"""Crash isolation, leases, limits, deadlines, cancellation and metrics.

One server with the fault env (gymbridge/Fault-v0), a short idle timeout, small limits and a
metrics port. Every test asserts the exact status of the faulty call and that a healthy session
on the same server kept stepping throughout.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import time
import urllib.request

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from conftest import ServerProcess
from gymbridge.v1 import env_pb2 as epb
from gymbridge.v1 import env_pb2_grpc
from gymbridge.v1 import tensor_pb2 as tpb
from faults import HealthyStepper, int_actions, reason_of
from helpers import pid_alive

FAULT = "gymbridge/Fault-v0"
IDLE_S = 2.0
OK, RAISE, ABORT, SEGFAULT, EXIT, SLEEP = range(6)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    log = tmp_path_factory.mktemp("faults") / "server.log"
    server = ServerProcess(
        "--port", "0", "--fault-envs", "--session-idle-timeout", str(IDLE_S), "--max-envs-per-session", "16",
        "--max-total-envs", "40", "--max-sessions", "12", "--max-message-mb", "1", "--metrics-port", str(_free_port()),
        "--log-level", "info", log_path=log,
    )
    server.metrics_port = int(_metrics_port(server))
    yield server
    assert server.terminate() == 0, server.log()


def _metrics_port(server: ServerProcess) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for line in server.log().splitlines():
            if "metrics on http://" in line:
                return line.rsplit(":", 1)[1].split("/")[0]
        time.sleep(0.05)
    raise AssertionError("no metrics line in the server log")


@pytest.fixture(scope="module")
def ch(srv):
    channel = srv.channel()
    yield channel
    channel.close()


@pytest.fixture(scope="module")
def stub(ch):
    return env_pb2_grpc.EnvServiceStub(ch)


@pytest.fixture
def healthy(srv):
    with srv.channel() as channel, HealthyStepper(channel) as h:
        yield h


def _make_fault(stub, n=2, vectorization="async", **kwargs) -> tuple[str, list[int]]:
    args = {k: tpb.Arg(double_value=v) for k, v in kwargs.items()}
    made = stub.Make(epb.MakeRequest(env_id=FAULT, num_envs=n, vectorization=vectorization, kwargs=args), timeout=60)
    return made.session_id, _pids(stub, made.session_id)


def _pids(stub, sid) -> list[int]:
    r = stub.Reset(epb.ResetRequest(session_id=sid, seed=0), timeout=60)
    obs = np.frombuffer(r.observations.tensor.data, dtype="<f4").reshape(-1, 2)
    return [int(p) for p in obs[:, 1]]


def _step(stub, sid, actions, **kw):
    return stub.Step(epb.StepRequest(session_id=sid, actions=int_actions(actions)), **kw)


def _assert_serving(ch):
    r = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(service="gymbridge.v1.EnvService"), timeout=5)
    assert r.status == health_pb2.HealthCheckResponse.SERVING


# ------------------------------------------------------------------------------- crash isolation


def test_env_that_raises_fails_only_its_session_which_resets_and_goes_on(stub, ch, healthy):
    before = healthy.steps
    sid, _ = _make_fault(stub, vectorization="sync")
    _step(stub, sid, [OK, OK], timeout=30)
    with pytest.raises(grpc.RpcError) as e:
        _step(stub, sid, [OK, RAISE], timeout=30)
    assert e.value.code() == grpc.StatusCode.ABORTED
    assert "RuntimeError: fault injected at step 1" in e.value.details() and reason_of(e.value) == "ENV_ERROR"
    with pytest.raises(grpc.RpcError) as e:
        _step(stub, sid, [OK, OK], timeout=30)
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION and reason_of(e.value) == "RESET_REQUIRED"
    _pids(stub, sid)
    _step(stub, sid, [OK, OK], timeout=30)
    _assert_serving(ch)
    healthy.assert_kept_stepping(before)
    stub.Close(epb.CloseRequest(session_id=sid), timeout=30)


@pytest.mark.parametrize(
    "how, action, says",
    [("sigkill", None, "killed by SIGKILL"), ("abort", ABORT, "killed by SIGABRT"),
     ("segfault", SEGFAULT, "killed by SIGSEGV"), ("exit", EXIT, "exited with code 3")],
)
def test_worker_that_dies_fails_only_its_session(stub, ch, healthy, how, action, says):
    before = healthy.steps
    sid, pids = _make_fault(stub)
    if action is None:
        os.kill(pids[1], signal.SIGKILL)
        deadline = time.monotonic() + 10
        while pid_alive(pids[1]) and time.monotonic() < deadline:
            time.sleep(0.02)
        actions = [OK, OK]
    else:
        actions = [OK, action]
    with pytest.raises(grpc.RpcError) as e:
        _step(stub, sid, actions, timeout=30)
    assert e.value.code() == grpc.StatusCode.ABORTED, e.value.details()
    assert says in e.value.details() and f"pid {pids[1]}" in e.value.details(), e.value.details()
    assert reason_of(e.value) == "WORKER_DIED"
    _assert_serving(ch)
    healthy.assert_kept_stepping(before)
    # reset() restarts the workers and the session goes on; the old workers are all gone.
    new_pids = _pids(stub, sid)
    assert set(new_pids).isdisjoint(pids)
    _step(stub, sid, [OK, OK], timeout=30)
    assert not any(pid_alive(p) for p in pids)
    stub.Close(epb.CloseRequest(session_id=sid), timeout=30)
    assert not any(pid_alive(p) for p in new_pids)


# ------------------------------------------------------------------------------------- leases


def test_idle_session_is_reaped_and_its_workers_freed(stub, healthy):
    before = healthy.steps
    sid, pids = _make_fault(stub)  # made by unary calls and never closed: its client "vanished"
    time.sleep(IDLE_S * 2.5)
    with pytest.raises(grpc.RpcError) as e:
        _step(stub, sid, [OK, OK], timeout=30)
    assert e.value.code() == grpc.StatusCode.NOT_FOUND and reason_of(e.value) == "SESSION_NOT_FOUND"
    assert "--session-idle-timeout" in e.value.details()
    assert not any(pid_alive(p) for p in pids)
    healthy.assert_kept_stepping(before)


def test_use_renews_the_lease(stub, healthy):
    sid, _ = _make_fault(stub, vectorization="sync")
    for _ in range(6):
        time.sleep(IDLE_S / 2)
        _step(stub, sid, [OK, OK], timeout=30)  # would be NOT_FOUND had the lease run out
    stub.Close(epb.CloseRequest(session_id=sid), timeout=30)
    with pytest.raises(grpc.RpcError) as e:
        stub.Close(epb.CloseRequest(session_id=sid), timeout=30)  # duplicate close
    assert e.value.code() == grpc.StatusCode.NOT_FOUND and reason_of(e.value) == "SESSION_NOT_FOUND"


def test_cancelled_stream_stops_and_closes_its_sessions(stub, srv, healthy):
    before = healthy.steps
    import queue

    requests: queue.Queue = queue.Queue()
    with srv.channel() as ch2:
        call = env_pb2_grpc.EnvServiceStub(ch2).Session(iter(requests.get, None))
        requests.put(epb.SessionRequest(seq=1, make=epb.MakeRequest(
            env_id=FAULT, num_envs=1, kwargs={"sleep_s": tpb.Arg(double_value=1.0)})))
        sid = next(call).make.session_id
        requests.put(epb.SessionRequest(seq=2, reset=epb.ResetRequest(session_id=sid)))
        assert not next(call).HasField("error")
        # A slow step in flight, then the client cancels the stream.
        requests.put(epb.SessionRequest(seq=3, step=epb.StepRequest(session_id=sid, actions=int_actions([SLEEP]))))
        time.sleep(0.2)
        call.cancel()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                _step(stub, sid, [OK], timeout=30)
            except grpc.RpcError as e:
                assert e.code() == grpc.StatusCode.NOT_FOUND
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the cancelled stream's session is still open")
        requests.put(None)
    healthy.assert_kept_stepping(before)


# ------------------------------------------------------------------------------------- limits


def test_absurd_num_envs_is_resource_exhausted_naming_the_flag(stub, healthy):
    before = healthy.steps
    for n, flag in ((2**31 - 1, "--max-envs-per-session"), (17, "--max-envs-per-session")):
        with pytest.raises(grpc.RpcError) as e:
            stub.Make(epb.MakeRequest(env_id="CartPole-v1", num_envs=n), timeout=30)
        assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and flag in e.value.details()
        assert reason_of(e.value) == "LIMIT_EXCEEDED"
    healthy.assert_kept_stepping(before)


def test_total_envs_and_sessions_limits(stub, healthy):
    before = healthy.steps  # the healthy session holds 2 envs of the 40
    made = [stub.Make(epb.MakeRequest(env_id="CartPole-v1", num_envs=16), timeout=30).session_id for _ in range(2)]
    with pytest.raises(grpc.RpcError) as e:
        stub.Make(epb.MakeRequest(env_id="CartPole-v1", num_envs=16), timeout=30)
    assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "--max-total-envs" in e.value.details()
    for sid in made:
        stub.Close(epb.CloseRequest(session_id=sid), timeout=30)
    made = []
    with pytest.raises(grpc.RpcError) as e:
        for _ in range(12):
            made.append(stub.Make(epb.MakeRequest(env_id="CartPole-v1"), timeout=30).session_id)
    assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "--max-sessions" in e.value.details()
    assert 1 <= len(made) <= 11  # 12 minus the healthy one (and any left by an earlier test)
    for sid in made:
        stub.Close(epb.CloseRequest(session_id=sid), timeout=30)
    healthy.assert_kept_stepping(before)


def test_oversized_messages_both_ways(stub, healthy):
    before = healthy.steps
    sid = stub.Make(epb.MakeRequest(env_id="CartPole-v1", num_envs=2, render_mode="rgb_array"), timeout=30).session_id
    stub.Reset(epb.ResetRequest(session_id=sid), timeout=30)
    # A request over --max-message-mb 1 is refused by gRPC before it reaches the env.
    big = tpb.Value(tensor=tpb.Tensor(dtype=tpb.DTYPE_INT64, shape=[2], data=b"\0" * (2 << 20)))
    with pytest.raises(grpc.RpcError) as e:
        stub.Step(epb.StepRequest(session_id=sid, actions=big), timeout=30)
    assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    # A response over the limit (two 400x600 RGB frames, 1.4 MiB) names the limit and its flag.
    with pytest.raises(grpc.RpcError) as e:
        stub.Render(epb.RenderRequest(session_id=sid), timeout=30)
    assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "--max-message-mb" in e.value.details()
    _step(stub, sid, [0, 1], timeout=30)  # the session itself is fine
    stub.Close(epb.CloseRequest(session_id=sid), timeout=30)
    healthy.assert_kept_stepping(before)


def test_handshake_reports_lease_and_limits(stub):
    caps = stub.Handshake(epb.HandshakeRequest(), timeout=10).capabilities
    assert caps.session_idle_timeout_ms == int(IDLE_S * 1000)
    assert (caps.max_total_envs, caps.max_envs_per_session, caps.max_sessions) == (40, 16, 12)
    assert caps.max_message_bytes == 1 << 20


# ------------------------------------------------------------------------------------ deadlines


def test_deadline_exceeded_fails_only_that_call(stub, healthy):
    before = healthy.steps
    sid, _ = _make_fault(stub, n=1, vectorization="sync", sleep_s=1.5)
    t0 = time.monotonic()
    with pytest.raises(grpc.RpcError) as e:
        _step(stub, sid, [SLEEP], timeout=0.3)
    assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert time.monotonic() - t0 < 1.2
    healthy.assert_kept_stepping(before)
    # The session waits for the abandoned step, then serves the next call.
    r = _step(stub, sid, [OK], timeout=30)
    assert np.frombuffer(r.rewards.data, dtype="<f8").tolist() == [1.0]
    stub.Close(epb.CloseRequest(session_id=sid), timeout=30)


# ------------------------------------------------------------------------------- observability


def test_metrics_and_structured_session_events(srv, stub):
    text = urllib.request.urlopen(f"http://127.0.0.1:{srv.metrics_port}/metrics", timeout=10).read().decode()

    def value(name: str) -> float:
        for line in text.splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{") and line.split(" ")[0] == name:
                return float(line.rsplit(" ", 1)[1])
        raise AssertionError(f"{name} not in metrics:\n{text[:3000]}")

    assert value('gymbridge_session_events_total{event="crashed"}') >= 5
    assert value('gymbridge_session_events_total{event="reaped"}') >= 1
    assert value('gymbridge_errors_total{code="ABORTED"}') >= 5
    assert value('gymbridge_errors_total{code="RESOURCE_EXHAUSTED"}') >= 3
    assert value("gymbridge_steps_total") >= 20
    assert value("gymbridge_step_seconds_count") >= 10
    assert value("gymbridge_sessions") >= 0 and value("gymbridge_envs") >= 0
    events = [json.loads(line.split("session_event ", 1)[1]) for line in srv.log().splitlines() if "session_event {" in line]
    kinds = {e["event"] for e in events}
    assert {"created", "closed", "reaped", "crashed"} <= kinds, kinds
    assert all(e["peer"].startswith("ipv4:127.0.0.1:") for e in events), events[:3]
    crashed = [e for e in events if e["event"] == "crashed"]
    assert any("SIGSEGV" in e["error"] for e in crashed)


# ------------------------------------------------------------------------------------ bad input


def _tensor(dtype, shape, data) -> tpb.Value:
    return tpb.Value(tensor=tpb.Tensor(dtype=dtype, shape=shape, data=data))


def test_every_kind_of_bad_input_gets_its_precise_status_and_nothing_else_is_affected(stub, healthy):
    """The issue's list, one row each: the exact code (and reason), the session still steps afterwards."""
    before = healthy.steps
    cart = stub.Make(epb.MakeRequest(env_id="CartPole-v1", num_envs=2), timeout=30).session_id
    pend = stub.Make(epb.MakeRequest(env_id="Pendulum-v1", num_envs=2), timeout=30).session_id
    closed = stub.Make(epb.MakeRequest(env_id="CartPole-v1"), timeout=30).session_id
    stub.Close(epb.CloseRequest(session_id=closed), timeout=30)
    # Step before reset: FAILED_PRECONDITION.
    with pytest.raises(grpc.RpcError) as e:
        _step(stub, cart, [0, 1], timeout=30)
    assert (e.value.code(), reason_of(e.value)) == (grpc.StatusCode.FAILED_PRECONDITION, "RESET_REQUIRED")
    for sid in (cart, pend):
        stub.Reset(epb.ResetRequest(session_id=sid, seed=0), timeout=30)
    f32 = lambda *v: np.asarray(v, dtype="<f4").reshape(-1, 1).tobytes()  # noqa: E731
    rows = [
        # (what, session, actions, code, reason)
        ("data length != shape x itemsize", cart, _tensor(tpb.DTYPE_INT64, [2], b"\0" * 12), grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_VALUE"),
        ("unknown dtype", cart, _tensor(99, [2], b"\0" * 16), grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_VALUE"),
        ("wrong shape", cart, int_actions([0, 1, 1]), grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_VALUE"),
        ("wrong dtype kind", cart, _tensor(tpb.DTYPE_FLOAT64, [2], np.zeros(2).tobytes()), grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_VALUE"),
        ("out-of-range discrete", cart, int_actions([0, 2]), grpc.StatusCode.INVALID_ARGUMENT, "ACTION_OUT_OF_SPACE"),
        ("NaN where the Box forbids it", pend, _tensor(tpb.DTYPE_FLOAT32, [2, 1], f32(0.0, np.nan)), grpc.StatusCode.INVALID_ARGUMENT, "ACTION_OUT_OF_SPACE"),
        ("inf where the Box forbids it", pend, _tensor(tpb.DTYPE_FLOAT32, [2, 1], f32(np.inf, 0.0)), grpc.StatusCode.INVALID_ARGUMENT, "ACTION_OUT_OF_SPACE"),
        ("unknown session", "no-such-session", int_actions([0, 1]), grpc.StatusCode.NOT_FOUND, "SESSION_NOT_FOUND"),
        ("closed session", closed, int_actions([0]), grpc.StatusCode.NOT_FOUND, "SESSION_NOT_FOUND"),
        # refused by gRPC itself before the service (no reason trailer): "Received message larger than max"
        ("oversized request", cart, _tensor(tpb.DTYPE_INT64, [2], b"\0" * (2 << 20)), grpc.StatusCode.RESOURCE_EXHAUSTED, ""),
    ]
    for what, sid, actions, code, why in rows:
        with pytest.raises(grpc.RpcError) as e:
            stub.Step(epb.StepRequest(session_id=sid, actions=actions), timeout=30)
        assert e.value.code() == code, f"{what}: {e.value.code()} {e.value.details()}"
        assert reason_of(e.value) == why, f"{what}: reason {reason_of(e.value)!r}"
        assert e.value.details(), what
    # Duplicate close; absurd num_envs.
    with pytest.raises(grpc.RpcError) as e:
        stub.Close(epb.CloseRequest(session_id=closed), timeout=30)
    assert (e.value.code(), reason_of(e.value)) == (grpc.StatusCode.NOT_FOUND, "SESSION_NOT_FOUND")
    with pytest.raises(grpc.RpcError) as e:
        stub.Make(epb.MakeRequest(env_id="CartPole-v1", num_envs=10**9), timeout=30)
    assert (e.value.code(), reason_of(e.value)) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "LIMIT_EXCEEDED")
    # Nothing else was affected: both sessions step on.
    _step(stub, cart, [0, 1], timeout=30)
    stub.Step(epb.StepRequest(session_id=pend, actions=_tensor(tpb.DTYPE_FLOAT32, [2, 1], f32(0.5, -0.5))), timeout=30)
    for sid in (cart, pend):
        stub.Close(epb.CloseRequest(session_id=sid), timeout=30)
    healthy.assert_kept_stepping(before)
