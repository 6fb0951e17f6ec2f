"""Gymnasium spaces <-> Space messages (Dict key order kept, +-inf bounds kept)."""
from __future__ import annotations

import numpy as np
from gymnasium import spaces

from gymbridge.v1 import tensor_pb2 as pb
from gymbridge.codec.errors import CodecError
from gymbridge.codec.tensors import decode_tensor, dtype_from_proto, dtype_to_proto, encode_tensor


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

