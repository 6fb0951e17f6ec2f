"""The wire format as the server uses it: the shared codec plus what only a server does.

The codec proper (tensors, spaces, values, infos, Args) lives once, in the client package
(``gymbridge.codec``, ``pip install gymbridge``), so client and server cannot disagree about the
wire format; it is re-exported here. The server adds ``actions.py`` (``decode_actions`` checks
actions against the session's space) and ``rawstep.py`` (a step's response serialized by hand for
the fast lane). Every decoding error raises :class:`CodecError` (a ``ValueError``) with a message
that names the problem and the fix; the dispatcher maps it to INVALID_ARGUMENT.
"""
from __future__ import annotations

import gymbridge.codec as _shared
from gymbridge.codec import *  # noqa: F401,F403  (the shared codec, re-exported whole)
from gymbridge_server.codec.actions import decode_actions
from gymbridge_server.codec.rawstep import NoRawForm, raw_step_response

__all__ = [*_shared.__all__, "decode_actions", "NoRawForm", "raw_step_response"]
