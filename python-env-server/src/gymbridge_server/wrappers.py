"""The allowlist of Gymnasium wrappers a client may apply per env (MakeRequest.wrappers).

Only wrappers whose arguments are plain JSON data are listed: a client can never make the server
import or call arbitrary code. Wrappers apply to each env innermost first, exactly like
``gymnasium.make_vec(..., wrappers=[...])``.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
from gymnasium import wrappers as gw

ALLOWED: dict[str, Callable[..., gym.Env]] = {
    "TimeLimit": gw.TimeLimit,
    "RecordEpisodeStatistics": gw.RecordEpisodeStatistics,
    "ClipAction": gw.ClipAction,
    "RescaleAction": gw.RescaleAction,
    "FlattenObservation": gw.FlattenObservation,
    "NormalizeObservation": gw.NormalizeObservation,
    "NormalizeReward": gw.NormalizeReward,
    "ClipReward": gw.ClipReward,
    "FrameStackObservation": gw.FrameStackObservation,
    "DtypeObservation": gw.DtypeObservation,
    "RescaleObservation": gw.RescaleObservation,
    "ReshapeObservation": gw.ReshapeObservation,
    "ResizeObservation": gw.ResizeObservation,
    "GrayscaleObservation": gw.GrayscaleObservation,
    "MaxAndSkipObservation": gw.MaxAndSkipObservation,
    "StickyAction": gw.StickyAction,
}


class WrapperError(ValueError):
    """A wrapper that is not on the allowlist, or arguments it does not accept."""


def build_wrappers(specs: Sequence[tuple[str, dict[str, Any]]]) -> list[Callable[[gym.Env], gym.Env]]:
    """Callables applying each (name, kwargs) wrapper; WrapperError for names not allowed."""
    fns = []
    for name, kwargs in specs:
        cls = ALLOWED.get(name)
        if cls is None:
            raise WrapperError(
                f"wrapper {name!r} is not allowed on this server; allowed: {', '.join(sorted(ALLOWED))}"
            )
        fns.append(_bind(cls, dict(kwargs)))
    return fns


def _bind(cls: Callable[..., gym.Env], kwargs: dict[str, Any]) -> Callable[[gym.Env], gym.Env]:
    def apply(env: gym.Env) -> gym.Env:
        return cls(env, **kwargs)

    apply.__name__ = getattr(cls, "__name__", "wrapper")
    return apply
