"""Helpers of the reliability tests: a session that keeps stepping while a fault is
injected elsewhere, a self-signed certificate, raw requests.

Every reliability test asserts two things: the exact status of the faulty call, and that a
second, healthy session on the same server kept stepping throughout (``HealthyStepper``).
"""
from __future__ import annotations

import datetime
import ipaddress
import threading
import time
from pathlib import Path

import grpc
import numpy as np

from gymbridge.v1 import env_pb2 as epb
from gymbridge.v1 import env_pb2_grpc
from gymbridge.v1 import tensor_pb2 as tpb


def int_actions(values: list[int]) -> tpb.Value:
    """A batched Discrete action: int64 [n]."""
    a = np.asarray(values, dtype="<i8")
    return tpb.Value(tensor=tpb.Tensor(dtype=tpb.DTYPE_INT64, shape=[len(values)], data=a.tobytes()))


def reason_of(e: grpc.RpcError) -> str:
    for key, value in e.trailing_metadata() or ():
        if key == "gymbridge-reason":
            return value
    return ""


class HealthyStepper:
    """A CartPole session on its own channel, stepping in a thread until stopped.

    ``assert_kept_stepping`` checks that it never failed and made progress while the fault ran:
    the bridge's promise that one client's fault affects nobody else.
    """

    def __init__(self, channel: grpc.Channel, metadata: tuple = (), num_envs: int = 2) -> None:
        self.stub = env_pb2_grpc.EnvServiceStub(channel)
        self.metadata = metadata
        self.n = num_envs
        made = self.stub.Make(epb.MakeRequest(env_id="CartPole-v1", num_envs=num_envs, seed=7), metadata=metadata, timeout=30)
        self.session_id = made.session_id
        self.stub.Reset(epb.ResetRequest(session_id=self.session_id), metadata=metadata, timeout=30)
        self.steps = 0
        self.max_gap_s = 0.0  # the longest time between two successful steps
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="healthy-stepper", daemon=True)

    def __enter__(self) -> "HealthyStepper":
        self._thread.start()
        self.wait_for_steps(3)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)
        try:
            self.stub.Close(epb.CloseRequest(session_id=self.session_id), metadata=self.metadata, timeout=30)
        except grpc.RpcError:
            pass  # the server may be gone (shutdown tests)

    def _run(self) -> None:
        actions = int_actions([0, 1] * (self.n // 2) + [0] * (self.n % 2))
        last = time.monotonic()
        while not self._stop.is_set():
            try:
                self.stub.Step(epb.StepRequest(session_id=self.session_id, actions=actions), metadata=self.metadata, timeout=30)
                self.steps += 1
                now = time.monotonic()
                self.max_gap_s = max(self.max_gap_s, now - last)
                last = now
            except grpc.RpcError as e:
                self.errors.append(f"{e.code()}: {e.details()}")
                return
            time.sleep(0.002)

    def wait_for_steps(self, more: int, timeout: float = 30.0) -> None:
        target = self.steps + more
        deadline = time.monotonic() + timeout
        while self.steps < target and not self.errors and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not self.errors, f"the healthy session failed: {self.errors}"
        assert self.steps >= target, f"the healthy session stalled at {self.steps} steps"

    def assert_kept_stepping(self, since: int) -> None:
        """No error, and at least a few steps after ``since`` (a step count taken before the fault)."""
        self.wait_for_steps(3)
        assert not self.errors, f"the healthy session failed: {self.errors}"
        assert self.steps >= since + 3, f"the healthy session made {self.steps - since} steps during the fault"


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate (CA:true) for localhost and 127.0.0.1, and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "cert.pem"
    key_path = directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class Bystander(HealthyStepper):
    """A :class:`HealthyStepper` that also checks, on leaving, that the server process is alive and
    its health check answers SERVING: wrap every attack in it (``with Bystander(srv) as b: ...``)."""

    def __init__(self, server, metadata: tuple = ()) -> None:
        self.server = server
        self.channel = server.channel()
        super().__init__(self.channel, metadata)

    def __enter__(self) -> "Bystander":
        super().__enter__()
        self.before = self.steps
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if exc[0] is None:
                assert self.server.proc.poll() is None, f"the server died:\n{self.server.log()}"
                from grpc_health.v1 import health_pb2, health_pb2_grpc

                r = health_pb2_grpc.HealthStub(self.channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
                assert r.status == health_pb2.HealthCheckResponse.SERVING
                self.assert_kept_stepping(self.before)
        finally:
            super().__exit__(*exc)
            self.channel.close()
