"""The same-host fast lane (fastlane.py): the Session stream's messages over a framed unix socket.

Same messages, same dispatcher as the gRPC stream: results are bit-identical to in-process
Gymnasium, errors travel in-band, sessions end with the connection, and the server's token guards it.
"""
from __future__ import annotations

import os
import socket
import ssl
import stat
import struct
import subprocess
import time

import grpc
import gymnasium as gym
import numpy as np
import pytest

from gymbridge.v1 import env_pb2 as epb
from gymbridge.v1 import env_pb2_grpc
from conftest import SERVER_EXE
from gymbridge_server import codec


class Lane:
    """A minimal fast-lane client: length-prefixed SessionRequest out, SessionResponse in."""

    def __init__(self, path: str | tuple[str, int], token: str = "", tls: ssl.SSLContext | None = None) -> None:
        """``path``: the unix socket, or (host, port) of a TCP fast lane; ``tls``: speak TLS on it."""
        self.sock = socket.socket(socket.AF_INET if isinstance(path, tuple) else socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        if tls is not None:
            self.sock = tls.wrap_socket(self.sock, server_hostname=path[0])
        self._send(token.encode())
        self.hello = epb.SessionResponse.FromString(self._recv())
        self.seq = 0

    def _send(self, data: bytes) -> None:
        self.sock.sendall(struct.pack("<I", len(data)) + data)

    def _recv(self) -> bytes:
        (n,) = struct.unpack("<I", self._exact(4))
        return self._exact(n)

    def _exact(self, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise EOFError("fast lane closed")
            buf += chunk
        return buf

    def call(self, **request) -> epb.SessionResponse:
        self.seq += 1
        self._send(epb.SessionRequest(seq=self.seq, **request).SerializeToString())
        resp = epb.SessionResponse.FromString(self._recv())
        assert resp.seq == self.seq
        return resp

    def close(self) -> None:
        self.sock.close()


def fast_lane_path(stub) -> str:
    return stub.Handshake(epb.HandshakeRequest(protocol_version=1)).capabilities.fast_lane


def test_handshake_advertises_a_private_fast_lane_socket(stub):
    path = fast_lane_path(stub)
    assert path and os.path.exists(path)
    st = os.stat(path)
    assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700


def test_fast_lane_steps_are_bit_identical_to_in_process_gymnasium(stub):
    lane = Lane(fast_lane_path(stub))
    assert not lane.hello.HasField("error")
    local = gym.make_vec("CartPole-v1", 4, vectorization_mode="sync")
    try:
        made = lane.call(make=epb.MakeRequest(env_id="CartPole-v1", num_envs=4)).make
        sid = made.session_id
        r = lane.call(reset=epb.ResetRequest(session_id=sid, seed=7)).reset
        l_obs, _ = local.reset(seed=7)
        assert codec.decode_tensor(r.observations.tensor).tobytes() == l_obs.tobytes()
        local.action_space.seed(3)
        dones = 0
        for _ in range(60):
            a = local.action_space.sample()
            s = lane.call(step=epb.StepRequest(session_id=sid, actions=codec.encode_value(local.action_space, a))).step
            obs, rew, term, trunc, _ = local.step(a)
            got = codec.decode_tensor(s.observations.tensor)
            assert got.dtype == obs.dtype and got.tobytes() == obs.tobytes()
            assert codec.decode_tensor(s.rewards).tobytes() == np.asarray(rew, np.float64).tobytes()
            assert codec.decode_tensor(s.terminated).tolist() == term.tolist()
            assert codec.decode_tensor(s.truncated).tolist() == trunc.tolist()
            dones += int(np.count_nonzero(term | trunc))
        assert dones >= 1, "the rollout should cross an autoreset"
    finally:
        lane.close()
        local.close()


def test_errors_travel_in_band_and_the_connection_goes_on(stub):
    lane = Lane(fast_lane_path(stub))
    try:
        sid = lane.call(make=epb.MakeRequest(env_id="CartPole-v1", num_envs=2)).make.session_id
        bad = lane.call(step=epb.StepRequest(session_id=sid, actions=codec.encode_value(
            gym.spaces.MultiDiscrete([2, 2]), np.array([0, 1]))))
        assert bad.error.code == grpc.StatusCode.FAILED_PRECONDITION.value[0] and bad.error.reason == "RESET_REQUIRED"
        missing = lane.call(make=epb.MakeRequest(env_id="CartPol-v1"))
        assert missing.error.code == grpc.StatusCode.NOT_FOUND.value[0] and "CartPole-v1" in missing.error.message
        assert lane.call(reset=epb.ResetRequest(session_id=sid, seed=1)).HasField("reset")
    finally:
        lane.close()


def test_sessions_made_on_a_connection_close_with_it(stub):
    lane = Lane(fast_lane_path(stub))
    sid = lane.call(make=epb.MakeRequest(env_id="CartPole-v1")).make.session_id
    lane.close()
    deadline = time.monotonic() + 10
    while True:
        try:
            stub.Reset(epb.ResetRequest(session_id=sid), timeout=5)
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.NOT_FOUND
            break
        assert time.monotonic() < deadline, "the session outlived its fast-lane connection"
        time.sleep(0.05)


def test_fast_lane_requires_the_servers_token(new_server):
    srv = new_server("--port", "0", "--log-level", "warning", "--token", "s3cret")
    channel = grpc.insecure_channel(srv.address)
    try:
        stub = env_pb2_grpc.EnvServiceStub(channel)
        path = stub.Handshake(epb.HandshakeRequest(protocol_version=1), metadata=(("authorization", "Bearer s3cret"),)).capabilities.fast_lane
        wrong = Lane(path, "nope")
        assert wrong.hello.error.code == grpc.StatusCode.UNAUTHENTICATED.value[0]
        with pytest.raises((EOFError, ConnectionError)):
            wrong.call(make=epb.MakeRequest(env_id="CartPole-v1"))
        wrong.close()
        right = Lane(path, "s3cret")
        assert not right.hello.HasField("error")
        assert right.call(make=epb.MakeRequest(env_id="CartPole-v1")).HasField("make")
        right.close()
    finally:
        channel.close()


def test_unix_server_puts_the_fast_lane_next_to_its_socket_and_no_fast_lane_turns_it_off(new_server, tmp_path):
    sock = tmp_path / "gb.sock"
    srv = new_server("--unix", str(sock), "--log-level", "warning")
    with srv.channel() as ch:
        assert fast_lane_path(env_pb2_grpc.EnvServiceStub(ch)) == f"{sock}.fast"
    off = new_server("--port", "0", "--log-level", "warning", "--no-fast-lane")
    with off.channel() as ch:
        assert fast_lane_path(env_pb2_grpc.EnvServiceStub(ch)) == ""


def test_pipelined_and_large_frames_are_read_whole(stub):
    lane = Lane(fast_lane_path(stub))
    try:
        sid = lane.call(make=epb.MakeRequest(env_id="CartPole-v1", num_envs=2)).make.session_id
        # A frame larger than the server's 64 KiB read buffer (a reset option padded to 200 kB).
        pad = codec.py_to_arg("x" * 200_000)
        assert lane.call(reset=epb.ResetRequest(session_id=sid, seed=4, options={"pad": pad})).HasField("reset")
        # Three requests in one send: each gets its own answer, in order.
        action = codec.encode_value(gym.spaces.MultiDiscrete([2, 2]), np.array([1, 0]))
        frames = b""
        for seq in (101, 102, 103):
            body = epb.SessionRequest(seq=seq, step=epb.StepRequest(session_id=sid, actions=action)).SerializeToString()
            frames += struct.pack("<I", len(body)) + body
        lane.sock.sendall(frames)
        got = [epb.SessionResponse.FromString(lane._recv()) for _ in range(3)]
        assert [r.seq for r in got] == [101, 102, 103] and all(r.HasField("step") for r in got)
    finally:
        lane.close()


@pytest.mark.parametrize("env_id,n,mode", [
    ("CartPole-v1", 3, epb.AUTORESET_MODE_NEXT_STEP),
    ("CartPole-v1", 3, epb.AUTORESET_MODE_SAME_STEP),  # final_obs infos: the message path
    ("HalfCheetah-v5", 2, epb.AUTORESET_MODE_NEXT_STEP),  # 8 info arrays
    ("gymbridge/AllSpaces-v0", 2, epb.AUTORESET_MODE_NEXT_STEP),  # Text leaves: the message path
    ("CartPole-v1", 1024, epb.AUTORESET_MODE_NEXT_STEP),  # 8 stacked frames: 131 kB, the gathering send
])
def test_fast_lane_steps_equal_the_unary_steps_of_a_twin_session(stub, env_id, n, mode):
    """The fast lane serializes step responses by hand (codec.raw_step_response): they must be the
    very messages gRPC returns for a twin session stepped with the same actions."""
    lane = Lane(fast_lane_path(stub))
    make = epb.MakeRequest(env_id=env_id, num_envs=n, autoreset_mode=mode)
    if n > 64:
        make.wrappers.add(name="FrameStackObservation", kwargs={"stack_size": codec.py_to_arg(8)})
    twin = stub.Make(make)
    try:
        fast = lane.call(make=make).make
        lane.call(reset=epb.ResetRequest(session_id=fast.session_id, seed=5))
        stub.Reset(epb.ResetRequest(session_id=twin.session_id, seed=5))
        space = codec.decode_space(fast.action_space)
        space.seed(5)
        for _ in range(25):
            actions = codec.encode_value(space, space.sample())
            got = lane.call(step=epb.StepRequest(session_id=fast.session_id, actions=actions))
            want = stub.Step(epb.StepRequest(session_id=twin.session_id, actions=actions))
            assert got.step == want
        # An action out of the space: the same in-band error as the message path, and the lane goes on.
        bad = lane.call(step=epb.StepRequest(session_id=fast.session_id, actions=epb.SessionRequest().step.actions))
        assert bad.error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
        assert lane.call(step=epb.StepRequest(session_id=fast.session_id, actions=actions)).HasField("step")
    finally:
        lane.close()
        stub.Close(epb.CloseRequest(session_id=twin.session_id))


def test_fast_lane_works_with_polling_turned_off(new_server):
    srv = new_server("--port", "0", "--log-level", "warning", "--spin-us", "0")
    with srv.channel() as ch:
        stub = env_pb2_grpc.EnvServiceStub(ch)
        lane = Lane(fast_lane_path(stub))
        try:
            made = lane.call(make=epb.MakeRequest(env_id="CartPole-v1", num_envs=2, seed=1))
            sid = made.make.session_id
            assert not lane.call(reset=epb.ResetRequest(session_id=sid)).HasField("error")
            space = gym.vector.utils.batch_space(gym.spaces.Discrete(2), 2)
            step = lane.call(step=epb.StepRequest(session_id=sid, actions=codec.encode_value(space, np.array([0, 1]))))
            assert not step.HasField("error") and len(codec.decode_tensor(step.step.rewards)) == 2
        finally:
            lane.close()


def test_the_tcp_fast_lane_serves_the_same_messages_and_checks_the_token(new_server):
    srv = new_server("--port", "0", "--log-level", "warning", "--token", "s3cret", "--fast-lane-port", "0")
    channel = grpc.insecure_channel(srv.address)
    try:
        stub = env_pb2_grpc.EnvServiceStub(channel)
        caps = stub.Handshake(epb.HandshakeRequest(protocol_version=1), metadata=(("authorization", "Bearer s3cret"),)).capabilities
        assert caps.fast_lane_port > 0 and caps.fast_lane  # both lanes
        wrong = Lane(("127.0.0.1", caps.fast_lane_port), "nope")
        assert wrong.hello.error.code == grpc.StatusCode.UNAUTHENTICATED.value[0]
        wrong.close()
        lane = Lane(("127.0.0.1", caps.fast_lane_port), "s3cret")
        made = lane.call(make=epb.MakeRequest(env_id="CartPole-v1", num_envs=3)).make
        local = gym.make_vec("CartPole-v1", 3, vectorization_mode="sync")
        r = lane.call(reset=epb.ResetRequest(session_id=made.session_id, seed=4)).reset
        assert codec.decode_tensor(r.observations.tensor).tobytes() == local.reset(seed=4)[0].tobytes()
        for _ in range(20):
            a = local.action_space.sample()
            s = lane.call(step=epb.StepRequest(session_id=made.session_id, actions=codec.encode_value(local.action_space, a))).step
            assert codec.decode_tensor(s.observations.tensor).tobytes() == local.step(a)[0].tobytes()
        lane.close()
        local.close()
    finally:
        channel.close()


def test_the_tcp_fast_lane_is_off_by_default(stub):
    caps = stub.Handshake(epb.HandshakeRequest(protocol_version=1)).capabilities
    assert caps.fast_lane_port == 0 and not caps.fast_lane_tls


def test_the_tcp_fast_lane_of_a_tls_server_speaks_tls_with_its_certificate_and_checks_the_token(new_server, tmp_path):
    from faults import self_signed_cert

    cert, key = self_signed_cert(tmp_path)
    srv = new_server("--port", "0", "--log-level", "error", "--tls-cert", str(cert), "--tls-key", str(key),
                     "--token", "s3cret", "--fast-lane-port", "0")
    port = srv.address.rsplit(":", 1)[1]
    creds = grpc.ssl_channel_credentials(root_certificates=cert.read_bytes())
    with grpc.secure_channel(f"localhost:{port}", creds) as channel:
        stub = env_pb2_grpc.EnvServiceStub(channel)
        caps = stub.Handshake(epb.HandshakeRequest(protocol_version=1), metadata=(("authorization", "Bearer s3cret"),)).capabilities
    assert caps.fast_lane_port > 0 and caps.fast_lane_tls
    where = ("127.0.0.1", caps.fast_lane_port)
    with pytest.raises(ssl.SSLCertVerificationError):  # a client that does not trust the certificate
        Lane(where, "s3cret", ssl.create_default_context())
    with pytest.raises((EOFError, ConnectionError, struct.error)):  # plaintext on a TLS lane: no answer
        Lane(where, "s3cret")
    trusted = ssl.create_default_context(cafile=str(cert))
    for token in ("", "nope"):  # no token or a wrong one: refused, as on gRPC
        refused = Lane(where, token, trusted)
        assert refused.hello.error.code == grpc.StatusCode.UNAUTHENTICATED.value[0]
        refused.close()
    lane = Lane(where, "s3cret", trusted)
    assert not lane.hello.HasField("error")
    made = lane.call(make=epb.MakeRequest(env_id="CartPole-v1", num_envs=64)).make
    local = gym.make_vec("CartPole-v1", 64, vectorization_mode="sync")
    r = lane.call(reset=epb.ResetRequest(session_id=made.session_id, seed=4)).reset
    assert codec.decode_tensor(r.observations.tensor).tobytes() == local.reset(seed=4)[0].tobytes()
    local.action_space.seed(4)
    for _ in range(30):
        a = local.action_space.sample()
        s = lane.call(step=epb.StepRequest(session_id=made.session_id, actions=codec.encode_value(local.action_space, a))).step
        want = local.step(a)
        assert codec.decode_tensor(s.observations.tensor).tobytes() == want[0].tobytes()
        assert codec.decode_tensor(s.rewards).tobytes() == want[1].astype(np.float64).tobytes()
    lane.close()
    local.close()
