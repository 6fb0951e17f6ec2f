"""The allowlist of Gymnasium wrappers a client may apply per env (MakeRequest.wrappers).

Only wrappers whose arguments are plain data are listed (no callables: a client can never make
the server import or call arbitrary code), and none that writes files or opens windows on the
server (RecordVideo, HumanRendering). Wrappers apply to each env innermost first, exactly like
``gymnasium.make_vec(..., wrappers=[...])``, so results are bit-identical to Python's.

Arguments are checked against each wrapper's signature before anything is made (argcheck.py):
an unknown name, a missing required argument or a wrong type is INVALID_ARGUMENT naming what
the wrapper accepts; a value the wrapper itself rejects when applied (e.g. TimeLimit's
``max_episode_steps=0``) is too.
"""
from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
from gymnasium import wrappers as gw

from gymbridge_server.adapters.minerl import MineRLDiscreteActions, MineRLPovObservation
from gymbridge_server.argcheck import ArgumentError, check_call, required_missing
from gymbridge_server.limits import Limits, check_wrapper

ALLOWED: dict[str, Callable[..., gym.Env]] = {
    # episode and bookkeeping
    "TimeLimit": gw.TimeLimit,
    "RecordEpisodeStatistics": gw.RecordEpisodeStatistics,
    # actions
    "ClipAction": gw.ClipAction,
    "RescaleAction": gw.RescaleAction,
    "StickyAction": gw.StickyAction,
    "RepeatAction": gw.RepeatAction,
    "DiscretizeAction": gw.DiscretizeAction,
    # observations
    "FlattenObservation": gw.FlattenObservation,
    "NormalizeObservation": gw.NormalizeObservation,
    "FrameStackObservation": gw.FrameStackObservation,
    "DtypeObservation": gw.DtypeObservation,
    "RescaleObservation": gw.RescaleObservation,
    "ReshapeObservation": gw.ReshapeObservation,
    "ResizeObservation": gw.ResizeObservation,
    "GrayscaleObservation": gw.GrayscaleObservation,
    "MaxAndSkipObservation": gw.MaxAndSkipObservation,
    "DelayObservation": gw.DelayObservation,
    "TimeAwareObservation": gw.TimeAwareObservation,
    "FilterObservation": gw.FilterObservation,
    "DiscretizeObservation": gw.DiscretizeObservation,
    "AddRenderObservation": gw.AddRenderObservation,
    # rewards
    "NormalizeReward": gw.NormalizeReward,
    "ClipReward": gw.ClipReward,
    # MineRL for pixel agents (adapters/minerl.py): Discrete actions, the pov frame only
    "MineRLDiscreteActions": MineRLDiscreteActions,
    "MineRLPovObservation": MineRLPovObservation,
}


class WrapperError(ArgumentError):
    """A wrapper that is not on the allowlist."""

    reason = "WRAPPER_NOT_ALLOWED"


class WrapperArgumentError(WrapperError):
    """Arguments an allowed wrapper does not accept."""

    reason = "BAD_WRAPPER_ARGS"


def _cls(name: str) -> Callable[..., gym.Env]:
    cls = ALLOWED.get(name)
    if cls is None:
        raise WrapperError(f"wrapper {name!r} is not allowed on this server; allowed: {', '.join(sorted(ALLOWED))}")
    return cls


def check_wrappers(specs: Sequence[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """The (name, kwargs) specs with names and arguments checked (lists converted); errors name the fix."""
    out = []
    for name, kwargs in specs:
        cls = _cls(name)
        try:
            checked = check_call(f"wrapper {name}", cls, dict(kwargs), skip=1)
        except ArgumentError as e:
            raise WrapperArgumentError(str(e)) from e
        missing = required_missing(cls, checked, skip=1)
        if missing:
            raise WrapperArgumentError(
                f"wrapper {name} needs {', '.join(missing)}, e.g. {name}({missing[0]}=...); "
                f"see python-env-server/README.md#wrappers"
            )
        out.append((name, checked))
    return out


def build_wrappers(
    specs: Sequence[tuple[str, dict[str, Any]]], limits: Limits | None = None, budget_per_env: int = 0,
) -> list[Callable[[gym.Env], gym.Env]]:
    """Callables applying each (name, kwargs) wrapper; WrapperError for names not allowed. With
    ``limits``, each checks what it would allocate against ``budget_per_env`` bytes first (LimitError)."""
    return [_Apply(name, _cls(name), dict(kwargs), limits, budget_per_env) for name, kwargs in specs]


class _Apply:
    """Applies one allowed wrapper to an env.

    A module-level class, not a closure, so that it pickles: gymnasium.make_vec keeps the wrapper
    callables in the vector env's spec, and vectorization=workers sends that spec from the worker
    process back to the server through a pipe.
    """

    def __init__(self, name: str, cls: Callable[..., gym.Env], kwargs: dict[str, Any],
                 limits: Limits | None = None, budget_per_env: int = 0) -> None:
        self.name = name
        self.cls = cls
        self.kwargs = kwargs
        self.limits = limits
        self.budget_per_env = budget_per_env
        self.__name__ = getattr(cls, "__name__", "wrapper")

    def __call__(self, env: gym.Env) -> gym.Env:
        if self.limits is not None:
            check_wrapper(self.limits, self.name, self.kwargs, env, self.budget_per_env)
        try:
            return self.cls(env, **self.kwargs)
        except gym.error.DependencyNotInstalled:
            raise  # reported as a missing dependency, with its pip command
        except (TypeError, ValueError, AssertionError) as e:
            last = traceback.format_exception_only(type(e), e)[-1].strip()
            args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
            raise WrapperArgumentError(f"wrapper {self.name}({args}) could not wrap the env: {last}") from e
