"""Comparison helpers: bit-identical equality of observations and infos."""
from __future__ import annotations

from typing import Any

import numpy as np


def assert_same(a: Any, b: Any, path: str = "value") -> None:
    """Assert a == b exactly: same structure, same dtypes, same bytes (NaN-safe)."""
    if isinstance(a, dict):
        assert isinstance(b, dict), f"{path}: {type(b)} is not a dict"
        assert list(a) == list(b), f"{path}: keys {list(a)} != {list(b)}"
        for k in a:
            assert_same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b), f"{path}: {b!r} is not a tuple of {len(a)}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, np.ndarray) and a.dtype == object:
        assert isinstance(b, np.ndarray) and b.dtype == object and a.shape == b.shape, f"{path}: {b!r}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, (np.ndarray, np.generic)):
        b_arr = np.asarray(b)
        assert np.asarray(a).dtype == b_arr.dtype, f"{path}: dtype {b_arr.dtype} != {np.asarray(a).dtype}"
        assert np.asarray(a).shape == b_arr.shape, f"{path}: shape {b_arr.shape} != {np.asarray(a).shape}"
        assert np.asarray(a).tobytes() == b_arr.tobytes(), f"{path}: {b!r} != {a!r}"
    elif isinstance(a, (bool, int, float)):
        # Python scalars cross as 0-d tensors (bool/int64/float64) and come back as numpy scalars.
        assert np.asarray(b).item() == a and np.asarray(b).dtype.kind == np.asarray(a).dtype.kind, f"{path}: {b!r} != {a!r}"
    else:
        assert a == b, f"{path}: {b!r} != {a!r}"


def pid_alive(pid: int) -> bool:
    """True while process pid exists and is not a zombie (a killed child not yet reaped counts as dead)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def step_like_sync(want: Any, got: Any, steps: int, seed: int, disabled_autoreset: bool = False) -> int:
    """Reset both vector envs with ``seed`` and step them with the same sampled actions, asserting that
    every result of ``got`` is bit-identical to ``want``'s (a Gymnasium SyncVectorEnv); with
    ``disabled_autoreset``, reset the ended envs of both with a mask. Returns the number of episode ends."""
    assert_same(want.reset(seed=seed), got.reset(seed=seed), "reset")
    want.action_space.seed(seed)
    dones = 0
    for t in range(steps):
        a = want.action_space.sample()
        expected = want.step(a)
        assert_same(expected, got.step(a), f"step {t}")
        done = expected[2] | expected[3]
        dones += int(np.count_nonzero(done))
        if disabled_autoreset and done.any():
            assert_same(want.reset(options={"reset_mask": done}), got.reset(options={"reset_mask": done}), f"masked reset {t}")
    return dones


def step_frozenlake_like_sync(got: Any, num_envs: int, slice_starts: list[int], mode: Any, steps: int, seed: int) -> int:
    """Step ``got`` (a FrozenLake-v1 vector env whose envs are split into slices starting at ``slice_starts``)
    next to SyncVectorEnv as :func:`step_like_sync` does, every info compared in values and dtypes.

    FrozenLake's ``prob`` is an int ``1`` from a reset and a float ``1/3`` from a slippery step; SyncVectorEnv
    gives the key the dtype of the first env reporting it over all the envs. Returns the steps where a slice
    other than the first began with an env that had just reset while env 0 had not (the slice's own first
    env then disagrees with the whole batch's), so the caller can check that the case was exercised."""
    import gymnasium as gym
    from gymnasium.vector import AutoresetMode

    want = gym.make_vec("FrozenLake-v1", num_envs, vectorization_mode="sync", vector_kwargs={"autoreset_mode": mode})
    try:
        assert_same(want.reset(seed=seed), got.reset(seed=seed), "reset")
        want.action_space.seed(seed)
        ended = np.zeros(num_envs, dtype=np.bool_)
        disagreeing = 0
        for t in range(steps):
            a = want.action_space.sample()
            expected = want.step(a)
            assert_same(expected, got.step(a), f"step {t}")
            done = expected[2] | expected[3]
            reset_now = ended if mode == AutoresetMode.NEXT_STEP else done
            disagreeing += bool(not reset_now[0] and any(reset_now[lo] for lo in slice_starts if lo > 0))
            ended = done
        return disagreeing
    finally:
        want.close()
