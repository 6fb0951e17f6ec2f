"""Render: rgb_array frames as uint8 tensors [n, H, W, 3] (MuJoCo headless via OSMesa), ansi as text."""
from __future__ import annotations

import numpy as np

from gymbridge.v1 import env_pb2 as epb
from gymbridge.v1 import tensor_pb2 as tpb
from gymbridge_server import codec
from gymbridge_server.client import RemoteVectorEnv
from gymbridge_server.rendering import configure_headless_gl


def _frames(stub, env_id: str, n: int, mode: str) -> tpb.Value:
    made = stub.Make(epb.MakeRequest(env_id=env_id, num_envs=n, render_mode=mode))
    try:
        stub.Reset(epb.ResetRequest(session_id=made.session_id, seed=0))
        return stub.Render(epb.RenderRequest(session_id=made.session_id)).frames
    finally:
        stub.Close(epb.CloseRequest(session_id=made.session_id))


def test_mujoco_renders_headless_rgb_array_frames(stub):
    frames = _frames(stub, "HalfCheetah-v5", 1, "rgb_array").tensor
    assert frames.dtype == tpb.DTYPE_UINT8
    n, h, w, c = frames.shape
    assert (n, c) == (1, 3) and h >= 64 and w >= 64
    arr = np.frombuffer(frames.data, np.uint8).reshape(n, h, w, c)
    assert arr.std() > 5.0 and len(np.unique(arr)) > 16  # a rendered scene, not a blank buffer


def test_mujoco_renders_every_frame_of_every_env_not_only_the_first(server):
    # Each render unbinds its GL context; Gymnasium's viewer makes its own current only when it is made, so
    # without the server binding each env's context before it renders, frames after the first were black.
    env = RemoteVectorEnv(server.address, "HalfCheetah-v5", 2, render_mode="rgb_array",
                          kwargs={"width": 96, "height": 64})
    try:
        env.reset(seed=1)
        frames = []
        for _ in range(3):
            frames.append(env.render())
            env.step(np.full((2, 6), 0.8))
        for t, f in enumerate(frames):
            assert f.shape == (2, 64, 96, 3)
            for i in range(2):
                assert f[i].std() > 5.0 and len(np.unique(f[i])) > 16, f"frame {t} of env {i} is blank"
        assert not np.array_equal(frames[0][0], frames[2][0])  # the cheetah moved
    finally:
        env.close()


def test_classic_control_rgb_array_frames_stack_per_env(server):
    env = RemoteVectorEnv(server.address, "CartPole-v1", 2, render_mode="rgb_array")
    try:
        env.reset(seed=1)
        frames = env.render()
        assert frames.dtype == np.uint8 and frames.shape == (2, 400, 600, 3)
        assert not np.array_equal(frames[0], frames[1])  # two different cart positions
    finally:
        env.close()


def test_ansi_frames_are_text_one_per_env(stub):
    frames = _frames(stub, "FrozenLake-v1", 3, "ansi")
    assert frames.WhichOneof("kind") == "text"
    assert len(frames.text.items) == 3
    assert all("S" in f and "G" in f for f in frames.text.items)


def test_headless_gl_is_osmesa_unless_chosen_or_a_display_exists():
    env: dict[str, str] = {}
    assert configure_headless_gl(env) == "osmesa"
    assert env == {"MUJOCO_GL": "osmesa", "PYOPENGL_PLATFORM": "osmesa"}
    chosen = {"MUJOCO_GL": "egl"}
    assert configure_headless_gl(chosen) == "egl" and chosen == {"MUJOCO_GL": "egl"}
    display = {"DISPLAY": ":0"}
    assert configure_headless_gl(display) is None and "MUJOCO_GL" not in display


def test_mujoco_gl_contexts_rendered_and_closed_on_other_threads_do_not_crash_the_server(new_server):
    # gRPC serves each call on any pool thread: a MuJoCo env is made (AddRenderObservation renders
    # while wrapping), renders and steps on some threads and is closed on another. A thread that
    # kept a since-destroyed GL context current crashed the server (segfault) the next time it
    # made a context current or the collector freed GL objects (rendering.py). Without the fix this
    # test killed the server in most runs.
    from gymbridge.v1 import env_pb2_grpc

    srv = new_server("--port", "0", "--log-level", "warning")
    stub = env_pb2_grpc.EnvServiceStub(srv.channel())
    made = stub.Make(epb.MakeRequest(env_id="InvertedPendulum-v5", num_envs=2, render_mode="rgb_array"))
    stub.Reset(epb.ResetRequest(session_id=made.session_id, seed=0))
    assert stub.Render(epb.RenderRequest(session_id=made.session_id)).frames.tensor.shape[0] == 2
    stub.Close(epb.CloseRequest(session_id=made.session_id))
    zero = np.zeros((1, 1), np.float32)
    for round_ in range(4):
        made = stub.Make(epb.MakeRequest(env_id="InvertedPendulum-v5", num_envs=1, render_mode="rgb_array",
                                         wrappers=[epb.WrapperSpec(name="AddRenderObservation")]))
        stub.Reset(epb.ResetRequest(session_id=made.session_id, seed=round_))
        actions = codec.encode_value(codec.decode_space(made.action_space), zero)
        for _ in range(3):
            step = stub.Step(epb.StepRequest(session_id=made.session_id, actions=actions))
        assert step.observations.tensor.dtype == tpb.DTYPE_UINT8  # the frame is the observation
        stub.Close(epb.CloseRequest(session_id=made.session_id))
        for _ in range(20):  # allocation churn on other threads: lets the collector run
            sid = stub.Make(epb.MakeRequest(env_id="Pendulum-v1", num_envs=4)).session_id
            stub.Close(epb.CloseRequest(session_id=sid))
    assert stub.Handshake(epb.HandshakeRequest(protocol_version=1)).protocol_version == 1
    assert srv.terminate() == 0, srv.log()


_POOL_THREAD_SCRIPT = r"""
import os, sys
os.environ["MUJOCO_GL"] = "osmesa"; os.environ["PYOPENGL_PLATFORM"] = "osmesa"
from concurrent.futures import ThreadPoolExecutor
import gymnasium as gym
from gymbridge_server import rendering

thread_a, thread_b = ThreadPoolExecutor(1), ThreadPoolExecutor(1)  # two gRPC pool threads

def make():  # what Session.make does for a render session
    env = gym.wrappers.AddRenderObservation(gym.make("InvertedPendulum-v5", render_mode="rgb_array"))
    env.reset(seed=0)
    rendering.release_current_gl_context()
    return env

def close(env):  # what Session.close does
    rendering.free_gl_resources(type("VectorEnv", (), {"envs": [env]})())
    env.close()

for _ in range(3):  # thread A makes again after B destroyed A's last context
    env = thread_a.submit(make).result()
    thread_b.submit(close, env).result()
print("survived")
"""


def test_gl_contexts_handed_between_pool_threads_are_released(tmp_path):
    # Deterministic form of the hazard above, in a child process (a segfault must not take pytest
    # down): without release_current_gl_context, thread A keeps the context it made current,
    # thread B destroys it, and A's next make_current flushes the destroyed one -- SIGSEGV.
    import subprocess
    import sys

    script = tmp_path / "pool_threads.py"
    script.write_text(_POOL_THREAD_SCRIPT)
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "survived" in proc.stdout, proc.stderr[-2000:]
