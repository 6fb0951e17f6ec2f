"""What one request may make the server allocate or run: numeric bounds on env and wrapper arguments,
allocation estimates derived from them, and the process caps.

A 60-byte Make can ask for ``FrameStackObservation(stack_size=10**7)`` or a FrozenLake ``desc`` of a
million cells; both would allocate gigabytes inside the server before any env steps. Instead of an
OS memory limit (which would fail whichever session happened to allocate next, innocent or not), the
request is bounded where it is read:

- every Make's kwargs and wrapper arguments together hold at most ``max_arg_items`` list items and
  string characters (``--max-arg-items``);
- what the arguments will allocate per env is estimated from them (a stacked or delayed observation
  is ``stack_size x`` the observation's bytes, a FrozenLake map ``cells x`` its transition table, a
  frame ``width x height x`` its pixels, a Crafter world its area), and the session's estimate --
  ``num_envs x`` that -- must fit ``max_session_mb`` (``--max-session-mb``);
- per-step repetitions (``RepeatAction.num_repeats``, ``MaxAndSkipObservation.skip``, MuJoCo's
  ``frame_skip`` ...) are at most ``max_repeat`` (``--max-repeat``): one step must not become a
  billion;
- process-backed sessions (``async``: one process per env, ``workers``: one per worker) hold at most
  ``max_processes_per_session`` processes each and ``max_total_processes`` together.

Each refusal is RESOURCE_EXHAUSTED naming the limit and its flag (:class:`LimitError`).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Limits:
    """The per-request bounds (see the module docstring); each has its CLI flag."""

    max_arg_items: int = 100_000
    max_session_mb: int = 1024
    max_repeat: int = 1000
    max_processes_per_session: int = 64
    max_total_processes: int = 256

    @property
    def max_session_bytes(self) -> int:
        return self.max_session_mb * 2**20


FLAGS = {
    "max_arg_items": "--max-arg-items",
    "max_session_mb": "--max-session-mb",
    "max_repeat": "--max-repeat",
    "max_processes_per_session": "--max-processes-per-session",
    "max_total_processes": "--max-total-processes",
}


class LimitError(Exception):
    """A request over one of the limits: RESOURCE_EXHAUSTED naming ``limit`` and its ``flag``.

    Picklable (it travels back from a worker process that applied a wrapper)."""

    def __init__(self, message: str, limit: str) -> None:
        super().__init__(message, limit)
        self.message = message
        self.limit = limit
        self.flag = FLAGS[limit]

    def __str__(self) -> str:
        return self.message


# ---------------------------------------------------------------------------------- arguments


def count_items(x: Any) -> int:
    """List items, map entries and string characters in a JSON-like value, nested."""
    if isinstance(x, str):
        return len(x)
    if isinstance(x, (list, tuple)):
        return len(x) + sum(count_items(v) for v in x)
    if isinstance(x, Mapping):
        return len(x) + sum(len(str(k)) + count_items(v) for k, v in x.items())
    return 1


def check_argument_size(limits: Limits, kwargs: Mapping[str, Any], wrappers: list[tuple[str, dict[str, Any]]]) -> None:
    n = count_items(dict(kwargs)) + sum(count_items(w) for _, w in wrappers)
    if n > limits.max_arg_items:
        raise LimitError(
            f"the Make's kwargs and wrapper arguments hold {n} items (list items and string characters), "
            f"over this server's limit of {limits.max_arg_items}; send smaller arguments, or restart the "
            "server with a larger --max-arg-items",
            "max_arg_items",
        )


def _ints(x: Any) -> list[int] | None:
    """A positive int, or a list of them, as a list; None for anything else."""
    items = x if isinstance(x, (list, tuple)) else [x]
    out = []
    for v in items:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer, float)):
            return None
        if isinstance(v, float) and not math.isfinite(v):
            return None
        out.append(int(v))
    return out


# Bytes per FrozenLake cell of the env's transition table P (4 actions x up to 3 outcomes, each a
# tuple of Python objects; measured ~1 KB per cell with is_slippery=True, rounded up).
_BYTES_PER_MAP_CELL = 2048
# Bytes per cell of a Crafter world (material and object maps, chunk bookkeeping and the noise
# computed per cell at reset, which is also its CPU cost: ~0.3 s for the default 64 x 64).
_BYTES_PER_WORLD_CELL = 256
# Env arguments whose value is repeated work per step.
_REPEAT_KWARGS = ("frame_skip",)


def env_bytes(env_id: str, kwargs: Mapping[str, Any]) -> int:
    """The estimated memory one env made with ``kwargs`` allocates because of them (0: no estimate)."""
    total = 0
    desc = kwargs.get("desc")
    if isinstance(desc, (list, tuple)) and all(isinstance(r, (str, list, tuple)) for r in desc):
        total += sum(len(r) for r in desc) * _BYTES_PER_MAP_CELL
    w, h = kwargs.get("width"), kwargs.get("height")
    if _ints(w) and _ints(h):
        total += 2 * 4 * max(_ints(w)[0], 0) * max(_ints(h)[0], 0)  # RGBA render buffer + depth
    for key, per_cell in (("render_size", 3), ("size", 3), ("area", _BYTES_PER_WORLD_CELL)):
        dims = _ints(kwargs.get(key)) if key in kwargs else None
        if dims and len(dims) >= 2:
            total += math.prod(max(d, 0) for d in dims) * per_cell
    return total


def check_env_kwargs(limits: Limits, env_id: str, num_envs: int, kwargs: Mapping[str, Any]) -> None:
    """The env arguments' repetitions and allocation estimate against the limits."""
    for key in _REPEAT_KWARGS:
        if key in kwargs:
            check_repeat(limits, f"{env_id} {key}", kwargs[key])
    per_env = env_bytes(env_id, kwargs)
    check_session_bytes(limits, f"{env_id} with these kwargs", per_env, num_envs)


def check_repeat(limits: Limits, what: str, value: Any) -> None:
    values = _ints(value)
    if values and max(values) > limits.max_repeat:
        raise LimitError(
            f"{what}={value!r} repeats each step {max(values)} times, over this server's limit of "
            f"{limits.max_repeat}; use a smaller value, or restart the server with a larger --max-repeat",
            "max_repeat",
        )


def check_session_bytes(limits: Limits, what: str, per_env: int, num_envs: int) -> None:
    total = per_env * max(num_envs, 1)
    if total > limits.max_session_bytes:
        raise LimitError(
            f"{what} would allocate about {_mib(per_env)} per env, {_mib(total)} for the session's "
            f"{num_envs} envs, over this server's limit of {limits.max_session_mb} MiB per session; use "
            "smaller arguments or fewer envs, or restart the server with a larger --max-session-mb",
            "max_session_mb",
        )


def space_bytes(space: Any) -> int:
    """Bytes of one value of a Gymnasium space (array leaves; other kinds count a little)."""
    from gymnasium import spaces

    if isinstance(space, spaces.Box):
        return int(np.prod(space.shape, dtype=np.float64)) * np.dtype(space.dtype).itemsize
    if isinstance(space, (spaces.MultiDiscrete, spaces.MultiBinary)):
        return int(np.prod(space.shape, dtype=np.float64)) * 8
    if isinstance(space, spaces.Dict):
        return sum(space_bytes(s) for s in space.spaces.values())
    if isinstance(space, spaces.Tuple):
        return sum(space_bytes(s) for s in space.spaces)
    return 64


# Wrapper arguments that multiply the observation an env keeps (allocated when the wrapper is
# applied or at the first reset), and those that repeat each step.
_STACKING = {"FrameStackObservation": "stack_size", "DelayObservation": "delay"}
_REPEATING = {"RepeatAction": "num_repeats", "MaxAndSkipObservation": "skip", "StickyAction": "repeat_action_duration"}


def check_wrapper(limits: Limits, name: str, kwargs: Mapping[str, Any], env: Any, budget_per_env: int) -> None:
    """A wrapper about to be applied to ``env``: its repetitions and its allocation estimate
    (``budget_per_env``: this env's share of --max-session-mb)."""
    if name in _REPEATING and _REPEATING[name] in kwargs:
        check_repeat(limits, f"wrapper {name} {_REPEATING[name]}", kwargs[_REPEATING[name]])
    obs = space_bytes(env.observation_space)
    per_env = 0
    if name in _STACKING:
        k = _ints(kwargs.get(_STACKING[name], 0)) or [0]
        # The stacked observation and the stacked space's low and high bounds, single and batched,
        # each also encoded once in the MakeResponse: measured ~6x the stacked bytes, rounded up.
        per_env = 8 * max(k[0], 0) * obs
    elif name == "ResizeObservation":
        dims = _ints(kwargs.get("shape", ())) or []
        channels = env.observation_space.shape[2:] if hasattr(env.observation_space, "shape") else ()
        per_env = 3 * math.prod(max(d, 0) for d in dims) * math.prod(channels or (1,)) * 8
    if per_env > budget_per_env:
        raise LimitError(
            f"wrapper {name}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())}) would allocate about "
            f"{_mib(per_env)} per env, over this env's share ({_mib(budget_per_env)}) of this server's "
            f"limit of {limits.max_session_mb} MiB per session; use a smaller value or fewer envs, or "
            "restart the server with a larger --max-session-mb",
            "max_session_mb",
        )


def processes_of(vectorization: str, num_envs: int, num_workers: int) -> int:
    """Processes a session of this mode starts (0 for sync)."""
    if vectorization == "async":
        return num_envs
    if vectorization == "workers":
        from gymbridge_server.vector.workers import default_num_workers

        return min(num_workers or default_num_workers(num_envs), num_envs)
    return 0


def check_processes(limits: Limits, processes: int, in_use: int) -> None:
    if limits.max_processes_per_session and processes > limits.max_processes_per_session:
        raise LimitError(
            f"this session would start {processes} worker processes, over this server's limit of "
            f"{limits.max_processes_per_session} per session; use vectorization='workers' with fewer "
            "num_workers (each steps many envs), or restart the server with a larger "
            "--max-processes-per-session",
            "max_processes_per_session",
        )
    if limits.max_total_processes and in_use + processes > limits.max_total_processes:
        raise LimitError(
            f"this session would start {processes} worker processes, bringing this server to "
            f"{in_use + processes}, over its limit of {limits.max_total_processes} ({in_use} in use); "
            "close sessions you no longer need, use fewer workers, or restart the server with a larger "
            "--max-total-processes",
            "max_total_processes",
        )


def _mib(n: float) -> str:
    return f"{n / 2**20:.1f} MiB"
