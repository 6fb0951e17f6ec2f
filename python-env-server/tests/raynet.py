"""Running Ray in the tests: inside a private network namespace that has only loopback.

Ray binds and dials the machine's own interface address whatever it is told, so every test process
that starts Ray runs under ``unshare -n`` (a new network namespace; ``-r`` too when not root), where
the only interface is ``lo`` and Ray uses 127.0.0.1. Nothing leaves the machine, and the test talks to
the server over a unix socket, which works across network namespaces.
"""
from __future__ import annotations

import os
import subprocess

# `unshare -n CMD...` with lo brought up first; "$@" is the command.
_UP_AND_EXEC = 'ip link set lo up && exec "$@"'


def netns_prefix() -> tuple[str, ...]:
    """The command prefix that runs a program in a fresh loopback-only network namespace."""
    flags = "-n" if os.geteuid() == 0 else "-rn"
    return ("unshare", flags, "bash", "-c", _UP_AND_EXEC, "netns")


def ray_processes(pattern: str = "ray::EnvSlice") -> list[int]:
    """Pids of live processes whose command line contains ``pattern`` (Ray names actor processes
    ``ray::ClassName``; zombies excluded)."""
    out = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout.split()
    pids = []
    for p in out:
        try:
            with open(f"/proc/{p}/stat") as f:
                if f.read().split(")")[-1].split()[0] != "Z":
                    pids.append(int(p))
        except (FileNotFoundError, ProcessLookupError):
            pass
    return [p for p in pids if p != os.getpid()]
