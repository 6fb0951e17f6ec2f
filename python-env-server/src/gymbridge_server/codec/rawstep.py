"""A step's ``SessionResponse`` serialized by hand: the hot path of the fast lane.

Building a protobuf
message costs ~1-2 us per field in Python (MuJoCo's 8 info arrays made infos alone ~35 us a step);
here each tensor is one cached header (tags, lengths, dtype, shape -- fixed for a given key, dtype
and shape) followed by its raw bytes, and the whole response is one ``b"".join``. The bytes are
exactly what ``SerializeToString`` of the message built by ``encode_value``/``encode_info`` gives
(fields in number order, proto3 defaults omitted; tests/test_codec_raw.py checks it byte for byte).
Values it does not cover (Text, Sequence, Graph, OneOf leaves; object arrays or Python scalars in
infos, such as final_obs) raise :class:`NoRawForm` and the caller uses the message path.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from gymbridge.codec.tensors import dtype_enum
from gymbridge.codec.values import LEAF_TYPES


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
    h = b"\x08" + _varint(dtype_enum(a.dtype))  # dtype = 1 (never 0: concrete dtypes only)
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
    if isinstance(space, LEAF_TYPES):
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
    truncated: np.ndarray, infos: Any,
) -> tuple[list, int]:
    """The serialized ``SessionResponse(seq, step=StepResponse(...))`` as a list of byte strings and
    its length. ``parts[0]`` is empty: a transport may put its frame header there (fastlane.frame).

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
    return parts, len(parts[1]) + n
