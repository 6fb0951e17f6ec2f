"""Vector infos that keep every env's own value: what an ``exact_infos`` session (a sharded client's) sends.

Gymnasium's vector env gives an info key the dtype of the first env that reports it and casts the other
envs' values to it (FrozenLake's ``prob``: an int ``1`` after an autoreset, a float ``1/3`` after a step, so
an int batch whose ``1/3`` became ``0``). Joining several batches after that cast cannot equal one vector env:
each batch was cast to the dtype of its own first env. So an exact env builds its infos as Gymnasium does,
except that a key whose envs disagree on a dtype gets a batch holding them all (``np.result_type``), and the
dtype Gymnasium would have used is kept in :func:`info_dtypes`. Whoever joins such batches casts the joined
batch to the dtype of the first batch's first env reporting the key -- Gymnasium's cast, done once over all
the envs (``gymbridge.slices.join_infos``).

Two users: the sharded client joins its servers' exact sessions, and ``workers`` and ``ray`` join their
slices, each slice an exact SyncVectorEnv (``slices.py``). A vector env that merges per env infos with
``_add_info`` in this process (sync, async) gets :class:`ExactInfos`; one that joins slices
(``slices.SlicedVectorEnv``) gets a :class:`Widened` record that its join fills.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium.vector import VectorEnv

_SCALARS = (int, float, bool)
_WIDER: dict[tuple[np.dtype, np.dtype], np.dtype] = {}  # np.result_type of a batch dtype and a value's, cached
# The batch dtype of a scalar info value, by its type (what _dtype_of computes, looked up).
_SCALAR_DTYPES = {t: np.dtype(t) for t in (*_SCALARS, *{t for t in np.sctypeDict.values() if issubclass(t, np.number)})}


class Widened:
    """Which keys of an exact env's last infos were sent widened, and the dtype Gymnasium would have used."""

    def __init__(self) -> None:
        self.first_dtypes: dict[tuple[str, ...], np.dtype] = {}
        self.built: dict[str, Any] | None = None  # the infos dict the records belong to


class ExactInfos(Widened):
    """Replaces ``env._add_info``; remembers the first env's dtype of each key it had to widen."""

    def __init__(self, env: VectorEnv) -> None:
        super().__init__()
        self.num_envs = env.num_envs
        env._add_info = self.add_info  # type: ignore[method-assign]

    def add_info(self, vector_infos: dict[str, Any], env_info: dict[str, Any], env_num: int) -> dict[str, Any]:
        if not vector_infos:  # the first env of a call with an info: earlier records are another call's
            self.first_dtypes = {}
        self.built = self._add(vector_infos, env_info, env_num, ())
        return self.built

    def _add(self, vector_infos: dict[str, Any], env_info: dict[str, Any], env_num: int,
             path: tuple[str, ...]) -> dict[str, Any]:
        # Gymnasium's VectorEnv._add_info, but for the widening of a key whose envs disagree on a dtype.
        n = self.num_envs
        for key, value in env_info.items():
            if key == "final_obs":
                array = vector_infos.get("final_obs")
                if array is None:
                    array = np.full(n, fill_value=None, dtype=object)
                array[env_num] = value
            elif isinstance(value, dict):
                array = self._add(vector_infos.get(key, {}), value, env_num, (*path, str(key)))
            else:
                if key not in vector_infos:
                    if type(value) in _SCALARS or issubclass(type(value), np.number):
                        array = np.zeros(n, dtype=type(value))
                    elif isinstance(value, np.ndarray):
                        array = np.zeros((n, *value.shape), dtype=value.dtype)
                    else:
                        array = np.full(n, fill_value=None, dtype=object)
                else:
                    array = vector_infos[key]
                    # Every step of every env of a slice comes here: the common case (the value's dtype is the
                    # batch's, builtin dtypes being singletons) costs a dict lookup and an identity test.
                    vt = type(value)
                    dt = array.dtype
                    own = _SCALAR_DTYPES.get(vt) if vt is not np.ndarray else value.dtype
                    if own is not dt:
                        if own is None:
                            own = _dtype_of(value)
                        if own is not None and dt.kind != "O" and own != dt:
                            wide = _WIDER.get((dt, own))
                            if wide is None:
                                wide = _WIDER[(dt, own)] = np.result_type(dt, own)
                            if wide != dt:  # (a value the batch holds exactly, like an int 1 in floats, is no widening)
                                self.first_dtypes.setdefault((*path, str(key)), dt)
                                array = array.astype(wide)
                array[env_num] = value
            mask = vector_infos.get(f"_{key}")
            if mask is None:
                mask = np.zeros(n, dtype=np.bool_)
            mask[env_num] = True
            vector_infos[key], vector_infos[f"_{key}"] = array, mask
        return vector_infos


def _dtype_of(value: Any) -> np.dtype | None:
    """The dtype Gymnasium would give a batch of this value (None: an object batch)."""
    if type(value) in _SCALARS or issubclass(type(value), np.number):
        return np.dtype(type(value))
    if isinstance(value, np.ndarray):
        return value.dtype
    return None


def enable(env: VectorEnv) -> VectorEnv:
    """Make ``env`` an exact-infos env (see the module doc); returns it."""
    from gymbridge_server.vector.slices import SlicedVectorEnv  # noqa: PLC0415 -- slices.py builds on this module

    env.exact_infos = Widened() if isinstance(env, SlicedVectorEnv) else ExactInfos(env)  # type: ignore[attr-defined]
    return env


def info_dtypes(env: VectorEnv, infos: Any) -> list[tuple[tuple[str, ...], np.dtype]]:
    """The keys of ``infos`` (the env's last answer) sent widened, with the dtype Gymnasium would have cast
    them to; empty for an env that is not exact, or infos built otherwise (nothing widened)."""
    exact = getattr(env, "exact_infos", None)
    if exact is None or exact.built is not infos:
        return []
    return list(exact.first_dtypes.items())
