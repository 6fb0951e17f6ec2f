"""Train SB3 PPO through gymbridge.sb3 and on SB3's own DummyVecEnv of in-process Gymnasium envs, same
settings, same run; print steps/s of PPO.learn, of stepping alone, and the final greedy return.

Needs stable-baselines3 (and PyTorch) beside the gymbridge client and server:

    python -m venv /tmp/sb3-venv
    /tmp/sb3-venv/bin/pip install stable-baselines3 ./python-client ./python-env-server
    /tmp/sb3-venv/bin/python python-client/scripts/sb3_ppo_bench.py --env CartPole-v1 --num-envs 8 --steps 100000
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.env_util import make_vec_env as sb3_make_vec_env
from stable_baselines3.common.evaluation import evaluate_policy

import gymbridge.sb3


def stepping_rate(venv, steps: int) -> float:
    venv.seed(0)
    venv.reset()
    actions = np.stack([venv.action_space.sample() for _ in range(venv.num_envs)])
    t0 = time.perf_counter()
    for _ in range(steps // venv.num_envs):
        venv.step(actions)
    return steps / (time.perf_counter() - t0)


def train(name: str, venv, eval_env, args) -> dict:
    rate = stepping_rate(venv, args.step_bench)
    model = PPO("MlpPolicy", venv, seed=args.seed, verbose=0, device="cpu")
    t0 = time.perf_counter()
    model.learn(total_timesteps=args.steps)
    learn_s = time.perf_counter() - t0
    mean, std = evaluate_policy(model, eval_env, n_eval_episodes=20, deterministic=True, warn=False)
    venv.close()
    return {"backend": name, "step_per_s": rate, "learn_per_s": args.steps / learn_s, "learn_s": learn_s, "return": f"{mean:.1f} ± {std:.1f}"}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--env", default="CartPole-v1")
    p.add_argument("--num-envs", type=int, default=8)
    p.add_argument("--steps", type=int, default=100_000, help="PPO timesteps per backend")
    p.add_argument("--step-bench", type=int, default=40_000, help="random-action steps for the stepping rate")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--url", default="", help="gymbridge URL (default local:ENV?num_envs=N&seed=SEED)")
    args = p.parse_args()
    torch.set_num_threads(1)
    url = args.url or f"local:{args.env}?num_envs={args.num_envs}&seed={args.seed}"
    rows = [
        train("gymbridge.sb3 (" + url.split("?")[0] + ")", gymbridge.sb3.make_vec_env(url),
              sb3_make_vec_env(args.env, n_envs=1, seed=10_000), args),
        train("SB3 DummyVecEnv (in-process)", sb3_make_vec_env(args.env, n_envs=args.num_envs, seed=args.seed),
              sb3_make_vec_env(args.env, n_envs=1, seed=10_000), args),
    ]
    print(f"\n{args.env}, {args.num_envs} envs, PPO MlpPolicy (SB3 defaults), {args.steps} steps, torch threads 1")
    print(f"{'backend':36} {'env steps/s':>12} {'PPO steps/s':>12} {'learn s':>8}  greedy return (20 ep)")
    for r in rows:
        print(f"{r['backend']:36} {r['step_per_s']:12.0f} {r['learn_per_s']:12.0f} {r['learn_s']:8.1f}  {r['return']}")


if __name__ == "__main__":
    main()
