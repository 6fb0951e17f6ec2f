"""The client against real servers: make/make_vec from URLs, local: servers, token, TLS, deadlines,
specs, fork, pickling and on_crash=recreate."""
from __future__ import annotations

import copy
import datetime
import ipaddress
import os
import pickle
import sys
import time
from pathlib import Path

import grpc
import gymnasium as gym
import numpy as np
import pytest

import gymbridge
from gymbridge import local
from client_fixtures import cartpole_server, start_server  # noqa: F401  (fixtures)

TOKEN = "client-test-token"
SLEEP = 5  # gymbridge/Fault-v0: sleep sleep_s seconds, then step
RAISE = 1  # gymbridge/Fault-v0: raise in the env


def test_make_local_starts_a_private_server_and_close_stops_it():
    env = gymbridge.make("local:CartPole-v1?seed=7")
    server = env._vec._local_server
    assert server.process.poll() is None
    obs, _ = env.reset(seed=7)
    assert env.observation_space.contains(obs)
    assert env.step(0)[1] == 1.0
    env.close()
    assert server.process.wait(10) is not None


def test_make_vec_takes_url_options_and_keyword_overrides(cartpole_server):
    url = f"grpc://{cartpole_server.address}/FrozenLake-v1?num_envs=3&seed=1&is_slippery=false&autoreset=same_step"
    envs = gymbridge.make_vec(url, num_envs=2)
    try:
        assert envs.num_envs == 2
        assert envs.metadata["autoreset_mode"] == gym.vector.AutoresetMode.SAME_STEP
        obs, _ = envs.reset(seed=1)
        # not slippery: action 2 (right) from the start state moves right, deterministically
        obs, *_ = envs.step(np.array([2, 2]))
        assert obs.tolist() == [1, 1]
    finally:
        envs.close()
    with pytest.raises(ValueError, match="make_vec"):
        gymbridge.make(f"grpc://{cartpole_server.address}/CartPole-v1?num_envs=2")


def test_local_without_a_server_command_names_the_install(monkeypatch, tmp_path):
    monkeypatch.delenv(local.ENV_VAR, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(gymbridge.ServerNotFoundError, match=r"pip install gymbridge-server"):
        gymbridge.make("local:CartPole-v1")


# ------------------------------------------------------------------------------- token and TLS


def test_token_from_argument_url_or_environment(start_server, monkeypatch):
    monkeypatch.delenv("GYMBRIDGE_TOKEN", raising=False)
    server = start_server(token=TOKEN)
    url = f"grpc://{server.address}/CartPole-v1"
    with pytest.raises(gymbridge.RemoteError) as e:
        gymbridge.make(url)
    assert e.value.code == grpc.StatusCode.UNAUTHENTICATED
    gymbridge.make(url, token=TOKEN).close()
    gymbridge.make(f"{url}?token={TOKEN}").close()
    monkeypatch.setenv("GYMBRIDGE_TOKEN", TOKEN)
    env = gymbridge.make(url)
    assert "token" not in env.spec.to_json().lower() or TOKEN not in env.spec.to_json()
    env.reset(seed=0)
    env.close()


def _self_signed_cert(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert_path, key_path


def test_tls_with_a_ca_file_from_the_url_or_the_environment(start_server, tmp_path, monkeypatch):
    monkeypatch.delenv("GYMBRIDGE_CA", raising=False)
    cert, key = _self_signed_cert(tmp_path)
    server = start_server("--tls-cert", str(cert), "--tls-key", str(key), token=TOKEN)
    port = server.address.rsplit(":", 1)[1]
    env = gymbridge.make(f"grpcs://localhost:{port}/CartPole-v1?ca={cert}&token={TOKEN}")
    env.reset(seed=0)
    env.close()
    monkeypatch.setenv("GYMBRIDGE_CA", str(cert))
    gymbridge.make(f"grpcs://localhost:{port}/CartPole-v1", token=TOKEN).close()
    # plaintext to a TLS server, or TLS that does not trust its certificate, never connects
    monkeypatch.delenv("GYMBRIDGE_CA")
    for url in (f"grpc://localhost:{port}/CartPole-v1", f"grpcs://localhost:{port}/CartPole-v1"):
        with pytest.raises(gymbridge.RemoteError) as e:
            gymbridge.make(url, token=TOKEN, make_timeout=5)
        assert e.value.code == grpc.StatusCode.UNAVAILABLE


# ----------------------------------------------------------------------------------- deadlines


@pytest.mark.parametrize("transport", ["stream", "unary"])
def test_a_late_answer_raises_deadline_exceeded_and_the_env_carries_on(start_server, transport):
    server = start_server("--fault-envs")
    envs = gymbridge.RemoteVectorEnv(server.address, "gymbridge/Fault-v0", 1, kwargs={"sleep_s": 3.0},
                                     timeout=0.5, transport=transport)
    try:
        envs.reset(seed=0)
        t0 = time.monotonic()
        with pytest.raises(gymbridge.RemoteError) as e:
            envs.step(np.array([SLEEP]))
        assert e.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
        assert "timeout=" in e.value.message
        assert time.monotonic() - t0 < 2.5
        time.sleep(3.0)  # let the slow step finish on the server
        envs.reset(seed=0)  # a cancelled stream call ended its session: the env made it again
        obs, rewards, *_ = envs.step(np.array([0]))
        assert rewards.tolist() == [1.0]
    finally:
        envs.close()


def test_every_call_has_a_default_deadline_like_the_java_client(cartpole_server):
    envs = gymbridge.RemoteVectorEnv(cartpole_server.address, "CartPole-v1")
    try:
        assert (envs._timeout, envs._timeouts["reset"], envs._timeouts["make"]) == (60.0, 300.0, 120.0)
    finally:
        envs.close()
    with pytest.raises(ValueError, match="timeout must be a positive"):
        gymbridge.RemoteVectorEnv(cartpole_server.address, "CartPole-v1", timeout=0)


# ---------------------------------------------------------------------------------------- spec


def test_spec_keeps_time_limit_and_reward_threshold_and_serializes(cartpole_server):
    url = f"grpc://{cartpole_server.address}/CartPole-v1?seed=2"
    env = gymbridge.make(url)
    try:
        assert env.spec.max_episode_steps == 500 and env.spec.reward_threshold == 475.0
        wrapped = gym.wrappers.TimeAwareObservation(env)
        obs, _ = wrapped.reset(seed=2)
        assert obs.shape == (5,) and obs[-1] == 0
        obs, *_ = wrapped.step(0)
        assert obs[-1] == 1
        spec = gym.envs.registration.EnvSpec.from_json(env.spec.to_json())
        assert spec.kwargs == {"url": url} and spec.max_episode_steps == 500
        again = gym.make(spec)
        try:
            a = again.reset(seed=5)[0]
            b = env.reset(seed=5)[0]
            np.testing.assert_array_equal(a, b)
        finally:
            again.close()
    finally:
        env.close()
    direct = gymbridge.RemoteEnv(cartpole_server.address, "Pendulum-v1", max_episode_steps=50)
    try:
        assert direct.spec.max_episode_steps == 50 and direct.spec.reward_threshold is None
        assert '"remote_env_id": "Pendulum-v1"' in direct.spec.to_json()
    finally:
        direct.close()


# ---------------------------------------------------------------------------------------- fork


_FORK_CHILDREN = """
import sys
import gymnasium as gym
import gymbridge

made = [gymbridge.make(f"grpc://{sys.argv[1]}/CartPole-v1") for _ in range(2)]
made[1].reset(seed=0)
parent_session = made[1].session_id
# AsyncVectorEnv calls env_fns[0]() in the parent for the spaces and closes it; both envs are
# then used by forked workers
vec = gym.vector.AsyncVectorEnv([lambda e=e: e for e in made], context="fork")
try:
    vec.reset_async(seed=1)
    obs, _ = vec.reset_wait(timeout=60)
    assert obs.shape == (2, 4)
    for _ in range(20):
        vec.step_async(vec.action_space.sample())
        vec.step_wait(timeout=60)
    children = vec.get_attr("session_id")
    assert parent_session not in children and len(set(children)) == 2, (parent_session, children)
finally:
    vec.close()
# the parent's session was left to the parent: it still steps
assert made[1].session_id == parent_session and made[1].step(1)[1] == 1.0
for e in made:
    e.close()
print("fork ok")
"""


def test_an_env_used_across_fork_reconnects_in_the_child(cartpole_server):
    # In a fresh interpreter: gRPC cannot run its fork handlers while other threads are inside gRPC,
    # and channels left open by earlier tests of this process would be such threads (the child then
    # crashed in gRPC's poller now and then). Only this scenario's own stream is live at the fork.
    import subprocess

    r = subprocess.run([sys.executable, "-c", _FORK_CHILDREN, cartpole_server.address],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0 and "fork ok" in r.stdout, r.stdout + r.stderr[-3000:]


# ------------------------------------------------------------------------------ pickle and copy


def test_pickle_and_deepcopy_raise_a_gymbridge_error(cartpole_server):
    env = gymbridge.RemoteEnv(cartpole_server.address, "CartPole-v1")
    envs = gymbridge.RemoteVectorEnv(cartpole_server.address, "CartPole-v1", 2)
    try:
        for obj in (env, envs):
            for copier in (pickle.dumps, copy.deepcopy, copy.copy):
                with pytest.raises(gymbridge.NotCopyableError, match="cannot be pickled or copied.*factory"):
                    copier(obj)
    finally:
        env.close()
        envs.close()


# -------------------------------------------------------------------------------- on_crash


def test_on_crash_recreate_returns_a_truncated_step_and_keeps_going(start_server):
    server = start_server("--fault-envs")
    url = f"grpc://{server.address}/gymbridge/Fault-v0?num_envs=2&on_crash=recreate"
    envs = gymbridge.make_vec(url)
    try:
        envs.reset(seed=0)
        obs, rewards, terminated, truncated, infos = envs.step(np.array([0, RAISE]))
        assert truncated.tolist() == [True, True] and rewards.tolist() == [0.0, 0.0]
        assert infos["gymbridge_recovered"].all() and "fault injected" in infos["gymbridge_error"][0]
        assert envs.recoveries == 1
        obs, rewards, *_ = envs.step(np.array([0, 0]))
        assert rewards.tolist() == [1.0, 1.0]
    finally:
        envs.close()
    plain = gymbridge.make_vec(url.replace("&on_crash=recreate", ""))
    try:
        plain.reset(seed=0)
        with pytest.raises(gymbridge.RemoteError) as e:
            plain.step(np.array([0, RAISE]))
        assert e.value.code == grpc.StatusCode.ABORTED
    finally:
        plain.close()
