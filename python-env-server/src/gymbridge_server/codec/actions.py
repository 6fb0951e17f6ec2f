"""Batched actions: decoded and checked against the session's action space (INVALID_ARGUMENT on failure)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from gymnasium import spaces

from gymbridge.v1 import tensor_pb2 as pb
from gymbridge.codec.errors import ActionError, CodecError
from gymbridge.codec.tensors import decode_tensor, dtype_to_proto
from gymbridge.codec.values import LEAF_TYPES, check_keys, check_len, decode_value, expect_kind


def decode_actions(
    batched: spaces.Space, single: spaces.Space, num_envs: int, v: pb.Value, what: str = "actions"
) -> Any:
    """Decode and validate a batched action against the session's batched action space.

    Leaves must have the batched shape; integer spaces accept any integer dtype (cast safely
    after a range check), floats are rejected for Discrete/MultiDiscrete/MultiBinary, and a
    Box requires its dtype's kind. Out-of-space values raise :class:`ActionError` naming the env
    index, its value and its single space. The result is always a fresh, writable array
    structure in the space's dtypes, so the envs never see the message buffer.
    """
    if isinstance(single, LEAF_TYPES):  # the common case first
        fast = _action_fast(batched, v)
        if fast is not None:
            return fast
        return _decode_action_leaf(batched, single, num_envs, v, what)
    if isinstance(single, spaces.Dict):
        expect_kind(v, "dict", what, single)
        got = {e.key: e.value for e in v.dict.entries}
        check_keys(single, got, what)
        return {
            k: decode_actions(batched[k], s, num_envs, got[k], f"{what}[{k!r}]") for k, s in single.items()
        }
    if isinstance(single, spaces.Tuple):
        expect_kind(v, "tuple", what, single)
        check_len(len(single.spaces), len(v.tuple.items), what, single)
        return tuple(
            decode_actions(b, s, num_envs, item, f"{what}[{i}]")
            for i, (b, s, item) in enumerate(zip(batched.spaces, single.spaces, v.tuple.items))
        )
    if isinstance(single, LEAF_TYPES):
        return _decode_action_leaf(batched, single, num_envs, v, what)
    # Text / Sequence / Graph / OneOf batch as a Tuple of num_envs single spaces.
    expect_kind(v, "tuple", what, batched)
    if len(v.tuple.items) != num_envs:
        raise CodecError(
            f"{what}: expected one item per env ({num_envs}) for batched {single}, got {len(v.tuple.items)}"
        )
    out = []
    for i, item in enumerate(v.tuple.items):
        value = decode_value(single, item, f"{what}[{i}]")
        if not single.contains(value):
            raise ActionError(
                f"action for env {i} is not in its space: {what}[{i}] = {_show(value)} is not a "
                f"member of {single}; send a value that {single}.contains()"
            )
        out.append(value)
    return tuple(out)


def _action_fast(batched: spaces.Space, v: pb.Value) -> np.ndarray | None:
    """The hot path of a leaf action: a tensor in exactly the space's dtype and batched shape whose
    values lie within bounds shared by every element (Discrete batches, most Boxes) -- the decoded
    copy; None for anything else (other dtypes, per-element bounds, out of range, NaN, malformed),
    which the full check (``_decode_action_leaf``) then decodes or rejects with its error."""
    spec = batched.__dict__.get("_gymbridge_fast_action")
    if spec is None:
        low, high, lo, hi = _bounds(batched)
        dtype = np.dtype(batched.dtype)
        shape = tuple(int(d) for d in batched.shape)
        spec = (dtype_to_proto(dtype), list(shape), shape, math.prod(shape) * dtype.itemsize, dtype, lo, hi)
        batched.__dict__["_gymbridge_fast_action"] = spec  # spaces are immutable once made
    enum, shape_list, shape, nbytes, dtype, lo, hi = spec
    if lo is None or v.WhichOneof("kind") != "tensor":
        return None
    t = v.tensor
    if t.dtype != enum or t.codec or t.shape != shape_list:
        return None
    data = t.data
    if len(data) != nbytes or not nbytes:
        return None
    a = np.frombuffer(data, dtype=dtype).reshape(shape).copy()
    # NaN fails both comparisons, so a float action with NaN takes the full check (and its error).
    if a.min() >= lo and a.max() <= hi:
        if dtype.kind == "b":
            return None  # bool leaves: the full check validates the 0/1 bytes
        return a
    return None


def _decode_action_leaf(
    batched: spaces.Space, single: spaces.Space, num_envs: int, v: pb.Value, what: str
) -> np.ndarray:
    expect_kind(v, "tensor", what, single)
    a = decode_tensor(v.tensor, what)
    want_shape = batched.shape
    target = np.dtype(batched.dtype)
    integer_space = target.kind in "iu"
    if a.shape != want_shape:
        raise CodecError(
            f"{what}: shape {list(a.shape)} does not match the batched action space "
            f"{list(want_shape)} ({num_envs} envs x {single}); send one action per env stacked on axis 0"
        )
    kind = a.dtype.kind
    if integer_space:
        ok_kinds = "iub" if isinstance(single, spaces.MultiBinary) else "iu"
        if kind not in ok_kinds:
            raise CodecError(
                f"{what}: dtype {a.dtype} is not allowed for {single}: its actions are integers; "
                f"send an integer tensor (e.g. {target.name})"
            )
    elif kind != target.kind:
        raise CodecError(
            f"{what}: dtype {a.dtype} does not match {single} (dtype {target.name}); send {target.name} values"
        )

    if integer_space:
        low, high, lo, hi = _bounds(batched)
        # Compare before casting so an int64 that would wrap in int8 is caught, not cast. With the same
        # bounds for every element (Discrete batches) two reductions decide; else elementwise.
        if lo is not None and a.size and a.min() >= lo and a.max() <= hi:
            return a.astype(target, copy=True)
        with np.errstate(invalid="ignore"):
            bad = (a < low) | (a > high)
        out = a.astype(target, copy=True) if not bad.any() else None
    else:
        out = a.astype(target, copy=True)
        if out.size and np.isnan(out.min()):  # NaN propagates through min(): one reduction when clean
            nan = np.isnan(out)
            env = int(np.nonzero(nan.reshape(num_envs, -1).any(axis=1))[0][0])
            raise ActionError(
                f"action for env {env} contains NaN: {what}[{env}] = {_show(out[env])}; "
                f"{single} has no NaN members; send finite values within its bounds"
            )
        low, high, lo, hi = _bounds(batched)
        if lo is not None and out.size and out.min() >= lo and out.max() <= hi:
            return out
        bad = (out < low) | (out > high)
    if bad.any():
        env = int(np.nonzero(bad.reshape(num_envs, -1).any(axis=1))[0][0])
        raise ActionError(
            f"action for env {env} is out of its space: {what}[{env}] = {_show(a[env])} is not in "
            f"{single}{_range_hint(single)}"
        )
    assert out is not None
    return out


def _bounds(batched: spaces.Space) -> tuple[np.ndarray, np.ndarray, Any, Any]:
    """(low, high, lo, hi) of a batched leaf space, computed once per space: elementwise bounds, and
    scalar ones when every element shares them (else None) so that range checks can use min/max."""
    cached = batched.__dict__.get("_gymbridge_bounds")
    if cached is None:
        if isinstance(batched, spaces.Box) and np.dtype(batched.dtype).kind == "f":
            low, high = batched.low, batched.high
        else:
            low, high = _int_bounds(batched)
        low, high = np.asarray(low), np.asarray(high)
        lo = hi = None
        if low.size and (low == low.flat[0]).all() and (high == high.flat[0]).all():
            lo, hi = low.flat[0], high.flat[0]
        cached = (low, high, lo, hi)
        batched.__dict__["_gymbridge_bounds"] = cached  # spaces are immutable once made
    return cached


def _int_bounds(batched: spaces.Space) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(batched, spaces.MultiDiscrete):
        return batched.start, batched.start + batched.nvec - 1
    if isinstance(batched, spaces.MultiBinary):
        return np.zeros(batched.shape, np.int8), np.ones(batched.shape, np.int8)
    return batched.low, batched.high  # Box (incl. batched MultiDiscrete/MultiBinary)


def _range_hint(single: spaces.Space) -> str:
    if isinstance(single, spaces.Discrete):
        return f"; send an integer in {int(single.start)}..{int(single.start + single.n - 1)}"
    if isinstance(single, spaces.MultiDiscrete):
        return f"; element i must lie in [start[i], start[i] + nvec[i]) with start={single.start.tolist()}, nvec={single.nvec.tolist()}"
    if isinstance(single, spaces.MultiBinary):
        return "; send 0 or 1 for each element"
    if isinstance(single, spaces.Box):
        return f"; send values within low={_show(single.low)} and high={_show(single.high)}"
    return ""


def _show(x: Any) -> str:
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, np.ndarray):
        return np.array2string(x, threshold=12, edgeitems=3, max_line_width=200)
    s = repr(x)
    return s if len(s) <= 200 else s[:197] + "..."

