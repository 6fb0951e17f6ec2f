"""Benchmark of vectorization=ray on a private single-node Ray, and of a vector env sharded over 2 servers.

    .venv/bin/python scripts/bench_ray.py [--steps N]

Re-executes itself in a loopback-only network namespace (``unshare -n``; Ray binds the machine's own
interface address otherwise). Rows, each with wall time per step and the CPU seconds the step used in
every process involved (this process, worker processes; for ray rows every process of the private Ray --
gcs_server, raylet, dashboard, agents, actors: read from /proc, so other load on the machine does not count):

- Crafter-v1 x16: ``workers`` (2 processes) vs ``ray`` (2 actors) -- the slow env that amortizes Ray's cost;
- HalfCheetah-v5 x16: ``sync`` vs ``ray`` with 1 and 2 actors -- Ray's per-step overhead in us, and how
  many envs an actor needs to keep it under 10 %;
- CartPole-v1 x64 through the Python client: one server vs the same envs sharded over two servers.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

TICK = os.sysconf("SC_CLK_TCK")


def _cpu_of(pids: list[int]) -> float:
    total = 0.0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICK  # utime + stime
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def _descendants(pid: int) -> list[int]:
    """Every live process under ``pid`` (a private Ray's gcs_server, raylet, dashboard, agents and actors)."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    children.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(int(d))
            except (FileNotFoundError, ProcessLookupError):
                pass
    out, todo = [], list(children.get(pid, []))
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def measure(env, steps: int, extra_pids) -> tuple[float, float]:
    """Seconds per step (best of 3 passes) and CPU seconds per step (all processes, over the passes)."""
    env.reset(seed=0)
    env.action_space.seed(0)
    actions = [env.action_space.sample() for _ in range(steps)]
    for a in actions[:3]:
        env.step(a)  # warm-up
    pids = [os.getpid(), *extra_pids()]
    cpu0 = _cpu_of(pids)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for a in actions:
            env.step(a)
        best = min(best, (time.perf_counter() - t0) / steps)
    return best, (_cpu_of(pids) - cpu0) / (3 * steps)


def row(name: str, s: float, cpu: float, n: int) -> None:
    print(f"| {name} | {s * 1e3:.2f} ms | {n / s:,.0f} | {cpu * 1e3:.2f} ms |", flush=True)


def inside(steps: int) -> None:
    import gymnasium as gym
    from gymnasium.vector import AutoresetMode

    from gymbridge_server import register_envs
    from gymbridge_server.vector import ray as ray_vec
    from gymbridge_server.vector.factory import make_vector_env
    from gymbridge_server.vector.workers import WorkerVectorEnv

    register_envs()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start", flush=True)
    t0 = time.perf_counter()
    print(ray_vec.connect("local"), f"(started in {time.perf_counter() - t0:.1f} s)", flush=True)
    # A ray row counts every process of the private Ray (daemons idle or not), as the CPU Ray costs this machine.
    ray_tree = lambda: _descendants(os.getpid())  # noqa: E731
    print("\n| case | wall per step | env-steps/s | CPU per step (all processes) |\n| --- | --- | --- | --- |")
    results = {}
    for env_id, n, k_steps in (("Crafter-v1", 16, max(10, steps // 20)), ("HalfCheetah-v5", 16, steps)):
        kw = dict(autoreset_mode=AutoresetMode.NEXT_STEP, kwargs={})
        if env_id == "HalfCheetah-v5":
            env = make_vector_env(env_id, n, **kw)
            results[(env_id, "sync")] = measure(env, k_steps, lambda: [])
            row(f"{env_id} x{n} sync", *results[(env_id, "sync")], n)
            env.close()
        env = WorkerVectorEnv(env_id, n, num_workers=2)
        results[(env_id, "workers")] = measure(env, k_steps, lambda e=env: [p.pid for p in e.processes])
        row(f"{env_id} x{n} workers (2 processes)", *results[(env_id, "workers")], n)
        env.close()
        for k in ((2,) if env_id == "Crafter-v1" else (1, 2)):
            env = ray_vec.RayVectorEnv(env_id, n, num_workers=k, **kw)
            results[(env_id, f"ray{k}")] = measure(env, k_steps, ray_tree)
            row(f"{env_id} x{n} ray ({k} actor{'s' if k > 1 else ''})", *results[(env_id, f"ray{k}")], n)
            env.close()
    w, r = results[("Crafter-v1", "workers")][0], results[("Crafter-v1", "ray2")][0]
    print(f"\nCrafter x16: ray / workers throughput = {w / r:.2f}x")
    sync_s, ray1_s = results[("HalfCheetah-v5", "sync")][0], results[("HalfCheetah-v5", "ray1")][0]
    overhead = ray1_s - sync_s
    per_env = sync_s / 16
    print(f"HalfCheetah x16: one env step {per_env * 1e6:.0f} us; ray overhead per step and actor "
          f"{overhead * 1e6:.0f} us (ray, 1 actor, minus sync); overhead <= 10 % needs >= "
          f"{max(1, int(np.ceil(overhead / (0.1 * per_env))))} envs per actor")
    ray_vec.disconnect()


def shard_rows(steps: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from conftest import ServerProcess  # the tests' server launcher (READY line, --port 0)

    from gymbridge_server.client import RemoteVectorEnv

    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    a = ServerProcess("--port", "0", "--log-level", "warning", log_path=tmp / "bench-shard-a.log")
    b = ServerProcess("--port", "0", "--log-level", "warning", log_path=tmp / "bench-shard-b.log")
    try:
        for name, target in (("one server", a.address), ("2-server shard", f"{a.address},{b.address}")):
            env = RemoteVectorEnv(target, "CartPole-v1", 64)
            row(f"CartPole-v1 x64 Python client, {name}", *measure(env, steps, lambda: [a.proc.pid, b.proc.pid]), 64)
            env.close()
    finally:
        a.terminate()
        b.terminate()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.inside:
        inside(args.steps)
        shard_rows(args.steps)
        return
    flags = "-n" if os.geteuid() == 0 else "-rn"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--inside", "--steps", str(args.steps)]
    sys.exit(subprocess.call(["unshare", flags, "bash", "-c", 'ip link set lo up && exec "$@"', "netns", *cmd]))


if __name__ == "__main__":
    main()
