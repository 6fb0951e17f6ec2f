"""The Python client: ``RemoteVectorEnv`` and ``RemoteEnv``, real Gymnasium env classes.

They let Gymnasium's own tooling (``check_env``, wrappers, any Python RL library) run against a
gymbridge server::

    from gymbridge import RemoteVectorEnv
    envs = RemoteVectorEnv("127.0.0.1:50051", "CartPole-v1", num_envs=4, seed=1)
    obs, infos = envs.reset()
    obs, rewards, terminated, truncated, infos = envs.step(envs.action_space.sample())
    envs.close()

(``gymbridge.make_vec(url)`` builds the same from a connection URL.) By default calls travel on
one bidirectional ``Session`` stream (the hot path); ``transport="unary"`` uses the unary RPCs.
Every call has a deadline (``timeout``, ``reset_timeout``, ``make_timeout``, as in the Java
client); ``token`` (default ``$GYMBRIDGE_TOKEN``) is sent as ``authorization: Bearer ...``;
``tls``/``ca`` (default ``$GYMBRIDGE_CA``) connect over TLS. Server errors raise
:class:`RemoteError` with the gRPC code, the server's message and its machine-readable reason.

An env belongs to the process that made it: after ``fork`` (Gymnasium's ``AsyncVectorEnv`` on
Linux) the child's first call opens its own connection and session with the same options; the
parent's session is left to the parent. Envs cannot be pickled or copied (they hold a live
session); pass a factory (``lambda: gymbridge.make(url)``) instead.
"""
from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import grpc
import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space, concatenate, create_empty_array, iterate

from gymbridge import codec
from gymbridge.slices import join_batches, join_infos, slice_batch
from gymbridge.v1 import env_pb2 as epb
from gymbridge.v1 import env_pb2_grpc

DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024
DEFAULT_TIMEOUT_S = 60.0
DEFAULT_RESET_TIMEOUT_S = 300.0
DEFAULT_MAKE_TIMEOUT_S = 120.0
TOKEN_ENV = "GYMBRIDGE_TOKEN"
CA_ENV = "GYMBRIDGE_CA"

_log = logging.getLogger("gymbridge")
_AUTORESET = {
    AutoresetMode.NEXT_STEP: epb.AUTORESET_MODE_NEXT_STEP,
    AutoresetMode.SAME_STEP: epb.AUTORESET_MODE_SAME_STEP,
    AutoresetMode.DISABLED: epb.AUTORESET_MODE_DISABLED,
}
_AUTORESET_BACK = {v: k for k, v in _AUTORESET.items()}
_CODES = {c.value[0]: c for c in grpc.StatusCode}
_DEADLINE_KEY = {"make": "make_timeout", "reset": "reset_timeout"}


class GymBridgeError(RuntimeError):
    """Base of the errors this package raises."""


class RemoteError(GymBridgeError):
    """A call the server refused or that failed on the server (or never reached it)."""

    def __init__(self, code: grpc.StatusCode, message: str, reason: str = "", metadata: Mapping[str, str] | None = None):
        super().__init__(f"{code.name}: {message}" + (f" [{reason}]" if reason else ""))
        self.code = code
        self.message = message
        self.reason = reason
        self.metadata = dict(metadata or {})


class NotCopyableError(GymBridgeError, TypeError):
    """A remote env was pickled or copied; it holds a live session, which cannot be."""


def _not_copyable(obj: object) -> NotCopyableError:
    return NotCopyableError(
        f"gymbridge: a {type(obj).__name__} holds a live server session and cannot be pickled or copied. "
        "Pass a factory that makes one instead (e.g. `lambda: gymbridge.make(url)` to AsyncVectorEnv), "
        "or use one batched session: gymbridge.make_vec('...?num_envs=N')."
    )


def open_channel(
    target: str,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    *,
    tls: bool = False,
    ca: str | os.PathLike[str] | None = None,
) -> grpc.Channel:
    """A channel to ``host:port`` or ``unix:/path`` with the bridge's message limits; TLS when
    ``tls`` or ``ca`` is set (``ca``: PEM file of the certificates to trust; default ``$GYMBRIDGE_CA``,
    else the system's roots)."""
    options = [
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.max_receive_message_length", max_message_bytes),
    ]
    ca = ca or (os.environ.get(CA_ENV, "").strip() or None if tls else None)
    if not (tls or ca):
        return grpc.insecure_channel(target, options=options)
    roots = None
    if ca:
        try:
            with open(ca, "rb") as f:
                roots = f.read()
        except OSError as e:
            raise GymBridgeError(
                f"gymbridge: cannot read the CA file {ca} ({e.strerror}); name a PEM file with the "
                "certificate(s) to trust (e.g. the server's --tls-cert)"
            ) from None
    return grpc.secure_channel(target, grpc.ssl_channel_credentials(root_certificates=roots), options=options)


def _from_rpc_error(e: grpc.RpcError, what: str) -> RemoteError:
    reason = ""
    for key, value in e.trailing_metadata() or ():  # type: ignore[attr-defined]
        if key == "gymbridge-reason":
            reason = value
    code, message = e.code(), e.details() or ""  # type: ignore[attr-defined]
    if code == grpc.StatusCode.UNAVAILABLE:
        message = (
            f"{what}: server unavailable ({message}). Is the gymbridge server running and reachable? Start one "
            "with `gymbridge-server --port 50051`, or use a local:EnvId URL to start a private one."
        )
    elif code == grpc.StatusCode.DEADLINE_EXCEEDED:
        key = _DEADLINE_KEY.get(what, "timeout")
        message = f"{what}: no answer before the deadline ({message}); raise {key}= if the env is this slow."
    return RemoteError(code, message, reason)


class _SessionStream:
    """One bidirectional Session stream used as a synchronous request/response channel.

    Each call has its own deadline: a watchdog thread cancels the stream when an answer is late
    (gRPC deadlines cover a whole stream, not one message). A cancelled stream is ``broken``; the
    env opens a new one for its next call (the session itself lives on in the server).
    """

    _END = object()

    def __init__(self, stub: env_pb2_grpc.EnvServiceStub, metadata: tuple[tuple[str, str], ...]) -> None:
        self._requests: queue.Queue[Any] = queue.Queue()
        self._responses: Any = stub.Session(iter(self._requests.get, self._END), metadata=metadata)
        self._seq = 0
        self._lock = threading.Lock()
        self._state = threading.Lock()
        self._deadline: float | None = None
        self._timed_out = False
        self.broken = False
        self._closed = False
        threading.Thread(target=self._watch, name="gymbridge-deadline", daemon=True).start()

    def _watch(self) -> None:
        while not self._closed:
            deadline = self._deadline
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                with self._state:
                    if self._deadline is not None and time.monotonic() >= self._deadline:
                        self._timed_out = self.broken = True
                        self._deadline = None
                        self._responses.cancel()
                continue
            time.sleep(0.1 if deadline is None else min(0.1, max(deadline - now, 0.001)))

    def call(self, what: str, timeout: float, **request: Any) -> epb.SessionResponse:
        with self._lock:
            self._seq += 1
            self._requests.put(epb.SessionRequest(seq=self._seq, **request))
            self._deadline = time.monotonic() + timeout
            try:
                resp = next(self._responses)
            except grpc.RpcError as e:
                self.broken = True
                if self._timed_out:
                    key = _DEADLINE_KEY.get(what, "timeout")
                    raise RemoteError(
                        grpc.StatusCode.DEADLINE_EXCEEDED,
                        f"{what}: no answer from the server within {timeout:g} s; the call was cancelled. "
                        f"Raise the deadline ({key}= in the URL or argument) if the env is this slow",
                        "TIMEOUT",
                    ) from None
                raise _from_rpc_error(e, what) from None
            except StopIteration:
                self.broken = True
                raise RemoteError(grpc.StatusCode.UNAVAILABLE, f"{what}: the server ended the session stream") from None
            finally:
                with self._state:
                    self._deadline = None
            if resp.seq != self._seq:
                raise RemoteError(grpc.StatusCode.INTERNAL, f"stream out of order: sent seq {self._seq}, got {resp.seq}")
            if resp.HasField("error"):
                err = resp.error
                raise RemoteError(_CODES.get(err.code, grpc.StatusCode.UNKNOWN), err.message, err.reason, err.metadata)
            return resp

    def close(self) -> None:
        self._closed = True
        if self.broken:
            return
        self._requests.put(self._END)
        for _ in self._responses:  # drain until the server ends the stream
            pass


class RemoteVectorEnv(VectorEnv):
    """A Gymnasium ``VectorEnv`` whose envs live in a gymbridge server session.

    ``target`` is ``host:port`` or ``unix:/path``; a target naming several servers
    (``"h1:50051,h2:50051"``) gives a :class:`ShardedVectorEnv` instead. Options: ``seed`` (env *i*
    gets seed + i), ``autoreset_mode``, ``kwargs`` (for ``gymnasium.make``), ``wrappers``
    (server-side, innermost first), ``render_mode``, ``max_episode_steps``, ``vectorization``
    (sync/async/workers/ray), ``num_workers`` (workers or Ray actors) and ``placement`` (ray:
    "spread" or "pack"); connection: ``token``, ``tls``, ``ca``, ``timeout`` / ``reset_timeout`` /
    ``make_timeout`` (seconds; 60/300/120 by default), ``on_crash`` ("fail", or "recreate": a
    step whose env crashed or whose session was lost returns fresh observations with every env
    truncated and infos ``gymbridge_recovered`` / ``gymbridge_error``), ``transport``
    ("stream" or "unary") and ``channel`` (a channel of your own; connection options then unused).
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
        token: str | None = None,
        tls: bool = False,
        ca: str | os.PathLike[str] | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        reset_timeout: float = DEFAULT_RESET_TIMEOUT_S,
        make_timeout: float = DEFAULT_MAKE_TIMEOUT_S,
        on_crash: str = "fail",
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        _exact_infos: bool = False,
    ) -> None:
        if transport not in ("stream", "unary"):
            raise ValueError(f"transport must be 'stream' or 'unary', got {transport!r}")
        if on_crash not in ("fail", "recreate"):
            raise ValueError(f"on_crash must be 'fail' or 'recreate', got {on_crash!r}")
        for name, t in (("timeout", timeout), ("reset_timeout", reset_timeout), ("make_timeout", make_timeout)):
            if not t > 0:
                raise ValueError(f"{name} must be a positive number of seconds, got {t!r}")
        self._target = target
        self._transport = transport
        self._tls, self._ca, self._max_message_bytes = tls, ca, max_message_bytes
        self._timeouts = {"make": make_timeout, "reset": reset_timeout}
        self._timeout = timeout
        self._on_crash = on_crash
        self.recoveries = 0
        token = token or os.environ.get(TOKEN_ENV, "").strip() or None
        self._metadata: tuple[tuple[str, str], ...] = (("authorization", f"Bearer {token}"),) if token else ()
        self._closed_remote = False
        self._stream: _SessionStream | None = None
        self._channel: grpc.Channel | None = None
        self._own_channel = channel is None
        mode = autoreset_mode if isinstance(autoreset_mode, AutoresetMode) else AutoresetMode(autoreset_mode)
        self._make_request = epb.MakeRequest(
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
            exact_infos=_exact_infos,
        )
        # _exact_infos (ShardedVectorEnv's shards): the keys the server sent widened in the last reset or step,
        # with the dtype its vector env would have cast them to (env_pb2.InfoDtype).
        self.last_info_dtypes: dict[tuple[str, ...], np.dtype] = {}
        if seed is not None:
            self._make_request.seed = seed
        self._connect(channel)
        try:
            made = self._call("make", self._make_request)
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

    def _connect(self, channel: grpc.Channel | None = None) -> None:
        self._pid = os.getpid()
        self._channel = channel or open_channel(self._target, self._max_message_bytes, tls=self._tls, ca=self._ca)
        self._stub = env_pb2_grpc.EnvServiceStub(self._channel)
        self._stream = _SessionStream(self._stub, self._metadata) if self._transport == "stream" else None

    def _call(self, kind: str, req: Any) -> Any:
        if os.getpid() != self._pid:
            if kind == "close":
                return None  # the child never used it: the session is the parent's to close
            self._reconnect_after_fork()
            if kind != "make":
                req.session_id = self.session_id
        if self._closed_remote and kind != "close":
            raise GymBridgeError(f"gymbridge: {kind} on a closed env ({self._make_request.env_id}); make a new one")
        timeout = self._timeouts.get(kind, self._timeout)
        if self._transport == "stream":
            if self._stream is None or self._stream.broken:
                self._reopen_stream(kind)
                if kind != "make":
                    req.session_id = self.session_id
            return getattr(self._stream.call(kind, timeout, **{kind: req}), kind)
        method = getattr(self._stub, "".join(part.capitalize() for part in kind.split("_")))
        try:
            return method(req, timeout=timeout, metadata=self._metadata)
        except grpc.RpcError as e:
            raise _from_rpc_error(e, kind) from None

    def _reopen_stream(self, kind: str) -> None:
        """A new stream after the last one broke (a deadline cancelled it). The session made on the
        broken stream ended with it, so make it again: its envs start over and need a reset."""
        had_stream = self._stream is not None
        if had_stream:
            self._stream.close()  # broken: only stops its watchdog
        self._stream = _SessionStream(self._stub, self._metadata)
        if had_stream and kind not in ("make", "close"):
            self.session_id = self._stream.call("make", self._timeouts["make"], make=self._make_request).make.session_id
            _log.warning("gymbridge: %s: a call was cancelled, so its session was made again; reset it", self._make_request.env_id)

    def _reconnect_after_fork(self) -> None:
        """A forked child: the parent's channel and stream belong to the parent's gRPC runtime (using
        them here fails with 'Wrong file descriptor generation'); open a channel and a session of
        the child's own, with the same options. Nothing of the parent's is closed."""
        if not self._own_channel:
            raise GymBridgeError(
                "gymbridge: this env was made in another process (fork) on a channel passed in by the caller, "
                "which cannot be reopened here; make the env in the child (pass a factory such as "
                "`lambda: gymbridge.make(url)` to AsyncVectorEnv) or let the env open its own channel"
            )
        self._stream = None
        self._closed_remote = self.closed = False  # the parent may have closed its copy before forking
        self._connect()
        self.session_id = self._call("make", self._make_request).session_id

    def _shutdown_transport(self) -> None:
        if os.getpid() != self._pid:
            return  # the parent's connection: not ours to close
        if self._stream is not None:
            try:
                self._stream.close()
            except grpc.RpcError:
                pass
            self._stream = None
        if self._own_channel and self._channel is not None:
            self._channel.close()

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise _not_copyable(self)

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
        self.last_info_dtypes = _info_dtypes(resp.info_dtypes)
        return (
            codec.decode_value(self.observation_space, resp.observations, "observations"),
            codec.decode_info(resp.infos),
        )

    def step(self, actions: Any):
        req = epb.StepRequest(session_id=self.session_id, actions=codec.encode_value(self.action_space, actions))
        try:
            resp = self._call("step", req)
        except RemoteError as e:
            if self._on_crash != "recreate" or not _recoverable(e):
                raise
            return self._recover(e)
        self.last_info_dtypes = _info_dtypes(resp.info_dtypes)
        return (
            codec.decode_value(self.observation_space, resp.observations, "observations"),
            codec.decode_tensor(resp.rewards, "rewards").copy(),
            codec.decode_tensor(resp.terminated, "terminated").copy(),
            codec.decode_tensor(resp.truncated, "truncated").copy(),
            codec.decode_info(resp.infos),
        )

    def _recover(self, cause: RemoteError):
        """on_crash="recreate": reset the crashed session (the server restarts its envs), or make a
        new one if the server lost it; the failed step returns the fresh observations, every env
        truncated, so an agent's episode bookkeeping stays right."""
        if cause.code == grpc.StatusCode.NOT_FOUND:
            self.session_id = self._call("make", self._make_request).session_id
        obs, infos = self.reset()
        self.recoveries += 1
        _log.warning("gymbridge: recovered %s (session %s) after: %s", self._make_request.env_id, self.session_id, cause)
        n = self.num_envs
        every = np.ones(n, dtype=np.bool_)
        infos = dict(infos)
        infos["gymbridge_recovered"], infos["_gymbridge_recovered"] = every.copy(), every.copy()
        infos["gymbridge_error"] = np.array([str(cause)] * n, dtype=object)
        infos["_gymbridge_error"] = every.copy()
        return obs, np.zeros(n, dtype=np.float64), np.zeros(n, dtype=np.bool_), every, infos

    def render(self) -> Any:
        resp = self._call("render", epb.RenderRequest(session_id=self.session_id))
        return codec.decode_info(resp.frames)

    def snapshot(self, index: int = 0) -> int:
        """Snapshot env ``index`` on the server (nothing is copied to the client); the id for :meth:`restore`."""
        return self._call("snapshot", epb.SnapshotRequest(session_id=self.session_id, env_index=index)).snapshot_id

    def restore(self, snapshot_id: int, index: int = 0, *, reseed: int | None = None) -> None:
        """Put env ``index`` back into a snapshot of it; its next steps continue exactly as after the snapshot
        (``reseed``: reseed its random number generators instead, to sample another outcome)."""
        req = epb.RestoreRequest(session_id=self.session_id, env_index=index, snapshot_id=snapshot_id)
        if reseed is not None:
            req.reseed = reseed
        self._call("restore", req)

    def snapshot_all(self) -> list[int]:
        """Snapshot every env in one call (a planner's lanes): their ids, in env order."""
        req = epb.SnapshotRequest(session_id=self.session_id, env_indices=list(range(self.num_envs)))
        return list(self._call("snapshot", req).snapshot_ids)

    def restore_all(self, snapshot_ids: Sequence[int], *, reseeds: Sequence[int] | None = None) -> None:
        """Put env i back into ``snapshot_ids[i]`` (as :meth:`snapshot_all` returned them) for every env, in one
        call; ``reseeds``: one seed per env to reseed its random number generators with afterwards."""
        req = epb.RestoreRequest(session_id=self.session_id, env_indices=list(range(self.num_envs)),
                                 snapshot_ids=list(snapshot_ids), reseeds=list(reseeds) if reseeds is not None else [])
        self._call("restore", req)

    def release_snapshots(self, *snapshot_ids: int) -> int:
        """Free these snapshots on the server (all of them when none is named); how many were freed."""
        req = epb.ReleaseSnapshotRequest(session_id=self.session_id, snapshot_ids=list(snapshot_ids))
        return self._call("release_snapshot", req).released

    def close_extras(self, **kwargs: Any) -> None:
        if not self._closed_remote:
            self._closed_remote = True
            if os.getpid() != self._pid:
                return  # a forked child that never used the env: the session is the parent's
            try:
                self._call("close", epb.CloseRequest(session_id=self.session_id))
            except RemoteError as e:
                if e.code not in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                    raise
            finally:
                self._shutdown_transport()
                server = getattr(self, "_local_server", None)
                if server is not None:
                    server.close()


def _info_dtypes(entries: Any) -> dict[tuple[str, ...], np.dtype]:
    return {tuple(e.key): codec.dtype_from_proto(e.dtype) for e in entries}


def _recoverable(e: RemoteError) -> bool:
    return e.code == grpc.StatusCode.ABORTED or (e.code == grpc.StatusCode.NOT_FOUND and "SESSION" in e.reason)


class ShardedVectorEnv(VectorEnv):
    """One ``VectorEnv`` whose envs are split over several servers, equal to one server with the same num_envs.

    ``ShardedVectorEnv("h1:50051,h2:50051", "Crafter-v1", 64)`` (or ``RemoteVectorEnv`` with that target) makes
    one session per server, shard sizes as even as possible (the first ones one larger) or ``shards=[48, 16]``.
    A step sends every shard its slice of the actions at once (one request per server in flight) and joins the
    answers in env order; shard j's envs are seeded ``seed + offset_j`` (Gymnasium's rule over the whole
    vector), and infos are joined as Gymnasium joins envs' infos: an info key whose dtype differs between envs of
    one call (FrozenLake's ``prob``: int after an autoreset, float after a step) gets the dtype of the first env
    reporting it over all shards (the shards' sessions send such a key uncast, with the dtype of their first env;
    ``slices.join_infos``). A failing shard raises
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
                self.shards.append(RemoteVectorEnv(host, env_id, size, seed=shard_seed, _exact_infos=True, **options))
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
        return self._observations(), join_infos(infos, [sh.last_info_dtypes if r is not None else {}
                                                          for r, sh in zip(results, self.shards)])

    def step(self, actions: Any):
        single = self.single_action_space
        results = self._on_every_shard(
            lambda j, sh: sh.step(slice_batch(single, actions, self.offsets[j], self.offsets[j + 1]))
        )
        for j, r in enumerate(results):
            self._last_obs[j] = r[0]
        return (
            self._observations(),
            np.concatenate([r[1] for r in results]),
            np.concatenate([r[2] for r in results]),
            np.concatenate([r[3] for r in results]),
            join_infos([(r[4], sh.num_envs) for r, sh in zip(results, self.shards)],
                         [sh.last_info_dtypes for sh in self.shards]),
        )

    def _observations(self) -> Any:
        return join_batches(self.single_observation_space, self._last_obs)

    def render(self) -> Any:
        frames = self._on_every_shard(lambda j, sh: sh.render())
        if isinstance(frames[0], np.ndarray):
            return np.concatenate(frames)
        return join_batches(gym.spaces.Text(1), frames)

    def close_extras(self, **kwargs: Any) -> None:
        try:
            for sh in self.shards:
                try:
                    sh.close()
                except RemoteError:
                    pass  # a dead server's session is gone anyway
        finally:
            self._pool.shutdown(wait=False)

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise _not_copyable(self)


class RemoteEnv(gym.Env):
    """A single Gymnasium ``Env`` backed by a one-env server session without autoreset.

    ``RemoteEnv(target, env_id, **options)`` takes RemoteVectorEnv's options. Its ``spec`` carries
    the env's ``max_episode_steps`` and ``reward_threshold`` (so wrappers such as
    ``TimeAwareObservation`` work), serializes with ``spec.to_json()``, and makes more RemoteEnvs
    of the same id and options (``env.spec.make(render_mode=...)``, ``gymnasium.make(env.spec)``),
    so tools such as ``gymnasium.utils.env_checker.check_env`` can try every render mode. The
    spec never holds the token (a remade env reads ``$GYMBRIDGE_TOKEN``). ``metadata
    ["render_modes"]`` lists the env's modes minus "human", which a server cannot show.
    """

    def __init__(self, target: str, env_id: str, *, _spec_kwargs: dict[str, Any] | None = None, **options: Any) -> None:
        options.setdefault("autoreset_mode", AutoresetMode.DISABLED)
        self._vec = RemoteVectorEnv(target, env_id, 1, **options)
        self.observation_space = self._vec.single_observation_space
        self.action_space = self._vec.single_action_space
        self.render_mode = self._vec.render_mode
        self.metadata = {
            "render_modes": [m for m in self._vec.metadata["render_modes"] if m != "human"],
            "render_fps": self._vec.metadata["render_fps"],
        }
        info = self._vec.spec_info
        if _spec_kwargs is None:
            _spec_kwargs = {"target": target, "remote_env_id": env_id, **_jsonable_options(options)}
        self.spec = gym.envs.registration.EnvSpec(
            id=env_id,
            entry_point="gymbridge.client:_make_remote_env",
            kwargs=_spec_kwargs,
            max_episode_steps=info.max_episode_steps or None,
            reward_threshold=info.reward_threshold if info.HasField("reward_threshold") else None,
            nondeterministic=info.nondeterministic,
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

    def snapshot(self) -> int:
        """Snapshot this env on the server; the id for :meth:`restore`."""
        return self._vec.snapshot(0)

    def restore(self, snapshot_id: int, *, reseed: int | None = None) -> None:
        """Put this env back into a snapshot; the next steps continue exactly as after it was taken."""
        self._vec.restore(snapshot_id, 0, reseed=reseed)

    def release_snapshots(self, *snapshot_ids: int) -> int:
        """Free snapshots on the server (all when none is named)."""
        return self._vec.release_snapshots(*snapshot_ids)

    def close(self) -> None:
        self._vec.close()

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise _not_copyable(self)


def _make_remote_env(target: str = "", remote_env_id: str = "", url: str = "", **options: Any) -> RemoteEnv:
    """The entry point of RemoteEnv.spec (gymnasium.make passes render_mode, max_episode_steps, ...)."""
    if url:
        from gymbridge.connect import make

        return make(url, **options)
    return RemoteEnv(target, remote_env_id, **options)


def _jsonable_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Options a spec can carry and serialize: no channel, no token, enums as their values."""
    out: dict[str, Any] = {}
    for k, v in options.items():
        if k in ("channel", "token", "render_mode"):
            continue
        if isinstance(v, AutoresetMode):
            v = v.value
        elif k == "wrappers":
            v = [[n, dict(kw)] for n, kw in v]
        elif isinstance(v, os.PathLike):
            v = os.fspath(v)
        out[k] = v
    return out


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


__all__ = [
    "RemoteVectorEnv",
    "ShardedVectorEnv",
    "RemoteEnv",
    "RemoteError",
    "GymBridgeError",
    "NotCopyableError",
    "open_channel",
    "DEFAULT_MAX_MESSAGE_BYTES",
]
