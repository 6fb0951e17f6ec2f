"""numpy arrays <-> Tensor: raw little-endian C-order bytes, one ``tobytes()`` / ``np.frombuffer``."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from gymbridge.v1 import tensor_pb2 as pb
from gymbridge.codec.errors import CodecError

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




# Tensors a request may carry: numpy's own limit is 64 dimensions; a dimension over 2**31 - 1 could
# only be declared, never sent (messages are at most 2 GiB), and would overflow sizes derived from it.
MAX_DIMS = 32
MAX_DIM = 2**31 - 1


def _show_shape(shape: tuple[int, ...]) -> str:
    return str(list(shape)) if len(shape) <= 8 else f"[{', '.join(map(str, shape[:8]))}, ...] ({len(shape)} dims)"


# The hot path encodes a handful of dtypes millions of times: remember each dtype's enum.
_ENUM_BY_DTYPE: dict[np.dtype, int] = {}


def dtype_enum(dtype: np.dtype) -> int:
    """:func:`dtype_to_proto`, remembered per dtype."""
    enum = _ENUM_BY_DTYPE.get(dtype)
    if enum is None:
        enum = _ENUM_BY_DTYPE.setdefault(dtype, dtype_to_proto(dtype))
    return enum


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


def tensor_into(t: pb.Tensor, array: np.ndarray) -> None:
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
    if len(shape) > MAX_DIMS:
        raise CodecError(f"{what}: shape has {len(shape)} dimensions; a tensor has at most {MAX_DIMS}")
    if shape and min(shape) < 0:
        raise CodecError(f"{what}: shape {_show_shape(shape)} has a negative dimension")
    if shape and max(shape) > MAX_DIM:
        raise CodecError(f"{what}: shape {_show_shape(shape)} has a dimension over {MAX_DIM}, more than any message holds")
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

