"""Fixtures for the client tests: real gymbridge-server processes, started the way ``local:`` URLs start them.

Not a conftest.py: the server suite runs in the same pytest session and imports its own
``conftest`` module by name. Test modules import these fixtures.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from gymbridge.local import LocalServer


@pytest.fixture
def start_server() -> Iterator[Callable[..., LocalServer]]:
    """``start_server(*args, token=None)``: a server on a free loopback port, stopped after the test."""
    started: list[LocalServer] = []

    def start(*args: str, token: str | None = None) -> LocalServer:
        server = LocalServer(token=token, extra_args=args)
        started.append(server)
        return server

    yield start
    for s in started:
        s.close()


@pytest.fixture(scope="module")
def cartpole_server() -> Iterator[LocalServer]:
    """One plain server shared by a module's tests."""
    server = LocalServer()
    yield server
    server.close()
