"""The server CLI contract the Java launcher relies on: READY line, --unix, limits, SIGTERM,
--exit-with-parent."""
from __future__ import annotations

import signal
import subprocess
import time

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gymbridge.v1 import env_pb2 as epb
from gymbridge_server.client import RemoteError, RemoteVectorEnv
from conftest import SERVER_EXE, wait_exit


def test_ready_line_is_the_only_stdout_and_names_a_free_loopback_port(new_server):
    srv = new_server("--port", "0")
    host, port = srv.address.rsplit(":", 1)
    assert srv.ready_line == f"GYMBRIDGE_READY {srv.address}"
    assert host == "127.0.0.1" and int(port) > 0
    # Rendering imports pygame and steps env code; none of it may reach stdout.
    envs = RemoteVectorEnv(srv.address, "CartPole-v1", 1, render_mode="rgb_array")
    envs.reset(seed=0)
    assert envs.render().shape == (1, 400, 600, 3)
    envs.close()
    assert srv.terminate() == 0
    assert srv.proc.stdout.read() == ""  # nothing else on stdout; logs went to stderr
    assert "serving on" in srv.log()


def test_serves_over_a_unix_socket(new_server, tmp_path):
    sock = tmp_path / "gymbridge.sock"
    srv = new_server("--unix", str(sock))
    assert srv.address == f"unix:{sock}"
    envs = RemoteVectorEnv(srv.address, "CartPole-v1", 2, seed=0)
    try:
        obs, _ = envs.reset()
        obs, rewards, *_ = envs.step(np.array([0, 1]))
        assert obs.shape == (2, 4) and rewards.tolist() == [1.0, 1.0]
    finally:
        envs.close()
    with srv.channel() as channel:
        resp = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
        assert resp.status == health_pb2.HealthCheckResponse.SERVING
    assert srv.terminate() == 0
    assert not sock.exists()


def test_sigterm_stops_gracefully_with_exit_code_0_and_closes_sessions(new_server):
    srv = new_server("--port", "0", "--log-level", "info")
    envs = RemoteVectorEnv(srv.address, "CartPole-v1", 1, transport="unary")
    envs.reset(seed=0)
    streaming = RemoteVectorEnv(srv.address, "HalfCheetah-v5", 1)  # an open stream must not block exit
    streaming.reset(seed=0)
    start = time.monotonic()
    assert srv.terminate() == 0
    assert time.monotonic() - start < 10
    log = srv.log()
    # The stream's session closes when its stream is cancelled, the unary one at shutdown
    # (whichever comes first closes it).
    # (one structured session_event line each).
    assert f'"event": "closed", "session": "{streaming.session_id}"' in log
    assert f'"event": "closed", "session": "{envs.session_id}"' in log
    with pytest.raises(RemoteError) as info:
        envs.step(np.array([0]))
    assert info.value.code == grpc.StatusCode.UNAVAILABLE


def test_exit_with_parent_exits_when_stdin_closes(new_server):
    srv = new_server("--port", "0", "--exit-with-parent", stdin=subprocess.PIPE)
    with srv.channel() as channel:
        grpc.channel_ready_future(channel).result(timeout=10)
    assert srv.proc.poll() is None
    srv.proc.stdin.close()  # what the OS does when the parent JVM dies
    assert wait_exit(srv.proc, 15) == 0
    assert "stdin closed" in srv.log()


def test_exit_with_parent_ignores_ctrl_c_so_the_parent_can_finish_first(new_server):
    # Ctrl-C in a terminal reaches the parent JVM and this server alike; the parent still steps its envs
    # to a checkpoint, then closes stdin.
    srv = new_server("--port", "0", "--exit-with-parent", stdin=subprocess.PIPE)
    envs = RemoteVectorEnv(srv.address, "CartPole-v1", 1, seed=0)
    envs.reset()
    srv.proc.send_signal(signal.SIGINT)
    time.sleep(1.0)
    assert srv.proc.poll() is None
    obs, rewards, *_ = envs.step(np.array([0]))
    assert rewards.tolist() == [1.0]
    envs.close()
    srv.proc.stdin.close()
    assert wait_exit(srv.proc, 15) == 0


def test_limits_are_resource_exhausted_naming_limit_and_flag(new_server):
    srv = new_server("--port", "0", "--max-sessions", "1", "--max-envs-per-session", "2")
    stub = srv.stub()
    caps = stub.Handshake(epb.HandshakeRequest(protocol_version=1)).capabilities
    assert caps.max_sessions == 1 and caps.max_envs_per_session == 2
    with pytest.raises(grpc.RpcError) as info:
        stub.Make(epb.MakeRequest(env_id="CartPole-v1", num_envs=3))
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "--max-envs-per-session" in info.value.details()
    first = stub.Make(epb.MakeRequest(env_id="CartPole-v1", num_envs=2))
    with pytest.raises(grpc.RpcError) as info:
        stub.Make(epb.MakeRequest(env_id="CartPole-v1"))
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "--max-sessions" in info.value.details()
    stub.Close(epb.CloseRequest(session_id=first.session_id))
    stub.Make(epb.MakeRequest(env_id="CartPole-v1"))  # the slot is free again


def test_port_in_use_fails_with_a_clear_message(new_server):
    srv = new_server("--port", "0")
    port = srv.address.rsplit(":", 1)[1]
    proc = subprocess.run([str(SERVER_EXE), "--port", port], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "could not bind" in proc.stderr and "--port 0" in proc.stderr


def test_help_lists_the_contract_flags():
    out = subprocess.run([str(SERVER_EXE), "--help"], capture_output=True, text=True, timeout=30).stdout
    for flag in ("--host", "--port", "--unix", "--exit-with-parent", "--max-sessions",
                 "--max-envs-per-session", "--max-message-mb", "--log-level"):
        assert flag in out


def test_responses_over_the_message_limit_are_resource_exhausted_in_band(new_server):
    # 1 MiB limit; 3 rgb_array CartPole frames are 3 * 400 * 600 * 3 bytes = 2.1 MiB.
    srv = new_server("--port", "0", "--max-message-mb", "1")
    envs = RemoteVectorEnv(srv.address, "CartPole-v1", 3, render_mode="rgb_array")
    try:
        envs.reset(seed=0)
        with pytest.raises(RemoteError) as info:
            envs.render()
        assert info.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "--max-message-mb" in info.value.message and "2.1 MiB" in info.value.message
        envs.step(np.array([0, 1, 0]))  # the stream survived
    finally:
        envs.close()


@pytest.mark.parametrize("args, needle", [
    (["--port", "70000"], "--port 70000 is not in 0..65535"),
    (["--max-sessions", "-1"], "--max-sessions must be >= 0"),
    (["--max-message-mb", "4096"], "--max-message-mb must be in 1..2047"),
    (["--log-level", "loud"], "invalid choice: 'loud'"),
])
def test_bad_flags_exit_2_with_a_usage_message(args, needle):
    proc = subprocess.run([str(SERVER_EXE), *args], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and proc.stdout == ""
    assert needle in proc.stderr and "usage: gymbridge-server" in proc.stderr
