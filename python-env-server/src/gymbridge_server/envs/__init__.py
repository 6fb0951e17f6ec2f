"""The server's own ``gymbridge/`` envs: test envs over every space kind (``testenvs``), the bandit
testbeds (``bandits``), the bench's no-op (``bench``), the MineRL spaces fakes (``minerl_fakes``) and,
for crash-isolation tests only, the fault env (``faults``).

Nothing is registered on import; the server (and a worker process) calls :func:`register`.
"""
from __future__ import annotations


def register(fault_envs: bool = False) -> None:
    """Register the ``gymbridge/`` ids with Gymnasium (idempotent); ``gymbridge/Fault-v0`` only
    with ``fault_envs`` (``--fault-envs``)."""
    from gymbridge_server.envs import bandits, bench, minerl_fakes, testenvs

    testenvs.register()
    bandits.register()
    bench.register()
    minerl_fakes.register()
    if fault_envs:
        from gymbridge_server.envs import faults

        faults.register()
