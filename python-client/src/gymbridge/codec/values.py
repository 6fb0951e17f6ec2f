"""Observations and actions <-> Value, directed by their space (normative: proto/gymbridge/v1/tensor.proto).

Dict keys travel in the space's order, a Text leaf as a TextValue of one string, Sequence/Graph/OneOf
per Gymnasium's structure. Decoding does no range checks; actions are checked by ``actions.py``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector.utils import concatenate, create_empty_array, iterate

from gymbridge.v1 import tensor_pb2 as pb
from gymbridge.codec.errors import CodecError
from gymbridge.codec.tensors import decode_tensor, encode_tensor

LEAF_TYPES = (spaces.Box, spaces.Discrete, spaces.MultiDiscrete, spaces.MultiBinary)


def encode_value(space: spaces.Space, x: Any) -> pb.Value:
    """An observation/action (single or batched) as a Value, walking ``space``'s structure."""
    if isinstance(space, LEAF_TYPES):
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


def expect_kind(v: pb.Value, kind: str, what: str, space: spaces.Space) -> None:
    got = v.WhichOneof("kind")
    if got != kind:
        raise CodecError(f"{what}: expected a Value.{kind} for {space}, got Value.{got}")


def decode_value(space: spaces.Space, v: pb.Value, what: str = "value") -> Any:
    """A Value as the Python/numpy value Gymnasium uses for ``space`` (no range checks)."""
    if isinstance(space, LEAF_TYPES):
        expect_kind(v, "tensor", what, space)
        # A writable copy: users (and envs) may modify what they get, the message buffer is not theirs.
        a = decode_tensor(v.tensor, what).copy()
        # Gymnasium samples a single Discrete as a numpy scalar, not a 0-d array.
        return a[()] if isinstance(space, spaces.Discrete) and a.ndim == 0 else a
    if isinstance(space, spaces.Dict):
        expect_kind(v, "dict", what, space)
        got = {e.key: e.value for e in v.dict.entries}
        check_keys(space, got, what)
        return {k: decode_value(s, got[k], f"{what}[{k!r}]") for k, s in space.items()}
    if isinstance(space, spaces.Tuple):
        expect_kind(v, "tuple", what, space)
        check_len(len(space.spaces), len(v.tuple.items), what, space)
        return tuple(
            decode_value(s, item, f"{what}[{i}]")
            for i, (s, item) in enumerate(zip(space.spaces, v.tuple.items))
        )
    if isinstance(space, spaces.Text):
        expect_kind(v, "text", what, space)
        if len(v.text.items) != 1:
            raise CodecError(f"{what}: a Text value is a TextValue with exactly one string, got {len(v.text.items)}")
        return v.text.items[0]
    if isinstance(space, spaces.Sequence):
        expect_kind(v, "list", what, space)
        items = [decode_value(space.feature_space, item, f"{what}[{i}]") for i, item in enumerate(v.list.items)]
        if space.stack:
            for i, item in enumerate(items):
                _check_stackable(space.feature_space, item, f"{what}[{i}]")
            try:
                return concatenate(space.feature_space, items, create_empty_array(space.feature_space, n=len(items)))
            except (ValueError, TypeError) as e:
                raise CodecError(f"{what}: the items of a stacked {space} do not stack: {e}") from e
        return tuple(items)
    if isinstance(space, spaces.Graph):
        expect_kind(v, "dict", what, space)
        got = {e.key: e.value for e in v.dict.entries}
        if "nodes" not in got:
            raise CodecError(f"{what}: a Graph value is a DictValue with keys nodes, edges, edge_links")

        def opt(key: str) -> Any:
            item = got.get(key)
            if item is None or item.WhichOneof("kind") == "none":
                return None
            expect_kind(item, "tensor", f"{what}[{key!r}]", space)
            return decode_tensor(item.tensor, f"{what}[{key!r}]").copy()

        return spaces.GraphInstance(nodes=opt("nodes"), edges=opt("edges"), edge_links=opt("edge_links"))
    if isinstance(space, spaces.OneOf):
        expect_kind(v, "tuple", what, space)
        check_len(2, len(v.tuple.items), what, space)
        idx_v, sample_v = v.tuple.items
        expect_kind(idx_v, "tensor", f"{what}[0]", space)
        idx = decode_tensor(idx_v.tensor, f"{what}[0]")
        if idx.size != 1 or idx.dtype.kind not in "iu":
            raise CodecError(
                f"{what}[0]: a OneOf index is one integer (a 0-d integer tensor), got {idx.dtype.name} "
                f"of shape {list(idx.shape)}"
            )
        index = int(idx.reshape(()))
        if not 0 <= index < len(space.spaces):
            raise CodecError(f"{what}: OneOf index {index} is not in 0..{len(space.spaces) - 1}")
        return (np.int64(index), decode_value(space.spaces[index], sample_v, f"{what}[1]"))
    raise CodecError(f"space {space!r} of type {type(space).__name__} has no wire form")


def _check_stackable(feature: spaces.Space, item: Any, what: str) -> None:
    """A stacked Sequence item's leaves have the feature space's shape and dtype kind (numpy would
    otherwise cast floats into an integer stack, or fail deep inside concatenate)."""
    if isinstance(feature, LEAF_TYPES):
        a = np.asarray(item)
        want = np.dtype(feature.dtype)
        integer = want.kind in "iub"
        if a.shape != feature.shape or (a.dtype.kind not in ("iub" if integer else "f")):
            raise CodecError(
                f"{what}: {a.dtype.name} of shape {list(a.shape)} does not fit {feature} "
                f"({want.name}, shape {list(feature.shape)}); every item of a stacked Sequence has the feature's shape and dtype"
            )
    elif isinstance(feature, spaces.Dict):
        for k, s in feature.items():
            _check_stackable(s, item[k], f"{what}[{k!r}]")
    elif isinstance(feature, spaces.Tuple):
        for i, (s, x) in enumerate(zip(feature.spaces, item)):
            _check_stackable(s, x, f"{what}[{i}]")


def check_keys(space: spaces.Dict, got: Mapping[str, Any], what: str) -> None:
    want = list(space.keys())
    missing = [k for k in want if k not in got]
    extra = [k for k in got if k not in space.spaces]
    if missing or extra:
        raise CodecError(
            f"{what}: Dict keys do not match the space; missing {missing}, unexpected {extra}; "
            f"expected keys {want}"
        )


def check_len(want: int, got: int, what: str, space: spaces.Space) -> None:
    if want != got:
        raise CodecError(f"{what}: expected {want} items for {space}, got {got}")

