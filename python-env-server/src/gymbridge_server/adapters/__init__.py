"""Adapters: Gymnasium itself (``gymnasium``, ``catalog``, ``tabular``) and the env families that need
translating to it (``crafter``, ``craftax``, ``minerl``). An adapter with ids of its own has a ``register()`` that
registers them with Gymnasium when its package imports (else notes them as unavailable in the
catalog); :func:`register` calls each of them. The server calls it; importing registers nothing.
"""
from __future__ import annotations


def register() -> None:
    """Register every adapter's env ids with Gymnasium (idempotent). A new adapter adds its line."""
    from gymbridge_server.adapters import craftax, crafter, minerl

    crafter.register()
    craftax.register()
    minerl.register()
