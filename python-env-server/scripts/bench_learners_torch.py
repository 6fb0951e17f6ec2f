"""The PyTorch side of `gymbridge bench --learners`: the same learner updates written the CleanRL way.

Usage (the Java benchmark runs it; torch is a benchmark-only tool, never a dependency of the build or tests):
    PYTHON scripts/bench_learners_torch.py SPEC.json
SPEC.json is {"threads": N, "warmup": W, "repeats": R, "rows": [{"name", "kind", sizes...}, ...]} as written by
java-agent/cli LearnerBench, so both sides time the same sizes. For every row this script runs W untimed blocks
and R timed blocks of `units` units (one update, one minibatch, or one frame), and prints one JSON object:
    {"torch": "2.x", "threads": N, "rows": [{"name", "cpu_ms": [...], "wall_ms": [...]}, ...]}
with the CPU (time.process_time, all threads) and wall time of each timed block divided by its units.

The updates follow CleanRL's files: sac_continuous_action.py, td3_continuous_action.py, dqn.py,
ppo.py / ppo_continuous_action.py and ppo_atari.py (the Nature CNN), with the hyperparameters of the
Java row (batch sizes, widths, learning rates do not change the cost).
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.distributions.categorical import Categorical
from torch.distributions.normal import Normal


def mlp(sizes: list[int], activation: type[nn.Module] = nn.ReLU) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


class Replay:
    """A uniform replay buffer in numpy, sampled into torch tensors like CleanRL's (SB3's) ReplayBuffer."""

    def __init__(self, size: int, obs: int, act: int, rng: np.random.Generator, discrete: bool = False) -> None:
        self.rng = rng
        self.obs = rng.standard_normal((size, obs)).astype(np.float32)
        self.next_obs = rng.standard_normal((size, obs)).astype(np.float32)
        if discrete:
            self.actions = rng.integers(0, act, size=(size, 1)).astype(np.int64)
        else:
            self.actions = rng.uniform(-1, 1, size=(size, act)).astype(np.float32)
        self.rewards = rng.standard_normal((size, 1)).astype(np.float32)
        self.dones = (rng.random((size, 1)) < 0.01).astype(np.float32)

    def sample(self, batch: int):
        i = self.rng.integers(0, len(self.obs), size=batch)
        return (torch.from_numpy(self.obs[i]), torch.from_numpy(self.actions[i]), torch.from_numpy(self.next_obs[i]),
                torch.from_numpy(self.rewards[i]), torch.from_numpy(self.dones[i]))


def sac(row: dict):
    obs, act, hidden, batch = row["obs"], row["act"], row["hidden"], row["batch"]
    gamma, tau, policy_frequency = row["gamma"], row["tau"], row["policy_frequency"]
    log_std_min, log_std_max = -5, 2

    class Actor(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.trunk = mlp([obs, *hidden], nn.ReLU)
            self.fc_mean = nn.Linear(hidden[-1], act)
            self.fc_logstd = nn.Linear(hidden[-1], act)

        def get_action(self, x):
            h = F.relu(self.trunk(x))
            mean = self.fc_mean(h)
            log_std = torch.tanh(self.fc_logstd(h))
            log_std = log_std_min + 0.5 * (log_std_max - log_std_min) * (log_std + 1)
            std = log_std.exp()
            normal = Normal(mean, std)
            x_t = normal.rsample()
            y_t = torch.tanh(x_t)
            log_prob = normal.log_prob(x_t) - torch.log(1 - y_t.pow(2) + 1e-6)
            return y_t, log_prob.sum(1, keepdim=True)

    actor = Actor()
    qf1, qf2 = mlp([obs + act, *hidden, 1]), mlp([obs + act, *hidden, 1])
    qf1_target, qf2_target = mlp([obs + act, *hidden, 1]), mlp([obs + act, *hidden, 1])
    qf1_target.load_state_dict(qf1.state_dict())
    qf2_target.load_state_dict(qf2.state_dict())
    q_optimizer = optim.Adam(list(qf1.parameters()) + list(qf2.parameters()), lr=row["q_lr"])
    actor_optimizer = optim.Adam(actor.parameters(), lr=row["policy_lr"])
    target_entropy = -float(act)
    log_alpha = torch.zeros(1, requires_grad=True)
    alpha = log_alpha.exp().item()
    a_optimizer = optim.Adam([log_alpha], lr=row["q_lr"])
    rb = Replay(row["buffer"], obs, act, np.random.default_rng(1))
    step = [0]

    def update():
        nonlocal alpha
        step[0] += 1
        observations, actions, next_observations, rewards, dones = rb.sample(batch)
        with torch.no_grad():
            next_state_actions, next_state_log_pi = actor.get_action(next_observations)
            qf1_next_target = qf1_target(torch.cat([next_observations, next_state_actions], 1))
            qf2_next_target = qf2_target(torch.cat([next_observations, next_state_actions], 1))
            min_qf_next_target = torch.min(qf1_next_target, qf2_next_target) - alpha * next_state_log_pi
            next_q_value = rewards.flatten() + (1 - dones.flatten()) * gamma * min_qf_next_target.view(-1)
        qf1_a_values = qf1(torch.cat([observations, actions], 1)).view(-1)
        qf2_a_values = qf2(torch.cat([observations, actions], 1)).view(-1)
        qf_loss = F.mse_loss(qf1_a_values, next_q_value) + F.mse_loss(qf2_a_values, next_q_value)
        q_optimizer.zero_grad()
        qf_loss.backward()
        q_optimizer.step()
        if step[0] % policy_frequency == 0:
            for _ in range(policy_frequency):
                pi, log_pi = actor.get_action(observations)
                qf_pi = torch.min(qf1(torch.cat([observations, pi], 1)), qf2(torch.cat([observations, pi], 1)))
                actor_loss = ((alpha * log_pi) - qf_pi).mean()
                actor_optimizer.zero_grad()
                actor_loss.backward()
                actor_optimizer.step()
                with torch.no_grad():
                    _, log_pi = actor.get_action(observations)
                alpha_loss = (-log_alpha.exp() * (log_pi + target_entropy)).mean()
                a_optimizer.zero_grad()
                alpha_loss.backward()
                a_optimizer.step()
                alpha = log_alpha.exp().item()
        for param, target_param in zip(qf1.parameters(), qf1_target.parameters()):
            target_param.data.copy_(tau * param.data + (1 - tau) * target_param.data)
        for param, target_param in zip(qf2.parameters(), qf2_target.parameters()):
            target_param.data.copy_(tau * param.data + (1 - tau) * target_param.data)

    return update


def td3(row: dict):
    obs, act, hidden, batch = row["obs"], row["act"], row["hidden"], row["batch"]
    gamma, tau, policy_frequency = row["gamma"], row["tau"], row["policy_frequency"]
    policy_noise, noise_clip = row["policy_noise"], row["noise_clip"]
    actor, qf1, qf2 = mlp([obs, *hidden, act]), mlp([obs + act, *hidden, 1]), mlp([obs + act, *hidden, 1])
    target_actor, qf1_target, qf2_target = mlp([obs, *hidden, act]), mlp([obs + act, *hidden, 1]), mlp([obs + act, *hidden, 1])
    target_actor.load_state_dict(actor.state_dict())
    qf1_target.load_state_dict(qf1.state_dict())
    qf2_target.load_state_dict(qf2.state_dict())
    q_optimizer = optim.Adam(list(qf1.parameters()) + list(qf2.parameters()), lr=row["critic_lr"])
    actor_optimizer = optim.Adam(list(actor.parameters()), lr=row["actor_lr"])
    rb = Replay(row["buffer"], obs, act, np.random.default_rng(1))
    step = [0]

    def update():
        step[0] += 1
        observations, actions, next_observations, rewards, dones = rb.sample(batch)
        with torch.no_grad():
            clipped_noise = (torch.randn_like(actions) * policy_noise).clamp(-noise_clip, noise_clip)
            next_state_actions = (torch.tanh(target_actor(next_observations)) + clipped_noise).clamp(-1, 1)
            qf1_next_target = qf1_target(torch.cat([next_observations, next_state_actions], 1))
            qf2_next_target = qf2_target(torch.cat([next_observations, next_state_actions], 1))
            min_qf_next_target = torch.min(qf1_next_target, qf2_next_target)
            next_q_value = rewards.flatten() + (1 - dones.flatten()) * gamma * min_qf_next_target.view(-1)
        qf1_a_values = qf1(torch.cat([observations, actions], 1)).view(-1)
        qf2_a_values = qf2(torch.cat([observations, actions], 1)).view(-1)
        qf_loss = F.mse_loss(qf1_a_values, next_q_value) + F.mse_loss(qf2_a_values, next_q_value)
        q_optimizer.zero_grad()
        qf_loss.backward()
        q_optimizer.step()
        if step[0] % policy_frequency == 0:
            actor_loss = -qf1(torch.cat([observations, torch.tanh(actor(observations))], 1)).mean()
            actor_optimizer.zero_grad()
            actor_loss.backward()
            actor_optimizer.step()
            for net, target in ((actor, target_actor), (qf1, qf1_target), (qf2, qf2_target)):
                for param, target_param in zip(net.parameters(), target.parameters()):
                    target_param.data.copy_(tau * param.data + (1 - tau) * target_param.data)

    return update


def dqn(row: dict):
    obs, actions, hidden, batch = row["obs"], row["actions"], row["hidden"], row["batch"]
    gamma, max_grad_norm = row["gamma"], row["max_grad_norm"]
    q_network, target_network = mlp([obs, *hidden, actions]), mlp([obs, *hidden, actions])
    target_network.load_state_dict(q_network.state_dict())
    optimizer = optim.Adam(q_network.parameters(), lr=row["lr"])
    rb = Replay(row["buffer"], obs, actions, np.random.default_rng(1), discrete=True)

    def update():
        observations, acts, next_observations, rewards, dones = rb.sample(batch)
        with torch.no_grad():
            target_max, _ = target_network(next_observations).max(dim=1)
            td_target = rewards.flatten() + gamma * target_max * (1 - dones.flatten())
        old_val = q_network(observations).gather(1, acts).squeeze()
        loss = F.mse_loss(td_target, old_val)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(q_network.parameters(), max_grad_norm)
        optimizer.step()

    return update


def ppo_minibatch(row: dict, agent: nn.Module, obs_batch: torch.Tensor, act_batch: torch.Tensor, minibatch: int,
                  optimizer: optim.Optimizer, before=None):
    """CleanRL's minibatch loop body; `before` runs once per block (the bootstrap value of the next observation)."""
    n = obs_batch.shape[0]
    rng = np.random.default_rng(1)
    logprobs = torch.zeros(n) - 1.0
    advantages = torch.from_numpy(rng.standard_normal(n).astype(np.float32))
    returns = torch.from_numpy(rng.standard_normal(n).astype(np.float32))
    values = torch.from_numpy(rng.standard_normal(n).astype(np.float32))
    clip_coef, ent_coef, vf_coef, max_grad_norm = row["clip_coef"], row["ent_coef"], row["vf_coef"], row["max_grad_norm"]
    state = {"start": 0}

    def update():
        start = state["start"]
        if start == 0 and before is not None:
            before()
        mb_inds = np.arange(start, start + minibatch) % n
        state["start"] = (start + minibatch) % n
        _, newlogprob, entropy, newvalue = agent.get_action_and_value(obs_batch[mb_inds], act_batch[mb_inds])
        logratio = newlogprob - logprobs[mb_inds]
        ratio = logratio.exp()
        with torch.no_grad():
            approx_kl = ((ratio - 1) - logratio).mean()
            clipfrac = ((ratio - 1.0).abs() > clip_coef).float().mean().item()
        mb_advantages = advantages[mb_inds]
        mb_advantages = (mb_advantages - mb_advantages.mean()) / (mb_advantages.std() + 1e-8)
        pg_loss1 = -mb_advantages * ratio
        pg_loss2 = -mb_advantages * torch.clamp(ratio, 1 - clip_coef, 1 + clip_coef)
        pg_loss = torch.max(pg_loss1, pg_loss2).mean()
        newvalue = newvalue.view(-1)
        v_loss_unclipped = (newvalue - returns[mb_inds]) ** 2
        v_clipped = values[mb_inds] + torch.clamp(newvalue - values[mb_inds], -clip_coef, clip_coef)
        v_loss_clipped = (v_clipped - returns[mb_inds]) ** 2
        v_loss = 0.5 * torch.max(v_loss_unclipped, v_loss_clipped).mean()
        entropy_loss = entropy.mean()
        loss = pg_loss - ent_coef * entropy_loss + v_loss * vf_coef
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(agent.parameters(), max_grad_norm)
        optimizer.step()
        return approx_kl.item(), clipfrac

    return update


def ppo(row: dict):
    obs, hidden, batch, minibatch = row["obs"], row["hidden"], row["batch"], row["minibatch"]
    discrete = row.get("actions")
    act = row.get("act")

    class Agent(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.critic = mlp([obs, *hidden, 1], nn.Tanh)
            self.actor = mlp([obs, *hidden, discrete or act], nn.Tanh)
            if not discrete:
                self.actor_logstd = nn.Parameter(torch.zeros(1, act))

        def get_value(self, x):
            return self.critic(x)

        def get_action_and_value(self, x, action):
            out = self.actor(x)
            if discrete:
                probs = Categorical(logits=out)
                return action, probs.log_prob(action), probs.entropy(), self.critic(x)
            probs = Normal(out, torch.exp(self.actor_logstd.expand_as(out)))
            return action, probs.log_prob(action).sum(1), probs.entropy().sum(1), self.critic(x)

    agent = Agent()
    optimizer = optim.Adam(agent.parameters(), lr=row["lr"], eps=1e-5)
    rng = np.random.default_rng(1)
    obs_batch = torch.from_numpy(rng.standard_normal((batch, obs)).astype(np.float32))
    if discrete:
        act_batch = torch.from_numpy(rng.integers(0, discrete, size=batch))
    else:
        act_batch = torch.from_numpy(rng.standard_normal((batch, act)).astype(np.float32))
    return ppo_minibatch(row, agent, obs_batch, act_batch, minibatch, optimizer)


class NatureCnn(nn.Module):
    """CleanRL ppo_atari.py's Agent for 64x64x3 frames (uint8 scaled by 1/255 in the network)."""

    def __init__(self, channels: int, height: int, width: int, actions: int) -> None:
        super().__init__()
        conv = nn.Sequential(nn.Conv2d(channels, 32, 8, stride=4), nn.ReLU(), nn.Conv2d(32, 64, 4, stride=2), nn.ReLU(),
                             nn.Conv2d(64, 64, 3, stride=1), nn.ReLU(), nn.Flatten())
        with torch.no_grad():
            flat = conv(torch.zeros(1, channels, height, width)).shape[1]
        self.network = nn.Sequential(conv, nn.Linear(flat, 512), nn.ReLU())
        self.actor = nn.Linear(512, actions)
        self.critic = nn.Linear(512, 1)

    def get_value(self, x):
        return self.critic(self.network(x / 255.0))

    def get_action_and_value(self, x, action=None):
        hidden = self.network(x / 255.0)
        probs = Categorical(logits=self.actor(hidden))
        if action is None:
            action = probs.sample()
        return action, probs.log_prob(action), probs.entropy(), self.critic(hidden)


def cnn_frames(row: dict):
    """PPO minibatch update on frames; one unit is one frame (the minibatch cost divided by its frames)."""
    h, w, c, actions = row["height"], row["width"], row["channels"], row["actions"]
    batch, minibatch, num_envs = row["batch"], row["minibatch"], row["num_envs"]
    agent = NatureCnn(c, h, w, actions)
    optimizer = optim.Adam(agent.parameters(), lr=row["lr"], eps=1e-5)
    rng = np.random.default_rng(1)
    frames = torch.from_numpy(rng.integers(0, 256, size=(batch, c, h, w)).astype(np.float32))
    act_batch = torch.from_numpy(rng.integers(0, actions, size=batch))
    next_obs = frames[:num_envs]

    def bootstrap():
        with torch.no_grad():
            agent.get_value(next_obs)

    return ppo_minibatch(row, agent, frames, act_batch, minibatch, optimizer, before=bootstrap)


def cnn_act(row: dict):
    """One acting forward pass on a batch of frames (HWC uint8 from the env, permuted as CleanRL's wrappers do)."""
    h, w, c, actions, n = row["height"], row["width"], row["channels"], row["actions"], row["num_envs"]
    agent = NatureCnn(c, h, w, actions)
    rng = np.random.default_rng(1)
    frames = rng.integers(0, 256, size=(n, h, w, c)).astype(np.uint8)

    def act():
        with torch.no_grad():
            x = torch.from_numpy(frames).permute(0, 3, 1, 2).float()
            action, _, _, _ = agent.get_action_and_value(x)
            return action.numpy()

    return act


KINDS = {"sac": sac, "td3": td3, "dqn": dqn, "ppo": ppo, "cnn_frames": cnn_frames, "cnn_act": cnn_act}


def measure(row: dict, warmup: int, repeats: int) -> dict:
    torch.manual_seed(1)
    unit = KINDS[row["kind"]](row)
    calls, units = row["calls"], row["units"]
    cpu, wall = [], []
    for block in range(warmup + repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(calls):
            unit()
        c1, w1 = time.process_time(), time.perf_counter()
        if block >= warmup:
            cpu.append(1e3 * (c1 - c0) / units)
            wall.append(1e3 * (w1 - w0) / units)
    return {"name": row["name"], "cpu_ms": cpu, "wall_ms": wall}


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    torch.set_num_threads(spec["threads"])
    torch.set_num_interop_threads(1)
    rows = [measure(row, spec["warmup"], spec["repeats"]) for row in spec["rows"]]
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "rows": rows}))


if __name__ == "__main__":
    main()
