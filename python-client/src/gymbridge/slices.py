"""Consecutive env ranges of one vector env, split and joined back as one ``SyncVectorEnv`` would have them.

A vector env whose envs live in several places -- servers (``ShardedVectorEnv``), a server's worker processes
or Ray actors (``vectorization="workers"`` / ``"ray"``) -- cuts each batched action into contiguous slices and
joins the slices' answers in env order. Every slice is a Gymnasium vector env of its own, so the join must
redo what ``SyncVectorEnv`` does over all the envs at once, infos included (:func:`join_infos`).
"""
from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from gymnasium import spaces

# Batched spaces that are one array with the envs on axis 0.
ARRAY_SPACES = (spaces.Box, spaces.Discrete, spaces.MultiDiscrete, spaces.MultiBinary)

InfoPath = tuple[str, ...]


def slice_batch(single: spaces.Space, batched: Any, lo: int, hi: int) -> Any:
    """Envs lo..hi-1 of a batched value, following Gymnasium's batch_space structure: arrays on axis 0,
    Dict/Tuple leaf by leaf, Text/Sequence/Graph/OneOf (batched as a tuple of per-env values) by item."""
    if isinstance(single, spaces.Dict):
        return {k: slice_batch(s, batched[k], lo, hi) for k, s in single.items()}
    if isinstance(single, spaces.Tuple):
        return tuple(slice_batch(s, b, lo, hi) for s, b in zip(single.spaces, batched))
    if isinstance(single, ARRAY_SPACES):
        return np.asarray(batched)[lo:hi]
    return tuple(batched[lo:hi])


def join_batches(single: spaces.Space, parts: list[Any]) -> Any:
    """Batched values of consecutive slices as one batch, following Gymnasium's batch_space structure."""
    if len(parts) == 1:
        return parts[0]
    if isinstance(single, spaces.Dict):
        return {k: join_batches(s, [p[k] for p in parts]) for k, s in single.items()}
    if isinstance(single, spaces.Tuple):
        return tuple(join_batches(s, [p[i] for p in parts]) for i, s in enumerate(single.spaces))
    if isinstance(single, ARRAY_SPACES):
        return np.concatenate(parts)
    return tuple(itertools.chain.from_iterable(parts))


def join_infos(parts: Sequence[tuple[dict[str, Any], int]], first_dtypes: Sequence[Mapping[InfoPath, np.dtype]],
               widened: dict[InfoPath, np.dtype] | None = None, path: InfoPath = ()) -> dict[str, Any]:
    """Vector infos of consecutive slices (each ``(infos, num_envs)``) as the one vector info SyncVectorEnv
    builds env by env over all of them: keys in order of first appearance, arrays joined, and for a slice
    without a key zeros (None for object arrays) and a False ``_key`` mask.

    Gymnasium gives a key the dtype of the first env reporting it and casts the other envs' values to it
    (FrozenLake's ``prob``: an int ``1`` after an autoreset, a float ``1/3`` after a step). So a slice sends a
    key whose envs disagreed widened to hold them all, with its first env's dtype in ``first_dtypes[j]``
    (``exactinfo.py``), and the joined key is cast once to the dtype of the first env reporting it over all
    slices. With ``widened`` (a dict to fill) a key whose envs disagree stays widened instead, and
    ``widened[path]`` records the dtype Gymnasium would have used: what an ``exact_infos`` session sends.
    """
    keys = dict.fromkeys(itertools.chain.from_iterable(info for info, _ in parts))
    out: dict[str, Any] = {}
    for key in keys:
        for j, (info, _) in enumerate(parts):
            if key in info:
                first = info[key]
                break
        if isinstance(first, dict):
            out[key] = join_infos([(info.get(key, {}), k) for info, k in parts], first_dtypes, widened,
                                  (*path, str(key)))
            continue
        like = first if type(first) is np.ndarray else np.asarray(first)
        firsts = first_dtypes[j]
        dtype = firsts.get((*path, str(key)), like.dtype) if firsts else like.dtype
        chunks = []
        for info, k in parts:
            if key in info:
                chunks.append(info[key])
            elif dtype.kind == "O":
                chunks.append(np.full(k, None, dtype=object))
            else:
                chunks.append(np.zeros((k, *like.shape[1:]), dtype=dtype))
        joined = np.concatenate(chunks)
        if joined.dtype != dtype:
            if widened is None:
                joined = joined.astype(dtype)
            else:
                widened[(*path, str(key))] = dtype
        out[key] = joined
    return out
