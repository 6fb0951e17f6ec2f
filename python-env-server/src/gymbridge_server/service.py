"""The EnvService servicer: translate requests, delegate to sessions, map errors.

Unary RPCs and the bidirectional ``Session`` stream share one :class:`Dispatcher`, so both paths
behave identically. Unary failures become gRPC status codes (reason in the ``gymbridge-reason``
trailer); stream failures travel in-band as ``SessionResponse.error`` and the stream goes on.
"""
from __future__ import annotations

import logging
import platform
import time
import traceback
from collections.abc import Iterator
from importlib import metadata as importlib_metadata
from typing import Any

import grpc
import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv

from gymbridge.v1 import env_pb2 as epb
from gymbridge.v1 import env_pb2_grpc
from gymbridge.v1 import tensor_pb2 as tpb
from gymbridge_server import __version__, codec, crash, workers
from gymbridge_server.adapters import gymnasium as gym_adapter
from gymbridge_server import rendering
from gymbridge_server.adapters import catalog, tabular
from gymbridge_server.errors import BridgeError, aborted, exhausted, invalid, precondition
from gymbridge_server.sessions import Session, SessionRegistry, current_peer
from gymbridge_server.argcheck import ArgumentError, check_env_kwargs
from gymbridge_server.wrappers import WrapperError, check_wrappers

log = logging.getLogger(__name__)

PROTOCOL_VERSION = epb.PROTOCOL_VERSION_1
MIN_PROTOCOL_VERSION = epb.PROTOCOL_VERSION_1
# MakeRequest.vectorization values: in-process, Gymnasium's one process per env, a few worker
# processes sharing memory (workers.py).
VECTORIZATIONS = ("sync", "async", "workers")
REASON_TRAILER = "gymbridge-reason"

_AUTORESET_FROM_PROTO = {
    epb.AUTORESET_MODE_UNSPECIFIED: AutoresetMode.NEXT_STEP,
    epb.AUTORESET_MODE_NEXT_STEP: AutoresetMode.NEXT_STEP,
    epb.AUTORESET_MODE_SAME_STEP: AutoresetMode.SAME_STEP,
    epb.AUTORESET_MODE_DISABLED: AutoresetMode.DISABLED,
}
_AUTORESET_TO_PROTO = {
    AutoresetMode.NEXT_STEP: epb.AUTORESET_MODE_NEXT_STEP,
    AutoresetMode.SAME_STEP: epb.AUTORESET_MODE_SAME_STEP,
    AutoresetMode.DISABLED: epb.AUTORESET_MODE_DISABLED,
}


def library_versions() -> dict[str, str]:
    """Versions of the libraries that decide env behaviour and the wire (for the handshake)."""
    out = {"python": platform.python_version(), "gymbridge-server": __version__}
    for name in ("gymnasium", "numpy", "mujoco", "grpcio", "protobuf"):
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            pass
    return out


def _last_line(e: BaseException) -> str:
    """The Python error's last line, e.g. "ValueError: bad value" (what ABORTED carries)."""
    return traceback.format_exception_only(type(e), e)[-1].strip()


class Dispatcher:
    """Executes Make/Reset/Step/Render/Close for both the unary RPCs and the stream."""

    def __init__(self, registry: SessionRegistry, max_message_bytes: int) -> None:
        self.registry = registry
        self.max_message_bytes = max_message_bytes

    # ---------------------------------------------------------------------------------- make

    def make(self, req: epb.MakeRequest) -> epb.MakeResponse:
        if not req.env_id:
            raise invalid("MakeRequest.env_id is empty; name a registered env id, e.g. 'CartPole-v1'")
        if req.num_envs < 0:
            raise invalid(f"num_envs={req.num_envs} is negative; use 1 or more (0 means 1)")
        num_envs = req.num_envs or 1
        if req.autoreset_mode not in _AUTORESET_FROM_PROTO:
            raise invalid(f"unknown autoreset_mode {req.autoreset_mode}; use NEXT_STEP, SAME_STEP or DISABLED")
        mode = _AUTORESET_FROM_PROTO[req.autoreset_mode]
        vectorization = req.vectorization or "sync"
        if vectorization not in VECTORIZATIONS:
            raise invalid(f"vectorization {req.vectorization!r} is not one of {', '.join(VECTORIZATIONS)} (empty: sync)")
        if req.render_mode == "human":
            raise invalid(
                "render_mode 'human' would open a window on the server; use 'rgb_array' and show "
                "the frames from Render on the client",
                "BAD_RENDER_MODE",
            )
        if req.num_workers < 0 or (req.num_workers and vectorization != "workers"):
            raise invalid(
                f"num_workers={req.num_workers}: use 0 (one per core) or more, together with vectorization='workers'"
            )
        if req.max_episode_steps < 0:
            raise invalid(f"max_episode_steps={req.max_episode_steps} is negative; use > 0 or 0 for the registered limit")
        try:
            kwargs = codec.args_to_dict(req.kwargs)
            wrappers = [(w.name, codec.args_to_dict(w.kwargs)) for w in req.wrappers]
        except codec.CodecError as e:
            raise invalid(str(e), e.reason) from e
        # Unknown ids fail before any limit is consumed.
        try:
            gym_adapter.check_env_id(req.env_id)
        except gym_adapter.UnknownEnvError as e:
            raise BridgeError(grpc.StatusCode.NOT_FOUND, str(e), "ENV_NOT_FOUND") from e
        # Names and types checked against the constructors' signatures: a typo or a wrong type is
        # INVALID_ARGUMENT naming what is accepted, not an error from deep inside the env.
        try:
            kwargs = check_env_kwargs(req.env_id, kwargs)
            wrappers = check_wrappers(wrappers)
        except ArgumentError as e:
            raise invalid(str(e), e.reason) from e

        def make_env() -> VectorEnv:
            try:
                if vectorization == "workers":
                    return workers.WorkerVectorEnv(
                        req.env_id,
                        num_envs,
                        num_workers=req.num_workers,
                        autoreset_mode=mode,
                        kwargs=kwargs,
                        wrappers=wrappers,
                        render_mode=req.render_mode or None,
                        max_episode_steps=req.max_episode_steps or None,
                    )
                return gym_adapter.make_vector_env(
                    req.env_id,
                    num_envs,
                    autoreset_mode=mode,
                    kwargs=kwargs,
                    wrappers=wrappers,
                    render_mode=req.render_mode or None,
                    max_episode_steps=req.max_episode_steps or None,
                    vectorization=vectorization,
                )
            except gym_adapter.UnknownEnvError as e:
                raise BridgeError(grpc.StatusCode.NOT_FOUND, str(e), "ENV_NOT_FOUND") from e
            except WrapperError as e:
                raise invalid(str(e), e.reason) from e
            except gym_adapter.EnvDependencyError as e:
                raise precondition(str(e), "DEPENDENCY_MISSING") from e
            except TypeError as e:
                raise invalid(
                    f"making {req.env_id} failed: {_last_line(e)}; check the kwargs/wrapper arguments",
                    "BAD_KWARGS",
                ) from e
            except Exception as e:  # noqa: BLE001 -- the env's constructor raised
                log.exception("making %s failed", req.env_id)
                raise aborted(f"making {req.env_id} failed: {_last_line(e)}", "ENV_ERROR") from e

        def build(session_id: str) -> Session:
            try:
                env = make_env()
            finally:
                if req.render_mode:  # AddRenderObservation renders while wrapping (rendering.py)
                    rendering.release_current_gl_context()
            if req.HasField("seed"):
                env.action_space.seed(req.seed)
            spec = gym_adapter.spec_info(env, req.env_id, kwargs, req.render_mode or None, req.max_episode_steps or None)
            if req.render_mode and spec.render_modes and req.render_mode not in spec.render_modes:
                env.close()
                raise invalid(
                    f"render_mode {req.render_mode!r} is not supported by {req.env_id}; use one of "
                    f"{', '.join(spec.render_modes)}",
                    "BAD_RENDER_MODE",
                )
            return Session(
                id=session_id,
                env_id=req.env_id,
                env=env,
                num_envs=num_envs,
                autoreset_mode=mode,
                spec=spec,
                pending_seed=req.seed if req.HasField("seed") else None,
                # An AsyncVectorEnv whose worker raised has closed its pipes for good; the reset
                # after the error builds a fresh one (a SyncVectorEnv just resets its envs).
                remake=make_env if vectorization in ("async", "workers") else None,
            )

        s = self.registry.create(num_envs, build)
        env = s.env
        sp = s.spec
        return epb.MakeResponse(
            session_id=s.id,
            num_envs=s.num_envs,
            single_observation_space=codec.encode_space(env.single_observation_space),
            single_action_space=codec.encode_space(env.single_action_space),
            observation_space=codec.encode_space(env.observation_space),
            action_space=codec.encode_space(env.action_space),
            spec=epb.EnvSpec(
                env_id=sp.env_id,
                max_episode_steps=sp.max_episode_steps,
                reward_min=sp.reward_min,
                reward_max=sp.reward_max,
                render_modes=sp.render_modes,
                render_fps=sp.render_fps,
                render_mode=sp.render_mode,
                nondeterministic=sp.nondeterministic,
                entry_point=sp.entry_point,
                kwargs=codec.dict_to_args(sp.kwargs),
            ),
            autoreset_mode=_AUTORESET_TO_PROTO[s.autoreset_mode],
        )

    # --------------------------------------------------------------------------------- reset

    def reset(self, req: epb.ResetRequest) -> epb.ResetResponse:
        s = self.registry.get(req.session_id)
        n = s.num_envs
        if req.HasField("seed") and req.seeds:
            raise invalid("set either seed (env i gets seed + i) or seeds (one per env), not both")
        if req.seeds and len(req.seeds) != n:
            raise invalid(f"seeds has {len(req.seeds)} entries but the session has {n} envs; send one seed per env")
        if (req.HasField("seed") and req.seed < 0) or any(x < 0 for x in req.seeds):
            # Gymnasium would raise inside the env (and the session would need a reset): refuse up front.
            raise invalid("seeds must be >= 0 (Gymnasium's rule); use a non-negative seed", "BAD_SEED")
        if req.reset_mask and len(req.reset_mask) != n:
            raise invalid(f"reset_mask has {len(req.reset_mask)} entries but the session has {n} envs; send one bool per env")
        try:
            options: dict[str, Any] | None = codec.args_to_dict(req.options) or None
        except codec.CodecError as e:
            raise invalid(str(e), e.reason) from e
        with s.lock:
            self._check_open(s)
            seed: int | list[int] | None
            if req.HasField("seed"):
                seed = req.seed
            elif req.seeds:
                seed = list(req.seeds)
            else:
                seed = s.pending_seed
            mask = None  # a partial reset's mask (Gymnasium pops it from options)
            if req.reset_mask and not all(req.reset_mask):
                mask = np.array(req.reset_mask, dtype=np.bool_)
                if not mask.any():
                    raise invalid("reset_mask selects no env; set at least one entry to true (or send no mask to reset all)")
                if s.needs_reset:
                    raise precondition(
                        "this session needs a full reset first (it is new, or an env raised); "
                        "call reset() without reset_mask",
                        "RESET_REQUIRED",
                    )
                options = dict(options or {})
                options["reset_mask"] = mask
            if s.broken and s.remake is not None:
                s.replace_env(s.remake())
            try:
                obs, infos = s.env.reset(seed=seed, options=options)
            except Exception as e:  # noqa: BLE001 -- the env raised
                s.needs_reset = True
                s.broken = True
                raise self._env_failed(s, "reset", e) from e
            finally:
                if s.spec.render_mode:  # AddRenderObservation renders in reset/step (rendering.py)
                    rendering.release_current_gl_context()
            s.pending_seed = None
            s.needs_reset = False
            if s.autoreset_mode == AutoresetMode.DISABLED:
                if s.done is None or mask is None:
                    s.done = np.zeros(n, dtype=np.bool_)
                else:
                    s.done[mask] = False
            return self._fit(s, "reset", epb.ResetResponse(
                observations=codec.encode_value(s.env.observation_space, obs),
                infos=codec.encode_info(infos),
            ))

    # ---------------------------------------------------------------------------------- step

    def step(self, req: epb.StepRequest) -> epb.StepResponse:
        return self._step_response(*self._step(req))

    def _step_response(self, s: Session, obs: Any, rewards: np.ndarray, terminated: np.ndarray,
                       truncated: np.ndarray, infos: Any) -> epb.StepResponse:
        return self._fit(s, "step", epb.StepResponse(
            observations=codec.encode_value(s.env.observation_space, obs),
            rewards=codec.encode_tensor(rewards),
            terminated=codec.encode_tensor(terminated),
            truncated=codec.encode_tensor(truncated),
            infos=codec.encode_info(infos),
        ))

    def step_frame(self, seq: int, req: epb.StepRequest) -> tuple[list, int]:
        """The fast lane's step: the framed, serialized ``SessionResponse(seq, step=...)`` as byte
        strings (4-byte length first) and the message length, without building protobuf messages
        (codec.raw_step_response; the same bytes). Raises BridgeError like :meth:`step`."""
        s, obs, rewards, terminated, truncated, infos = self._step(req)
        try:
            parts, size = codec.raw_step_response(
                seq, s.env.observation_space, obs, rewards, terminated, truncated, infos
            )
        except codec.NoRawForm:  # Text/Sequence/... observations, final_obs infos: the message path
            resp = self._step_response(s, obs, rewards, terminated, truncated, infos)
            body = epb.SessionResponse(seq=seq, step=resp).SerializeToString()
            return [len(body).to_bytes(4, "little"), body], len(body)
        if size > self.max_message_bytes:
            self._too_large(s, "step", size)
        return parts, size

    def _step(self, req: epb.StepRequest) -> tuple[Session, Any, np.ndarray, np.ndarray, np.ndarray, Any]:
        """Checks, decodes and runs one batched step: (session, obs, rewards f64, terminated, truncated, infos)."""
        s = self.registry.get(req.session_id)
        if req.env_ids:
            raise invalid("StepRequest.env_ids is reserved for partial batches and must be empty; step all envs")
        if not req.HasField("actions"):
            raise invalid(f"StepRequest.actions is missing; send a value of the action space {s.env.action_space}")
        with s.lock:
            self._check_open(s)
            if s.needs_reset:
                raise precondition("call reset() before step(): the session is new or an env raised", "RESET_REQUIRED")
            env = s.env
            try:
                # decode_actions checks every leaf against its space (shape, dtype kind, range, NaN,
                # and contains() for Text/Sequence/Graph/OneOf), so action_space.contains() would
                # only repeat that work on the hot path.
                actions = codec.decode_actions(env.action_space, env.single_action_space, s.num_envs, req.actions)
            except codec.CodecError as e:
                raise invalid(str(e), e.reason) from e
            if s.done is not None and s.done.any():
                ended = np.flatnonzero(s.done).tolist()
                raise precondition(
                    f"envs {ended} ended and autoreset is disabled: reset them before the next "
                    f"step, e.g. reset(reset_mask) with true at {ended}",
                    "RESET_REQUIRED",
                )
            try:
                obs, rewards, terminated, truncated, infos = env.step(actions)
            except Exception as e:  # noqa: BLE001 -- the env raised
                s.needs_reset = True
                s.broken = True
                raise self._env_failed(s, "step", e) from e
            finally:
                if s.spec.render_mode:  # AddRenderObservation renders in reset/step (rendering.py)
                    rendering.release_current_gl_context()
            if s.done is not None:
                s.done = np.logical_or(terminated, truncated)
            return (
                s, obs, np.asarray(rewards, dtype=np.float64), np.asarray(terminated, dtype=np.bool_),
                np.asarray(truncated, dtype=np.bool_), infos,
            )

    # -------------------------------------------------------------------------- render/close

    def render(self, req: epb.RenderRequest) -> epb.RenderResponse:
        s = self.registry.get(req.session_id)
        with s.lock:
            self._check_open(s)
            if not s.spec.render_mode:
                modes = ", ".join(s.spec.render_modes) or "none"
                raise precondition(
                    f"session {s.id} was made without render_mode; Make it with render_mode set "
                    f"(this env supports: {modes})",
                    "NO_RENDER_MODE",
                )
            try:
                frames = s.env.render()
            except Exception as e:  # noqa: BLE001 -- the env raised
                log.warning("session %s (%s): render raised\n%s", s.id, s.env_id, traceback.format_exc())
                raise aborted(f"{s.env_id} render raised {_last_line(e)}") from e
            finally:
                rendering.release_current_gl_context()  # this pool thread may close nothing later
        return self._fit(s, "render", epb.RenderResponse(frames=_encode_frames(frames)))

    def close(self, req: epb.CloseRequest) -> epb.CloseResponse:
        self.registry.close(req.session_id)
        return epb.CloseResponse()

    def get_model(self, req: epb.GetModelRequest) -> epb.GetModelResponse:
        """The tabular model (unwrapped.P) of env 0 of the session; NO_MODEL when it has none."""
        s = self.registry.get(req.session_id)
        with s.lock:
            self._check_open(s)
            envs = getattr(s.env, "envs", None)
            try:
                if envs:
                    model = tabular.model_of(envs[0], s.env_id)
                else:
                    # The envs live elsewhere (worker processes): a fresh copy made with the
                    # session's kwargs has the same model.
                    probe = gym.make(s.env_id, **s.spec.kwargs)
                    try:
                        model = tabular.model_of(probe, s.env_id)
                    finally:
                        probe.close()
            except tabular.NoModelError as e:
                raise precondition(str(e), "NO_MODEL") from e
        return epb.GetModelResponse(
            num_states=model.num_states,
            num_actions=model.num_actions,
            state=model.state,
            action=model.action,
            probability=model.probability,
            next_state=model.next_state,
            reward=model.reward,
            done=model.done,
        )

    def _env_failed(self, s: Session, what: str, e: BaseException) -> BridgeError:
        """ABORTED for an env that raised, or WORKER_DIED naming the dead worker processes.

        Only this session is affected: it needs reset(), which remakes a worker-backed env.
        """
        # A broken pipe to a worker means it died; give the kernel a moment to report how.
        dead = crash.dead_workers(s.env, wait_s=2.0 if isinstance(e, (EOFError, OSError)) else 0.0)
        if dead:
            message = (
                f"{s.env_id} {what} failed: {', '.join(dead)} ({_last_line(e)}); only this session "
                "is affected -- call reset() to restart its workers"
            )
            reason = "WORKER_DIED"
        else:
            message = f"{s.env_id} {what} raised {_last_line(e)}; the session needs reset()"
            reason = "ENV_ERROR"
        log.warning("session %s (%s): %s raised\n%s", s.id, s.env_id, what, traceback.format_exc())
        self.registry.crashed(s, message)
        return aborted(message, reason)

    def _fit(self, s: Session, what: str, resp: Any) -> Any:
        """The response, or RESOURCE_EXHAUSTED if it exceeds the message limit.

        gRPC would otherwise fail the call (and kill a stream) with a bare size error.
        """
        size = resp.ByteSize()
        if size > self.max_message_bytes:
            self._too_large(s, what, size)
        return resp

    def _too_large(self, s: Session, what: str, size: int) -> None:
        raise exhausted(
            f"the {what} response of session {s.id} ({s.env_id} x{s.num_envs}) is "
            f"{size / 2**20:.1f} MiB, over this server's {self.max_message_bytes / 2**20:.0f} MiB "
            "message limit (the call itself ran); use fewer envs per session, or restart the "
            "server with a larger --max-message-mb and raise the client's limit to match",
            "max_message_bytes",
            "--max-message-mb",
        )

    @staticmethod
    def _check_open(s: Session) -> None:
        if s.closed:
            raise BridgeError(
                grpc.StatusCode.NOT_FOUND,
                f"session {s.id!r} was closed; call Make to create a new one",
                "SESSION_NOT_FOUND",
            )


def _encode_frames(frames: Any) -> tpb.Value:
    """Render output: uint8 [n, H, W, 3] for rgb_array, TextValue(n) for ansi, else by type."""
    if isinstance(frames, (tuple, list)) and frames:
        if all(isinstance(f, np.ndarray) for f in frames) and len({f.shape for f in frames}) == 1:
            return tpb.Value(tensor=codec.encode_tensor(np.stack(frames)))
        if all(isinstance(f, str) for f in frames):
            return tpb.Value(text=tpb.TextValue(items=list(frames)))
    return codec.encode_info(frames)


def _list_envs_with_spaces(req: epb.ListEnvsRequest) -> epb.ListEnvsResponse:
    """Every id with its spaces and render modes, or why it cannot be made here (catalog.py)."""
    envs = []
    for d in catalog.describe_all(req.prefix):
        info = epb.EnvInfo(
            env_id=d.env_id,
            entry_point=d.entry_point,
            max_episode_steps=d.max_episode_steps,
            render_modes=d.render_modes,
            unavailable=d.unavailable,
        )
        if not d.unavailable:
            try:
                info.observation_space.CopyFrom(codec.encode_space(d.observation_space))
                info.action_space.CopyFrom(codec.encode_space(d.action_space))
            except Exception as e:  # noqa: BLE001 -- a space the wire cannot carry fails only this id
                info.unavailable = f"its spaces cannot be sent: {e}"
                info.ClearField("observation_space")
                info.ClearField("action_space")
        envs.append(info)
    return epb.ListEnvsResponse(envs=envs)


# ------------------------------------------------------------------------------------ servicer


class EnvService(env_pb2_grpc.EnvServiceServicer):
    """gymbridge.v1.EnvService over a Dispatcher."""

    fast_lane_path = ""  # the same-host fast lane's socket, set by the server when it runs one (fastlane.py)

    def __init__(self, dispatcher: Dispatcher, registry: SessionRegistry, metrics: Any = None) -> None:
        self.d = dispatcher
        self.registry = registry
        self.metrics = metrics  # gymbridge_server.metrics.Metrics, or None (no --metrics-port)

    def Handshake(self, request: epb.HandshakeRequest, context: grpc.ServicerContext) -> epb.HandshakeResponse:
        if request.protocol_version and request.protocol_version < MIN_PROTOCOL_VERSION:
            self._abort(
                context,
                precondition(
                    f"client speaks protocol version {request.protocol_version}, this server needs "
                    f">= {MIN_PROTOCOL_VERSION}; upgrade the client",
                    "PROTOCOL_MISMATCH",
                ),
            )
        log.info(
            "handshake from %s %s (protocol %d)",
            request.client_name or "?", request.client_version or "?", request.protocol_version,
        )
        return epb.HandshakeResponse(
            protocol_version=PROTOCOL_VERSION,
            min_protocol_version=MIN_PROTOCOL_VERSION,
            server_version=__version__,
            library_versions=library_versions(),
            capabilities=epb.Capabilities(
                codecs=[],  # raw only: reserved codecs are never produced
                autoreset_modes=[
                    epb.AUTORESET_MODE_NEXT_STEP,
                    epb.AUTORESET_MODE_SAME_STEP,
                    epb.AUTORESET_MODE_DISABLED,
                ],
                max_message_bytes=self.d.max_message_bytes,
                max_sessions=self.registry.max_sessions,
                max_envs_per_session=self.registry.max_envs_per_session,
                fast_lane=self.fast_lane_path,
                vectorizations=list(VECTORIZATIONS),
                session_idle_timeout_ms=int(self.registry.idle_timeout_s * 1000),
                max_total_envs=self.registry.max_total_envs,
            ),
        )

    def ListEnvs(self, request: epb.ListEnvsRequest, context: grpc.ServicerContext) -> epb.ListEnvsResponse:
        if request.with_spaces:
            return self._unary(_list_envs_with_spaces, request, context)
        return epb.ListEnvsResponse(
            envs=[
                epb.EnvInfo(env_id=e.env_id, entry_point=e.entry_point, max_episode_steps=e.max_episode_steps)
                for e in gym_adapter.list_envs(request.prefix)
            ]
        )

    def Make(self, request, context):
        return self._unary(self.d.make, request, context)

    def Reset(self, request, context):
        return self._unary(self.d.reset, request, context)

    def Step(self, request, context):
        return self._unary(self.d.step, request, context)

    def Render(self, request, context):
        return self._unary(self.d.render, request, context)

    def Close(self, request, context):
        return self._unary(self.d.close, request, context)

    def GetModel(self, request, context):
        return self._unary(self.d.get_model, request, context)

    def _unary(self, fn, request, context):
        current_peer.set(context.peer())
        t0 = time.perf_counter()
        code = "OK"
        resp = None
        try:
            resp = fn(request)
            return resp
        except BridgeError as e:
            code = e.code.name
            self._abort(context, e)
        except Exception as e:  # noqa: BLE001 -- a bug in the bridge; say so instead of UNKNOWN
            code = "INTERNAL"
            log.exception("internal error in %s", fn.__name__)
            self._abort(context, BridgeError(grpc.StatusCode.INTERNAL, f"gymbridge-server bug: {_last_line(e)}", "INTERNAL"))
        finally:
            if self.metrics is not None:
                rewards = getattr(resp, "rewards", None)
                n = rewards.shape[0] if rewards is not None and rewards.shape else 0
                self.metrics.observe(fn.__name__, code, time.perf_counter() - t0, n)

    @staticmethod
    def _abort(context: grpc.ServicerContext, e: BridgeError) -> None:
        context.set_trailing_metadata(((REASON_TRAILER, e.reason),))
        context.abort(e.code, e.message)

    def Session(self, request_iterator: Iterator[epb.SessionRequest], context: grpc.ServicerContext) -> Iterator[epb.SessionResponse]:
        """The hot path. Sessions made on a stream are closed when the stream ends.

        A client that cancels the stream, disconnects, or vanishes (detected by keepalive pings)
        ends it too: the request iterator raises, and the sessions it made are closed here.
        """
        owned: list[str] = []
        peer = context.peer()
        try:
            for req in request_iterator:
                current_peer.set(peer)
                yield self._dispatch_stream(req, owned)
        except grpc.RpcError:
            log.info("session stream from %s ended by the client (cancelled or disconnected)", peer)
        finally:
            for sid in owned:
                self.registry.close_quietly(sid)

    def _dispatch_stream(self, req: epb.SessionRequest, owned: list[str]) -> epb.SessionResponse:
        """One stream request (also used by other transports of the same messages), measured."""
        if self.metrics is None:
            return self._dispatch_stream_unobserved(req, owned)
        t0 = time.perf_counter()
        resp = self._dispatch_stream_unobserved(req, owned)
        if resp.HasField("error"):
            code = grpc.StatusCode.UNKNOWN.name
            for c in grpc.StatusCode:
                if c.value[0] == resp.error.code:
                    code = c.name
        else:
            code = "OK"
        kind = req.WhichOneof("request") or "empty"
        n = resp.step.rewards.shape[0] if code == "OK" and kind == "step" and resp.step.rewards.shape else 0
        self.metrics.observe(kind, code, time.perf_counter() - t0, n)
        return resp

    def _dispatch_stream_frame(self, req: epb.SessionRequest, owned: list[str]) -> tuple[list, int]:
        """:meth:`_dispatch_stream` as a framed, serialized response (4-byte little-endian length,
        then the message; a list of byte strings and the message length), for the fast lane. Steps
        skip building protobuf messages (Dispatcher.step_frame); everything else, and every error,
        is the message that ``_dispatch_stream`` returns, serialized."""
        if self.metrics is None and req.WhichOneof("request") == "step":
            try:
                return self.d.step_frame(req.seq, req.step)
            except BridgeError as e:
                body = epb.SessionResponse(seq=req.seq, error=_status(e)).SerializeToString()
                return [len(body).to_bytes(4, "little"), body], len(body)
            except Exception as e:  # noqa: BLE001 -- keep the connection alive, report the bug in-band
                log.exception("internal error on stream request step")
                body = epb.SessionResponse(seq=req.seq, error=_status(BridgeError(
                    grpc.StatusCode.INTERNAL, f"gymbridge-server bug: {_last_line(e)}", "INTERNAL"
                ))).SerializeToString()
                return [len(body).to_bytes(4, "little"), body], len(body)
        body = self._dispatch_stream(req, owned).SerializeToString()
        return [len(body).to_bytes(4, "little"), body], len(body)

    def _dispatch_stream_unobserved(self, req: epb.SessionRequest, owned: list[str]) -> epb.SessionResponse:
        kind = req.WhichOneof("request")
        try:
            if kind == "step":
                return epb.SessionResponse(seq=req.seq, step=self.d.step(req.step))
            if kind == "reset":
                return epb.SessionResponse(seq=req.seq, reset=self.d.reset(req.reset))
            if kind == "make":
                made = self.d.make(req.make)
                owned.append(made.session_id)
                return epb.SessionResponse(seq=req.seq, make=made)
            if kind == "render":
                return epb.SessionResponse(seq=req.seq, render=self.d.render(req.render))
            if kind == "close":
                resp = self.d.close(req.close)
                if req.close.session_id in owned:
                    owned.remove(req.close.session_id)
                return epb.SessionResponse(seq=req.seq, close=resp)
            raise invalid("SessionRequest has no request set; set one of make, reset, step, render, close", "EMPTY_REQUEST")
        except BridgeError as e:
            return epb.SessionResponse(seq=req.seq, error=_status(e))
        except Exception as e:  # noqa: BLE001 -- keep the stream alive, report the bug in-band
            log.exception("internal error on stream request %s", kind)
            return epb.SessionResponse(
                seq=req.seq,
                error=_status(BridgeError(grpc.StatusCode.INTERNAL, f"gymbridge-server bug: {_last_line(e)}", "INTERNAL")),
            )


def _status(e: BridgeError) -> epb.Status:
    return epb.Status(code=e.code.value[0], message=e.message, reason=e.reason, metadata=e.metadata)
