#!/usr/bin/env python3
"""Soak test: many sessions stepping at once while faults are injected, for minutes.

Not part of the test suite. Run from the repository root, e.g. for 4 minutes with 8 clients:

    python-env-server/.venv/bin/python python-env-server/scripts/soak.py --duration 240 --clients 8

It starts its own ``gymbridge-server`` (with the fault env, a 5 s idle timeout and a metrics
port), then runs client threads that each loop over: make a session (CartPole sync, Pendulum
sync, or gymbridge/Fault-v0 with async worker processes), step it on a stream or with unary calls,
and now and then inject a fault:

  worker_kill   SIGKILL one of the session's worker processes (from outside)
  worker_crash  an action that makes a worker segfault / abort in native code
  env_raise     an action that makes the env raise
  disconnect    cancel the stream (or drop the channel) without closing the session
  abandon       leave a unary-made session open and walk away (the idle reaper must free it)

One attacker thread cycles through what a hostile client might send (``--no-attacks`` turns it
off), each expecting its precise refusal:

  human_render    HalfCheetah with kwargs render_mode=human      INVALID_ARGUMENT
  frame_stack     FrameStackObservation(stack_size=10**7)        RESOURCE_EXHAUSTED
  huge_map        FrozenLake desc of 1000 x 1000                 RESOURCE_EXHAUSTED
  many_processes  vectorization=async with num_envs=1024         RESOURCE_EXHAUSTED
  idle_streams    10 Session streams that never send a request   ended by the server (CANCELLED)
  make_deadline   a Make whose deadline expires mid-way          DEADLINE_EXCEEDED, no session left
  garbage         bytes that are no protobuf, a 65-dim tensor    INVALID_ARGUMENT
  forged_log      a client name with a newline                   OK, escaped in the log
  workers         a workers session made, stepped and closed     OK (descriptors counted below)

A fault is *survived* when the server answered it with the expected status and the session (or a
new one) stepped on afterwards. One control client steps CartPole the whole time and must never
see an error. At the end it waits for the reaper, then reports: steps served, faults injected and
survived (by kind), control errors, sessions and worker processes leaked (both must be 0), and
the server's RSS and open descriptors at start (after warm-up), every 10 s and at the end. Exit code 0 when nothing leaked and every
fault was survived.
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

import grpc
import numpy as np

from gymbridge.v1 import env_pb2 as epb
from gymbridge.v1 import env_pb2_grpc
from gymbridge.v1 import tensor_pb2 as tpb

OK, RAISE, ABORT, SEGFAULT, EXIT, SLEEP = range(6)
IDLE_S = 5.0


def int_actions(values) -> tpb.Value:
    a = np.asarray(values, dtype="<i8")
    return tpb.Value(tensor=tpb.Tensor(dtype=tpb.DTYPE_INT64, shape=[len(a)], data=a.tobytes()))


def box_actions(n: int, rng: random.Random) -> tpb.Value:
    a = np.asarray([[rng.uniform(-2, 2)] for _ in range(n)], dtype="<f4")
    return tpb.Value(tensor=tpb.Tensor(dtype=tpb.DTYPE_FLOAT32, shape=[n, 1], data=a.tobytes()))


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
                fields = stat.rsplit(")", 1)[1].split()
                if int(fields[1]) == pid and fields[0] != "Z":
                    cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                    if "resource_tracker" not in cmd:  # multiprocessing's helper, one per server
                        out.append(int(d.name))
            except (OSError, IndexError, ValueError):
                pass
    return out


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.steps = 0
        self.injected: Counter = Counter()
        self.survived: Counter = Counter()
        self.unexpected: list[str] = []
        self.control_errors: list[str] = []

    def add(self, **kw) -> None:
        with self.lock:
            for k, v in kw.items():
                setattr(self, k, getattr(self, k) + v)


class Client(threading.Thread):
    """One client looping over sessions until the deadline."""

    def __init__(self, address: str, stats: Stats, deadline: float, seed: int, fault_rate: float) -> None:
        super().__init__(daemon=True, name=f"soak-{seed}")
        self.address, self.stats, self.deadline = address, stats, deadline
        self.rng = random.Random(seed)
        self.fault_rate = fault_rate

    def run(self) -> None:
        while time.monotonic() < self.deadline:
            try:
                self.one_session()
            except Exception as e:  # noqa: BLE001 -- recorded, the soak goes on
                with self.stats.lock:
                    self.stats.unexpected.append(f"{type(e).__name__}: {e}"[:300])

    def one_session(self) -> None:
        kind = self.rng.choice(["cartpole", "pendulum", "fault", "fault"])
        on_stream = self.rng.random() < 0.5
        channel = grpc.insecure_channel(self.address)
        stub = env_pb2_grpc.EnvServiceStub(channel)
        env_id, n, vec = {"cartpole": ("CartPole-v1", 4, "sync"), "pendulum": ("Pendulum-v1", 2, "sync"),
                          "fault": ("gymbridge/Fault-v0", 2, "async")}[kind]
        make = epb.MakeRequest(env_id=env_id, num_envs=n, vectorization=vec, seed=self.rng.randrange(1 << 30))
        requests: queue.Queue = queue.Queue()
        responses = None
        seq = [0]

        def call(**req):
            if not on_stream:
                name, msg = next(iter(req.items()))
                fn = {"make": stub.Make, "reset": stub.Reset, "step": stub.Step, "close": stub.Close}[name]
                try:
                    return fn(msg, timeout=60), None
                except grpc.RpcError as e:
                    return None, (e.code(), e.details() or "")
            seq[0] += 1
            requests.put(epb.SessionRequest(seq=seq[0], **req))
            r = next(responses)
            if r.HasField("error"):
                return None, (grpc.StatusCode.UNKNOWN if not r.error.code else
                              next(c for c in grpc.StatusCode if c.value[0] == r.error.code), r.error.message)
            return getattr(r, r.WhichOneof("response")), None

        if on_stream:
            responses = stub.Session(iter(requests.get, None))
        made, err = call(make=make)
        if err:
            raise RuntimeError(f"make {env_id}: {err}")
        sid = made.session_id
        reset, err = call(reset=epb.ResetRequest(session_id=sid))
        if err:
            raise RuntimeError(f"reset: {err}")
        pids = []
        if kind == "fault":
            pids = [int(p) for p in np.frombuffer(reset.observations.tensor.data, dtype="<f4").reshape(n, 2)[:, 1]]

        def act():
            if kind == "cartpole":
                return int_actions([self.rng.randrange(2) for _ in range(n)])
            if kind == "pendulum":
                return box_actions(n, self.rng)
            return int_actions([OK] * n)

        for _ in range(self.rng.randrange(50, 400)):
            if time.monotonic() > self.deadline:
                break
            if self.rng.random() < self.fault_rate:
                fault = self.rng.choice(
                    ["env_raise", "disconnect", "abandon"] + (["worker_kill", "worker_crash"] * 2 if kind == "fault" else []))
                self.stats.injected[fault] += 1
                if fault in ("disconnect", "abandon"):
                    # Walk away without Close: a stream is cancelled (its sessions close at once), a
                    # unary-made session is left for the idle reaper.
                    channel.close()
                    self.stats.survived[fault] += 1  # checked globally: leaked sessions must be 0
                    return
                if fault == "worker_kill":
                    os.kill(self.rng.choice(pids), signal.SIGKILL)
                    actions, expect = int_actions([OK] * n), "WORKER_DIED"
                elif fault == "worker_crash":
                    actions = int_actions([OK] * (n - 1) + [self.rng.choice([ABORT, SEGFAULT, EXIT])])
                    expect = "WORKER_DIED"
                else:
                    actions = int_actions([OK] * (n - 1) + [RAISE]) if kind == "fault" else None
                    expect = "ENV_ERROR"
                    if actions is None:  # CartPole/Pendulum cannot raise on demand: send a bad action instead
                        actions = int_actions([7] * (n + 1))
                        expect = "INVALID"
                _, err = call(step=epb.StepRequest(session_id=sid, actions=actions))
                ok = err is not None and (
                    (expect == "INVALID" and err[0] == grpc.StatusCode.INVALID_ARGUMENT)
                    or (expect != "INVALID" and err[0] == grpc.StatusCode.ABORTED))
                if expect != "INVALID":
                    reset, err2 = call(reset=epb.ResetRequest(session_id=sid))
                    if err2:
                        raise RuntimeError(f"reset after {fault}: {err2}")
                    if kind == "fault":
                        pids = [int(p) for p in np.frombuffer(reset.observations.tensor.data, dtype="<f4").reshape(n, 2)[:, 1]]
                _, err3 = call(step=epb.StepRequest(session_id=sid, actions=act()))
                if ok and err3 is None:
                    self.stats.survived[fault] += 1
                else:
                    with self.stats.lock:
                        self.stats.unexpected.append(f"{fault} on {env_id}: {err} then {err3}"[:300])
                continue
            _, err = call(step=epb.StepRequest(session_id=sid, actions=act()))
            if err:
                raise RuntimeError(f"step {env_id}: {err}")
            self.stats.add(steps=n)
        call(close=epb.CloseRequest(session_id=sid))
        if on_stream:
            requests.put(None)
        channel.close()


def attacker(address: str, stats: Stats, stop: threading.Event, rounds: int = 0) -> None:
    """Cycles through the attacks of the module docstring until stopped (or ``rounds`` times through
    all of them); each must get its status."""
    from gymbridge_server import codec

    ch = grpc.insecure_channel(address)
    stub = env_pb2_grpc.EnvServiceStub(ch)
    raw_step = ch.unary_unary("/gymbridge.v1.EnvService/Step", request_serializer=None, response_deserializer=None)
    desc = ["S" + "F" * 999] + ["F" * 1000] * 998 + ["F" * 999 + "G"]

    def refused(make: epb.MakeRequest | None = None, call=None, request=None, timeout: float = 60) -> grpc.StatusCode:
        try:
            (call or stub.Make)(request if request is not None else make, timeout=timeout)
            return grpc.StatusCode.OK
        except grpc.RpcError as e:
            return e.code()

    def wrapper(name: str, **kw) -> epb.WrapperSpec:
        return epb.WrapperSpec(name=name, kwargs=codec.dict_to_args(kw))

    def idle_streams() -> grpc.StatusCode:
        feeds = [queue.Queue() for _ in range(10)]
        calls = [stub.Session(iter(q.get, None)) for q in feeds]
        codes = set()
        for c in calls:
            try:
                next(c)
            except grpc.RpcError as e:
                codes.add(e.code())
        for q in feeds:
            q.put(None)
        return codes.pop() if len(codes) == 1 else grpc.StatusCode.UNKNOWN

    def workers() -> grpc.StatusCode:
        sid = stub.Make(epb.MakeRequest(env_id="CartPole-v1", num_envs=2, vectorization="workers", num_workers=2), timeout=60).session_id
        stub.Reset(epb.ResetRequest(session_id=sid), timeout=60)
        stub.Step(epb.StepRequest(session_id=sid, actions=int_actions([0, 1])), timeout=60)
        stub.Close(epb.CloseRequest(session_id=sid), timeout=60)
        return grpc.StatusCode.OK

    def garbage() -> grpc.StatusCode:
        if random.random() < 0.5:
            return refused(call=raw_step, request=b"\xff\xff\xff")
        sid = stub.Make(epb.MakeRequest(env_id="CartPole-v1", num_envs=1), timeout=60).session_id
        stub.Reset(epb.ResetRequest(session_id=sid), timeout=60)
        code = refused(call=stub.Step, request=epb.StepRequest(session_id=sid, actions=tpb.Value(tensor=tpb.Tensor(
            dtype=tpb.DTYPE_INT64, shape=[1] * 65, data=b"\0" * 8))))
        stub.Close(epb.CloseRequest(session_id=sid), timeout=60)
        return code

    attacks = {
        "human_render": (lambda: refused(epb.MakeRequest(env_id="HalfCheetah-v5", kwargs=codec.dict_to_args({"render_mode": "human"}))),
                         grpc.StatusCode.INVALID_ARGUMENT),
        "frame_stack": (lambda: refused(epb.MakeRequest(env_id="CartPole-v1", wrappers=[wrapper("FrameStackObservation", stack_size=10**7)])),
                        grpc.StatusCode.RESOURCE_EXHAUSTED),
        "huge_map": (lambda: refused(epb.MakeRequest(env_id="FrozenLake-v1", kwargs=codec.dict_to_args({"desc": desc}))),
                     grpc.StatusCode.RESOURCE_EXHAUSTED),
        "many_processes": (lambda: refused(epb.MakeRequest(env_id="CartPole-v1", num_envs=1024, vectorization="async")),
                           grpc.StatusCode.RESOURCE_EXHAUSTED),
        "idle_streams": (idle_streams, grpc.StatusCode.CANCELLED),
        "make_deadline": (lambda: refused(epb.MakeRequest(env_id="gymbridge/Fault-v0", kwargs=codec.dict_to_args({"make_sleep_s": 1.0})),
                                          timeout=0.3), grpc.StatusCode.DEADLINE_EXCEEDED),
        "garbage": (garbage, grpc.StatusCode.INVALID_ARGUMENT),
        "forged_log": (lambda: refused(call=stub.Handshake, request=epb.HandshakeRequest(client_name="x\nFORGED")), grpc.StatusCode.OK),
        "workers": (workers, grpc.StatusCode.OK),
    }
    names = list(attacks)
    i = 0
    while not stop.is_set() and not (rounds and i >= rounds * len(names)):
        name = names[i % len(names)]
        i += 1
        run, want = attacks[name]
        stats.injected[f"attack:{name}"] += 1
        try:
            got = run()
        except grpc.RpcError as e:
            got = e.code()
        if got == want:
            stats.survived[f"attack:{name}"] += 1
        else:
            with stats.lock:
                stats.unexpected.append(f"attack {name}: {got}, expected {want}")
        stop.wait(0.5)
    ch.close()


def fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def fd_kinds(pid: int) -> dict[str, int]:
    """Open descriptors by kind (socket, pipe, anon_inode:[eventpoll], a file path ...)."""
    kinds: Counter = Counter()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        kinds[target.split(":[")[0] if ":[" in target and not target.startswith("anon_inode") else target] += 1
    return dict(kinds)


def control(address: str, stats: Stats, stop: threading.Event) -> None:
    """A CartPole session stepping the whole time: one client's faults must never reach it."""
    with grpc.insecure_channel(address) as ch:
        stub = env_pb2_grpc.EnvServiceStub(ch)
        sid = stub.Make(epb.MakeRequest(env_id="CartPole-v1", num_envs=2), timeout=60).session_id
        stub.Reset(epb.ResetRequest(session_id=sid), timeout=60)
        while not stop.is_set():
            try:
                stub.Step(epb.StepRequest(session_id=sid, actions=int_actions([0, 1])), timeout=60)
                stats.add(steps=2)
            except grpc.RpcError as e:
                stats.control_errors.append(f"{e.code()}: {e.details()}")
                return
            time.sleep(0.005)
        stub.Close(epb.CloseRequest(session_id=sid), timeout=60)


def metric(port: int, name: str) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    m = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", text, re.M)
    return float(m.group(1)) if m else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=240, help="seconds of load (default 240)")
    ap.add_argument("--clients", type=int, default=8, help="concurrent client threads (default 8)")
    ap.add_argument("--fault-rate", type=float, default=0.01, help="chance of a fault per step (default 0.01)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="also write the report to this file")
    ap.add_argument("--no-attacks", action="store_true", help="no attacker thread (faults only)")
    ap.add_argument("--server-arg", action="append", default=[], help="extra gymbridge-server argument (repeatable)")
    args = ap.parse_args()

    exe = Path(sys.executable).with_name("gymbridge-server")
    port = 0
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / "gymbridge-soak-server.log", "wb")
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        mport = s.getsockname()[1]
    server = subprocess.Popen(
        [str(exe), "--port", str(port), "--fault-envs", "--session-idle-timeout", str(IDLE_S), "--metrics-port", str(mport),
         "--max-sessions", "0", "--log-level", "warning", *args.server_arg],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, text=True,
    )
    address = server.stdout.readline().split()[1]
    print(f"soak: server pid {server.pid} on {address}, metrics :{mport}; {args.clients} clients for {args.duration:.0f} s",
          flush=True)

    stats = Stats()
    stop = threading.Event()
    ctl = threading.Thread(target=control, args=(address, stats, stop), daemon=True)
    ctl.start()
    time.sleep(3)  # warm-up: imports, first sessions
    # and one async session: the first one creates multiprocessing's shared-memory heap, which the
    # server keeps (and reuses) for good -- two descriptors that belong in the baseline
    with grpc.insecure_channel(address) as ch:
        stub = env_pb2_grpc.EnvServiceStub(ch)
        sid = stub.Make(epb.MakeRequest(env_id="gymbridge/Fault-v0", num_envs=2, vectorization="async"),
                        timeout=120).session_id
        stub.Reset(epb.ResetRequest(session_id=sid), timeout=60)
        stub.Close(epb.CloseRequest(session_id=sid), timeout=60)
    if not args.no_attacks:  # and every attack once, so that the baseline has what the server keeps for good
        attacker(address, Stats(), threading.Event(), rounds=1)
        time.sleep(IDLE_S * 2)
    rss_start = rss_kib(server.pid)
    fds_start = fds(server.pid)
    fd_kinds_start = fd_kinds(server.pid)
    samples = []
    att = None
    if not args.no_attacks:
        att = threading.Thread(target=attacker, args=(address, stats, stop), daemon=True)
        att.start()
    t0 = time.monotonic()
    deadline = t0 + args.duration
    clients = [Client(address, stats, deadline, args.seed * 1000 + i, args.fault_rate) for i in range(args.clients)]
    for c in clients:
        c.start()
    while any(c.is_alive() for c in clients):
        time.sleep(10)
        sample = {"t_s": round(time.monotonic() - t0), "steps": stats.steps, "faults": sum(stats.injected.values()),
                  "rss_mib": round(rss_kib(server.pid) / 1024), "fds": fds(server.pid),
                  "sessions": metric(mport, "gymbridge_sessions"), "workers": len(children(server.pid))}
        samples.append(sample)
        print("soak: " + " ".join(f"{k}={v}" for k, v in sample.items()), flush=True)
    elapsed = time.monotonic() - t0
    stop.set()
    ctl.join(60)
    if att is not None:
        att.join(60)
    time.sleep(IDLE_S * 2)  # abandoned sessions: the reaper frees them after the idle timeout
    sessions_left = metric(mport, "gymbridge_sessions")
    workers_left = children(server.pid)
    rss_end = rss_kib(server.pid)
    fds_end = fds(server.pid)
    fd_kinds_end = fd_kinds(server.pid)
    served = metric(mport, "gymbridge_steps_total")
    alive = server.poll() is None
    server.send_signal(signal.SIGTERM)
    exit_code = server.wait(60)

    report = {
        "duration_s": round(elapsed, 1),
        "clients": args.clients,
        "env_steps_client_side": stats.steps,
        "env_steps_served_metric": served,
        "env_steps_per_s": round(stats.steps / elapsed),
        "faults_injected": dict(stats.injected),
        "faults_survived": dict(stats.survived),
        "faults_injected_total": sum(stats.injected.values()),
        "faults_survived_total": sum(stats.survived.values()),
        "unexpected": stats.unexpected[:20],
        "unexpected_total": len(stats.unexpected),
        "control_errors": stats.control_errors,
        "sessions_leaked": sessions_left,
        "worker_processes_leaked": len(workers_left),
        "server_alive_at_end": alive,
        "server_exit_code": exit_code,
        "rss_start_mib": round(rss_start / 1024, 1),
        "rss_end_mib": round(rss_end / 1024, 1),
        "rss_max_mib": max([round(rss_start / 1024)] + [x["rss_mib"] for x in samples]),
        "fds_start": fds_start,
        "fds_end": fds_end,
        "fd_kinds_start": fd_kinds_start,
        "fd_kinds_end": fd_kinds_end,
        "samples": samples,
    }
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    good = (alive and exit_code == 0 and sessions_left == 0 and not workers_left and not stats.control_errors
            and fds_end <= fds_start
            and report["faults_survived_total"] == report["faults_injected_total"] and not stats.unexpected)
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
