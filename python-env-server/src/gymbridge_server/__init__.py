"""gymbridge-server: hosts Gymnasium environments as gRPC sessions for Java and Python clients.

Importing the package registers the server's own test environments (``gymbridge/AllSpaces-v0``).
"""
from __future__ import annotations

__version__ = "0.1.0"

from gymbridge_server import testenvs as _testenvs  # noqa: E402  (registers gymbridge/* ids)

_testenvs.register()

from gymbridge_server import bandits as _bandits  # noqa: E402  (registers gymbridge/Bandit-v0, BanditNonStationary-v0)

_bandits.register()

from gymbridge_server import benchenvs as _benchenvs  # noqa: E402  (registers gymbridge/NoOp-v0)

_benchenvs.register()

from gymbridge_server.adapters import crafter as _crafter  # noqa: E402  (Crafter-v1 when installed)

_crafter.register()

from gymbridge_server.adapters import craftax as _craftax  # noqa: E402  (Craftax ids; making one needs craftax)

_craftax.register()

from gymbridge_server.adapters import minerl as _minerl  # noqa: E402  (MineRL ids + spaces fakes)

_minerl.register()
