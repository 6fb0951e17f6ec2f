"""vectorization="ray" on a real 3-node Ray cluster on this machine (``ray.cluster_utils.Cluster``).

Marked ``ray_cluster`` (a cluster takes tens of seconds to start on a busy 2-core machine); the default
run deselects them: ``pytest -m ray_cluster tests/test_ray_cluster.py`` runs them. The cluster and the
server live in a loopback-only network namespace (ray_cluster.py, raynet.py); the test steps the server's
sessions over its unix socket, kills a node mid-episode and checks that only the sessions with an actor
there fail, and that no actor or Ray process is left.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import grpc
import gymnasium as gym
import numpy as np
import pytest

from gymbridge_server.client import RemoteError, RemoteVectorEnv
from helpers import assert_same
from raynet import netns_prefix, ray_processes

pytestmark = pytest.mark.ray_cluster
HARNESS = Path(__file__).with_name("ray_cluster.py")


class Harness:
    def __init__(self, tmp: Path) -> None:
        self.proc = subprocess.Popen(
            [*netns_prefix(), sys.executable, str(HARNESS), str(tmp / "s.sock"), str(tmp / "server.log")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(tmp / "cluster.log", "wb"), text=True,
        )
        self.log = tmp / "server.log"
        ready = self.proc.stdout.readline().strip()
        assert ready.startswith("GYMBRIDGE_READY "), f"{ready!r}; log: {(tmp / 'cluster.log').read_text()[-3000:]}"
        self.address = ready.split(" ", 1)[1]

    def ask(self, command: str):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        while True:
            line = self.proc.stdout.readline()
            assert line, f"the cluster harness ended; log: {self.log.read_text()[-3000:]}"
            if line.startswith("ANSWER "):
                return json.loads(line[len("ANSWER "):])


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    h = Harness(tmp_path_factory.mktemp("raycluster"))
    try:
        yield h
        assert h.ask("quit") == {"server_exit": 0}, h.log.read_text()[-3000:]
        assert h.proc.wait(60) == 0
    finally:
        if h.proc.poll() is None:
            h.proc.kill()
    deadline = time.monotonic() + 30
    while (ray_processes("ray::") or ray_processes("raylet")) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert ray_processes("ray::") == [] and ray_processes("raylet") == [], "Ray processes outlived the cluster"


def session(h: Harness, n: int, workers: int, placement: str) -> RemoteVectorEnv:
    return RemoteVectorEnv(h.address, "CartPole-v1", n, vectorization="ray", num_workers=workers, placement=placement)


def test_spread_puts_one_actor_on_each_node_and_pack_keeps_them_on_one(cluster):
    nodes = cluster.ask("nodes")
    spread = session(cluster, 6, 3, "spread")
    try:
        assert sorted(cluster.ask("actors")) == sorted([nodes["head"], *nodes["workers"]])
        pack = session(cluster, 4, 2, "pack")
        try:
            placed = cluster.ask("actors")
            assert len(placed) == 5 and max(placed.count(n) for n in set(placed)) == 3, placed
            local = gym.make_vec("CartPole-v1", 6, vectorization_mode="sync")
            assert_same(local.reset(seed=4), spread.reset(seed=4))
            local.action_space.seed(4)
            for t in range(30):
                a = local.action_space.sample()
                assert_same(local.step(a), spread.step(a), f"step {t}")
            local.close()
        finally:
            pack.close()
    finally:
        spread.close()
    assert cluster.ask("actors") == []


def test_a_node_killed_mid_episode_fails_only_the_sessions_with_an_actor_there(cluster):
    nodes = cluster.ask("nodes")
    everywhere = session(cluster, 6, 3, "spread")
    together = session(cluster, 4, 2, "pack")
    try:
        everywhere.reset(seed=1)
        together.reset(seed=1)
        placed = cluster.ask("actors")
        pack_node = max(set(placed), key=placed.count)
        victim = next(w for w in nodes["workers"] if w != pack_node)
        for _ in range(5):
            everywhere.step(np.zeros(6, dtype=np.int64))
        assert cluster.ask(f"kill-node {victim}") == "ok"
        with pytest.raises(RemoteError) as e:
            for _ in range(100):  # steps in flight may still complete before Ray declares the node dead
                everywhere.step(np.zeros(6, dtype=np.int64))
        assert e.value.code == grpc.StatusCode.ABORTED and e.value.reason == "WORKER_DIED", e.value
        assert f"(id {victim[:12]})" in e.value.message, e.value.message
        for _ in range(5):
            together.step(np.zeros(4, dtype=np.int64))  # no actor on that node: unaffected
        everywhere.reset(seed=1)  # new actors on the two nodes left (spread is best effort)
        everywhere.step(np.zeros(6, dtype=np.int64))
        assert victim not in cluster.ask("actors")
    finally:
        everywhere.close()
        together.close()
    assert cluster.ask("actors") == []
