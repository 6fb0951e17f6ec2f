"""Many sessions at once: parallel clients get their own, correct trajectories; a stream that
disappears takes its sessions with it."""
from __future__ import annotations

import threading
import time

import grpc
import gymnasium as gym
import numpy as np

from gymbridge.v1 import env_pb2 as epb
from gymbridge_server.client import RemoteVectorEnv
from helpers import assert_same


def test_parallel_sessions_each_match_their_in_process_twin(server):
    errors: list[BaseException] = []

    def worker(seed: int, transport: str) -> None:
        try:
            local = gym.make_vec("CartPole-v1", 2, vectorization_mode="sync")
            remote = RemoteVectorEnv(server.address, "CartPole-v1", 2, transport=transport)
            local.action_space.seed(seed)
            assert_same(local.reset(seed=seed), remote.reset(seed=seed))
            for t in range(60):
                a = local.action_space.sample()
                assert_same(local.step(a), remote.step(a), f"seed {seed} step {t}")
            local.close()
            remote.close()
        except BaseException as e:  # noqa: BLE001 -- reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(s, "stream" if s % 2 else "unary")) for s in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not errors, errors


def test_a_cancelled_stream_closes_the_sessions_it_made(server, stub):
    envs = RemoteVectorEnv(server.address, "CartPole-v1", 1)
    envs.reset(seed=0)
    sid = envs.session_id
    envs._stream._responses.cancel()  # the client vanishes without closing anything
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            stub.Reset(epb.ResetRequest(session_id=sid))
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.NOT_FOUND
            return
        time.sleep(0.05)
    raise AssertionError(f"session {sid} still open 10 s after its stream was cancelled")
