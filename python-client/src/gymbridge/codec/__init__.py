"""The one place that knows the wire format: numpy values, Gymnasium spaces, infos and Args <-> proto.

Tensors travel as raw little-endian C-order bytes (``Tensor.data``), so encoding is one
``ndarray.tobytes()`` and decoding one ``np.frombuffer`` -- no per-element Python work. Structured
values (Dict, Tuple, Text, ...) are walked once per node of the *space*, never per element.

Two directions of value encoding exist, both normative in proto/gymbridge/v1/tensor.proto:

* observations and actions are encoded *directed by their space* (``values.py``: ``encode_value`` /
  ``decode_value``);
* infos are encoded *by Python type* (``infos.py``), since they have no space.

``tensors.py`` holds the dtypes and Tensor, ``spaces.py`` the Space messages, ``args.py`` the
JSON-typed Args. Every decoding error raises :class:`CodecError` (a ``ValueError``) with a message
that names the problem and the fix. The package ships with the client (``pip install gymbridge``)
and the server builds on it: ``gymbridge_server.codec`` re-exports it and adds what only a server
does (checking actions against their space, the fast lane's hand-serialized step response).
"""
from __future__ import annotations

from gymbridge.codec.args import arg_to_py, args_to_dict, dict_to_args, py_to_arg
from gymbridge.codec.errors import ActionError, CodecError
from gymbridge.codec.infos import decode_info, encode_info
from gymbridge.codec.spaces import decode_space, encode_space
from gymbridge.codec.tensors import decode_tensor, dtype_from_proto, dtype_to_proto, encode_tensor
from gymbridge.codec.values import decode_value, encode_value

__all__ = [
    "CodecError",
    "ActionError",
    "encode_tensor",
    "decode_tensor",
    "dtype_to_proto",
    "dtype_from_proto",
    "encode_space",
    "decode_space",
    "encode_value",
    "decode_value",
    "encode_info",
    "decode_info",
    "arg_to_py",
    "py_to_arg",
    "args_to_dict",
    "dict_to_args",
]
