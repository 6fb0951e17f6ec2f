"""Session's state machine without gRPC, compliance-suite style: reset/step/render/close, step before
reset, an env that raises (broken, needs reset, remade), Make's pending seed, the three autoreset
modes against in-process Gymnasium, and a closed session."""
from __future__ import annotations

import grpc
import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from gymbridge_server.envs import faults
from gymbridge_server.errors import BridgeError
from gymbridge_server.sessions import Session
from gymbridge_server.vector.factory import make_vector_env

faults.register()


def make_session(env_id: str = "CartPole-v1", num_envs: int = 3, mode: AutoresetMode = AutoresetMode.NEXT_STEP,
                 seed: int | None = None, render_mode: str | None = None, remakeable: bool = False,
                 made: list | None = None) -> Session:
    def make_env():
        env = make_vector_env(env_id, num_envs, autoreset_mode=mode, kwargs={}, render_mode=render_mode)
        if made is not None:
            made.append(env)
        return env

    return Session.make("s1", env_id, make_env, num_envs=num_envs, autoreset_mode=mode, kwargs={},
                        render_mode=render_mode, seed=seed, remakeable=remakeable)


def refused(call, code: grpc.StatusCode, reason: str) -> BridgeError:
    with pytest.raises(BridgeError) as e:
        call()
    assert (e.value.code, e.value.reason) == (code, reason), e.value
    return e.value


def test_reset_then_step_returns_batched_results():
    s = make_session()
    obs, infos = s.reset(seed=1)
    assert obs.shape == (3, 4) and isinstance(infos, dict)
    obs, rewards, terminated, truncated, infos = s.step(np.zeros(3, dtype=np.int64))
    assert obs.shape == (3, 4)
    assert rewards.dtype == np.float64 and rewards.tolist() == [1.0, 1.0, 1.0]
    assert terminated.dtype == np.bool_ and truncated.dtype == np.bool_ and terminated.shape == (3,)
    s.close()


def test_step_before_reset_is_refused_and_does_not_decode():
    s = make_session()

    def decode(_env):
        raise AssertionError("decoded before the state check")

    refused(lambda: s.step(decode=decode), grpc.StatusCode.FAILED_PRECONDITION, "RESET_REQUIRED")
    s.close()


def test_partial_reset_needs_a_full_reset_first_and_a_mask_that_selects_an_env():
    s = make_session()
    refused(lambda: s.reset(reset_mask=np.array([True, False, False])), grpc.StatusCode.FAILED_PRECONDITION, "RESET_REQUIRED")
    refused(lambda: s.reset(reset_mask=np.zeros(3, np.bool_)), grpc.StatusCode.INVALID_ARGUMENT, "INVALID_REQUEST")
    s.reset(seed=0)
    obs, _ = s.reset(reset_mask=np.array([True, False, False]))
    assert obs.shape == (3, 4)
    s.close()


def test_makes_seed_is_used_by_the_first_reset_without_a_seed_only():
    s = make_session(seed=7)
    ref = gym.make_vec("CartPole-v1", num_envs=3, vectorization_mode="sync")
    first = s.reset()[0].copy()  # (the env reuses its observation buffer)
    assert np.array_equal(first, ref.reset(seed=7)[0])
    assert s.pending_seed is None
    second, _ = s.reset()
    assert not np.array_equal(second, first)  # not seeded again: the episode generator moved on
    ref.close()
    s.close()


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
def test_trajectories_equal_in_process_gymnasium_across_autoresets(mode):
    s = make_session(num_envs=4, mode=mode)
    ref = gym.make_vec("CartPole-v1", num_envs=4, vectorization_mode="sync", vector_kwargs={"autoreset_mode": mode})
    assert np.array_equal(s.reset(seed=3)[0], ref.reset(seed=3)[0])
    rng = np.random.default_rng(0)
    dones = 0
    for _ in range(80):
        actions = rng.integers(0, 2, size=4)
        got = s.step(actions)
        want = ref.step(actions)
        for g, w in zip(got[:4], want[:4]):
            assert np.array_equal(g, w)
        dones += int(np.logical_or(got[2], got[3]).sum())
    assert dones > 0  # the run crossed autoresets
    ref.close()
    s.close()


def test_disabled_autoreset_refuses_to_step_ended_envs_until_they_are_reset():
    s = make_session(num_envs=2, mode=AutoresetMode.DISABLED)
    s.reset(seed=0)
    push = np.array([1, 0])  # env 0 pushes right only: it falls first
    for _ in range(200):
        _, _, terminated, truncated, _ = s.step(push)
        if (terminated | truncated).any():
            break
    ended = np.flatnonzero(terminated | truncated).tolist()
    assert ended
    e = refused(lambda: s.step(push), grpc.StatusCode.FAILED_PRECONDITION, "RESET_REQUIRED")
    assert str(ended) in e.message
    mask = np.zeros(2, np.bool_)
    mask[ended] = True
    s.reset(reset_mask=mask)
    s.step(push)  # steps again
    s.close()


def test_an_env_that_raises_breaks_the_session_until_a_reset():
    crashes = []
    s = make_session("gymbridge/Fault-v0", num_envs=2)
    s.on_crash = lambda session, message: crashes.append(message)
    s.reset(seed=0)
    e = refused(lambda: s.step(np.array([faults.RAISE, 0])), grpc.StatusCode.ABORTED, "ENV_ERROR")
    assert "RuntimeError: fault injected" in e.message
    assert s.broken and s.needs_reset and crashes == [e.message]
    refused(lambda: s.step(np.zeros(2, np.int64)), grpc.StatusCode.FAILED_PRECONDITION, "RESET_REQUIRED")
    s.reset()
    s.step(np.zeros(2, np.int64))
    s.close()


def test_a_broken_remakeable_env_is_replaced_at_the_next_reset():
    made: list = []
    s = make_session("gymbridge/Fault-v0", num_envs=2, remakeable=True, made=made)
    s.reset(seed=0)
    refused(lambda: s.step(np.array([0, faults.RAISE])), grpc.StatusCode.ABORTED, "ENV_ERROR")
    assert len(made) == 1
    s.reset(seed=0)
    assert len(made) == 2 and s.env is made[1] and not s.broken
    assert made[0].closed
    obs, rewards, *_ = s.step(np.zeros(2, np.int64))
    assert rewards.tolist() == [1.0, 1.0] and obs[:, 0].tolist() == [1.0, 1.0]
    s.close()


def test_a_sync_env_is_not_remade():
    made: list = []
    s = make_session("gymbridge/Fault-v0", num_envs=1, made=made)
    s.reset(seed=0)
    refused(lambda: s.step(np.array([faults.RAISE])), grpc.StatusCode.ABORTED, "ENV_ERROR")
    s.reset(seed=0)
    assert len(made) == 1 and s.env is made[0]
    s.close()


def test_render_needs_a_render_mode():
    s = make_session(num_envs=1)
    s.reset(seed=0)
    refused(s.render, grpc.StatusCode.FAILED_PRECONDITION, "NO_RENDER_MODE")
    s.close()
    r = make_session(num_envs=2, render_mode="rgb_array")
    r.reset(seed=0)
    frames = r.render()
    assert len(frames) == 2 and frames[0].dtype == np.uint8 and frames[0].ndim == 3
    r.close()


def test_a_render_mode_the_env_does_not_list_is_refused():
    refused(lambda: make_session(num_envs=1, render_mode="ansi"), grpc.StatusCode.INVALID_ARGUMENT, "BAD_RENDER_MODE")


def test_a_closed_session_refuses_every_call_and_closes_once():
    s = make_session()
    s.reset(seed=0)
    s.close()
    s.close()
    assert s.closed and s.env.closed
    for call in (s.reset, lambda: s.step(np.zeros(3, np.int64)), s.render, s.model):
        refused(call, grpc.StatusCode.NOT_FOUND, "SESSION_NOT_FOUND")


def test_model_is_the_tabular_model_or_no_model():
    s = make_session("FrozenLake-v1", num_envs=1)
    assert s.model().num_states == 16
    s.close()
    c = make_session(num_envs=1)
    refused(c.model, grpc.StatusCode.FAILED_PRECONDITION, "NO_MODEL")
    c.close()
