"""Craftax env steps per second: in-process (the same CraftaxVectorEnv) vs through a gymbridge server.

Usage: .venv/bin/python scripts/bench_craftax.py [--env Craftax-Classic-Symbolic-v1]
           [--batch 256 1024] [--steps 50] [--target HOST:PORT]
Without --target it starts a private server (the installed gymbridge-server, --port 0) and stops
it afterwards. Each row warms up first (the JAX compile of that batch shape, reported separately),
then times ``--steps`` batched steps (wall and CPU time; the bridge's CPU time is the client's plus
the private server's) of uniformly random actions with NEXT_STEP autoreset. The
bridge's row adds the gRPC round trip and encoding of the observation batch (float32) to the
same one-call JAX step.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from gymbridge_server.adapters.craftax import IDS, CraftaxVectorEnv
from gymbridge_server.client import RemoteVectorEnv


def server_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` (0 when unknown: --target)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(env, actions: list[np.ndarray], server_pid: int | None = None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (this process + the server's) per batched step over ``actions``
    (after one warm-up step and reset). CPU time is what a loaded, shared machine does not distort."""
    env.reset(seed=0)
    env.step(actions[0])  # compiles the step's shape (the reset compiled the transition already)
    start, cpu0, srv0 = time.perf_counter(), time.process_time(), server_cpu(server_pid)
    for a in actions:
        env.step(a)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu0 + server_cpu(server_pid) - srv0
    return wall / len(actions), cpu / len(actions)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--env", default="Craftax-Classic-Symbolic-v1", choices=sorted(IDS))
    p.add_argument("--batch", type=int, nargs="+", default=[256, 1024])
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--target", help="a running server; default: start one")
    args = p.parse_args()
    classic, symbolic, _ = IDS[args.env]
    proc = None
    target = args.target
    if target is None:
        exe = Path(sys.executable).with_name("gymbridge-server")
        # --exit-with-parent + a stdin pipe: the server exits with this process, even when it is killed
        proc = subprocess.Popen([str(exe), "--port", "0", "--log-level", "warning", "--exit-with-parent"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        target = proc.stdout.readline().split()[1]
    try:
        for n in args.batch:
            rng = np.random.default_rng(0)
            single = CraftaxVectorEnv(1, classic=classic, symbolic=symbolic)
            actions = [rng.integers(0, single.single_action_space.n, size=n) for _ in range(args.steps)]
            single.close()
            t0 = time.perf_counter()
            local = CraftaxVectorEnv(n, classic=classic, symbolic=symbolic)
            local.reset(seed=0)
            compile_s = time.perf_counter() - t0
            t_local, c_local = timed(local, actions)
            local.close()
            remote = RemoteVectorEnv(target, args.env, n)
            t0 = time.perf_counter()
            remote.reset(seed=0)
            remote_compile_s = time.perf_counter() - t0
            t_remote, c_remote = timed(remote, actions, proc.pid if proc is not None else None)
            remote.close()
            print(f"{args.env} x{n:<5} in-process {n / t_local:9.0f} env-steps/s ({t_local * 1e3:7.1f} ms/step,"
                  f" CPU {c_local * 1e3:7.1f} ms/step = {n / c_local:7.0f} env-steps/CPU-s)"
                  f" | bridge {n / t_remote:9.0f} env-steps/s ({t_remote * 1e3:7.1f} ms/step,"
                  f" CPU client+server {c_remote * 1e3:7.1f} ms/step = {n / c_remote:7.0f} env-steps/CPU-s)"
                  f" | first reset (compile) {compile_s:.0f} s in-process, {remote_compile_s:.0f} s server", flush=True)
    finally:
        if proc is not None:
            proc.stdin.close()  # EOF: --exit-with-parent closes the sessions and exits
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.terminate()


if __name__ == "__main__":
    main()
