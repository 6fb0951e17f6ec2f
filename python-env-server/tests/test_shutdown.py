"""Graceful shutdown: SIGTERM stops accepting sessions, lets the step in flight finish,
closes every env and worker process, and exits 0."""
from __future__ import annotations

import queue
import signal
import time

import grpc
import numpy as np

from gymbridge.v1 import env_pb2 as epb
from gymbridge.v1 import env_pb2_grpc
from gymbridge.v1 import tensor_pb2 as tpb
from faults import int_actions
from helpers import pid_alive

SLEEP = 5


class Stream:
    """A Session stream driven request by request."""

    def __init__(self, channel: grpc.Channel) -> None:
        self.requests: queue.Queue = queue.Queue()
        self.responses = env_pb2_grpc.EnvServiceStub(channel).Session(iter(self.requests.get, None))
        self.seq = 0

    def send(self, **request) -> None:
        self.seq += 1
        self.requests.put(epb.SessionRequest(seq=self.seq, **request))

    def call(self, **request) -> epb.SessionResponse:
        self.send(**request)
        return next(self.responses)


def test_sigterm_finishes_the_step_in_flight_refuses_new_sessions_and_frees_workers(new_server):
    srv = new_server("--port", "0", "--fault-envs", "--shutdown-grace", "10", "--log-level", "info")
    with srv.channel() as ch:
        slow = Stream(ch)
        sid = slow.call(make=epb.MakeRequest(env_id="gymbridge/Fault-v0", num_envs=2, vectorization="async",
                                             kwargs={"sleep_s": tpb.Arg(double_value=1.5)})).make.session_id
        reset = slow.call(reset=epb.ResetRequest(session_id=sid, seed=0))
        pids = [int(p) for p in np.frombuffer(reset.reset.observations.tensor.data, dtype="<f4").reshape(2, 2)[:, 1]]
        assert all(pid_alive(p) for p in pids)
        other = Stream(ch)
        healthy = other.call(make=epb.MakeRequest(env_id="CartPole-v1")).make.session_id
        assert not other.call(reset=epb.ResetRequest(session_id=healthy)).HasField("error")

        # A slow step is in flight when SIGTERM arrives.
        slow.send(step=epb.StepRequest(session_id=sid, actions=int_actions([SLEEP, 0])))
        time.sleep(0.3)
        t0 = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)
        # Sessions already open keep stepping during the grace period.
        time.sleep(0.2)
        for _ in range(3):
            assert not other.call(step=epb.StepRequest(session_id=healthy, actions=int_actions([0]))).HasField("error")
        answer = next(slow.responses)
        assert not answer.HasField("error"), answer.error
        assert np.frombuffer(answer.step.rewards.data, dtype="<f8").tolist() == [1.0, 1.0]

        # No new sessions while stopping: in-band on an open stream, UNAVAILABLE on a new call.
        refused = other.call(make=epb.MakeRequest(env_id="CartPole-v1"))
        assert refused.error.code == grpc.StatusCode.UNAVAILABLE.value[0] and refused.error.reason == "SHUTTING_DOWN"
        try:
            env_pb2_grpc.EnvServiceStub(ch).Make(epb.MakeRequest(env_id="CartPole-v1"), timeout=5)
            raise AssertionError("a new Make succeeded during shutdown")
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.UNAVAILABLE
        slow.requests.put(None)
        other.requests.put(None)

        code = srv.proc.wait(30)
    assert code == 0, srv.log()
    assert time.monotonic() - t0 < 15
    assert not any(pid_alive(p) for p in pids), "the session's worker processes were closed"
    log = srv.log()
    assert f'"event": "closed", "session": "{sid}"' in log and "gymbridge-server stopped" in log


def test_stdin_eof_with_exit_with_parent_closes_sessions_and_exits_0(new_server):
    import subprocess

    srv = new_server("--port", "0", "--exit-with-parent", "--log-level", "info", stdin=subprocess.PIPE)
    with srv.channel() as ch:
        stub = env_pb2_grpc.EnvServiceStub(ch)
        sid = stub.Make(epb.MakeRequest(env_id="CartPole-v1"), timeout=30).session_id
        srv.proc.stdin.close()  # what the OS does when the parent (a JVM) dies, even by SIGKILL
        assert srv.proc.wait(20) == 0
    assert f'"event": "closed", "session": "{sid}"' in srv.log()
