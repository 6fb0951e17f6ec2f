"""Security defaults, bearer-token auth and TLS: each refusal has its exact status, and a
healthy session on the same server keeps stepping throughout."""
from __future__ import annotations

import re
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from gymbridge.v1 import env_pb2 as epb
from gymbridge.v1 import env_pb2_grpc
from gymbridge.v1 import tensor_pb2 as tpb
from faults import HealthyStepper, reason_of, self_signed_cert

TOKEN = "s3cret-token-for-tests"
AUTH = (("authorization", f"Bearer {TOKEN}"),)


def test_defaults_bind_loopback_and_refuse_module_entry_points(server, stub):
    assert server.address.startswith("127.0.0.1:")
    with server.channel() as ch, HealthyStepper(ch) as healthy:
        before = healthy.steps
        with pytest.raises(grpc.RpcError) as e:
            stub.Make(epb.MakeRequest(env_id="gymnasium.envs.classic_control:CartPole-v1"), timeout=30)
        assert e.value.code() == grpc.StatusCode.NOT_FOUND
        assert "--allow-entry-points" in e.value.details() and "import" in e.value.details()
        healthy.assert_kept_stepping(before)


def test_allow_entry_points_flag_makes_module_ids_work(new_server):
    srv = new_server("--port", "0", "--allow-entry-points")
    with srv.channel() as ch:
        stub = env_pb2_grpc.EnvServiceStub(ch)
        made = stub.Make(epb.MakeRequest(env_id="gymnasium.envs.classic_control:CartPole-v1", num_envs=1), timeout=30)
        stub.Reset(epb.ResetRequest(session_id=made.session_id, seed=1), timeout=30)
        with pytest.raises(grpc.RpcError) as e:
            stub.Make(epb.MakeRequest(env_id="no_such_module_xyz:CartPole-v1"), timeout=30)
        assert e.value.code() == grpc.StatusCode.NOT_FOUND and "no_such_module_xyz" in e.value.details()


def test_kwargs_are_json_typed_only_and_nothing_unpickles():
    # The wire cannot carry a pickled kwarg: Arg is a oneof of JSON-like kinds, with no bytes.
    kinds = {f.name for f in tpb.Arg.DESCRIPTOR.oneofs_by_name["kind"].fields}
    assert kinds == {"bool_value", "int_value", "double_value", "string_value", "list_value", "map_value", "none_value"}
    assert all(f.type != f.TYPE_BYTES for f in tpb.Arg.DESCRIPTOR.fields)
    # And no server module loads pickles (Gymnasium's own worker pipes stay inside the server), except where
    # the bytes come from the server's own processes over a channel no client reaches:
    own_processes = {
        # A Ray env actor pickles its step answer itself (faster than Ray's serializer on many small info
        # arrays); Ray would unpickle the same answer otherwise. Clients never write into Ray's channels.
        "vector/ray.py",
    }
    src = Path(__import__("gymbridge_server").__file__).parent
    for py in src.rglob("*.py"):
        if py.relative_to(src).as_posix() in own_processes:
            continue
        text = py.read_text()
        assert not re.search(r"^\s*(import|from)\s+(c?pickle|cloudpickle|dill)\b", text, re.M), py
        assert "pickle.loads" not in text and "pickle.load(" not in text, py
    for name in own_processes:
        assert "pickle.loads" in (src / name).read_text(), f"{name} no longer unpickles: drop it from the list"


@pytest.fixture(scope="module")
def token_server(tmp_path_factory):
    from conftest import ServerProcess

    log = tmp_path_factory.mktemp("token") / "server.log"
    token_file = log.parent / "token"
    token_file.write_text(TOKEN + "\n")
    srv = ServerProcess("--port", "0", "--token-file", str(token_file), log_path=log)
    yield srv
    assert srv.terminate() == 0


def test_wrong_or_missing_token_is_unauthenticated(token_server):
    with token_server.channel() as ch, HealthyStepper(ch, metadata=AUTH) as healthy:
        before = healthy.steps
        stub = env_pb2_grpc.EnvServiceStub(ch)
        for metadata, what in (((), "carried none"), ((("authorization", "Bearer nope"),), "wrong"),
                               ((("authorization", TOKEN),), "not of the form")):
            with pytest.raises(grpc.RpcError) as e:
                stub.Make(epb.MakeRequest(env_id="CartPole-v1"), metadata=metadata, timeout=30)
            assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED, metadata
            assert what in e.value.details() and TOKEN not in e.value.details()
            assert reason_of(e.value) == "UNAUTHENTICATED"
        # The stream is guarded too, and so is an unknown session's step (no probing without a token).
        with pytest.raises(grpc.RpcError) as e:
            list(stub.Session(iter([epb.SessionRequest(seq=1, make=epb.MakeRequest(env_id="CartPole-v1"))]), timeout=30))
        assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
        healthy.assert_kept_stepping(before)


def test_token_guards_reflection_but_not_health(token_server):
    with token_server.channel() as ch:
        health = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        refl = reflection_pb2_grpc.ServerReflectionStub(ch)
        req = reflection_pb2.ServerReflectionRequest(list_services="")
        with pytest.raises(grpc.RpcError) as e:
            list(refl.ServerReflectionInfo(iter([req]), timeout=10))
        assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
        names = [s.name for r in refl.ServerReflectionInfo(iter([req]), metadata=AUTH, timeout=10)
                 for s in r.list_services_response.service]
        assert "gymbridge.v1.EnvService" in names


def test_token_from_the_environment_variable(new_server, monkeypatch):
    monkeypatch.setenv("GYMBRIDGE_TOKEN", "from-env")
    srv = new_server("--port", "0")
    monkeypatch.delenv("GYMBRIDGE_TOKEN")
    with srv.channel() as ch:
        stub = env_pb2_grpc.EnvServiceStub(ch)
        with pytest.raises(grpc.RpcError) as e:
            stub.Handshake(epb.HandshakeRequest(), timeout=10)
        assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
        # Python's own call credentials for bearer tokens need a secure channel; metadata works anywhere.
        assert stub.Handshake(epb.HandshakeRequest(), metadata=(("authorization", "Bearer from-env"),), timeout=10).server_version


def test_tls_with_a_self_signed_certificate_and_token(new_server, tmp_path):
    cert, key = self_signed_cert(tmp_path)
    srv = new_server("--port", "0", "--tls-cert", str(cert), "--tls-key", str(key), "--token", TOKEN)
    port = srv.address.rsplit(":", 1)[1]
    creds = grpc.composite_channel_credentials(
        grpc.ssl_channel_credentials(root_certificates=cert.read_bytes()),
        grpc.access_token_call_credentials(TOKEN),
    )
    with grpc.secure_channel(f"localhost:{port}", creds) as ch, HealthyStepper(ch) as healthy:
        before = healthy.steps
        # Plaintext to a TLS port never gets an answer from the service.
        with grpc.insecure_channel(f"127.0.0.1:{port}") as plain:
            with pytest.raises(grpc.RpcError) as e:
                env_pb2_grpc.EnvServiceStub(plain).Handshake(epb.HandshakeRequest(), metadata=AUTH, timeout=5)
            assert e.value.code() == grpc.StatusCode.UNAVAILABLE
        # TLS that does not trust the certificate fails the handshake: UNAVAILABLE as well.
        with grpc.secure_channel(f"localhost:{port}", grpc.ssl_channel_credentials()) as untrusted:
            with pytest.raises(grpc.RpcError) as e:
                env_pb2_grpc.EnvServiceStub(untrusted).Handshake(epb.HandshakeRequest(), metadata=AUTH, timeout=5)
            assert e.value.code() == grpc.StatusCode.UNAVAILABLE
        # Trusted TLS without the token: UNAUTHENTICATED.
        with grpc.secure_channel(f"localhost:{port}", grpc.ssl_channel_credentials(cert.read_bytes())) as no_token:
            with pytest.raises(grpc.RpcError) as e:
                env_pb2_grpc.EnvServiceStub(no_token).Handshake(epb.HandshakeRequest(), timeout=5)
            assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
        healthy.assert_kept_stepping(before)
    assert "TLS" in srv.log()


def test_tls_flags_must_come_together(tmp_path):
    import subprocess

    from conftest import SERVER_EXE

    cert, _ = self_signed_cert(tmp_path)
    r = subprocess.run([str(SERVER_EXE), "--tls-cert", str(cert)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "--tls-key" in r.stderr
