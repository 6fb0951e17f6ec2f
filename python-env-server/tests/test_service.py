"""Handshake, ListEnvs, health and reflection of a real server."""
from __future__ import annotations

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from gymbridge.v1 import env_pb2 as epb
from gymbridge.v1 import tensor_pb2 as tpb


def test_handshake_reports_protocol_versions_and_capabilities(stub):
    resp = stub.Handshake(epb.HandshakeRequest(protocol_version=1, client_name="pytest", client_version="0"))
    assert resp.protocol_version == epb.PROTOCOL_VERSION_1
    assert resp.min_protocol_version == epb.PROTOCOL_VERSION_1
    assert resp.server_version == "0.1.0"
    versions = dict(resp.library_versions)
    for lib in ("python", "gymnasium", "numpy", "mujoco", "grpcio", "protobuf"):
        assert versions.get(lib), f"library_versions lacks {lib}: {versions}"
    assert versions["gymnasium"] == "1.4.0"
    caps = resp.capabilities
    assert list(caps.codecs) == []  # raw only
    assert set(caps.autoreset_modes) == {
        epb.AUTORESET_MODE_NEXT_STEP, epb.AUTORESET_MODE_SAME_STEP, epb.AUTORESET_MODE_DISABLED,
    }
    assert caps.max_message_bytes == 64 * 1024 * 1024
    # Defaults: no session count limit; absurd num_envs refused; idle sessions reaped.
    assert caps.max_sessions == 0 and caps.max_envs_per_session == 1024 and caps.max_total_envs == 4096
    assert caps.session_idle_timeout_ms == 600_000


def test_list_envs_contains_classic_toy_text_mujoco_and_test_envs(stub):
    envs = {e.env_id: e for e in stub.ListEnvs(epb.ListEnvsRequest()).envs}
    for env_id in ("CartPole-v1", "FrozenLake-v1", "HalfCheetah-v5", "gymbridge/AllSpaces-v0"):
        assert env_id in envs
    assert envs["CartPole-v1"].max_episode_steps == 500
    assert envs["HalfCheetah-v5"].entry_point.startswith("gymnasium.envs.mujoco")
    ids = [e.env_id for e in stub.ListEnvs(epb.ListEnvsRequest()).envs]
    assert ids == sorted(ids)


def test_list_envs_filters_by_prefix(stub):
    ids = [e.env_id for e in stub.ListEnvs(epb.ListEnvsRequest(prefix="gymbridge/")).envs]
    # Several modules register gymbridge/ ids (test envs, the bench's NoOp ...): check the filter, not the full list.
    assert {"gymbridge/AllSpaces-v0", "gymbridge/ExtraSpaces-v0", "gymbridge/NoOp-v0"} <= set(ids)
    assert all(i.startswith("gymbridge/") for i in ids) and ids == sorted(ids)


def test_health_is_serving_for_server_and_env_service(server):
    with server.channel() as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for service in ("", "gymbridge.v1.EnvService"):
            resp = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            assert resp.status == health_pb2.HealthCheckResponse.SERVING


def test_reflection_lists_env_service(server):
    with server.channel() as channel:
        refl = reflection_pb2_grpc.ServerReflectionStub(channel)
        responses = refl.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5)
        names = {s.name for s in next(responses).list_services_response.service}
    assert {"gymbridge.v1.EnvService", "grpc.health.v1.Health"} <= names


def test_make_returns_spaces_and_spec_metadata(stub):
    made = stub.Make(epb.MakeRequest(env_id="CartPole-v1", num_envs=3, seed=4))
    try:
        assert made.num_envs == 3
        assert made.autoreset_mode == epb.AUTORESET_MODE_NEXT_STEP
        assert made.single_action_space.discrete.n == 2
        assert made.action_space.WhichOneof("kind") == "multi_discrete"
        assert list(made.observation_space.box.shape) == [3, 4]
        assert made.observation_space.box.dtype == tpb.DTYPE_FLOAT32
        assert made.spec.env_id == "CartPole-v1"
        assert made.spec.max_episode_steps == 500
        assert "rgb_array" in made.spec.render_modes
        assert made.spec.render_fps == 50
    finally:
        stub.Close(epb.CloseRequest(session_id=made.session_id))


def test_render_rgb_array_returns_uint8_frames_per_env(stub):
    made = stub.Make(epb.MakeRequest(env_id="CartPole-v1", num_envs=2, render_mode="rgb_array"))
    try:
        stub.Reset(epb.ResetRequest(session_id=made.session_id, seed=0))
        frames = stub.Render(epb.RenderRequest(session_id=made.session_id)).frames.tensor
        assert frames.dtype == tpb.DTYPE_UINT8
        assert list(frames.shape) == [2, 400, 600, 3]
        assert len(frames.data) == 2 * 400 * 600 * 3
    finally:
        stub.Close(epb.CloseRequest(session_id=made.session_id))


def test_render_without_render_mode_is_failed_precondition(stub):
    made = stub.Make(epb.MakeRequest(env_id="CartPole-v1"))
    try:
        try:
            stub.Render(epb.RenderRequest(session_id=made.session_id))
            raise AssertionError("render without render_mode must fail")
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.FAILED_PRECONDITION
            assert "render_mode" in e.details()
    finally:
        stub.Close(epb.CloseRequest(session_id=made.session_id))


def test_handshake_refuses_a_client_protocol_older_than_the_minimum(stub):
    try:
        stub.Handshake(epb.HandshakeRequest(protocol_version=-1, client_name="ancient"))
        raise AssertionError("an older protocol must be refused")
    except grpc.RpcError as e:
        assert e.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert "upgrade the client" in e.details()
        assert dict(e.trailing_metadata())["gymbridge-reason"] == "PROTOCOL_MISMATCH"


def test_render_ansi_returns_one_string_per_env(stub):
    made = stub.Make(epb.MakeRequest(env_id="gymbridge/AllSpaces-v0", num_envs=2, render_mode="ansi"))
    try:
        stub.Reset(epb.ResetRequest(session_id=made.session_id, seed=0))
        frames = stub.Render(epb.RenderRequest(session_id=made.session_id)).frames
        assert len(frames.text.items) == 2
        assert all(f.startswith("AllSpaces t=0") for f in frames.text.items)
    finally:
        stub.Close(epb.CloseRequest(session_id=made.session_id))


def test_unsupported_or_human_render_modes_are_invalid_argument(stub):
    for mode in ("human", "rgb_array"):  # AllSpaces renders ansi only
        try:
            stub.Make(epb.MakeRequest(env_id="gymbridge/AllSpaces-v0", render_mode=mode))
            raise AssertionError(f"render_mode {mode} must be refused")
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "render_mode" in e.details()


def test_max_episode_steps_override_is_reported_and_applied(stub):
    made = stub.Make(epb.MakeRequest(env_id="CartPole-v1", max_episode_steps=3))
    try:
        assert made.spec.max_episode_steps == 3
        stub.Reset(epb.ResetRequest(session_id=made.session_id, seed=0))
        one = tpb.Value(tensor=tpb.Tensor(dtype=tpb.DTYPE_INT64, shape=[1], data=b"\x00" * 8))
        truncated = [stub.Step(epb.StepRequest(session_id=made.session_id, actions=one)).truncated.data for _ in range(3)]
        assert truncated == [b"\x00", b"\x00", b"\x01"]
    finally:
        stub.Close(epb.CloseRequest(session_id=made.session_id))
