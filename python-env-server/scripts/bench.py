"""Round-trip benchmark: batched steps per second through a gymbridge server (Python client).

Usage: .venv/bin/python scripts/bench.py [--target HOST:PORT] [--steps 500]
Without --target it starts a private server (the installed gymbridge-server, --port 0) and stops
it afterwards. Compare with in-process Gymnasium printed on the same line: the difference is the
bridge's per-call cost (gRPC + encoding), which batching amortizes.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import gymnasium as gym

from gymbridge_server.adapters.gymnasium import route_mujoco_warnings
from gymbridge_server.client import RemoteVectorEnv

CASES = [("CartPole-v1", 1), ("CartPole-v1", 64), ("HalfCheetah-v5", 16)]


def per_step(env, actions) -> float:
    start = time.perf_counter()
    for a in actions:
        env.step(a)
    return (time.perf_counter() - start) / len(actions)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--target", help="a running server; default: start one")
    p.add_argument("--steps", type=int, default=500)
    args = p.parse_args()
    route_mujoco_warnings()
    proc = None
    target = args.target
    if target is None:
        exe = Path(sys.executable).with_name("gymbridge-server")
        proc = subprocess.Popen([str(exe), "--port", "0", "--log-level", "warning"], stdout=subprocess.PIPE, text=True)
        target = proc.stdout.readline().split()[1]
    try:
        for env_id, n in CASES:
            local = gym.make_vec(env_id, n, vectorization_mode="sync")
            local.reset(seed=0)
            local.action_space.seed(0)
            actions = [local.action_space.sample() for _ in range(args.steps)]
            t_local = per_step(local, actions)
            local.close()
            for transport in ("stream", "unary"):
                remote = RemoteVectorEnv(target, env_id, n, transport=transport)
                remote.reset(seed=0)
                t = per_step(remote, actions)
                remote.close()
                print(f"{env_id:>15} x{n:<3} {transport:>6}: {t * 1e6:7.0f} us/step {n / t:9.0f} env-steps/s"
                      f"   (in-process {t_local * 1e6:6.0f} us/step)")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(15)


if __name__ == "__main__":
    main()
