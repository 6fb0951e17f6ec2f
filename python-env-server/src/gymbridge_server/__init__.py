"""gymbridge-server: hosts Gymnasium environments as gRPC sessions for Java and Python clients.

Importing the package has no side effects. The server registers the env ids it serves (the
adapters' and its own ``gymbridge/`` envs) with :func:`register_envs`; code that makes those envs
in-process calls it too.
"""
from __future__ import annotations

__version__ = "0.1.0"


def register_envs(fault_envs: bool = False) -> None:
    """Register every env id this server serves with Gymnasium (idempotent): the adapters' ids
    (Crafter, MineRL when installed) and the ``gymbridge/`` envs (``fault_envs``: also Fault-v0)."""
    from gymbridge_server import adapters, envs

    adapters.register()
    envs.register(fault_envs=fault_envs)
