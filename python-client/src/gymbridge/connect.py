"""``gymbridge.make(url)`` and ``gymbridge.make_vec(url)``: envs from a connection URL (see urls.py)."""
from __future__ import annotations

from typing import Any

from gymbridge import urls
from gymbridge.client import RemoteEnv, RemoteVectorEnv, ShardedVectorEnv, _jsonable_options
from gymbridge.local import LocalServer


def make_vec(url: str, **options: Any) -> RemoteVectorEnv | ShardedVectorEnv:
    """A :class:`RemoteVectorEnv` for ``url`` (``local:CartPole-v1?num_envs=8&seed=1``,
    ``grpc://host:50051/HalfCheetah-v5?num_envs=16``, ``grpcs://...?ca=ca.pem``, ``unix:/tmp/gym.sock/Env``);
    a :class:`ShardedVectorEnv` for a URL naming several servers (``grpc://h1:50051,h2:50051/Env?num_envs=64``,
    optionally ``&shards=48,16``; without num_envs, the sum of shards or one env per server).

    ``options`` are RemoteVectorEnv's keyword arguments and win over the URL's query (``kwargs``
    are merged). A ``local:`` URL starts a private ``gymbridge-server`` (the server package must
    be installed: ``pip install gymbridge-server``), stopped when the env is closed.
    """
    u, merged = _resolve(url, options)
    if u.servers:
        return ShardedVectorEnv(u.target, u.env_id, merged.pop("num_envs", None), **merged)
    if "shards" in merged:
        raise ValueError(f"shards= splits the envs of a URL naming several servers, not {urls.redact(url)}")
    num_envs = merged.pop("num_envs", 1)
    target, server = _server_for(u, merged)
    try:
        env = RemoteVectorEnv(target, u.env_id, num_envs, **merged)
    except BaseException:
        if server is not None:
            server.close()
        raise
    env._local_server = server
    return env


def make(url: str, **options: Any) -> RemoteEnv:
    """A single :class:`RemoteEnv` for ``url`` (no autoreset; ``num_envs`` must be 1), as
    :func:`make_vec` takes it. Its ``spec`` remakes it from the URL (without the token)."""
    u, merged = _resolve(url, options)
    if u.servers:
        raise ValueError(f"gymbridge.make makes one env on one server; {urls.redact(url)} names several: use gymbridge.make_vec")
    if merged.pop("num_envs", 1) != 1:
        raise ValueError(f"gymbridge.make makes one env; {urls.redact(url)} asks for num_envs > 1: use gymbridge.make_vec")
    target, server = _server_for(u, merged)
    spec_kwargs = {"url": urls.without_secrets(url), **_jsonable_options(options)}
    try:
        env = RemoteEnv(target, u.env_id, _spec_kwargs=spec_kwargs, **merged)
    except BaseException:
        if server is not None:
            server.close()
        raise
    env._vec._local_server = server
    return env


def _resolve(url: str, options: dict[str, Any]) -> tuple[urls.ConnectionUrl, dict[str, Any]]:
    u = urls.parse(url)
    if not u.env_id:
        raise ValueError(f"gymbridge URL '{urls.redact(url)}' names no env id; {urls.FORMS}")
    merged = dict(u.make)
    for k, v in options.items():
        if k == "kwargs" and v is not None:
            merged["kwargs"] = {**merged.get("kwargs", {}), **v}
        elif v is not None or k not in merged:
            merged[k] = v
    return u, merged


def _server_for(u: urls.ConnectionUrl, merged: dict[str, Any]) -> tuple[str, LocalServer | None]:
    if u.scheme != "local":
        return u.target, None
    token = merged.get("token")
    start = merged.pop("server_start_timeout", 60.0)
    server = LocalServer(token=token, start_timeout=start)
    return server.address, server
