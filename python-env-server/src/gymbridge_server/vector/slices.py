"""What ``workers`` and ``ray`` share: a session's envs cut into contiguous slices, each slice a SyncVectorEnv
of its own somewhere else (a worker process, a Ray actor), joined back into what one SyncVectorEnv returns.

The slice side: :func:`make_slice` makes a slice exactly as a sync session's env (``factory.make_vector_env``)
with exact infos (``exactinfo.py``), so a key whose envs disagree on a dtype arrives widened with its first
env's dtype (:func:`slice_first_dtypes`) instead of cast to it. The session side: :class:`SlicedVectorEnv`
splits a reset's seeds and mask over the slices (:meth:`~SlicedVectorEnv._reset_calls`) and joins the slices'
infos with ``gymbridge.slices.join_infos`` -- the ShardedVectorEnv's join -- so each key gets the dtype of the
first env reporting it over the whole session, as in SyncVectorEnv. An ``exact_infos`` session keeps such a
key widened instead and names that dtype (``exactinfo.info_dtypes``).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from gymnasium.vector import VectorEnv

from gymbridge.slices import InfoPath, join_infos
from gymbridge_server.vector import exactinfo

NOTHING_WIDENED: Mapping[InfoPath, np.dtype] = {}


def split(num_envs: int, k: int) -> list[tuple[int, int]]:
    """``k`` contiguous (lo, hi) ranges over ``num_envs`` envs, as even as possible."""
    bounds = np.linspace(0, num_envs, k + 1).astype(int)
    return [(int(bounds[i]), int(bounds[i + 1])) for i in range(k)]


def make_slice(make_args: dict[str, Any], num_envs: int) -> VectorEnv:
    """A slice's env: made as a sync session's is, with exact infos (see the module doc)."""
    from gymbridge_server.vector.factory import make_vector_env  # noqa: PLC0415 -- factory imports the modes

    env = make_vector_env(
        make_args["env_id"],
        num_envs,
        autoreset_mode=make_args["autoreset_mode"],
        kwargs=make_args["kwargs"],
        wrappers=make_args["wrappers"],
        render_mode=make_args["render_mode"],
        max_episode_steps=make_args["max_episode_steps"],
        vectorization="sync",
        limits=make_args["limits"],
        session_envs=make_args["session_envs"],
    )
    return exactinfo.enable(env)


def slice_first_dtypes(env: VectorEnv, infos: Any) -> Mapping[InfoPath, np.dtype]:
    """The keys a slice made by :func:`make_slice` sent widened in ``infos``, with its first env's dtype."""
    widened = exactinfo.info_dtypes(env, infos)
    return dict(widened) if widened else NOTHING_WIDENED


class SlicedVectorEnv(VectorEnv):
    """Base of the vector envs whose envs are split into ``slices`` (list of (lo, hi)), each run elsewhere."""

    slices: list[tuple[int, int]]
    # Set by exactinfo.enable: then joined infos keep widened keys, and it records which (info_dtypes).
    exact_infos: exactinfo.Widened | None = None

    def _reset_calls(self, seed: int | list[int | None] | None,
                     options: dict[str, Any] | None) -> list[tuple[list[int | None], dict[str, Any] | None] | None]:
        """Per slice the (seeds, options) of its reset, or None when the reset mask leaves all its envs alone.
        An int ``seed`` seeds env ``i`` with ``seed + i``, Gymnasium's vector rule, whichever slice holds it."""
        n = self.num_envs
        if seed is None:
            seeds: list[int | None] = [None] * n
        elif isinstance(seed, (int, np.integer)):
            seeds = [int(seed) + i for i in range(n)]
        else:
            seeds = list(seed)
            if len(seeds) != n:
                raise ValueError(f"reset got {len(seeds)} seeds for {n} envs")
        options = dict(options or {})
        mask = options.pop("reset_mask", None)
        calls: list[tuple[list[int | None], dict[str, Any] | None] | None] = []
        for lo, hi in self.slices:
            opts = dict(options)
            if mask is not None:
                part = np.asarray(mask[lo:hi], dtype=np.bool_)
                if not part.any():
                    calls.append(None)  # nothing to reset here: its envs keep their state
                    continue
                opts["reset_mask"] = part
            calls.append((seeds[lo:hi], opts or None))
        return calls

    def _join_infos(self, infos: list[dict[str, Any]], first_dtypes: list[Mapping[InfoPath, np.dtype]]) -> dict[str, Any]:
        """The slices' vector infos (in slice order, ``{}`` for a slice that was not called) as the session's."""
        parts = [(info, hi - lo) for info, (lo, hi) in zip(infos, self.slices)]
        exact = self.exact_infos
        if exact is None:
            return join_infos(parts, first_dtypes)
        widened: dict[InfoPath, np.dtype] = {}
        joined = join_infos(parts, first_dtypes, widened)
        exact.first_dtypes, exact.built = widened, joined
        return joined


def join_frames(frames: list[Any]) -> tuple[Any, ...] | None:
    """The slices' renders as one tuple in env order; None when a slice renders nothing."""
    out: list[Any] = []
    for f in frames:
        if f is None:
            return None
        out.extend(f)
    return tuple(out)
