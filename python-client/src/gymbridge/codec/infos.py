"""Infos <-> Value, directed by Python type (infos have no space)."""
from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from gymbridge.v1 import tensor_pb2 as pb
from gymbridge.codec.errors import CodecError
from gymbridge.codec.tensors import decode_tensor, encode_tensor, tensor_into


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
                tensor_into(e.value.tensor, v)
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

