"""The example custom env served by a real gymbridge-server started with --env-module.

Run from python-env-server (its venv has gymbridge-server and pytest):
    .venv/bin/python -m pytest ../examples/custom-env/tests
"""
from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from gymbridge.v1 import env_pb2 as epb
from gymbridge_server.client import RemoteEnv, RemoteVectorEnv, open_channel
from gymbridge.v1 import env_pb2_grpc

SRC = Path(__file__).resolve().parents[1] / "src"
SERVER = Path(sys.executable).with_name("gymbridge-server")
ENV_ID = "gridworld/GridWorld-v0"

sys.path.insert(0, str(SRC))  # the in-process reference imports the same package
import gymbridge_gridworld.envs  # noqa: E402,F401  (registers gridworld/GridWorld-v0 here too)


def start_server(*extra: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [str(SERVER), "--port", "0", "--log-level", "warning", *extra],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(60)
    if not line or not line[0].startswith("GYMBRIDGE_READY "):
        proc.kill()
        raise AssertionError(f"server did not start: {line!r}\n{proc.stderr.read()}")
    return proc, line[0].split()[1]


@pytest.fixture(scope="module")
def address():
    proc, addr = start_server("--env-path", str(SRC), "--env-module", "gymbridge_gridworld.envs")
    yield addr
    proc.terminate()
    assert proc.wait(15) == 0


def test_the_module_registers_the_env_id_on_the_server(address):
    stub = env_pb2_grpc.EnvServiceStub(open_channel(address))
    listed = {e.env_id: e for e in stub.ListEnvs(epb.ListEnvsRequest(prefix="gridworld/", with_spaces=True)).envs}
    assert list(listed) == [ENV_ID]
    assert listed[ENV_ID].unavailable == "" and listed[ENV_ID].max_episode_steps == 100
    assert [e.key for e in listed[ENV_ID].observation_space.dict.entries] == ["agent", "target"]


def test_make_and_step_over_grpc_match_in_process(address):
    local = gym.make(ENV_ID, size=6)
    remote = RemoteEnv(address, ENV_ID, kwargs={"size": 6})
    try:
        assert remote.observation_space == local.observation_space
        lo, linfo = local.reset(seed=3)
        ro, rinfo = remote.reset(seed=3)
        assert set(ro) == {"agent", "target"} and ro["agent"].dtype == np.int64
        assert all(np.array_equal(lo[k], ro[k]) for k in lo) and rinfo["distance"] == linfo["distance"]
        for action in [0, 1, 1, 2, 3, 0, 0, 1]:
            l_out, r_out = local.step(action), remote.step(action)
            assert all(np.array_equal(l_out[0][k], r_out[0][k]) for k in ("agent", "target"))
            assert l_out[1:4] == r_out[1:4]
            if l_out[2]:
                break
    finally:
        local.close()
        remote.close()


def test_gymnasium_check_env_passes_on_the_served_env(address):
    from gymnasium.utils.env_checker import check_env

    env = RemoteEnv(address, ENV_ID)
    try:
        check_env(env)  # spaces, seeding determinism, both render modes, close
    finally:
        env.close()


def test_frames_of_the_custom_env_come_back(address):
    env = RemoteVectorEnv(address, ENV_ID, 2, render_mode="rgb_array")
    try:
        env.reset(seed=0)
        frames = env.render()
        assert frames.dtype == np.uint8 and frames.shape == (2, 80, 80, 3)
    finally:
        env.close()


def test_a_module_that_does_not_import_stops_the_server_with_the_reason():
    proc = subprocess.run(
        [str(SERVER), "--port", "0", "--env-module", "no_such_team_pkg.envs"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2 and proc.stdout == ""  # never READY
    assert "--env-module no_such_team_pkg.envs failed to import" in proc.stderr
    assert "No module named 'no_such_team_pkg'" in proc.stderr and "--env-path" in proc.stderr
