"""The codec's errors: the message says what is wrong and how to fix it."""
from __future__ import annotations


class CodecError(ValueError):
    """A malformed or mismatching wire value; the message says what is wrong and how to fix it."""

    reason = "MALFORMED_VALUE"


class ActionError(CodecError):
    """An action that is well-formed on the wire but not in the session's action space."""

    reason = "ACTION_OUT_OF_SPACE"
