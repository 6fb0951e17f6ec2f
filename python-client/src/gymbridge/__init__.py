"""gymbridge: Gymnasium environments served by a gymbridge server, as Gymnasium envs in Python.

    import gymbridge
    env = gymbridge.make("local:CartPole-v1")                      # a gymnasium.Env
    envs = gymbridge.make_vec("grpc://host:50051/HalfCheetah-v5?num_envs=16&seed=1")  # a VectorEnv

URLs are those of the Java client (``local:``, ``grpc://``, ``grpcs://``, ``unix:``); see
``gymbridge.urls``. ``gymbridge.sb3.make_vec_env(url)`` gives Stable-Baselines3 a VecEnv that
steps all its envs in one batched call.
"""
from __future__ import annotations

from gymbridge.client import (
    DEFAULT_MAX_MESSAGE_BYTES,
    GymBridgeError,
    NotCopyableError,
    RemoteEnv,
    RemoteError,
    RemoteVectorEnv,
    ShardedVectorEnv,
    open_channel,
)
from gymbridge.connect import make, make_vec
from gymbridge.local import ServerNotFoundError

__version__ = "0.1.0"

__all__ = [
    "make",
    "make_vec",
    "RemoteEnv",
    "RemoteVectorEnv",
    "ShardedVectorEnv",
    "RemoteError",
    "GymBridgeError",
    "NotCopyableError",
    "ServerNotFoundError",
    "open_channel",
    "DEFAULT_MAX_MESSAGE_BYTES",
]
