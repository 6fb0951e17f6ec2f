"""Connection URLs, the same grammar as the Java client (``org.gymbridge.client.ConnectionUrl``)::

    local:CartPole-v1?num_envs=8&seed=1             a private server process started for this env
    grpc://host:50051/HalfCheetah-v5?num_envs=16    a running server over TCP (port default 50051)
    grpcs://host:50051/CartPole-v1?ca=/path/ca.pem  the same over TLS
    grpc://h1:50051,h2:50051/Crafter-v1?num_envs=64 one vector env over several servers (&shards=48,16)
    unix:/tmp/gym.sock/FrozenLake-v1?map_name=8x8   a running server on a unix socket
    unix:/tmp/gym?env=FrozenLake-v1                 (the same, for socket names not ending in .sock)

Query keys ``num_envs``, ``seed``, ``autoreset``, ``render_mode``, ``max_episode_steps``,
``vectorization``, ``num_workers``, ``placement`` and ``wrappers`` configure the session (``shards``
the split of a URL naming several servers); ``token``, ``ca``,
``timeout``, ``reset_timeout``, ``make_timeout`` and ``on_crash`` configure the client; every other
key is an env kwarg typed like JSON (``true``/``false``, ``null``, integers, decimals; anything
else, or a ``"quoted"`` value, is a string).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

DEFAULT_PORT = 50051

FORMS = (
    "expected grpc://host:port/EnvId?key=value&..., grpcs://host:port/EnvId?..., "
    "unix:/path/to/server.sock/EnvId?..., or local:EnvId?... (e.g. local:CartPole-v1?num_envs=8&seed=1)"
)
CONNECTION_KEYS = frozenset({"token", "ca", "timeout", "reset_timeout", "make_timeout", "on_crash"})
_INTEGER = re.compile(r"[-+]?\d+")
_DECIMAL = re.compile(r"[-+]?(\d+\.\d*|\.\d+|\d+(\.\d*)?[eE][-+]?\d+|inf|nan)", re.IGNORECASE)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)?")
_WRAPPER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_AUTORESET = {"next_step": "NextStep", "same_step": "SameStep", "disabled": "Disabled"}


@dataclass(frozen=True)
class ConnectionUrl:
    """A parsed URL: where the server is, which env to make with which options, and client settings.

    ``make`` holds the keyword arguments of :class:`gymbridge.RemoteVectorEnv` that the URL set
    (num_envs, seed, autoreset_mode, render_mode, max_episode_steps, vectorization, num_workers,
    placement, wrappers, kwargs, shards, and the connection settings token, ca, tls, timeout, reset_timeout,
    make_timeout, on_crash).
    """

    scheme: str  # "grpc", "grpcs", "unix" or "local"
    env_id: str
    host: str = ""
    port: int = 0
    socket_path: str = ""
    make: dict[str, Any] = field(default_factory=dict)
    servers: tuple[tuple[str, int], ...] = ()  # every (host, port) of a grpc URL naming several servers

    @property
    def target(self) -> str:
        """The gRPC target of a running server (``host:port`` or ``unix:/path``; several servers:
        ``h1:p1,h2:p2``, which RemoteVectorEnv makes a ShardedVectorEnv of); empty for local:."""
        if self.scheme in ("grpc", "grpcs"):
            return ",".join(_host_port(h, p) for h, p in (self.servers or ((self.host, self.port),)))
        if self.scheme == "unix":
            return f"unix:{self.socket_path}"
        return ""


def parse(url: str) -> ConnectionUrl:
    """Parses ``url``; a ValueError naming the expected form if it is malformed."""
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f"empty gymbridge URL; {FORMS}")
    s = url.strip()
    query = ""
    if "?" in s:
        s, query = s.split("?", 1)
    params = _parse_query(query, url)
    env_param = params.pop("env", None)
    make = _options(params, url)

    if s.startswith(("grpc://", "grpcs://")):
        scheme = "grpcs" if s.startswith("grpcs://") else "grpc"
        rest = s[len(scheme) + 3:]
        authority, slash, path = rest.partition("/")
        env_id = _decode(path) if slash else ""
        servers = tuple(_parse_authority(a, url) for a in authority.split(","))
        if len(servers) == 1 and "shards" in make:
            raise _bad(url, "shards= splits the envs of a URL naming several servers (grpc://h1:50051,h2:50051/EnvId)")
        if scheme == "grpcs":
            make["tls"] = True
        host, port = servers[0]
        return ConnectionUrl(scheme, _pick(env_id, env_param, url), host=host, port=port, make=make,
                             servers=servers if len(servers) > 1 else ())
    if s.startswith("unix:"):
        path = s[len("unix:"):]
        if path.startswith("//"):
            path = path[2:]  # unix:///abs/path -> /abs/path
        path = _decode(path)
        if not path:
            raise _bad(url, "no socket path" + "; " + FORMS)
        if env_param is not None:
            socket, env_id = path, ""
        else:
            split = _split_socket_path(path)
            if split < 0:
                raise _bad(
                    url,
                    "cannot tell the socket path from the env id; name the socket *.sock "
                    "(unix:/tmp/gym.sock/CartPole-v1) or pass the env as a query (unix:/tmp/gym?env=CartPole-v1)",
                )
            socket, env_id = path[:split], path[split + 1:]
        return ConnectionUrl("unix", _pick(env_id, env_param, url), socket_path=socket, make=make)
    if s.startswith("local:"):
        env_id = _decode(s[len("local:"):])
        if env_id.startswith("//"):
            env_id = env_id[2:]
        if make.get("tls"):
            raise _bad(url, "a local: server is plaintext on loopback; drop ca= (TLS is for remote servers)")
        return ConnectionUrl("local", _pick(env_id, env_param, url), make=make)
    raise _bad(url, "unknown scheme" + "; " + FORMS)


def _parse_authority(authority: str, url: str) -> tuple[str, int]:
    """(host, port) of ``host``, ``host:port``, ``[v6]`` or ``[v6]:port``."""
    if not authority.strip():
        raise _bad(url, "an empty server in the list; write grpc://h1:50051,h2:50051/EnvId")
    port = DEFAULT_PORT
    if authority.startswith("["):
        close = authority.find("]")
        if close < 0:
            raise _bad(url, "unterminated IPv6 address" + "; " + FORMS)
        host, after = authority[1:close], authority[close + 1:]
        if after.startswith(":"):
            port = _parse_port(after[1:], url)
        elif after:
            raise _bad(url, f"unexpected '{after}' after the host" + "; " + FORMS)
    else:
        host, colon, p = authority.rpartition(":")
        if colon:
            port = _parse_port(p, url)
        else:
            host = authority
    if not host:
        raise _bad(url, "no host" + "; " + FORMS)
    return host, port


def _host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def redact(url: str) -> str:
    """``url`` with its token replaced by ``***`` (for messages and specs)."""
    return re.sub(r"(?i)(token=)[^&]*", r"\1***", url)


def without_secrets(url: str) -> str:
    """``url`` without its ``token=`` query key (a remade env reads $GYMBRIDGE_TOKEN instead)."""
    if "?" not in url:
        return url
    base, query = url.split("?", 1)
    kept = [p for p in query.split("&") if p and not p.lower().startswith("token=")]
    return base + ("?" + "&".join(kept) if kept else "")


def duration(key: str, value: str, url: str = "") -> float:
    """``500ms``, ``30s``, ``5m``, ``1h`` or a plain number of seconds, in seconds."""
    m = _DURATION.fullmatch(value.strip().lower())
    if not m:
        raise _bad(url, f"{key}={value} is not a duration; write e.g. 500ms, 30s, 5m or 1h")
    amount = float(m.group(1))
    seconds = amount * {"ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}[m.group(2) or "s"]
    if seconds < 1e-3:
        raise _bad(url, f"{key}={value} must be at least 1ms")
    return seconds


def typed(v: str) -> Any:
    """A query value typed like JSON: true/false, null, integers, decimals; otherwise (or "quoted") a string."""
    if len(v) >= 2 and v.startswith('"') and v.endswith('"'):
        return v[1:-1]
    low = v.lower()
    if low == "true":
        return True
    if low == "false":
        return False
    if low in ("null", "none"):
        return None
    if _INTEGER.fullmatch(v):
        n = int(v)
        return n if -(2**63) <= n < 2**63 else v  # beyond int64: keep the digits rather than lose them
    if _DECIMAL.fullmatch(v):
        return float(v)
    return v


def parse_wrappers(spec: str, url: str = "") -> list[tuple[str, dict[str, Any]]]:
    """``Name(k=v, ...),Name2,...`` as (name, kwargs), innermost first; ``(a,b)`` / ``[a,b]`` are lists."""
    out: list[tuple[str, dict[str, Any]]] = []
    for item in _split_top_level(spec, url):
        w = item.strip()
        if not w:
            raise _bad(url, f"empty wrapper in wrappers={spec}; write wrappers=Name(arg=value),Name2")
        open_ = w.find("(")
        name = (w if open_ < 0 else w[:open_]).strip()
        if not _WRAPPER_NAME.fullmatch(name):
            raise _bad(
                url,
                f"wrapper name '{name}' in wrappers={spec} is not a class name; "
                "write wrappers=TimeLimit(max_episode_steps=200),NormalizeObservation",
            )
        kwargs: dict[str, Any] = {}
        if open_ >= 0:
            if not w.endswith(")"):
                raise _bad(url, f"wrapper '{w}' lacks its closing ')'")
            for arg in _split_top_level(w[open_ + 1:-1], url):
                a = arg.strip()
                if not a:
                    continue
                k, eq, v = a.partition("=")
                if not eq or not k.strip():
                    raise _bad(
                        url,
                        f"wrapper argument '{a}' of {name} is not name=value "
                        "(wrappers take keyword arguments, e.g. TimeLimit(max_episode_steps=200))",
                    )
                kwargs[k.strip()] = _typed_value(v.strip(), url)
        out.append((name, kwargs))
    return out


def _options(params: dict[str, str], url: str) -> dict[str, Any]:
    make: dict[str, Any] = {}
    kwargs: dict[str, Any] = {}
    for k, v in params.items():
        if k in ("num_envs", "max_episode_steps", "num_workers", "seed"):
            if not _INTEGER.fullmatch(v.strip()):
                raise _bad(url, f"{k}={v} is not an integer")
            make[k] = int(v)
        elif k in ("autoreset", "autoreset_mode"):
            mode = _AUTORESET.get(v.lower())
            if mode is None:
                raise _bad(url, f"{k}={v} is not next_step, same_step or disabled")
            make["autoreset_mode"] = mode
        elif k in ("render_mode", "vectorization", "placement"):
            make[k] = v
        elif k == "shards":
            sizes = [x.strip() for x in v.split(",")]
            if not all(_INTEGER.fullmatch(x) for x in sizes):
                raise _bad(url, f"shards={v} is not a list of integers like shards=48,16")
            make["shards"] = [int(x) for x in sizes]
        elif k == "wrappers":
            make["wrappers"] = parse_wrappers(v, url)
        elif k == "token":
            make["token"] = v
        elif k == "ca":
            if not os.access(v, os.R_OK) or os.path.isdir(v):
                raise _bad(
                    url,
                    f"ca={v} is not a readable file; name a PEM file with the certificate(s) to trust "
                    "(e.g. the server's --tls-cert)",
                )
            make["ca"] = v
            make["tls"] = True
        elif k in ("timeout", "reset_timeout", "make_timeout"):
            make[k] = duration(k, v, url)
        elif k == "on_crash":
            if v.lower() not in ("fail", "recreate"):
                raise _bad(url, f"on_crash={v} is not fail or recreate")
            make["on_crash"] = v.lower()
        else:
            kwargs[k] = typed(v)
    if kwargs:
        make["kwargs"] = kwargs
    return make


def _typed_value(v: str, url: str) -> Any:
    if len(v) >= 2 and (v[0] == "(" and v[-1] == ")" or v[0] == "[" and v[-1] == "]"):
        return [_typed_value(x.strip(), url) for x in _split_top_level(v[1:-1], url) if x.strip()]
    return typed(v)


def _split_top_level(s: str, url: str) -> list[str]:
    """Splits on commas outside parentheses, brackets and double quotes."""
    parts: list[str] = []
    depth, quoted, start = 0, False, 0
    for i, c in enumerate(s):
        if c == '"':
            quoted = not quoted
        elif not quoted and c in "([":
            depth += 1
        elif not quoted and c in ")]":
            depth -= 1
            if depth < 0:
                raise _bad(url, f"unbalanced '{c}' in '{s}'")
        elif not quoted and depth == 0 and c == ",":
            parts.append(s[start:i])
            start = i + 1
    if depth != 0 or quoted:
        raise _bad(url, f"unbalanced brackets or quotes in '{s}'")
    parts.append(s[start:])
    return parts


def _split_socket_path(path: str) -> int:
    """Index of the '/' ending the socket path: an existing non-directory prefix, else a *.sock segment."""
    slashes = [i for i, c in enumerate(path) if c == "/" and i > 0]
    for i in slashes:
        if os.path.exists(path[:i]) and not os.path.isdir(path[:i]):
            return i
    if os.path.exists(path) and not os.path.isdir(path):
        return len(path)
    for i in slashes:
        if path[:i].endswith(".sock"):
            return i
    return len(path) if path.endswith(".sock") else -1


def _pick(path_env: str, query_env: str | None, url: str) -> str:
    if query_env is not None and path_env and query_env != path_env:
        raise _bad(url, f"env id given twice ('{path_env}' and env={query_env})")
    env_id = query_env if query_env is not None else path_env
    return env_id[:-1] if env_id.endswith("/") else env_id


def _parse_port(p: str, url: str) -> int:
    if not p.isdigit():
        raise _bad(url, f"port '{p}' is not a number" + "; " + FORMS)
    port = int(p)
    if not 1 <= port <= 65535:
        raise _bad(url, f"port {p} is outside 1..65535" + "; " + FORMS)
    return port


def _parse_query(query: str, url: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in query.split("&"):
        if not part:
            continue
        k, eq, v = part.partition("=")
        if not eq or not k:
            raise _bad(url, f"query part '{part}' is not key=value" + "; " + FORMS)
        key = _decode(k)
        if key in out:
            raise _bad(url, f"query key '{key}' given twice")
        out[key] = _decode(v)
    return out


def _decode(s: str) -> str:
    return unquote(s)  # '+' stays '+', as in the Java client


def _bad(url: str, problem: str) -> ValueError:
    return ValueError(f"malformed gymbridge URL '{redact(url)}': {problem}")
