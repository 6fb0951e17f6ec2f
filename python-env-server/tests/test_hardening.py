"""Attacks a hostile or careless local client can make, each against a real server: the exact
status of the attack, and -- through every one -- the server stays SERVING and a bystander
session keeps stepping (``Bystander``)."""
from __future__ import annotations

import os
import queue
import signal
import socket
import stat
import struct
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import grpc
import numpy as np
import pytest

from conftest import SERVER_EXE, wait_exit
from faults import Bystander, int_actions, reason_of
from gymbridge.v1 import env_pb2 as epb
from gymbridge.v1 import env_pb2_grpc
from gymbridge.v1 import tensor_pb2 as tpb
from gymbridge_server import codec
from gymbridge_server.client import RemoteError, RemoteVectorEnv
from gymbridge_server.envs.faults import FAULT_ID, SEGFAULT, SLEEP
from gymbridge_server.envs.testenvs import EXTRA_SPACES_ID
from helpers import pid_alive

CUSTOM_ENV_SRC = Path(__file__).resolve().parents[2] / "examples" / "custom-env" / "src"


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    from conftest import ServerProcess

    log = tmp_path_factory.mktemp("hardening") / "server.log"
    server = ServerProcess("--port", "0", "--fault-envs", "--log-level", "info", log_path=log)
    yield server
    assert server.proc.poll() is None, f"the server died:\n{server.log()}"
    assert server.terminate() == 0


@pytest.fixture(scope="module")
def stub(srv):
    with srv.channel() as ch:
        yield env_pb2_grpc.EnvServiceStub(ch)


def _refused(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as e:
        call(*args, timeout=60, **kwargs)
    return e.value


def _exhausted(e: grpc.RpcError, flag: str) -> None:
    assert e.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, f"{e.code()}: {e.details()}"
    assert flag in e.details(), e.details()
    assert dict(e.trailing_metadata()).get("gymbridge-reason") == "LIMIT_EXCEEDED"


def _make(stub, env_id, **fields) -> str:
    kwargs = codec.dict_to_args(fields.pop("kwargs", {}))
    wrappers = [epb.WrapperSpec(name=n, kwargs=codec.dict_to_args(a)) for n, a in fields.pop("wrappers", [])]
    return stub.Make(epb.MakeRequest(env_id=env_id, kwargs=kwargs, wrappers=wrappers, **fields), timeout=120).session_id


# ------------------------------------------------------------------- keywords the bridge owns


def test_render_mode_human_in_kwargs_is_refused_and_owned_keywords_are_routed_or_refused(srv):
    with Bystander(srv):
        with pytest.raises(RemoteError) as e:
            RemoteVectorEnv(srv.address, "HalfCheetah-v5", kwargs={"render_mode": "human"}).reset()
        assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT and e.value.reason == "BAD_RENDER_MODE"
        for kwargs, field in (({"autoreset": True}, "autoreset_mode"), ({"vector_kwargs": {}}, "vectorization"),
                              ({"disable_env_checker": False}, "nothing"), ({"num_envs": 3}, "num_envs")):
            with pytest.raises(RemoteError) as e:
                RemoteVectorEnv(srv.address, "CartPole-v1", kwargs=kwargs)
            assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT and e.value.reason == "BRIDGE_KWARG", e.value
            assert field in e.value.message
        # Routed: render_mode and max_episode_steps in kwargs act as the Make fields.
        env = RemoteVectorEnv(srv.address, "CartPole-v1", 1, kwargs={"render_mode": "rgb_array", "max_episode_steps": 3})
        try:
            env.reset(seed=0)
            assert env.render()[0].shape == (400, 600, 3)
            ends = [env.step(np.zeros(1, dtype=np.int64))[3][0] for _ in range(3)]
            assert ends == [False, False, True]
        finally:
            env.close()
        with pytest.raises(RemoteError) as e:
            RemoteVectorEnv(srv.address, "CartPole-v1", kwargs={"render_mode": "ansi"}, render_mode="rgb_array")
        assert e.value.reason == "BRIDGE_KWARG"


# --------------------------------------------------------------------------------- memory, CPU


def test_small_requests_that_would_allocate_gigabytes_are_resource_exhausted(srv, stub):
    with Bystander(srv):
        e = _refused(stub.Make, epb.MakeRequest(env_id="CartPole-v1", wrappers=[
            epb.WrapperSpec(name="FrameStackObservation", kwargs=codec.dict_to_args({"stack_size": 10**7}))]))
        _exhausted(e, "--max-session-mb")
        assert "FrameStackObservation" in e.details()
        # The same through worker processes: the wrapper is refused in the worker, before it allocates.
        e = _refused(stub.Make, epb.MakeRequest(env_id="CartPole-v1", vectorization="workers", num_envs=2, wrappers=[
            epb.WrapperSpec(name="DelayObservation", kwargs=codec.dict_to_args({"delay": 10**7}))]))
        _exhausted(e, "--max-session-mb")
        desc = ["F" * 1000] * 1000
        desc[0] = "S" + "F" * 999
        desc[-1] = "F" * 999 + "G"
        _exhausted(_refused(stub.Make, epb.MakeRequest(env_id="FrozenLake-v1", kwargs=codec.dict_to_args({"desc": desc}))),
                   "--max-arg-items")
        desc = ["S" + "F" * 299] + ["F" * 300] * 298 + ["F" * 299 + "G"]
        _exhausted(_refused(stub.Make, epb.MakeRequest(env_id="FrozenLake-v1", num_envs=64,
                                                       kwargs=codec.dict_to_args({"desc": desc}))), "--max-session-mb")
        _exhausted(_refused(stub.Make, epb.MakeRequest(env_id="CartPole-v1", num_envs=1024, vectorization="async")),
                   "--max-processes-per-session")
        _exhausted(_refused(stub.Make, epb.MakeRequest(env_id="CartPole-v1", wrappers=[
            epb.WrapperSpec(name="RepeatAction", kwargs=codec.dict_to_args({"num_repeats": 10**9}))])), "--max-repeat")
        _exhausted(_refused(stub.Make, epb.MakeRequest(env_id="HalfCheetah-v5", kwargs=codec.dict_to_args(
            {"width": 100_000, "height": 100_000}))), "--max-session-mb")
        # Within the bounds everything still works: a 4-frame stack, an 8x8 map.
        sid = _make(stub, "FrozenLake-v1", kwargs={"map_name": "8x8"}, wrappers=[("FrameStackObservation", {"stack_size": 4})])
        stub.Reset(epb.ResetRequest(session_id=sid, seed=0), timeout=60)
        stub.Close(epb.CloseRequest(session_id=sid), timeout=60)


def test_processes_are_capped_across_sessions(new_server):
    srv = new_server("--port", "0", "--max-total-processes", "3")
    with Bystander(srv), srv.channel() as ch:
        stub = env_pb2_grpc.EnvServiceStub(ch)
        sid = _make(stub, "CartPole-v1", num_envs=2, vectorization="workers", num_workers=2)
        _exhausted(_refused(stub.Make, epb.MakeRequest(env_id="CartPole-v1", num_envs=2, vectorization="async")),
                   "--max-total-processes")
        stub.Close(epb.CloseRequest(session_id=sid), timeout=60)
        stub.Close(epb.CloseRequest(session_id=_make(stub, "CartPole-v1", num_envs=2, vectorization="async")), timeout=60)


def test_a_slow_cpu_bound_make_does_not_stall_other_sessions(srv, stub):
    # Crafter's world generation is pure Python: a 192x192 world takes seconds of CPU in this server.
    with Bystander(srv) as b:
        gap_before = b.max_gap_s
        t0 = time.monotonic()
        steps0 = b.steps
        sid = _make(stub, "Crafter-v1", kwargs={"area": [192, 192]})
        stub.Reset(epb.ResetRequest(session_id=sid, seed=0), timeout=120)
        took = time.monotonic() - t0
        stub.Close(epb.CloseRequest(session_id=sid), timeout=60)
        assert took > 1.0, f"the make+reset took only {took:.2f} s; not slow enough to test anything"
        assert b.steps - steps0 > 10 * took, f"{b.steps - steps0} bystander steps in {took:.1f} s"
        assert b.max_gap_s < max(0.5, gap_before), f"the bystander waited {b.max_gap_s:.2f} s for one step"


# ------------------------------------------------------------------------------ idle streams


def test_idle_streams_cannot_lock_out_health_or_other_clients(new_server):
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    srv = new_server("--port", "0", "--session-idle-timeout", "2")
    with Bystander(srv), srv.channel() as ch:
        stub = env_pb2_grpc.EnvServiceStub(ch)
        feeds: list[queue.Queue] = []
        calls = []
        for _ in range(130):
            q: queue.Queue = queue.Queue()
            feeds.append(q)
            calls.append(stub.Session(iter(q.get, None)))
        time.sleep(1.0)
        health = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        # Streams over --max-streams (64) were refused at once, naming the flag.
        refused = []
        for c in calls[64:]:
            with pytest.raises(grpc.RpcError) as e:
                next(c)
            refused.append(e.value)
        assert all(e.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "--max-streams" in e.details() for e in refused)
        # The idle ones (no live session) are ended after the idle timeout.
        t0 = time.monotonic()
        for c in calls[:64]:
            with pytest.raises(grpc.RpcError) as e:
                next(c)
            assert e.value.code() == grpc.StatusCode.CANCELLED
        assert time.monotonic() - t0 < 15
        # And a new stream works again.
        q = queue.Queue()
        s = stub.Session(iter(q.get, None))
        q.put(epb.SessionRequest(seq=1, make=epb.MakeRequest(env_id="CartPole-v1")))
        assert next(s).make.session_id
        q.put(None)
        for q in feeds:
            q.put(None)


def test_a_stream_whose_make_outlasts_the_idle_timeout_is_not_ended(new_server):
    srv = new_server("--port", "0", "--fault-envs", "--session-idle-timeout", "0.5")
    with srv.channel() as ch:
        q: queue.Queue = queue.Queue()
        responses = env_pb2_grpc.EnvServiceStub(ch).Session(iter(q.get, None))
        q.put(epb.SessionRequest(seq=1, make=epb.MakeRequest(env_id=FAULT_ID, kwargs=codec.dict_to_args({"make_sleep_s": 2.0}))))
        assert next(responses).make.session_id
        q.put(None)


# ----------------------------------------------------------------------------------- shutdown


def test_sigterm_exits_after_the_grace_even_with_a_hung_env(new_server):
    srv = new_server("--port", "0", "--fault-envs", "--shutdown-grace", "1")
    with srv.channel() as ch:
        stub = env_pb2_grpc.EnvServiceStub(ch)
        hung = _make(stub, FAULT_ID, kwargs={"sleep_s": 3600.0})
        busy = _make(stub, FAULT_ID, vectorization="workers", num_workers=1, kwargs={"sleep_s": 3600.0})
        pids = []
        for sid in (hung, busy):
            r = stub.Reset(epb.ResetRequest(session_id=sid, seed=0), timeout=60)
            pids.append(int(codec.decode_value(__import__("gymnasium").spaces.Box(-np.inf, np.inf, (1, 2)), r.observations)[0, 1]))
        for sid in (hung, busy):
            threading.Thread(target=lambda s=sid: _swallow(stub.Step, epb.StepRequest(session_id=s, actions=int_actions([SLEEP]))),
                             daemon=True).start()
        time.sleep(1.0)
        t0 = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)
        code = wait_exit(srv.proc, 10)
        took = time.monotonic() - t0
    assert code == 0, f"exit code {code} after {took:.1f} s:\n{srv.log()}"
    assert took < 1 + 2 + 2, f"took {took:.1f} s"
    deadline = time.monotonic() + 5
    while pid_alive(pids[1]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_alive(pids[1]), "the hung worker outlived the server"


def _swallow(call, request):
    try:
        call(request, timeout=3600)
    except grpc.RpcError:
        pass


# --------------------------------------------------------------------- operator envs in workers


def test_env_module_and_fault_envs_work_in_worker_processes(new_server):
    srv = new_server("--port", "0", "--fault-envs", "--env-path", str(CUSTOM_ENV_SRC), "--env-module", "gymbridge_gridworld.envs")
    with Bystander(srv), srv.channel() as ch:
        stub = env_pb2_grpc.EnvServiceStub(ch)
        for env_id in ("gridworld/GridWorld-v0", FAULT_ID):
            sid = _make(stub, env_id, num_envs=2, vectorization="workers")
            stub.Reset(epb.ResetRequest(session_id=sid, seed=0), timeout=60)
            stub.Step(epb.StepRequest(session_id=sid, actions=int_actions([0, 0])), timeout=60)
            stub.Close(epb.CloseRequest(session_id=sid), timeout=60)


# ---------------------------------------------------------------------------- orphaned sessions


def test_nothing_a_client_cannot_name_outlives_the_call(new_server):
    srv = new_server("--port", "0", "--fault-envs", "--max-sessions", "2", "--max-message-mb", "1")
    with Bystander(srv), srv.channel() as ch:  # the bystander holds one of the two sessions
        stub = env_pb2_grpc.EnvServiceStub(ch)
        with pytest.raises(grpc.RpcError) as e:
            stub.Make(epb.MakeRequest(env_id=FAULT_ID, kwargs=codec.dict_to_args({"make_sleep_s": 2.0})), timeout=0.5)
        assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        time.sleep(2.5)  # the make finished meanwhile: its session was closed again
        # A MakeResponse over --max-message-mb: refused in-band, and the session is gone.
        for _ in range(2):
            e = _refused(stub.Make, epb.MakeRequest(env_id="CartPole-v1", wrappers=[
                epb.WrapperSpec(name="FrameStackObservation", kwargs=codec.dict_to_args({"stack_size": 40_000}))]))
            _exhausted(e, "--max-message-mb")
        stub.Close(epb.CloseRequest(session_id=_make(stub, "CartPole-v1")), timeout=60)
    assert '"event": "abandoned"' in srv.log()


# ---------------------------------------------------------------------------- malformed input


def _tensor(dtype, shape, data=b"") -> tpb.Value:
    return tpb.Value(tensor=tpb.Tensor(dtype=dtype, shape=shape, data=data))


def _extra_action(one_of=None, stacked=None) -> tpb.Value:
    import gymnasium as gym

    env = gym.make_vec(EXTRA_SPACES_ID, num_envs=1, vectorization_mode="sync")
    env.action_space.seed(0)
    v = codec.encode_value(env.action_space, env.action_space.sample())
    env.close()
    for entry in v.dict.entries:
        if entry.key == "one_of" and one_of is not None:
            entry.value.tuple.items[0].tuple.items[0].CopyFrom(one_of)
        if entry.key == "stacked" and stacked is not None:
            entry.value.tuple.items[0].CopyFrom(tpb.Value(list=tpb.ValueList(items=stacked)))
    return v


def test_malformed_input_is_invalid_argument_with_a_reason(srv, stub):
    cartpole = _make(stub, "CartPole-v1", num_envs=1)
    extra = _make(stub, EXTRA_SPACES_ID, num_envs=1)
    for sid in (cartpole, extra):
        stub.Reset(epb.ResetRequest(session_id=sid, seed=0), timeout=60)
    bad = {
        "65 dims": (cartpole, _tensor(tpb.DTYPE_INT64, [1] * 65, b"\0" * 8)),
        "[0, 2**62]": (cartpole, _tensor(tpb.DTYPE_INT64, [0, 2**62])),
        "OneOf index of 2 elements": (extra, _extra_action(one_of=_tensor(tpb.DTYPE_INT64, [2], b"\0" * 16))),
        "empty OneOf index": (extra, _extra_action(one_of=_tensor(tpb.DTYPE_INT64, [0]))),
        "NaN OneOf index": (extra, _extra_action(one_of=_tensor(tpb.DTYPE_FLOAT64, [], np.float64(np.nan).tobytes()))),
        "float OneOf index": (extra, _extra_action(one_of=_tensor(tpb.DTYPE_FLOAT64, [], np.float64(0.9).tobytes()))),
        "stacked items of two shapes": (extra, _extra_action(stacked=[
            _tensor(tpb.DTYPE_INT64, [], b"\0" * 8), _tensor(tpb.DTYPE_INT64, [2], b"\0" * 16)])),
        "stacked float items": (extra, _extra_action(stacked=[_tensor(tpb.DTYPE_FLOAT64, [], np.float64(1.5).tobytes())])),
    }
    with Bystander(srv):
        for what, (sid, actions) in bad.items():
            e = _refused(stub.Step, epb.StepRequest(session_id=sid, actions=actions))
            assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, f"{what}: {e.code()} {e.details()}"
        # Bytes that are no protobuf at all: on a unary call, on the stream and on the fast lane.
        with srv.channel() as ch:
            raw = ch.unary_unary("/gymbridge.v1.EnvService/Step", request_serializer=None, response_deserializer=None)
            with pytest.raises(grpc.RpcError) as e:
                raw(b"\xff\xff\xff\xff", timeout=30)
            assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT and reason_of(e.value) == "UNPARSABLE_REQUEST"
            stream = ch.stream_stream("/gymbridge.v1.EnvService/Session", request_serializer=None,
                                      response_deserializer=epb.SessionResponse.FromString)
            (resp,) = list(stream(iter([b"\xff\xff\xff\xff"]), timeout=30))
            assert resp.error.reason == "UNPARSABLE_REQUEST" and resp.error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
            path = env_pb2_grpc.EnvServiceStub(ch).Handshake(epb.HandshakeRequest(), timeout=30).capabilities.fast_lane
        with _fast_lane(path) as conn:
            _frame_send(conn, b"\xff\xff\xff\xff")
            r = epb.SessionResponse.FromString(_frame_recv(conn))
            assert r.error.reason == "UNPARSABLE_REQUEST"
            _frame_send(conn, epb.SessionRequest(seq=5, close=epb.CloseRequest(session_id=cartpole)).SerializeToString())
            assert epb.SessionResponse.FromString(_frame_recv(conn)).seq == 5  # the connection goes on
    stub.Close(epb.CloseRequest(session_id=extra), timeout=60)


class _fast_lane:
    def __init__(self, path: str, token: str = "") -> None:
        self.path, self.token = path, token

    def __enter__(self) -> socket.socket:
        self.conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.conn.settimeout(30)
        self.conn.connect(self.path)
        _frame_send(self.conn, self.token.encode())
        self.hello = epb.SessionResponse.FromString(_frame_recv(self.conn))
        return self.conn

    def __exit__(self, *exc) -> None:
        self.conn.close()


def _frame_send(conn: socket.socket, body: bytes) -> None:
    conn.sendall(struct.pack("<I", len(body)) + body)


def _frame_recv(conn: socket.socket) -> bytes:
    def exactly(n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = conn.recv(n - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return buf

    (n,) = struct.unpack("<I", exactly(4))
    return exactly(n)


# ------------------------------------------------------------------------------ the small ones


def test_client_strings_cannot_forge_log_lines(srv, stub):
    with Bystander(srv):
        stub.Handshake(epb.HandshakeRequest(client_name="evil\n2099-01-01 INFO gymbridge: FORGED", client_version="1\r\x1b[2J"), timeout=30)
    log = srv.log()
    assert "evil\\n2099-01-01 INFO gymbridge: FORGED" in log
    assert not any(line.startswith("2099-01-01") for line in log.splitlines())


def test_unix_path_that_is_not_a_stale_socket_is_never_deleted(tmp_path):
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    r = subprocess.run([str(SERVER_EXE), "--unix", str(precious)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "not a socket" in r.stderr
    assert precious.read_text() == "keep me"


def test_unix_socket_is_0600_whatever_the_umask(new_server, tmp_path):
    old = os.umask(0)
    try:
        srv = new_server("--unix", str(tmp_path / "g.sock"))
    finally:
        os.umask(old)
    with Bystander(srv):
        assert stat.S_IMODE(os.stat(tmp_path / "g.sock").st_mode) == 0o600
    # A live server's socket is not taken over by a second one.
    r = subprocess.run([str(SERVER_EXE), "--unix", str(tmp_path / "g.sock")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "another server is listening" in r.stderr


def test_warnings_for_a_token_over_plaintext_and_metrics_beyond_loopback(new_server):
    srv = new_server("--host", "0.0.0.0", "--port", "0", "--token", "t0k", "--metrics-port", "0", "--metrics-host", "0.0.0.0")
    time.sleep(0.5)
    log = srv.log()
    assert "token over plaintext" in log and "metrics on 0.0.0.0" in log


def test_fast_lane_connections_count_against_max_streams(new_server):
    srv = new_server("--port", "0", "--max-streams", "2")
    with Bystander(srv), srv.channel() as ch:
        path = env_pb2_grpc.EnvServiceStub(ch).Handshake(epb.HandshakeRequest(), timeout=30).capabilities.fast_lane
        lanes = [_fast_lane(path) for _ in range(3)]
        for lane in lanes:
            lane.__enter__()
        try:
            assert not lanes[0].hello.HasField("error") and not lanes[1].hello.HasField("error")
            assert lanes[2].hello.error.code == grpc.StatusCode.RESOURCE_EXHAUSTED.value[0]
            assert "--max-streams" in lanes[2].hello.error.message
        finally:
            for lane in lanes:
                lane.__exit__()


def test_reaped_sessions_log_their_real_idle_time(new_server):
    srv = new_server("--port", "0", "--session-idle-timeout", "0.5")
    with srv.channel() as ch:
        _make(env_pb2_grpc.EnvServiceStub(ch), "CartPole-v1")
        time.sleep(1.5)
    import json
    import re

    events = [json.loads(m) for m in re.findall(r"session_event (\{.*\})", srv.log())]
    reaped = [e for e in events if e["event"] == "reaped"]
    assert reaped and all(e["idle_s"] >= 0.5 for e in reaped), reaped


def test_constructor_refusals_are_invalid_argument_not_aborted(srv, stub):
    with Bystander(srv):
        e = _refused(stub.Make, epb.MakeRequest(env_id="FrozenLake-v1", kwargs=codec.dict_to_args({"map_name": "9x9"})))
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and reason_of(e) == "BAD_KWARGS", e.details()
        e = _refused(stub.Make, epb.MakeRequest(env_id="HalfCheetah-v5", kwargs=codec.dict_to_args({"xml_file": "/no/such.xml"})))
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, e.details()


def test_worker_sessions_leave_no_descriptors_behind(srv, stub):
    fds = lambda: len(os.listdir(f"/proc/{srv.proc.pid}/fd"))  # noqa: E731
    with Bystander(srv):
        sid = _make(stub, "CartPole-v1", num_envs=2, vectorization="workers", num_workers=2)
        stub.Close(epb.CloseRequest(session_id=sid), timeout=60)
        before = fds()
        for _ in range(5):
            sid = _make(stub, "CartPole-v1", num_envs=2, vectorization="workers", num_workers=2)
            stub.Reset(epb.ResetRequest(session_id=sid, seed=0), timeout=60)
            stub.Close(epb.CloseRequest(session_id=sid), timeout=60)
        assert fds() <= before, f"{fds() - before} descriptors left after 5 worker sessions"


def test_async_sessions_leave_no_descriptors_behind(srv, stub):
    """AsyncVectorEnv's pipes (its error queue among them) are closed at session close, whether the
    session ended cleanly, after a worker crash and reset, or with its stream cancelled -- not when
    the env object is garbage collected, which in a busy server comes late."""
    fds = lambda: len(os.listdir(f"/proc/{srv.proc.pid}/fd"))  # noqa: E731

    def session() -> str:
        sid = _make(stub, FAULT_ID, num_envs=2, vectorization="async")
        stub.Reset(epb.ResetRequest(session_id=sid, seed=0), timeout=60)
        return sid

    stub.Close(epb.CloseRequest(session_id=session()), timeout=60)
    before = fds()
    for k in range(4):  # counted right after each Close: no garbage collection to wait for
        stub.Close(epb.CloseRequest(session_id=session()), timeout=60)
        assert fds() <= before, f"{fds() - before} descriptors left after {k + 1} closed async sessions"
    with Bystander(srv):
        sid = session()
        with pytest.raises(grpc.RpcError):  # a worker aborts: the env is replaced at the next reset
            stub.Step(epb.StepRequest(session_id=sid, actions=int_actions([0, 2])), timeout=60)
        stub.Reset(epb.ResetRequest(session_id=sid, seed=0), timeout=60)
        stub.Close(epb.CloseRequest(session_id=sid), timeout=60)
        with srv.channel() as ch:  # a stream that made a session and was cancelled without Close
            requests: queue.Queue = queue.Queue()
            responses = env_pb2_grpc.EnvServiceStub(ch).Session(iter(requests.get, None))
            requests.put(epb.SessionRequest(seq=1, make=epb.MakeRequest(env_id=FAULT_ID, num_envs=2, vectorization="async")))
            assert next(responses).HasField("make")
            responses.cancel()
        deadline = time.monotonic() + 30
        while fds() > before and time.monotonic() < deadline:  # the cancelled stream closes its session
            time.sleep(0.1)
        assert fds() <= before, f"{fds() - before} descriptors left after 6 async sessions"


def test_a_crashed_servers_fast_lane_directory_is_removed_by_the_next(new_server):
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = Path(tempfile.gettempdir()) / f"gymbridge-fast-{dead.pid}-abc123"
    stale.mkdir(exist_ok=True)
    (stale / "fast.sock").write_text("")
    new_server("--port", "0")
    assert not stale.exists()


# -------------------------------------------------------------------------------- kwarg typing


def test_an_unannotated_numeric_default_takes_any_number(srv, stub):
    with Bystander(srv):
        sid = _make(stub, "MountainCar-v0", kwargs={"goal_velocity": 0.01})
        stub.Close(epb.CloseRequest(session_id=sid), timeout=60)


# ---------------------------------------------------------------------------------- isolation


def test_isolate_envs_keeps_a_segfaulting_sync_env_from_killing_the_server(new_server):
    srv = new_server("--port", "0", "--fault-envs", "--isolate-envs")
    with Bystander(srv), srv.channel() as ch:
        stub = env_pb2_grpc.EnvServiceStub(ch)
        sid = _make(stub, FAULT_ID)  # vectorization "sync", as clients ask by default
        stub.Reset(epb.ResetRequest(session_id=sid, seed=0), timeout=60)
        e = _refused(stub.Step, epb.StepRequest(session_id=sid, actions=int_actions([SEGFAULT])))
        assert e.code() == grpc.StatusCode.ABORTED and reason_of(e) == "WORKER_DIED" and "SIGSEGV" in e.details()
        stub.Reset(epb.ResetRequest(session_id=sid, seed=0), timeout=60)
        stub.Step(epb.StepRequest(session_id=sid, actions=int_actions([0])), timeout=60)
