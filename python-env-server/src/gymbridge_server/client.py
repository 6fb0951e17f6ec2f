"""The Python client, kept importable under its old name: it lives in the ``gymbridge`` package.

``pip install gymbridge`` (python-client/ in the repository) installs it without the server;
new code should import ``gymbridge`` (``gymbridge.make(url)``, ``gymbridge.RemoteVectorEnv``).
"""
from gymbridge.client import (  # noqa: F401  (re-exports)
    DEFAULT_MAX_MESSAGE_BYTES,
    RemoteEnv,
    RemoteError,
    RemoteVectorEnv,
    ShardedVectorEnv,
    open_channel,
)

__all__ = ["DEFAULT_MAX_MESSAGE_BYTES", "RemoteEnv", "RemoteError", "RemoteVectorEnv", "ShardedVectorEnv", "open_channel"]
