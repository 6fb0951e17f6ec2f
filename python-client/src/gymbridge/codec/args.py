"""JSON-typed Args <-> Python values (env kwargs, reset options, wrapper arguments); never pickled."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from gymbridge.v1 import tensor_pb2 as pb
from gymbridge.codec.errors import CodecError


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

