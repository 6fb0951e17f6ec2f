"""Poll instead of sleeping while an answer is due: the fast lane's next request, a worker's next command,
the workers' answers to a step.

Why: on this 2-core VM a thread that blocks lets its vCPU halt, and waking it takes ~60-90 us (a plain
Python socket ping-pong between two processes: 64 us per round trip across cores, 5 us on one core) --
more than a CartPole x64 step's whole bridge budget, and paid at every hop of a step. So a waiter polls
(non-blocking checks, ``os.sched_yield`` between them so that any thread or process that wants this CPU
gets it) for up to ``spin`` seconds after the wait began, then blocks as before. A waiter whose last
``window`` waits all took longer than ``spin`` (a client with a slow policy, an env slower than the
window) blocks at once, so slow loops pay nothing; and only one thread of a process polls at a time
(several would trade the GIL and the cores among themselves), the others block.

The window is the server's ``--spin-us`` (default 1000; 0 turns polling off everywhere), set once at
start-up with ``configure``; worker processes get it with their make arguments.
"""
from __future__ import annotations

import collections
import os
import select
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

DEFAULT_SPIN_US = 1000
_spin_s = DEFAULT_SPIN_US * 1e-6
_polling = threading.Lock()  # held by the thread that polls (at most one per process)


def resolve_us(flag: float | None, environ: Mapping[str, str]) -> float:
    """The window in microseconds: ``--spin-us`` if given, else ``$GYMBRIDGE_SPIN_US``, else the default;
    ValueError naming the setting when it is not a number or negative."""
    if flag is None:
        env = environ.get("GYMBRIDGE_SPIN_US", "").strip()
        try:
            flag = float(env) if env else float(DEFAULT_SPIN_US)
        except ValueError:
            raise ValueError(f"GYMBRIDGE_SPIN_US={env!r} is not a number of microseconds (0: always sleep)") from None
    if flag < 0:
        raise ValueError(f"--spin-us {flag:g} is negative; use 0 (always sleep) or a window in microseconds")
    return flag


def configure(spin_us: float) -> None:
    """Set the server-wide polling window (``--spin-us``); 0 turns polling off."""
    global _spin_s
    _spin_s = resolve_us(spin_us, {}) * 1e-6


def configured_s() -> float:
    """The server-wide polling window, in seconds."""
    return _spin_s


def readable(*fds: Any) -> Callable[..., bool]:
    """A ``ready`` check for ``SpinWait.poll``: whether at least ``count`` (default 1) of these file
    descriptors (or objects with ``fileno()``) have data -- one ``poll(2)`` call, no waiting."""
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    return lambda count=1: len(poller.poll(0)) >= count


class SpinWait:
    """One waiter's policy: ``begin()`` when the wait starts (an answer went out, a request was sent),
    ``poll(ready)`` right before the blocking read, ``end()`` once the awaited data has been read."""

    def __init__(self, spin_s: float | None = None, window: int = 8) -> None:
        self.spin = _spin_s if spin_s is None else spin_s
        self._waits: collections.deque[float] = collections.deque(maxlen=window)
        self._since: float | None = None

    def begin(self) -> None:
        self._since = time.perf_counter()

    def polls(self) -> bool:
        """Whether the next ``poll`` would poll (some recent wait ended within the window)."""
        return self.spin > 0 and not (self._waits and min(self._waits) > self.spin)

    def poll(self, ready: Callable[[], bool]) -> None:
        """Call ``ready`` (a non-blocking check: is the awaited data there?), yielding the CPU between calls,
        until it is true or ``spin`` seconds have passed since ``begin()``; return at once when there is no
        wait in progress or polling does not pay (see the module docstring). The caller then reads, blocking
        if nothing came."""
        since = self._since
        if since is None or not self.polls():
            return
        # One poller per process: two threads polling would only trade the GIL (and a core) between them.
        if not _polling.acquire(blocking=False):
            return
        try:
            end = since + self.spin
            while not ready():
                if time.perf_counter() >= end:
                    return
                os.sched_yield()
        finally:
            _polling.release()

    def end(self) -> None:
        """The awaited data has been read: remember how long the wait took."""
        if self._since is not None:
            self._waits.append(time.perf_counter() - self._since)
            self._since = None
