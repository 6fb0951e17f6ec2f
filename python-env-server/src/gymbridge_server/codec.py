"""The one place that knows the wire format: numpy values, Gymnasium spaces, infos and Args <-> proto.

Tensors travel as raw little-endian C-order bytes (``Tensor.data``), so encoding is one
``ndarray.tobytes()`` and decoding one ``np.frombuffer`` -- no per-element Python work. Structured
values (Dict, Tuple, Text, ...) are walked once per node of the *space*, never per element.

Two directions of value encoding exist, both normative in proto/gymbridge/v1/tensor.proto:

* observations and actions are encoded *directed by their space* (``encode_value`` /
  ``decode_value`` / ``decode_actions``): Dict keys in the space's order, a Text leaf as a
  TextValue of one string, Sequence/Graph/OneOf per Gymnasium's structure;
* infos are encoded *by Python type* (``encode_info`` / ``decode_info``), since they have no space.

Every decoding error raises :class:`CodecError` (a ``ValueError``) with a message that names the
problem and the fix; the service maps it to INVALID_ARGUMENT.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector.utils import concatenate, create_empty_array, iterate

from gymbridge.v1 import tensor_pb2 as pb

__all__ = [
    "CodecError",
    "ActionError",
    "encode_tensor",
    "decode_tensor",
    "encode_space",
    "decode_space",
    "encode_value",
    "decode_value",
    "decode_actions",
    "encode_info",
    "decode_info",
    "arg_to_py",
    "py_to_arg",
    "args_to_dict",
    "dict_to_args",
]


class CodecError(ValueError):
    """A malformed or mismatching wire value; the message says what is wrong and how to fix it."""

    reason = "MALFORMED_VALUE"


class ActionError(CodecError):
    """An action that is well-formed on the wire but not in the session's action space."""

    reason = "ACTION_OUT_OF_SPACE"


# --------------------------------------------------------------------------------------- dtypes

_DTYPES: dict[int, np.dtype] = {
    pb.DTYPE_BOOL: np.dtype(np.bool_),
    pb.DTYPE_INT8: np.dtype("<i1"),
    pb.DTYPE_UINT8: np.dtype("<u1"),
    pb.DTYPE_INT16: np.dtype("<i2"),
    pb.DTYPE_UINT16: np.dtype("<u2"),
    pb.DTYPE_INT32: np.dtype("<i4"),
    pb.DTYPE_UINT32: np.dtype("<u4"),
    pb.DTYPE_INT64: np.dtype("<i8"),
    pb.DTYPE_UINT64: np.dtype("<u8"),
    pb.DTYPE_FLOAT16: np.dtype("<f2"),
    pb.DTYPE_FLOAT32: np.dtype("<f4"),
    pb.DTYPE_FLOAT64: np.dtype("<f8"),
}
# Keyed by (kind, itemsize) so that native and explicitly little/big-endian dtypes all map.
_DTYPE_ENUMS: dict[tuple[str, int], int] = {(d.kind, d.itemsize): e for e, d in _DTYPES.items()}


def dtype_to_proto(dtype: Any) -> int:
    """The DType enum of a numpy dtype; CodecError for dtypes the wire cannot carry."""
    d = np.dtype(dtype)
    try:
        return _DTYPE_ENUMS[(d.kind, d.itemsize)]
    except KeyError:
        raise CodecError(
            f"dtype {d} cannot travel as a Tensor; supported: bool, int8..int64, uint8..uint64, "
            "float16/32/64"
        ) from None


def dtype_from_proto(dtype: int) -> np.dtype:
    """The numpy dtype of a DType enum value; CodecError for unspecified/unknown values."""
    try:
        return _DTYPES[dtype]
    except KeyError:
        name = pb.DType.Name(dtype) if dtype in pb.DType.values() else str(dtype)
        raise CodecError(
            f"tensor dtype {name} is not a concrete element type; set Tensor.dtype to one of "
            "DTYPE_BOOL, DTYPE_INT8 .. DTYPE_FLOAT64"
        ) from None


# -------------------------------------------------------------------------------------- tensors


# The hot path encodes a handful of dtypes millions of times: remember each dtype's enum.
_ENUM_BY_DTYPE: dict[np.dtype, int] = {}


def encode_tensor(array: Any) -> pb.Tensor:
    """A numpy array (or numpy/Python scalar) as a raw little-endian C-order Tensor."""
    a = np.asarray(array)
    enum = _ENUM_BY_DTYPE.get(a.dtype)
    if enum is None:
        enum = _ENUM_BY_DTYPE.setdefault(a.dtype, dtype_to_proto(a.dtype))
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    # tobytes() always emits C order, whatever the array's memory layout.
    return pb.Tensor(dtype=enum, shape=a.shape, data=a.tobytes())


def _tensor_into(t: pb.Tensor, array: np.ndarray) -> None:
    """encode_tensor, writing into an existing (empty) Tensor message instead of a new one."""
    a = array
    enum = _ENUM_BY_DTYPE.get(a.dtype)
    if enum is None:
        enum = _ENUM_BY_DTYPE.setdefault(a.dtype, dtype_to_proto(a.dtype))
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    t.dtype = enum
    t.shape.extend(a.shape)
    t.data = a.tobytes()


def decode_tensor(t: pb.Tensor, what: str = "tensor") -> np.ndarray:
    """A Tensor as a read-only numpy array viewing the message bytes (no copy).

    Validates codec, dtype, shape and the exact byte length; ``what`` names the value in errors.
    """
    if t.codec != pb.CODEC_UNSPECIFIED:
        raise CodecError(
            f"{what}: codec {pb.Codec.Name(t.codec) if t.codec in pb.Codec.values() else t.codec} "
            "is not supported; this server reads raw tensors only (leave Tensor.codec unset)"
        )
    dtype = dtype_from_proto(t.dtype)
    shape = tuple(t.shape)
    if shape and min(shape) < 0:
        raise CodecError(f"{what}: shape {list(shape)} has a negative dimension")
    expected = math.prod(shape) * dtype.itemsize
    data = t.data  # each access of a bytes field hands out a new object: read it once
    if len(data) != expected:
        raise CodecError(
            f"{what}: {len(data)} data bytes do not match shape {list(shape)} of "
            f"{dtype.name} ({expected} bytes = prod(shape) * {dtype.itemsize}); send raw "
            "little-endian C-order bytes"
        )
    a = np.frombuffer(data, dtype=dtype).reshape(shape)
    if dtype.kind == "b" and a.size and a.view(np.uint8).max() > 1:
        raise CodecError(f"{what}: DTYPE_BOOL bytes must be 0 or 1")
    return a


# --------------------------------------------------------------------------------------- spaces


def encode_space(space: spaces.Space) -> pb.Space:
    """A Gymnasium space as a Space message (Dict key order kept; +-inf bounds kept)."""
    if isinstance(space, spaces.Box):
        return pb.Space(
            box=pb.BoxSpace(
                dtype=dtype_to_proto(space.dtype),
                shape=space.shape,
                low=encode_tensor(space.low),
                high=encode_tensor(space.high),
            )
        )
    if isinstance(space, spaces.Discrete):
        return pb.Space(
            discrete=pb.DiscreteSpace(
                n=int(space.n), start=int(space.start), dtype=dtype_to_proto(space.dtype)
            )
        )
    if isinstance(space, spaces.MultiDiscrete):
        return pb.Space(
            multi_discrete=pb.MultiDiscreteSpace(
                nvec=encode_tensor(space.nvec),
                start=encode_tensor(space.start),
                dtype=dtype_to_proto(space.dtype),
            )
        )
    if isinstance(space, spaces.MultiBinary):
        return pb.Space(multi_binary=pb.MultiBinarySpace(shape=space.shape))
    if isinstance(space, spaces.Dict):
        return pb.Space(
            dict=pb.DictSpace(
                entries=[pb.NamedSpace(key=str(k), space=encode_space(s)) for k, s in space.items()]
            )
        )
    if isinstance(space, spaces.Tuple):
        return pb.Space(tuple=pb.TupleSpace(spaces=[encode_space(s) for s in space.spaces]))
    if isinstance(space, spaces.Text):
        return pb.Space(
            text=pb.TextSpace(
                min_length=space.min_length,
                max_length=space.max_length,
                charset="".join(space.character_list),
            )
        )
    if isinstance(space, spaces.Sequence):
        return pb.Space(
            sequence=pb.SequenceSpace(feature_space=encode_space(space.feature_space), stack=space.stack)
        )
    if isinstance(space, spaces.Graph):
        g = pb.GraphSpace(node_space=encode_space(space.node_space))
        if space.edge_space is not None:
            g.edge_space.CopyFrom(encode_space(space.edge_space))
        return pb.Space(graph=g)
    if isinstance(space, spaces.OneOf):
        return pb.Space(one_of=pb.OneOfSpace(spaces=[encode_space(s) for s in space.spaces]))
    raise CodecError(f"space {space!r} of type {type(space).__name__} has no wire form")


def decode_space(msg: pb.Space) -> spaces.Space:
    """A Space message as the equal Gymnasium space."""
    kind = msg.WhichOneof("kind")
    if kind == "box":
        b = msg.box
        low, high = decode_tensor(b.low, "Box.low"), decode_tensor(b.high, "Box.high")
        return spaces.Box(low=low, high=high, shape=tuple(b.shape), dtype=dtype_from_proto(b.dtype))
    if kind == "discrete":
        d = msg.discrete
        dtype = dtype_from_proto(d.dtype) if d.dtype else np.int64
        return spaces.Discrete(n=d.n, start=d.start, dtype=dtype)
    if kind == "multi_discrete":
        m = msg.multi_discrete
        dtype = dtype_from_proto(m.dtype) if m.dtype else np.int64
        nvec = decode_tensor(m.nvec, "MultiDiscrete.nvec")
        start = decode_tensor(m.start, "MultiDiscrete.start") if m.HasField("start") else None
        return spaces.MultiDiscrete(nvec=nvec, start=start, dtype=dtype)
    if kind == "multi_binary":
        shape = tuple(int(s) for s in msg.multi_binary.shape)
        # MultiBinary(3) and MultiBinary((3,)) compare unequal in Gymnasium: 1-d uses the int form.
        return spaces.MultiBinary(shape[0] if len(shape) == 1 else shape)
    if kind == "dict":
        # The wire order is the space's order: keep it (Gymnasium would sort a plain dict).
        return spaces.Dict({e.key: decode_space(e.space) for e in msg.dict.entries}, sort_keys=False)
    if kind == "tuple":
        return spaces.Tuple([decode_space(s) for s in msg.tuple.spaces])
    if kind == "text":
        t = msg.text
        return spaces.Text(min_length=t.min_length, max_length=t.max_length, charset=t.charset)
    if kind == "sequence":
        return spaces.Sequence(decode_space(msg.sequence.feature_space), stack=msg.sequence.stack)
    if kind == "graph":
        g = msg.graph
        edge = decode_space(g.edge_space) if g.HasField("edge_space") else None
        return spaces.Graph(node_space=decode_space(g.node_space), edge_space=edge)
    if kind == "one_of":
        return spaces.OneOf([decode_space(s) for s in msg.one_of.spaces])
    raise CodecError("Space message has no kind set; set exactly one of box, discrete, ...")


# ---------------------------------------------------------------------- space-directed values

_LEAF_TYPES = (spaces.Box, spaces.Discrete, spaces.MultiDiscrete, spaces.MultiBinary)


def encode_value(space: spaces.Space, x: Any) -> pb.Value:
    """An observation/action (single or batched) as a Value, walking ``space``'s structure."""
    if isinstance(space, _LEAF_TYPES):
        return pb.Value(tensor=encode_tensor(x))
    if isinstance(space, spaces.Dict):
        return pb.Value(
            dict=pb.DictValue(
                entries=[pb.NamedValue(key=str(k), value=encode_value(s, x[k])) for k, s in space.items()]
            )
        )
    if isinstance(space, spaces.Tuple):
        return pb.Value(tuple=pb.TupleValue(items=[encode_value(s, v) for s, v in zip(space.spaces, x)]))
    if isinstance(space, spaces.Text):
        return pb.Value(text=pb.TextValue(items=[x]))
    if isinstance(space, spaces.Sequence):
        if space.stack:
            items = iterate(space.stacked_feature_space, x)
        else:
            items = x
        return pb.Value(list=pb.ValueList(items=[encode_value(space.feature_space, v) for v in items]))
    if isinstance(space, spaces.Graph):
        return pb.Value(
            dict=pb.DictValue(
                entries=[
                    pb.NamedValue(key="nodes", value=pb.Value(tensor=encode_tensor(x.nodes))),
                    pb.NamedValue(key="edges", value=_tensor_or_none(x.edges)),
                    pb.NamedValue(key="edge_links", value=_tensor_or_none(x.edge_links)),
                ]
            )
        )
    if isinstance(space, spaces.OneOf):
        index, sample = x
        return pb.Value(
            tuple=pb.TupleValue(
                items=[
                    pb.Value(tensor=encode_tensor(np.int64(index))),
                    encode_value(space.spaces[int(index)], sample),
                ]
            )
        )
    raise CodecError(f"space {space!r} of type {type(space).__name__} has no wire form")


def _tensor_or_none(a: Any) -> pb.Value:
    return pb.Value(none=pb.NoneValue()) if a is None else pb.Value(tensor=encode_tensor(a))


def _expect(v: pb.Value, kind: str, what: str, space: spaces.Space) -> None:
    got = v.WhichOneof("kind")
    if got != kind:
        raise CodecError(f"{what}: expected a Value.{kind} for {space}, got Value.{got}")


def decode_value(space: spaces.Space, v: pb.Value, what: str = "value") -> Any:
    """A Value as the Python/numpy value Gymnasium uses for ``space`` (no range checks)."""
    if isinstance(space, _LEAF_TYPES):
        _expect(v, "tensor", what, space)
        # A writable copy: users (and envs) may modify what they get, the message buffer is not theirs.
        a = decode_tensor(v.tensor, what).copy()
        # Gymnasium samples a single Discrete as a numpy scalar, not a 0-d array.
        return a[()] if isinstance(space, spaces.Discrete) and a.ndim == 0 else a
    if isinstance(space, spaces.Dict):
        _expect(v, "dict", what, space)
        got = {e.key: e.value for e in v.dict.entries}
        _check_keys(space, got, what)
        return {k: decode_value(s, got[k], f"{what}[{k!r}]") for k, s in space.items()}
    if isinstance(space, spaces.Tuple):
        _expect(v, "tuple", what, space)
        _check_len(len(space.spaces), len(v.tuple.items), what, space)
        return tuple(
            decode_value(s, item, f"{what}[{i}]")
            for i, (s, item) in enumerate(zip(space.spaces, v.tuple.items))
        )
    if isinstance(space, spaces.Text):
        _expect(v, "text", what, space)
        if len(v.text.items) != 1:
            raise CodecError(f"{what}: a Text value is a TextValue with exactly one string, got {len(v.text.items)}")
        return v.text.items[0]
    if isinstance(space, spaces.Sequence):
        _expect(v, "list", what, space)
        items = [decode_value(space.feature_space, item, f"{what}[{i}]") for i, item in enumerate(v.list.items)]
        if space.stack:
            return concatenate(space.feature_space, items, create_empty_array(space.feature_space, n=len(items)))
        return tuple(items)
    if isinstance(space, spaces.Graph):
        _expect(v, "dict", what, space)
        got = {e.key: e.value for e in v.dict.entries}
        if "nodes" not in got:
            raise CodecError(f"{what}: a Graph value is a DictValue with keys nodes, edges, edge_links")

        def opt(key: str) -> Any:
            item = got.get(key)
            if item is None or item.WhichOneof("kind") == "none":
                return None
            _expect(item, "tensor", f"{what}[{key!r}]", space)
            return decode_tensor(item.tensor, f"{what}[{key!r}]").copy()

        return spaces.GraphInstance(nodes=opt("nodes"), edges=opt("edges"), edge_links=opt("edge_links"))
    if isinstance(space, spaces.OneOf):
        _expect(v, "tuple", what, space)
        _check_len(2, len(v.tuple.items), what, space)
        idx_v, sample_v = v.tuple.items
        _expect(idx_v, "tensor", f"{what}[0]", space)
        index = int(decode_tensor(idx_v.tensor, f"{what}[0]").reshape(()))
        if not 0 <= index < len(space.spaces):
            raise CodecError(f"{what}: OneOf index {index} is not in 0..{len(space.spaces) - 1}")
        return (np.int64(index), decode_value(space.spaces[index], sample_v, f"{what}[1]"))
    raise CodecError(f"space {space!r} of type {type(space).__name__} has no wire form")


def _check_keys(space: spaces.Dict, got: Mapping[str, Any], what: str) -> None:
    want = list(space.keys())
    missing = [k for k in want if k not in got]
    extra = [k for k in got if k not in space.spaces]
    if missing or extra:
        raise CodecError(
            f"{what}: Dict keys do not match the space; missing {missing}, unexpected {extra}; "
            f"expected keys {want}"
        )


def _check_len(want: int, got: int, what: str, space: spaces.Space) -> None:
    if want != got:
        raise CodecError(f"{what}: expected {want} items for {space}, got {got}")


# ------------------------------------------------------------------------------------ actions


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
    if isinstance(single, _LEAF_TYPES):  # the common case first
        fast = _action_fast(batched, v)
        if fast is not None:
            return fast
        return _decode_action_leaf(batched, single, num_envs, v, what)
    if isinstance(single, spaces.Dict):
        _expect(v, "dict", what, single)
        got = {e.key: e.value for e in v.dict.entries}
        _check_keys(single, got, what)
        return {
            k: decode_actions(batched[k], s, num_envs, got[k], f"{what}[{k!r}]") for k, s in single.items()
        }
    if isinstance(single, spaces.Tuple):
        _expect(v, "tuple", what, single)
        _check_len(len(single.spaces), len(v.tuple.items), what, single)
        return tuple(
            decode_actions(b, s, num_envs, item, f"{what}[{i}]")
            for i, (b, s, item) in enumerate(zip(batched.spaces, single.spaces, v.tuple.items))
        )
    if isinstance(single, _LEAF_TYPES):
        return _decode_action_leaf(batched, single, num_envs, v, what)
    # Text / Sequence / Graph / OneOf batch as a Tuple of num_envs single spaces.
    _expect(v, "tuple", what, batched)
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
    _expect(v, "tensor", what, single)
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


# ---------------------------------------------------------------------------- type-directed infos


def encode_info(x: Any) -> pb.Value:
    """An info (vector infos dict, or anything inside it) as a Value, directed by Python type."""
    if isinstance(x, dict):
        # Built in place: every step carries one (MuJoCo: 8 arrays), and nested message copies add up.
        out = pb.Value()
        d = out.dict
        d.SetInParent()
        for k, v in x.items():
            e = d.entries.add()
            e.key = str(k)
            if isinstance(v, np.ndarray) and v.dtype.kind in "biuf":
                _tensor_into(e.value.tensor, v)
            else:
                e.value.CopyFrom(encode_info(v))
        return out
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "biuf":
            return pb.Value(tensor=encode_tensor(x))
        # Object arrays (final_obs, strings, ragged values) and numpy string arrays: one Value per
        # element, flattened (Gymnasium's vector infos are 1-d: one entry per env).
        if x.dtype.kind == "U":
            return pb.Value(list=pb.ValueList(items=[encode_info(str(s)) for s in x.reshape(-1)]))
        if x.dtype.kind == "S":  # bytes strings: their text, not "b'...'"
            return pb.Value(list=pb.ValueList(items=[encode_info(s.decode("utf-8", "replace")) for s in x.reshape(-1)]))
        return pb.Value(list=pb.ValueList(items=[encode_info(v) for v in x.reshape(-1)]))
    if x is None:
        return pb.Value(none=pb.NoneValue())
    if isinstance(x, (bool, np.bool_)):
        return pb.Value(tensor=encode_tensor(np.bool_(x)))
    if isinstance(x, int):
        return pb.Value(tensor=encode_tensor(np.int64(x)))
    if isinstance(x, float):
        return pb.Value(tensor=encode_tensor(np.float64(x)))
    if isinstance(x, np.generic) and x.dtype.kind in "biuf":
        return pb.Value(tensor=encode_tensor(x))
    if isinstance(x, str):
        return pb.Value(text=pb.TextValue(items=[x]))
    if isinstance(x, tuple):
        return pb.Value(tuple=pb.TupleValue(items=[encode_info(v) for v in x]))
    if isinstance(x, list):
        return pb.Value(list=pb.ValueList(items=[encode_info(v) for v in x]))
    if isinstance(x, spaces.GraphInstance):
        return pb.Value(dict=pb.DictValue(entries=[
            pb.NamedValue(key="nodes", value=encode_info(x.nodes)),
            pb.NamedValue(key="edges", value=encode_info(x.edges)),
            pb.NamedValue(key="edge_links", value=encode_info(x.edge_links)),
        ]))
    # Anything else has no faithful wire form; its repr keeps the info visible rather than lost.
    return pb.Value(text=pb.TextValue(items=[repr(x)]))


def decode_info(v: pb.Value) -> Any:
    """Inverse of :func:`encode_info`: dicts, numpy arrays/scalars, object arrays, str, tuples."""
    kind = v.WhichOneof("kind")
    if kind == "tensor":
        a = decode_tensor(v.tensor, "info")
        return a[()] if a.ndim == 0 else a.copy()
    if kind == "dict":
        return {e.key: decode_info(e.value) for e in v.dict.entries}
    if kind == "list":
        out = np.empty(len(v.list.items), dtype=object)
        for i, item in enumerate(v.list.items):
            out[i] = decode_info(item)
        return out
    if kind == "text":
        items = list(v.text.items)
        return items[0] if len(items) == 1 else items
    if kind == "tuple":
        return tuple(decode_info(i) for i in v.tuple.items)
    if kind == "none" or kind is None:
        return None
    raise CodecError(f"unknown Value kind {kind}")


# ------------------------------------------------------------------------------------------ Args


def arg_to_py(a: pb.Arg) -> Any:
    """A JSON-typed Arg as the Python value (kwargs, reset options, wrapper arguments)."""
    kind = a.WhichOneof("kind")
    if kind == "bool_value":
        return a.bool_value
    if kind == "int_value":
        return a.int_value
    if kind == "double_value":
        return a.double_value
    if kind == "string_value":
        return a.string_value
    if kind == "list_value":
        return [arg_to_py(i) for i in a.list_value.items]
    if kind == "map_value":
        return {k: arg_to_py(v) for k, v in a.map_value.entries.items()}
    if kind == "none_value" or kind is None:
        return None
    raise CodecError(f"unknown Arg kind {kind}")


def py_to_arg(x: Any) -> pb.Arg:
    """A JSON-like Python value as an Arg; CodecError for anything else (never pickled)."""
    if x is None:
        return pb.Arg(none_value=pb.NoneValue())
    if isinstance(x, (bool, np.bool_)):
        return pb.Arg(bool_value=bool(x))
    if isinstance(x, (int, np.integer)):
        return pb.Arg(int_value=int(x))
    if isinstance(x, (float, np.floating)):
        return pb.Arg(double_value=float(x))
    if isinstance(x, str):
        return pb.Arg(string_value=x)
    if isinstance(x, (list, tuple, np.ndarray)):
        return pb.Arg(list_value=pb.ArgList(items=[py_to_arg(i) for i in list(x)]))
    if isinstance(x, Mapping):
        return pb.Arg(map_value=pb.ArgMap(entries={str(k): py_to_arg(v) for k, v in x.items()}))
    raise CodecError(
        f"argument {x!r} of type {type(x).__name__} is not JSON-like; use bool, int, float, str, "
        "None, lists and str-keyed dicts"
    )


def args_to_dict(m: Mapping[str, pb.Arg]) -> dict[str, Any]:
    """A ``map<string, Arg>`` field as a dict of Python values."""
    return {k: arg_to_py(v) for k, v in m.items()}


def dict_to_args(d: Mapping[str, Any] | None) -> dict[str, pb.Arg]:
    """A dict of Python values as the entries of a ``map<string, Arg>`` field."""
    return {str(k): py_to_arg(v) for k, v in (d or {}).items()}


# ------------------------------------------------------------------ raw step responses (hot path)
#
# A StepResponse serialized by hand: the fast lane's hot path (fastlane.py). Building a protobuf
# message costs ~1-2 us per field in Python (MuJoCo's 8 info arrays made infos alone ~35 us a step);
# here each tensor is one cached header (tags, lengths, dtype, shape -- fixed for a given key, dtype
# and shape) followed by its raw bytes, and the whole response is one ``b"".join``. The bytes are
# exactly what ``SerializeToString`` of the message built by ``encode_value``/``encode_info`` gives
# (fields in number order, proto3 defaults omitted; tests/test_codec_raw.py checks it byte for byte).
# Values it does not cover (Text, Sequence, Graph, OneOf leaves; object arrays or Python scalars in
# infos, such as final_obs) raise :class:`NoRawForm` and the caller uses the message path.


class NoRawForm(Exception):
    """This value has no hand-serialized form here; encode it as a message instead."""


def _varint(n: int) -> bytes:
    if n < 0x80:
        return _ONE_BYTE[n]
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_ONE_BYTE = [bytes((i,)) for i in range(0x80)]


def _field(tag: int, payload_len: int) -> bytes:
    """The tag byte and length of a length-delimited field (all tags used here fit in one byte)."""
    return _ONE_BYTE[tag] + _varint(payload_len) if tag < 0x80 else bytes((tag,)) + _varint(payload_len)


def _tensor_head(a: np.ndarray) -> tuple[bytes, int]:
    """A Tensor's bytes up to its data (dtype, shape, data tag and length), and the data length."""
    enum = _ENUM_BY_DTYPE.get(a.dtype)
    if enum is None:
        enum = _ENUM_BY_DTYPE.setdefault(a.dtype, dtype_to_proto(a.dtype))
    h = b"\x08" + _varint(enum)  # dtype = 1 (never 0: concrete dtypes only)
    if a.shape:  # shape = 2, packed varints (dimensions are never negative)
        packed = b"".join(_varint(d) for d in a.shape)
        h += _field(0x12, len(packed)) + packed
    nbytes = a.size * a.dtype.itemsize
    if nbytes:  # data = 3 (proto3 leaves empty bytes out)
        h += _field(0x1A, nbytes)
    return h, nbytes


# (tag, wrapped in a Value?, dtype, shape) -> (the field's bytes up to the tensor data, data length).
# Everything but the data is fixed for a given dtype and shape, so a tensor costs one lookup.
_HEADS: dict[tuple[int, bool, np.dtype, tuple[int, ...]], tuple[bytes, int]] = {}


def _raw_tensor(a: np.ndarray, tag: int, parts: list, in_value: bool = False) -> int:
    """Append field ``tag`` holding Tensor ``a`` (or a Value holding it) to ``parts``; its total length."""
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    key = (tag, in_value, a.dtype, a.shape)
    cached = _HEADS.get(key)
    if cached is None:
        head, nbytes = _tensor_head(a)
        if in_value:
            head = _field(0x0A, len(head) + nbytes) + head  # Value.tensor = 1
        cached = (_field(tag, len(head) + nbytes) + head, nbytes)
        if len(_HEADS) < 4096:  # bounded: shapes are few per session, sessions come and go
            _HEADS[key] = cached
    head, nbytes = cached
    parts.append(head)
    if nbytes:
        parts.append(a.tobytes())
    return len(head) + nbytes


def _raw_value(space: spaces.Space, x: Any, tag: int, parts: list) -> int:
    """Append field ``tag`` holding ``encode_value(space, x)``; its total length."""
    if isinstance(space, _LEAF_TYPES):
        return _raw_tensor(np.asarray(x), tag, parts, in_value=True)
    if isinstance(space, spaces.Dict):
        at = len(parts)
        parts.append(b"")
        parts.append(b"")
        n = 0
        for k, s in space.items():
            n += _raw_entry(str(k), lambda p, s=s, k=k: _raw_value(s, x[k], 0x12, p), parts)
        parts[at + 1] = _field(0x12, n)  # Value.dict = 2
        parts[at] = _field(tag, len(parts[at + 1]) + n)
        return len(parts[at]) + len(parts[at + 1]) + n
    if isinstance(space, spaces.Tuple):
        at = len(parts)
        parts.append(b"")
        parts.append(b"")
        n = 0
        for s, v in zip(space.spaces, x):
            n += _raw_value(s, v, 0x0A, parts)  # TupleValue.items = 1
        parts[at + 1] = _field(0x1A, n)  # Value.tuple = 3
        parts[at] = _field(tag, len(parts[at + 1]) + n)
        return len(parts[at]) + len(parts[at + 1]) + n
    raise NoRawForm(type(space).__name__)


def _raw_entry(key: str, value: Any, parts: list) -> int:
    """Append one DictValue entry (NamedValue key + value written by ``value(parts)``); its length."""
    at = len(parts)
    parts.append(b"")
    kb = key.encode("utf-8")
    kf = _field(0x0A, len(kb)) + kb if kb else b""  # NamedValue.key = 1
    parts.append(kf)
    n = len(kf) + value(parts)  # NamedValue.value = 2
    parts[at] = _field(0x0A, n)  # DictValue.entries = 1
    return len(parts[at]) + n


# (key, dtype, shape) -> the DictValue entry's bytes up to the data, and the data length
_INFO_HEADS: dict[tuple[str, np.dtype, tuple[int, ...]], tuple[bytes, int]] = {}


def _raw_infos(infos: Any, tag: int, parts: list) -> int:
    """Append field ``tag`` holding ``encode_info(infos)`` for a vector infos dict of numeric arrays
    and nested such dicts; its total length."""
    if type(infos) is not dict:
        raise NoRawForm("infos")
    at = len(parts)
    parts.append(b"")
    parts.append(b"")
    n = 0
    for k, v in infos.items():
        if type(v) is dict and type(k) is str:  # a nested info dict (Crafter's inventory, achievements)
            entry = len(parts)
            parts.append(b"")
            kb = k.encode("utf-8")
            kf = _field(0x0A, len(kb)) + kb if kb else b""  # NamedValue.key = 1
            sub = len(kf) + _raw_infos(v, 0x12, parts)  # NamedValue.value = 2
            parts[entry] = _field(0x0A, sub) + kf  # DictValue.entries = 1
            n += len(parts[entry]) + sub - len(kf)
            continue
        if type(v) is not np.ndarray or v.dtype.kind not in "biuf" or type(k) is not str:
            raise NoRawForm("info entry")
        if v.dtype.byteorder == ">":
            v = v.astype(v.dtype.newbyteorder("<"))
        key = (k, v.dtype, v.shape)
        head = _INFO_HEADS.get(key)
        if head is None:
            tensor_head, nbytes = _tensor_head(v)
            value = _field(0x0A, len(tensor_head) + nbytes) + tensor_head  # Value.tensor = 1
            kb = k.encode("utf-8")
            kf = _field(0x0A, len(kb)) + kb if kb else b""  # NamedValue.key = 1
            named = kf + _field(0x12, len(value) + nbytes) + value  # NamedValue.value = 2
            head = (_field(0x0A, len(named) + nbytes) + named, nbytes)  # DictValue.entries = 1
            if len(_INFO_HEADS) < 4096:
                _INFO_HEADS[key] = head
        h, nbytes = head
        parts.append(h)
        if nbytes:
            parts.append(v.tobytes())
        n += len(h) + nbytes
    parts[at + 1] = _field(0x12, n)  # Value.dict = 2 (present even when empty, as SetInParent makes it)
    parts[at] = _field(tag, len(parts[at + 1]) + n)
    return len(parts[at]) + len(parts[at + 1]) + n


def raw_step_response(
    seq: int, obs_space: spaces.Space, obs: Any, rewards: np.ndarray, terminated: np.ndarray,
    truncated: np.ndarray, infos: Any, header: bool = True,
) -> tuple[list, int]:
    """The serialized ``SessionResponse(seq, step=StepResponse(...))`` as a list of byte strings and
    its length, preceded by the fast lane's 4-byte little-endian frame length when ``header``.

    Equal to serializing the message that ``encode_value``/``encode_tensor``/``encode_info`` build;
    raises :class:`NoRawForm` for values it does not cover.
    """
    parts: list = [b"", b""]
    n = _raw_value(obs_space, obs, 0x0A, parts)  # StepResponse.observations = 1
    n += _raw_tensor(rewards, 0x12, parts)  # rewards = 2
    n += _raw_tensor(terminated, 0x1A, parts)  # terminated = 3
    n += _raw_tensor(truncated, 0x22, parts)  # truncated = 4
    n += _raw_infos(infos, 0x2A, parts)  # infos = 5
    seq_field = b"\x08" + _varint(seq) if seq else b""  # SessionResponse.seq = 1
    step_field = _field(0x2A, n)  # SessionResponse.step = 5
    parts[1] = seq_field + step_field
    total = len(parts[1]) + n
    if header:
        parts[0] = total.to_bytes(4, "little")
    return parts, total
