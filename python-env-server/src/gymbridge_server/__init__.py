"""gymbridge-server: hosts Gymnasium environments as gRPC sessions for Java and Python clients.

Importing the package has no side effects. The server registers the env ids it serves (the
adapters' and its own ``gymbridge/`` envs) with :func:`register_envs`; code that makes those envs
in-process calls it too.
"""
from __future__ import annotations

__version__ = "0.1.0"


_fault_envs = False


def register_envs(fault_envs: bool = False) -> None:
    """Register every env id this server serves with Gymnasium (idempotent): the adapters' ids
    (Crafter, MineRL when installed) and the ``gymbridge/`` envs (``fault_envs``: also Fault-v0)."""
    global _fault_envs
    from gymbridge_server import adapters, envs

    adapters.register()
    envs.register(fault_envs=fault_envs)
    _fault_envs = _fault_envs or fault_envs


def registered_fault_envs() -> bool:
    """Whether this process registered gymbridge/Fault-v0 (worker processes register the same)."""
    return _fault_envs
