"""Client-supplied text in log lines: escaped, so that a newline or a control character in a client's
name, an env id or a peer address cannot forge or break a log line."""
from __future__ import annotations

from typing import Any

_MAX = 200


def log_safe(value: Any) -> str:
    """``value`` as one printable line: control characters and backslashes escaped (``\\n``, ``\\x1b``),
    cut at 200 characters."""
    text = str(value)
    out = []
    for ch in text[:_MAX]:
        if ch == "\\":
            out.append("\\\\")
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    if len(text) > _MAX:
        out.append(f"...(+{len(text) - _MAX} chars)")
    return "".join(out)
