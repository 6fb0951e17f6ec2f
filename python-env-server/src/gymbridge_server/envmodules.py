"""``--env-module`` / ``--env-path``: load an operator's own env registrations at server start.

A team brings its Python env without touching gymbridge: a module whose import calls
``gymnasium.register(...)`` (as Gymnasium's own ``gymnasium/envs/__init__.py`` does). The server
imports every ``--env-module`` once at start, before it serves, so the ids are in ListEnvs and
Make like any other. ``--env-path DIR`` puts DIR first on ``sys.path`` (for a package that is not
installed in the server's Python). An import that fails stops the server before its READY line
with the module, the error and the fix -- a server that silently lacks the env would only fail
later, on the client, with a confusing NOT_FOUND.

Only the operator chooses these modules (command line); clients can never make the server import
anything (the ``module:Env-v0`` id form stays refused unless --allow-entry-points).
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import traceback
from collections.abc import Sequence

log = logging.getLogger(__name__)

# What this process loaded, so that worker processes (spawned: a fresh interpreter) load the same.
_loaded: tuple[list[str], list[str]] = ([], [])


def loaded() -> tuple[list[str], list[str]]:
    """The (modules, paths) this process loaded with :func:`load`."""
    return list(_loaded[0]), list(_loaded[1])


class EnvModuleError(RuntimeError):
    """An --env-module that could not be imported; the message says why and what to do."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The --env-module and --env-path flags (both repeatable)."""
    g = p.add_argument_group("custom envs (see README: Custom environments)")
    g.add_argument(
        "--env-module", action="append", default=[], metavar="MODULE",
        help="import MODULE at start so its gymnasium.register calls add env ids (repeatable), e.g. mypkg.envs",
    )
    g.add_argument(
        "--env-path", action="append", default=[], metavar="DIR",
        help="put DIR first on the Python path before importing --env-module (repeatable)",
    )


def load(modules: Sequence[str], paths: Sequence[str] = ()) -> list[str]:
    """Import ``modules`` (after prepending ``paths`` to sys.path); the env ids they added."""
    import gymnasium as gym

    for path in reversed(list(paths)):
        full = os.path.abspath(path)
        if not os.path.isdir(full):
            raise EnvModuleError(f"--env-path {path}: {full} is not a directory")
        if full not in sys.path:
            sys.path.insert(0, full)
    before = set(gym.registry)
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as e:  # noqa: BLE001 -- any failure: stop with the reason
            last = traceback.format_exception_only(type(e), e)[-1].strip()
            where = f" (searched --env-path {', '.join(paths)} first)" if paths else ""
            raise EnvModuleError(
                f"--env-module {name} failed to import: {last}{where}. Install the package into "
                f"this server's Python ({sys.executable} -m pip install ...), or point --env-path "
                "at the directory that contains it"
            ) from e
    _loaded[0].extend(m for m in modules if m not in _loaded[0])
    _loaded[1].extend(p for p in paths if p not in _loaded[1])
    added = sorted(set(gym.registry) - before)
    if modules:
        if added:
            log.info("--env-module %s registered: %s", ", ".join(modules), ", ".join(added))
        else:
            log.warning(
                "--env-module %s imported but registered no new env id (does it call gymnasium.register?)",
                ", ".join(modules),
            )
    return added
