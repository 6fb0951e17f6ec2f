"""A thin Python client: ``RemoteVectorEnv`` and ``RemoteEnv``, real Gymnasium env classes.

They let Gymnasium's own tooling (``check_env``, wrappers, any Python RL library) run against a
gymbridge server, which makes the bridge testable by code nobody here wrote::

    from gymbridge_server.client import RemoteVectorEnv
    envs = RemoteVectorEnv("127.0.0.1:50051", "CartPole-v1", num_envs=4, seed=1)
    obs, infos = envs.reset()
    obs, rewards, terminated, truncated, infos = envs.step(envs.action_space.sample())
    envs.close()

By default calls travel on one bidirectional ``Session`` stream (the hot path); pass
``transport="unary"`` to use the unary RPCs instead. Server errors raise :class:`RemoteError`
with the gRPC code, the server's message and its machine-readable reason.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import grpc
import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space, concatenate, create_empty_array, iterate

from gymbridge.v1 import env_pb2 as epb
from gymbridge.v1 import env_pb2_grpc
from gymbridge_server import codec

DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024

_AUTORESET = {
    AutoresetMode.NEXT_STEP: epb.AUTORESET_MODE_NEXT_STEP,
    AutoresetMode.SAME_STEP: epb.AUTORESET_MODE_SAME_STEP,
    AutoresetMode.DISABLED: epb.AUTORESET_MODE_DISABLED,
}
_AUTORESET_BACK = {v: k for k, v in _AUTORESET.items()}
_CODES = {c.value[0]: c for c in grpc.StatusCode}


class RemoteError(RuntimeError):
    """A call the server refused or that failed on the server."""

    def __init__(self, code: grpc.StatusCode, message: str, reason: str = "", metadata: Mapping[str, str] | None = None):
        super().__init__(f"{code.name}: {message}" + (f" [{reason}]" if reason else ""))
        self.code = code
        self.message = message
        self.reason = reason
        self.metadata = dict(metadata or {})


def open_channel(target: str, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> grpc.Channel:
    """An insecure channel to ``host:port`` or ``unix:/path`` with the bridge's message limits."""
    return grpc.insecure_channel(
        target,
        options=[
            ("grpc.max_send_message_length", max_message_bytes),
            ("grpc.max_receive_message_length", max_message_bytes),
        ],
    )


def _from_rpc_error(e: grpc.RpcError) -> RemoteError:
    reason = ""
    for key, value in (e.trailing_metadata() or ()):  # type: ignore[attr-defined]
        if key == "gymbridge-reason":
            reason = value
    return RemoteError(e.code(), e.details() or "", reason)  # type: ignore[attr-defined]


class _SessionStream:
    """One bidirectional Session stream used as a synchronous request/response channel."""

    _END = object()

    def __init__(self, stub: env_pb2_grpc.EnvServiceStub) -> None:
        self._requests: queue.Queue[Any] = queue.Queue()
        self._responses: Iterator[epb.SessionResponse] = stub.Session(iter(self._requests.get, self._END))
        self._seq = 0
        self._lock = threading.Lock()

    def call(self, **request: Any) -> epb.SessionResponse:
        with self._lock:
            self._seq += 1
            self._requests.put(epb.SessionRequest(seq=self._seq, **request))
            try:
                resp = next(self._responses)
            except grpc.RpcError as e:
                raise _from_rpc_error(e) from None
            if resp.seq != self._seq:
                raise RemoteError(grpc.StatusCode.INTERNAL, f"stream out of order: sent seq {self._seq}, got {resp.seq}")
            if resp.HasField("error"):
                err = resp.error
                raise RemoteError(_CODES.get(err.code, grpc.StatusCode.UNKNOWN), err.message, err.reason, err.metadata)
            return resp

    def close(self) -> None:
        self._requests.put(self._END)
        for _ in self._responses:  # drain until the server ends the stream
            pass


class RemoteVectorEnv(VectorEnv):
    """A Gymnasium ``VectorEnv`` whose envs live in a gymbridge server session.

    A target naming several servers (``"h1:50051,h2:50051"``) gives a :class:`ShardedVectorEnv` instead.
    """

    def __new__(cls, target: str = "", *args: Any, **kwargs: Any) -> Any:
        if cls is RemoteVectorEnv and isinstance(target, str) and "," in target:
            return ShardedVectorEnv(target, *args, **kwargs)
        return super().__new__(cls)

    def __init__(
        self,
        target: str,
        env_id: str,
        num_envs: int = 1,
        *,
        seed: int | None = None,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        kwargs: Mapping[str, Any] | None = None,
        wrappers: Sequence[tuple[str, Mapping[str, Any]]] = (),
        render_mode: str | None = None,
        max_episode_steps: int = 0,
        vectorization: str = "",
        num_workers: int = 0,
        placement: str = "",
        transport: str = "stream",
        channel: grpc.Channel | None = None,
    ) -> None:
        if transport not in ("stream", "unary"):
            raise ValueError(f"transport must be 'stream' or 'unary', got {transport!r}")
        self._own_channel = channel is None
        self._channel = channel or open_channel(target)
        self._stub = env_pb2_grpc.EnvServiceStub(self._channel)
        self._stream = _SessionStream(self._stub) if transport == "stream" else None
        self._closed_remote = False
        mode = autoreset_mode if isinstance(autoreset_mode, AutoresetMode) else AutoresetMode(autoreset_mode)
        req = epb.MakeRequest(
            env_id=env_id,
            num_envs=num_envs,
            kwargs=codec.dict_to_args(kwargs),
            wrappers=[epb.WrapperSpec(name=n, kwargs=codec.dict_to_args(k)) for n, k in wrappers],
            autoreset_mode=_AUTORESET[mode],
            render_mode=render_mode or "",
            vectorization=vectorization,
            max_episode_steps=max_episode_steps,
            num_workers=num_workers,
            placement=placement,
        )
        if seed is not None:
            req.seed = seed
        try:
            made = self._call("make", req)
        except BaseException:
            self._shutdown_transport()
            raise
        self.session_id = made.session_id
        self.num_envs = made.num_envs
        self.single_observation_space = codec.decode_space(made.single_observation_space)
        self.single_action_space = codec.decode_space(made.single_action_space)
        self.observation_space = codec.decode_space(made.observation_space)
        self.action_space = codec.decode_space(made.action_space)
        if seed is not None:
            self.action_space.seed(seed)
        self.spec_info = made.spec
        self.render_mode = made.spec.render_mode or None
        self.metadata = {
            "render_modes": list(made.spec.render_modes),
            "render_fps": made.spec.render_fps,
            "autoreset_mode": _AUTORESET_BACK[made.autoreset_mode],
        }

    # -------------------------------------------------------------------------------- transport

    def _call(self, kind: str, req: Any) -> Any:
        if self._stream is not None:
            return getattr(self._stream.call(**{kind: req}), kind)
        method = getattr(self._stub, kind.capitalize())
        try:
            return method(req)
        except grpc.RpcError as e:
            raise _from_rpc_error(e) from None

    def _shutdown_transport(self) -> None:
        if self._stream is not None:
            try:
                self._stream.close()
            except grpc.RpcError:
                pass
            self._stream = None
        if self._own_channel:
            self._channel.close()

    # ------------------------------------------------------------------------------- Gymnasium

    def reset(self, *, seed: int | Sequence[int] | None = None, options: dict[str, Any] | None = None):
        req = epb.ResetRequest(session_id=self.session_id)
        if isinstance(seed, (int, np.integer)):
            req.seed = int(seed)
        elif seed is not None:
            req.seeds.extend(int(s) for s in seed)
        options = dict(options or {})
        mask = options.pop("reset_mask", None)
        if mask is not None:
            req.reset_mask.extend(bool(m) for m in np.asarray(mask, dtype=np.bool_))
        for k, v in codec.dict_to_args(options).items():
            req.options[k].CopyFrom(v)
        resp = self._call("reset", req)
        return (
            codec.decode_value(self.observation_space, resp.observations, "observations"),
            codec.decode_info(resp.infos),
        )

    def step(self, actions: Any):
        req = epb.StepRequest(session_id=self.session_id, actions=codec.encode_value(self.action_space, actions))
        resp = self._call("step", req)
        return (
            codec.decode_value(self.observation_space, resp.observations, "observations"),
            codec.decode_tensor(resp.rewards, "rewards").copy(),
            codec.decode_tensor(resp.terminated, "terminated").copy(),
            codec.decode_tensor(resp.truncated, "truncated").copy(),
            codec.decode_info(resp.infos),
        )

    def render(self) -> Any:
        resp = self._call("render", epb.RenderRequest(session_id=self.session_id))
        return codec.decode_info(resp.frames)

    def close_extras(self, **kwargs: Any) -> None:
        if not self._closed_remote:
            self._closed_remote = True
            try:
                self._call("close", epb.CloseRequest(session_id=self.session_id))
            except RemoteError as e:
                if e.code != grpc.StatusCode.NOT_FOUND and e.code != grpc.StatusCode.UNAVAILABLE:
                    raise
            finally:
                self._shutdown_transport()


class ShardedVectorEnv(VectorEnv):
    """One ``VectorEnv`` whose envs are split over several servers, equal to one server with the same num_envs.

    ``ShardedVectorEnv("h1:50051,h2:50051", "Crafter-v1", 64)`` (or ``RemoteVectorEnv`` with that target) makes
    one session per server, shard sizes as even as possible (the first ones one larger) or ``shards=[48, 16]``.
    A step sends every shard its slice of the actions at once (one request per server in flight) and joins the
    answers in env order; shard j's envs are seeded ``seed + offset_j`` (Gymnasium's rule over the whole
    vector), and infos are joined as Gymnasium joins envs' infos -- except an info key whose dtype differs
    between envs of one call (FrozenLake's ``prob``: int after an autoreset, float after a step), which each
    server has already cast to the dtype of its first env reporting it. A failing shard raises
    :class:`RemoteError` naming the shard, its server and its envs; the other shards' sessions go on.
    Options other than ``num_envs``, ``seed`` and ``shards`` are RemoteVectorEnv's, for every shard.
    """

    def __init__(
        self,
        targets: str | Sequence[str],
        env_id: str,
        num_envs: int | None = None,
        *,
        shards: Sequence[int] | None = None,
        seed: int | None = None,
        **options: Any,
    ) -> None:
        from concurrent.futures import ThreadPoolExecutor

        hosts = [t.strip() for t in targets.split(",")] if isinstance(targets, str) else list(targets)
        if not hosts or any(not h for h in hosts):
            raise ValueError(f"targets {targets!r} has an empty server; write 'h1:50051,h2:50051'")
        n = num_envs if num_envs is not None else (sum(shards) if shards else len(hosts))
        sizes = list(shards) if shards is not None else [n // len(hosts) + (j < n % len(hosts)) for j in range(len(hosts))]
        if len(sizes) != len(hosts):
            raise ValueError(f"shards={sizes} lists {len(sizes)} sizes for {len(hosts)} servers")
        if sum(sizes) != n:
            raise ValueError(f"shards={sizes} adds up to {sum(sizes)}, not num_envs={n}")
        if min(sizes) < 1:
            raise ValueError(f"every server needs at least one env: num_envs={n} over {len(hosts)} servers gives {sizes}")
        self.targets = hosts
        self.offsets = [sum(sizes[:j]) for j in range(len(sizes) + 1)]
        self.num_envs = n
        self.shards: list[RemoteVectorEnv] = []
        try:
            for j, (host, size) in enumerate(zip(hosts, sizes)):
                shard_seed = None if seed is None else seed + self.offsets[j]
                self.shards.append(RemoteVectorEnv(host, env_id, size, seed=shard_seed, **options))
        except BaseException:
            for sh in self.shards:
                sh.close()
            raise
        first = self.shards[0]
        self.single_observation_space = first.single_observation_space
        self.single_action_space = first.single_action_space
        self.observation_space = batch_space(first.single_observation_space, n)
        self.action_space = batch_space(first.single_action_space, n)
        if seed is not None:
            self.action_space.seed(seed)
        self.render_mode = first.render_mode
        self.metadata = dict(first.metadata)
        self.spec_info = first.spec_info
        self._last_obs: list[Any] = [None] * len(self.shards)
        self._pool = ThreadPoolExecutor(max_workers=len(self.shards), thread_name_prefix="gymbridge-shard")

    def _on_every_shard(self, call: Any) -> list[Any]:
        """``call(j, shard)`` on every shard at once; the answers in shard order, or the first failure named."""
        futures = [self._pool.submit(call, j, sh) for j, sh in enumerate(self.shards)]
        out: list[Any] = []
        first: BaseException | None = None
        for j, f in enumerate(futures):
            try:
                out.append(f.result())
            except RemoteError as e:
                out.append(None)
                if first is None:
                    lo, hi = self.offsets[j], self.offsets[j + 1] - 1
                    first = RemoteError(e.code, f"shard {j} (envs {lo}..{hi} on {self.targets[j]}) failed; the other "
                                        f"shards are unaffected: {e.message}", e.reason, e.metadata)
            except BaseException as e:  # noqa: BLE001 -- keep collecting, then raise the first
                out.append(None)
                first = first or e
        if first is not None:
            raise first
        return out

    def reset(self, *, seed: int | Sequence[int] | None = None, options: dict[str, Any] | None = None):
        options = dict(options or {})
        mask = options.pop("reset_mask", None)

        def one(j: int, sh: RemoteVectorEnv) -> Any:
            lo, hi = self.offsets[j], self.offsets[j + 1]
            opts = dict(options)
            if mask is not None:
                part = np.asarray(mask, dtype=np.bool_)[lo:hi]
                if not part.any():
                    return None  # nothing to reset on this server: its envs keep their state
                opts["reset_mask"] = part
            if isinstance(seed, (int, np.integer)):
                s: Any = int(seed) + lo
            elif seed is not None:
                s = list(seed)[lo:hi]
            else:
                s = None
            return sh.reset(seed=s, options=opts or None)

        results = self._on_every_shard(one)
        for j, r in enumerate(results):
            if r is not None:
                self._last_obs[j] = r[0]
        infos = [(r[1] if r is not None else {}, sh.num_envs) for r, sh in zip(results, self.shards)]
        return self._observations(), _merge_infos(infos)

    def step(self, actions: Any):
        single = self.single_action_space
        results = self._on_every_shard(
            lambda j, sh: sh.step(_slice_batch(single, actions, self.offsets[j], self.offsets[j + 1]))
        )
        for j, r in enumerate(results):
            self._last_obs[j] = r[0]
        return (
            self._observations(),
            np.concatenate([r[1] for r in results]),
            np.concatenate([r[2] for r in results]),
            np.concatenate([r[3] for r in results]),
            _merge_infos([(r[4], sh.num_envs) for r, sh in zip(results, self.shards)]),
        )

    def _observations(self) -> Any:
        return _join_batches(self.single_observation_space, self._last_obs)

    def render(self) -> Any:
        frames = self._on_every_shard(lambda j, sh: sh.render())
        if isinstance(frames[0], np.ndarray):
            return np.concatenate(frames)
        return _join_batches(gym.spaces.Text(1), frames)

    def close_extras(self, **kwargs: Any) -> None:
        try:
            for sh in self.shards:
                try:
                    sh.close()
                except RemoteError:
                    pass  # a dead server's session is gone anyway
        finally:
            self._pool.shutdown(wait=False)


_ARRAY_SPACES = (gym.spaces.Box, gym.spaces.Discrete, gym.spaces.MultiDiscrete, gym.spaces.MultiBinary)


def _slice_batch(single: gym.Space, batched: Any, lo: int, hi: int) -> Any:
    """Envs lo..hi-1 of a batched value, following Gymnasium's batch_space structure."""
    if isinstance(single, gym.spaces.Dict):
        return {k: _slice_batch(s, batched[k], lo, hi) for k, s in single.items()}
    if isinstance(single, gym.spaces.Tuple):
        return tuple(_slice_batch(s, b, lo, hi) for s, b in zip(single.spaces, batched))
    if isinstance(single, _ARRAY_SPACES):
        return np.asarray(batched)[lo:hi]
    return tuple(batched[lo:hi])


def _join_batches(single: gym.Space, parts: list[Any]) -> Any:
    """Consecutive batched values as one batch, following Gymnasium's batch_space structure."""
    if len(parts) == 1:
        return parts[0]
    if isinstance(single, gym.spaces.Dict):
        return {k: _join_batches(s, [p[k] for p in parts]) for k, s in single.items()}
    if isinstance(single, gym.spaces.Tuple):
        return tuple(_join_batches(s, [p[i] for p in parts]) for i, s in enumerate(single.spaces))
    if isinstance(single, _ARRAY_SPACES):
        return np.concatenate(parts)
    return tuple(x for p in parts for x in p)


def _merge_infos(parts: list[tuple[dict[str, Any], int]]) -> dict[str, Any]:
    """Vector infos over consecutive env ranges as one, as Gymnasium builds them env by env: keys in order of
    first appearance, arrays joined; a part without a key adds zeros (None for object arrays) and a False mask."""
    keys: list[str] = []
    for info, _ in parts:
        keys.extend(k for k in info if k not in keys)
    out: dict[str, Any] = {}
    for key in keys:
        first = next(info[key] for info, _ in parts if key in info)
        if isinstance(first, dict):
            out[key] = _merge_infos([(info.get(key, {}), k) for info, k in parts])
            continue
        like = np.asarray(first)
        chunks = []
        for info, k in parts:
            if key in info:
                chunks.append(np.asarray(info[key]))
            elif like.dtype == object:
                chunks.append(np.full(k, None, dtype=object))
            else:
                chunks.append(np.zeros((k, *like.shape[1:]), dtype=like.dtype))
        out[key] = np.concatenate(chunks).astype(like.dtype, copy=False)
    return out


class RemoteEnv(gym.Env):
    """A single Gymnasium ``Env`` backed by a one-env server session without autoreset.

    ``RemoteEnv(target, env_id, **options)`` takes RemoteVectorEnv's options (seed, kwargs,
    wrappers, render_mode, max_episode_steps, transport, channel). Its ``spec`` makes more
    RemoteEnvs of the same id and options (``env.spec.make(render_mode=...)``), so tools such as
    ``gymnasium.utils.env_checker.check_env`` can try every render mode. ``metadata
    ["render_modes"]`` lists the env's modes minus "human", which a server cannot show.
    """

    def __init__(self, target: str, env_id: str, **options: Any) -> None:
        options.setdefault("autoreset_mode", AutoresetMode.DISABLED)
        self._vec = RemoteVectorEnv(target, env_id, 1, **options)
        self.observation_space = self._vec.single_observation_space
        self.action_space = self._vec.single_action_space
        self.render_mode = self._vec.render_mode
        self.metadata = {
            "render_modes": [m for m in self._vec.metadata["render_modes"] if m != "human"],
            "render_fps": self._vec.metadata["render_fps"],
        }
        spec_options = {k: v for k, v in options.items() if k not in ("render_mode", "channel")}
        self.spec = gym.envs.registration.EnvSpec(
            id=env_id,
            entry_point=_make_remote_env,
            kwargs={"target": target, "remote_env_id": env_id, **spec_options},
            # The server applies the registered time limit; gymnasium.make must not add another.
            max_episode_steps=None,
            order_enforce=False,
            disable_env_checker=True,
        )

    @property
    def session_id(self) -> str:
        return self._vec.session_id

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        obs, infos = self._vec.reset(seed=seed, options=options)
        return _first(self._vec.observation_space, obs), _unbatch_info(infos)

    def step(self, action: Any):
        batched = concatenate(self.action_space, [action], create_empty_array(self.action_space, 1))
        obs, rewards, terminated, truncated, infos = self._vec.step(batched)
        return (
            _first(self._vec.observation_space, obs),
            float(rewards[0]),
            bool(terminated[0]),
            bool(truncated[0]),
            _unbatch_info(infos),
        )

    def render(self) -> Any:
        frames = self._vec.render()
        return frames[0] if frames is not None else None

    def close(self) -> None:
        self._vec.close()


def _make_remote_env(target: str, remote_env_id: str, **options: Any) -> RemoteEnv:
    """The entry point of RemoteEnv.spec (gymnasium.make passes render_mode among options)."""
    return RemoteEnv(target, remote_env_id, **options)


def _first(batched_space: gym.Space, batch: Any) -> Any:
    return next(iter(iterate(batched_space, batch)))


def _unbatch_info(infos: dict[str, Any]) -> dict[str, Any]:
    """Env 0's entries of a vector info dict (those whose ``_key`` mask is set)."""
    out: dict[str, Any] = {}
    for k, v in infos.items():
        if k.startswith("_") and k[1:] in infos:
            continue
        mask = infos.get(f"_{k}")
        if mask is not None and not bool(np.asarray(mask)[0]):
            continue
        out[k] = _unbatch_info(v) if isinstance(v, dict) else v[0]
    return out
