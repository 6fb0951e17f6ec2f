"""The Dispatcher: Make/Reset/Step/Render/Close/GetModel/Snapshot/Restore/ReleaseSnapshot of one request each -- decode the request,
delegate to the session (``sessions.py``), map errors, encode the response.

Transports (``handler.py``: the gRPC stream, unary calls and the fast lane) call it; a failure
raises :class:`BridgeError`.
"""
from __future__ import annotations

import logging
from typing import Any

import grpc
import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv

from gymbridge.v1 import env_pb2 as epb
from gymbridge.v1 import tensor_pb2 as tpb
from gymbridge_server import codec, snapshots
from gymbridge_server import limits as lim
from gymbridge_server.adapters import catalog
from gymbridge_server.adapters import gymnasium as gym_adapter
from gymbridge_server.argcheck import ArgumentError, check_env_kwargs
from gymbridge_server.errors import BridgeError, aborted, exhausted, invalid, last_line, precondition
from gymbridge_server.logsafe import log_safe
from gymbridge_server.sessions import Session, SessionRegistry
from gymbridge_server.vector import exactinfo, factory
from gymbridge_server.vector.ray import PlacementError, RayUnavailableError
from gymbridge_server.wrappers import WrapperError, check_wrappers

log = logging.getLogger(__name__)

_AUTORESET_FROM_PROTO = {
    epb.AUTORESET_MODE_UNSPECIFIED: AutoresetMode.NEXT_STEP,
    epb.AUTORESET_MODE_NEXT_STEP: AutoresetMode.NEXT_STEP,
    epb.AUTORESET_MODE_SAME_STEP: AutoresetMode.SAME_STEP,
    epb.AUTORESET_MODE_DISABLED: AutoresetMode.DISABLED,
}
# Keywords the bridge itself owns: a client sets them with MakeRequest's fields, never in kwargs
# (gymnasium.make and make_vec would otherwise take them from there, past the bridge's checks).
_ROUTED_KWARGS = {"render_mode": "render_mode", "max_episode_steps": "max_episode_steps"}
_OWNED_KWARGS = {
    "autoreset": "autoreset_mode (the vector env resets ended envs; see AUTORESET_MODE_*)",
    "autoreset_mode": "autoreset_mode",
    "vectorization_mode": "vectorization",
    "vectorization": "vectorization",
    "vector_kwargs": "vectorization and autoreset_mode",
    "num_envs": "num_envs",
    "num_workers": "num_workers",
    "wrappers": "wrappers",
    "env_id": "env_id",
    "id": "env_id",
    "apply_api_compatibility": "nothing: the bridge serves Gymnasium's API only",
    "disable_env_checker": "nothing: the bridge decides how envs are checked",
}
_AUTORESET_TO_PROTO = {
    AutoresetMode.NEXT_STEP: epb.AUTORESET_MODE_NEXT_STEP,
    AutoresetMode.SAME_STEP: epb.AUTORESET_MODE_SAME_STEP,
    AutoresetMode.DISABLED: epb.AUTORESET_MODE_DISABLED,
}


class Dispatcher:
    """Executes one request of any transport (see the module docstring)."""

    def __init__(self, registry: SessionRegistry, max_message_bytes: int, limits: lim.Limits | None = None,
                 isolate_envs: bool = False) -> None:
        self.registry = registry
        self.max_message_bytes = max_message_bytes
        self.limits = limits or lim.Limits()
        # --isolate-envs: every session's envs run in worker processes ("sync" becomes one worker).
        self.isolate_envs = isolate_envs

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
        if vectorization not in factory.VECTORIZATIONS:
            raise invalid(
                f"vectorization {req.vectorization!r} is not one of {', '.join(factory.VECTORIZATIONS)} (empty: sync)"
            )
        if req.num_workers < 0 or (req.num_workers and vectorization not in factory.WITH_WORKERS):
            raise invalid(
                f"num_workers={req.num_workers}: use 0 (one per core) or more, together with vectorization='workers' or 'ray'"
            )
        if req.placement and (vectorization != "ray" or req.placement not in ("spread", "pack")):
            raise invalid(f"placement={req.placement!r}: use 'spread' or 'pack', together with vectorization='ray'")
        if req.max_episode_steps < 0:
            raise invalid(f"max_episode_steps={req.max_episode_steps} is negative; use > 0 or 0 for the registered limit")
        try:
            kwargs = codec.args_to_dict(req.kwargs)
            wrappers = [(w.name, codec.args_to_dict(w.kwargs)) for w in req.wrappers]
        except codec.CodecError as e:
            raise invalid(str(e), e.reason) from e
        render_mode, max_episode_steps = _route_owned_kwargs(req, kwargs)
        _refuse_human(render_mode, kwargs, wrappers)
        # Unknown ids fail before any limit is consumed.
        try:
            gym_adapter.check_env_id(req.env_id)
        except gym_adapter.UnknownEnvError as e:
            raise BridgeError(grpc.StatusCode.NOT_FOUND, str(e), "ENV_NOT_FOUND") from e
        limits = self.limits
        num_workers = req.num_workers
        if self.isolate_envs and vectorization == "sync":
            vectorization, num_workers = "workers", 1
        processes = lim.processes_of(vectorization, num_envs, num_workers)
        # Names and types checked against the constructors' signatures: a typo or a wrong type is
        # INVALID_ARGUMENT naming what is accepted, not an error from deep inside the env. Sizes
        # against the limits: RESOURCE_EXHAUSTED before anything is allocated.
        try:
            lim.check_argument_size(limits, kwargs, wrappers)
            kwargs = check_env_kwargs(req.env_id, kwargs)
            wrappers = check_wrappers(wrappers)
            lim.check_env_kwargs(limits, req.env_id, num_envs, kwargs)
            if not self.registry.max_envs_per_session or num_envs <= self.registry.max_envs_per_session:
                lim.check_processes(limits, processes, 0)  # (the registry checks the total)
        except ArgumentError as e:
            raise invalid(str(e), e.reason) from e
        except lim.LimitError as e:
            raise exhausted(e.message, e.limit, e.flag) from e

        def make_env() -> VectorEnv:
            try:
                env = factory.make_vector_env(
                    req.env_id,
                    num_envs,
                    autoreset_mode=mode,
                    kwargs=kwargs,
                    wrappers=wrappers,
                    render_mode=render_mode,
                    max_episode_steps=max_episode_steps,
                    vectorization=vectorization,
                    num_workers=num_workers,
                    placement=req.placement,
                    limits=limits,
                )
                return exactinfo.enable(env) if req.exact_infos else env
            except RayUnavailableError as e:
                raise precondition(str(e), e.reason) from e
            except PlacementError as e:
                raise exhausted(str(e), "ray_placement", "num_workers") from e
            except lim.LimitError as e:
                raise exhausted(e.message, e.limit, e.flag) from e
            except gym_adapter.UnknownEnvError as e:
                raise BridgeError(grpc.StatusCode.NOT_FOUND, str(e), "ENV_NOT_FOUND") from e
            except WrapperError as e:
                raise invalid(str(e), e.reason) from e
            except gym_adapter.EnvDependencyError as e:
                raise precondition(str(e), "DEPENDENCY_MISSING") from e
            except (ImportError, gym.error.DependencyNotInstalled) as e:
                raise precondition(
                    f"{req.env_id} needs a Python package the server lacks: {last_line(e)}", "DEPENDENCY_MISSING"
                ) from e
            except (ConnectionError, EOFError) as e:  # a worker process died while making its envs
                log.exception("making %s failed", log_safe(req.env_id))
                raise aborted(f"making {req.env_id} failed: {last_line(e)}", "ENV_ERROR") from e
            except (TypeError, ValueError, KeyError, IndexError, AssertionError, OSError) as e:
                # The constructor refused its arguments (a map name it does not know, a value out of range).
                raise invalid(
                    f"making {req.env_id} failed: {last_line(e)}; check the kwargs/wrapper arguments",
                    "BAD_KWARGS",
                ) from e
            except Exception as e:  # noqa: BLE001 -- the env's constructor raised
                log.exception("making %s failed", log_safe(req.env_id))
                raise aborted(f"making {req.env_id} failed: {last_line(e)}", "ENV_ERROR") from e

        s = self.registry.create(num_envs, lambda session_id: Session.make(
            session_id,
            req.env_id,
            make_env,
            num_envs=num_envs,
            autoreset_mode=mode,
            kwargs=kwargs,
            render_mode=render_mode,
            max_episode_steps=max_episode_steps,
            seed=req.seed if req.HasField("seed") else None,
            remakeable=factory.remakeable(vectorization),
        ), processes=processes)
        try:
            return self._fit(s, "make", self._make_response(s))
        except BaseException:
            self.registry.close_quietly(s.id)  # nobody was told its id: it must not outlive the call
            raise

    def _make_response(self, s: Session) -> epb.MakeResponse:
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
                reward_threshold=sp.reward_threshold,
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
        seed: int | list[int] | None = None
        if req.HasField("seed"):
            seed = req.seed
        elif req.seeds:
            seed = list(req.seeds)
        mask = np.array(req.reset_mask, dtype=np.bool_) if req.reset_mask else None
        obs, infos = s.reset(seed, options, mask)
        return self._fit(s, "reset", epb.ResetResponse(
            observations=codec.encode_value(s.env.observation_space, obs),
            infos=codec.encode_info(infos),
            info_dtypes=_info_dtypes(s, infos),
        ))

    # ---------------------------------------------------------------------------------- step

    def step(self, req: epb.StepRequest) -> epb.StepResponse:
        return self._step_response(*self._step(req))

    def step_serialized(self, seq: int, req: epb.StepRequest) -> tuple[list, int, int]:
        """The step as a serialized ``SessionResponse(seq, step=...)``: its bytes as a list whose
        first item is empty (room for a transport's frame header), its length, and the number of
        envs stepped. Built without protobuf messages where ``codec.raw_step_response`` can (the
        same bytes). Raises BridgeError like :meth:`step`."""
        s, obs, rewards, terminated, truncated, infos = self._step(req)
        try:
            if _info_dtypes(s, infos):
                raise codec.NoRawForm("info_dtypes")  # rare (a key widened this step): the message path
            parts, size = codec.raw_step_response(
                seq, s.env.observation_space, obs, rewards, terminated, truncated, infos
            )
        except codec.NoRawForm:  # Text/Sequence/... observations, final_obs infos: the message path
            resp = self._step_response(s, obs, rewards, terminated, truncated, infos)
            body = epb.SessionResponse(seq=seq, step=resp).SerializeToString()
            return [b"", body], len(body), s.num_envs
        if size > self.max_message_bytes:
            self._too_large(s, "step", size)
        return parts, size, s.num_envs

    def _step_response(self, s: Session, obs: Any, rewards: np.ndarray, terminated: np.ndarray,
                       truncated: np.ndarray, infos: Any) -> epb.StepResponse:
        return self._fit(s, "step", epb.StepResponse(
            observations=codec.encode_value(s.env.observation_space, obs),
            rewards=codec.encode_tensor(rewards),
            terminated=codec.encode_tensor(terminated),
            truncated=codec.encode_tensor(truncated),
            infos=codec.encode_info(infos),
            info_dtypes=_info_dtypes(s, infos),
        ))

    def _step(self, req: epb.StepRequest) -> tuple[Session, Any, np.ndarray, np.ndarray, np.ndarray, Any]:
        """Checks, decodes and runs one batched step: (session, obs, rewards f64, terminated, truncated, infos)."""
        s = self.registry.get(req.session_id)
        if req.env_ids:
            raise invalid("StepRequest.env_ids is reserved for partial batches and must be empty; step all envs")
        if not req.HasField("actions"):
            raise invalid(f"StepRequest.actions is missing; send a value of the action space {s.env.action_space}")

        def decode(env: VectorEnv) -> Any:
            try:
                # decode_actions checks every leaf against its space (shape, dtype kind, range, NaN,
                # and contains() for Text/Sequence/Graph/OneOf), so action_space.contains() would
                # only repeat that work on the hot path.
                return codec.decode_actions(env.action_space, env.single_action_space, s.num_envs, req.actions)
            except codec.CodecError as e:
                raise invalid(str(e), e.reason) from e

        return (s, *s.step(decode=decode))

    # -------------------------------------------------------------------------- render/close

    def render(self, req: epb.RenderRequest) -> epb.RenderResponse:
        s = self.registry.get(req.session_id)
        frames = s.render()
        return self._fit(s, "render", epb.RenderResponse(frames=_encode_frames(frames)))

    def close(self, req: epb.CloseRequest) -> epb.CloseResponse:
        self.registry.close(req.session_id)
        return epb.CloseResponse()

    def get_model(self, req: epb.GetModelRequest) -> epb.GetModelResponse:
        """The tabular model (unwrapped.P) of env 0 of the session; NO_MODEL when it has none."""
        model = self.registry.get(req.session_id).model()
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

    # ----------------------------------------------------------------------------- snapshots

    def snapshot(self, req: epb.SnapshotRequest) -> epb.SnapshotResponse:
        if req.env_indices:
            ids, held = self.registry.get(req.session_id).snapshot_many(list(req.env_indices))
            return epb.SnapshotResponse(snapshot_ids=ids, snapshots_held=held)
        sid, held = self.registry.get(req.session_id).snapshot(req.env_index)
        return epb.SnapshotResponse(snapshot_id=sid, snapshots_held=held)

    def restore(self, req: epb.RestoreRequest) -> epb.RestoreResponse:
        s = self.registry.get(req.session_id)
        if req.env_indices or req.snapshot_ids or req.reseeds:
            n = len(req.env_indices)
            if len(req.snapshot_ids) != n or (req.reseeds and len(req.reseeds) != n):
                raise invalid(
                    f"RestoreRequest has {n} env_indices, {len(req.snapshot_ids)} snapshot_ids and "
                    f"{len(req.reseeds)} reseeds; send one snapshot id per env index (and one reseed per env, or none)"
                )
            reseeds = list(req.reseeds) if req.reseeds else [None] * n
            s.restore_many(list(zip(req.env_indices, req.snapshot_ids, reseeds)))
            return epb.RestoreResponse()
        if not req.snapshot_id:
            raise invalid("RestoreRequest.snapshot_id is 0; send the id a Snapshot call returned")
        s.restore(req.env_index, req.snapshot_id, req.reseed if req.HasField("reseed") else None)
        return epb.RestoreResponse()

    def release_snapshot(self, req: epb.ReleaseSnapshotRequest) -> epb.ReleaseSnapshotResponse:
        released, held = self.registry.get(req.session_id).release_snapshots(list(req.snapshot_ids))
        return epb.ReleaseSnapshotResponse(released=released, snapshots_held=held)

    def list_envs(self, req: epb.ListEnvsRequest) -> epb.ListEnvsResponse:
        """Registered ids; with spaces: every id with its spaces and render modes, or why it
        cannot be made here (catalog.py)."""
        if not req.with_spaces:
            return epb.ListEnvsResponse(
                envs=[
                    _with_snapshot_support(
                        epb.EnvInfo(env_id=e.env_id, entry_point=e.entry_point, max_episode_steps=e.max_episode_steps)
                    )
                    for e in gym_adapter.list_envs(req.prefix)
                ]
            )
        envs = []
        for d in catalog.describe_all(req.prefix):
            info = epb.EnvInfo(
                env_id=d.env_id,
                entry_point=d.entry_point,
                max_episode_steps=d.max_episode_steps,
                render_modes=d.render_modes,
                unavailable=d.unavailable,
            )
            _with_snapshot_support(info)
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

    # ------------------------------------------------------------------------------ limits

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
            + ("message limit (the session was closed again); " if what == "make" else
               "message limit (the call itself ran); ")
            + "use fewer envs per session, or restart the "
            "server with a larger --max-message-mb and raise the client's limit to match",
            "max_message_bytes",
            "--max-message-mb",
        )


def _with_snapshot_support(info: epb.EnvInfo) -> epb.EnvInfo:
    """Fill EnvInfo.snapshots / snapshot_unsupported from the env's entry point (snapshots.py)."""
    why = snapshots.unsupported_reason(info.env_id, info.entry_point)
    info.snapshots = not why
    info.snapshot_unsupported = why
    return info


def _route_owned_kwargs(req: epb.MakeRequest, kwargs: dict[str, Any]) -> tuple[str | None, int | None]:
    """(render_mode, max_episode_steps) of a Make, also when sent in ``kwargs`` (taken out of them);
    INVALID_ARGUMENT (BRIDGE_KWARG) for any other keyword the bridge owns."""
    for key, field_name in _OWNED_KWARGS.items():
        if key in kwargs:
            raise invalid(
                f"kwargs[{key!r}] is a keyword the bridge owns, not the env; set MakeRequest.{field_name} instead",
                "BRIDGE_KWARG",
            )
    render_mode = req.render_mode or None
    max_episode_steps = req.max_episode_steps or None
    if "render_mode" in kwargs:
        value = kwargs.pop("render_mode")
        if value is not None and not isinstance(value, str):
            raise invalid(f"kwargs['render_mode']={value!r} is not a string; set MakeRequest.render_mode", "BRIDGE_KWARG")
        if render_mode and value and value != render_mode:
            raise invalid(
                f"render_mode is {render_mode!r} in MakeRequest.render_mode but {value!r} in kwargs; set it once",
                "BRIDGE_KWARG",
            )
        render_mode = render_mode or value or None
    if "max_episode_steps" in kwargs:
        value = kwargs.pop("max_episode_steps")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise invalid(
                f"kwargs['max_episode_steps']={value!r} is not a non-negative int; set MakeRequest.max_episode_steps",
                "BRIDGE_KWARG",
            )
        if max_episode_steps and value and value != max_episode_steps:
            raise invalid(
                f"max_episode_steps is {max_episode_steps} in MakeRequest.max_episode_steps but {value} in "
                "kwargs; set it once",
                "BRIDGE_KWARG",
            )
        max_episode_steps = max_episode_steps or value or None
    return render_mode, max_episode_steps


def _refuse_human(render_mode: str | None, kwargs: Any, wrappers: list[tuple[str, dict[str, Any]]]) -> None:
    """INVALID_ARGUMENT (BAD_RENDER_MODE) for render mode 'human' wherever a request puts it: it would
    open a window on the server (and on a headless server abort the whole process)."""
    found = render_mode == "human" or _has_human(kwargs) or any(_has_human(w) for _, w in wrappers)
    if found:
        raise invalid(
            "render_mode 'human' would open a window on the server; use 'rgb_array' and show "
            "the frames from Render on the client",
            "BAD_RENDER_MODE",
        )


def _has_human(x: Any) -> bool:
    if isinstance(x, dict):
        return any((k == "render_mode" and v == "human") or _has_human(v) for k, v in x.items())
    if isinstance(x, list):
        return any(_has_human(v) for v in x)
    return False


def _encode_frames(frames: Any) -> tpb.Value:
    """Render output: uint8 [n, H, W, 3] for rgb_array, TextValue(n) for ansi, else by type."""
    if isinstance(frames, (tuple, list)) and frames:
        if all(isinstance(f, np.ndarray) for f in frames) and len({f.shape for f in frames}) == 1:
            return tpb.Value(tensor=codec.encode_tensor(np.stack(frames)))
        if all(isinstance(f, str) for f in frames):
            return tpb.Value(text=tpb.TextValue(items=list(frames)))
    return codec.encode_info(frames)


def _info_dtypes(s: Session, infos: Any) -> list[epb.InfoDtype]:
    """The keys an exact_infos session sent widened in this answer, with the dtype Gymnasium would have cast to."""
    return [epb.InfoDtype(key=list(path), dtype=codec.dtype_to_proto(dt))
            for path, dt in exactinfo.info_dtypes(s.env, infos)]
