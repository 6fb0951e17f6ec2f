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

A fault is *survived* when the server answered it with the expected status and the session (or a
new one) stepped on afterwards. One control client steps CartPole the whole time and must never
see an error. At the end it waits for the reaper, then reports: steps served, faults injected and
survived (by kind), control errors, sessions and worker processes leaked (both must be 0), and
the server's RSS at start (after warm-up) and end. Exit code 0 when nothing leaked and every
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
         "--max-sessions", "0", "--log-level", "warning"],
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
    rss_start = rss_kib(server.pid)
    t0 = time.monotonic()
    deadline = t0 + args.duration
    clients = [Client(address, stats, deadline, args.seed * 1000 + i, args.fault_rate) for i in range(args.clients)]
    for c in clients:
        c.start()
    while any(c.is_alive() for c in clients):
        time.sleep(10)
        print(f"soak: t={time.monotonic() - t0:5.0f}s steps={stats.steps} faults={sum(stats.injected.values())} "
              f"rss={rss_kib(server.pid) / 1024:.0f} MiB sessions={metric(mport, 'gymbridge_sessions'):.0f}", flush=True)
    elapsed = time.monotonic() - t0
    stop.set()
    ctl.join(60)
    time.sleep(IDLE_S * 2)  # abandoned sessions: the reaper frees them after the idle timeout
    sessions_left = metric(mport, "gymbridge_sessions")
    workers_left = children(server.pid)
    rss_end = rss_kib(server.pid)
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
    }
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    good = (alive and exit_code == 0 and sessions_left == 0 and not workers_left and not stats.control_errors
            and report["faults_survived_total"] == report["faults_injected_total"] and not stats.unexpected)
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
