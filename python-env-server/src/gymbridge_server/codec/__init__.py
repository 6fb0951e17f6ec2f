"""The wire format as the server uses it: the shared codec plus what only a server does.

The codec proper (tensors, spaces, values, infos, Args) lives once, in the client package
(``gymbridge.codec``, ``pip install gymbridge``), so client and server cannot disagree about the
wire format; it is re-exported here. The server adds ``actions.py`` (``decode_actions`` checks
actions against the session's space) and ``rawstep.py`` (a step's response serialized by hand for
the fast lane). Every decoding error raises :class:`CodecError` (a ``ValueError``) with a message
that names the problem and the fix; the dispatcher maps it to INVALID_ARGUMENT.
"""
from __future__ import annotations

from gymbridge.codec import (
    ActionError,
    CodecError,
    arg_to_py,
    args_to_dict,
    decode_info,
    decode_space,
    decode_tensor,
    decode_value,
    dict_to_args,
    dtype_from_proto,
    dtype_to_proto,
    encode_info,
    encode_space,
    encode_tensor,
    encode_value,
    py_to_arg,
)
from gymbridge_server.codec.actions import decode_actions
from gymbridge_server.codec.rawstep import NoRawForm, raw_step_response

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
    "decode_actions",
    "encode_info",
    "decode_info",
    "arg_to_py",
    "py_to_arg",
    "args_to_dict",
    "dict_to_args",
    "NoRawForm",
    "raw_step_response",
]
