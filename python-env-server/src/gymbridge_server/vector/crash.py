"""What to say and do when a session's env fails: name dead worker processes, free what is left.

Generic over vector envs that run envs in other processes: Gymnasium's ``AsyncVectorEnv`` and
any env exposing ``processes`` (objects with ``pid`` / ``exitcode`` / ``is_alive()``, e.g.
``multiprocessing.Process``) or a ``dead_workers()`` method returning human-readable strings.
An in-process (sync) env that segfaults takes the server with it; that is why crash-prone
native envs should run with ``vectorization="async"`` (or workers).
"""
from __future__ import annotations

import logging
import signal
import time
from typing import Any

log = logging.getLogger(__name__)


def _processes(env: Any) -> list[Any]:
    procs = getattr(env, "processes", None)
    if procs is None:
        return []
    try:
        return list(procs)
    except TypeError:
        return []


def dead_workers(env: Any, wait_s: float = 0.0) -> list[str]:
    """Descriptions of the env's worker processes that died, e.g. "worker pid 123 killed by SIGKILL".

    A worker that exited with code 0 (Gymnasium's worker after reporting a Python exception)
    did not die. ``wait_s``: the parent may see the broken pipe before the kernel has reaped the
    dying worker, so wait up to this long for one to be found.
    """
    deadline = time.monotonic() + wait_s
    while True:
        found = _dead_workers(env)
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(0.01)


def _dead_workers(env: Any) -> list[str]:
    describe = getattr(env, "dead_workers", None)
    if callable(describe):
        try:
            return [str(d) for d in describe()]
        except Exception:  # noqa: BLE001 -- best effort, only for the message
            log.debug("dead_workers() raised", exc_info=True)
    out = []
    for p in _processes(env):
        code = getattr(p, "exitcode", None)
        if not code:
            continue
        pid = getattr(p, "pid", "?")
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            out.append(f"worker pid {pid} killed by {name}")
        else:
            out.append(f"worker pid {pid} exited with code {code}")
    return out


def kill_workers(env: Any) -> None:
    """Terminate (then kill) any of the env's worker processes still alive; reap them all."""
    for p in _processes(env):
        try:
            if p.is_alive():
                p.terminate()
                p.join(2.0)
            if p.is_alive():
                p.kill()
            p.join(2.0)
            release(p)
        except Exception:  # noqa: BLE001 -- freeing what we can
            log.debug("stopping a worker process failed", exc_info=True)


def release(p: Any) -> None:
    """Close the descriptors of a reaped ``multiprocessing.Process`` (its sentinel pipe) now instead of
    at garbage collection. Unlike ``Process.close()`` the object stays usable: ``is_alive()`` and
    ``exitcode`` still answer."""
    popen = getattr(p, "_popen", None)
    if popen is not None and getattr(popen, "returncode", None) is not None and callable(getattr(popen, "close", None)):
        popen.close()


def close_env(env: Any) -> None:
    """Close a vector env that may be broken: close it, and make sure no worker outlives it."""
    try:
        if _processes(env):
            # AsyncVectorEnv: terminate=True does not wait on pipes to workers that may be dead.
            try:
                env.close(terminate=True)
            except TypeError:  # a worker env whose close() takes no such option
                env.close()
        else:
            env.close()
    finally:
        kill_workers(env)
        # A close that raised half-way leaves the pipes to the workers open: one fd pair per
        # worker per crash would add up over a long run.
        for pipe in getattr(env, "parent_pipes", None) or ():
            try:
                if pipe is not None:
                    pipe.close()
            except Exception:  # noqa: BLE001
                pass
        _close_queue(getattr(env, "error_queue", None))


def _close_queue(q: Any) -> None:
    """Close both ends of a ``multiprocessing.Queue`` now. AsyncVectorEnv's ``error_queue`` is a pipe
    the server never writes to, so ``Queue.close()`` closes only its reader; the writer would stay
    open until the env object is garbage collected -- two descriptors per ``async`` session, piling
    up in a server whose sessions are collected late."""
    if q is None:
        return
    for end in (getattr(q, "_reader", None), getattr(q, "_writer", None)):
        try:
            if end is not None and not end.closed:
                end.close()
        except Exception:  # noqa: BLE001 -- freeing what we can
            log.debug("closing a queue of a closed env failed", exc_info=True)
