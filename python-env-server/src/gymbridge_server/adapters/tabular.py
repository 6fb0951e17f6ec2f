"""Tabular transition models: ``unwrapped.P`` of toy-text envs, flattened for GetModel.

FrozenLake, Taxi and CliffWalking expose their dynamics as ``P[state][action] = [(probability,
next_state, reward, done), ...]``, which is what dynamic programming (value/policy iteration)
needs. The model is flattened state by state, action by action, in Gymnasium's own outcome order,
and every number is converted without rounding (``float`` of a Python float is the same float64),
so sums over a (state, action) pair are bit-identical to the same sums in Python.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
from gymnasium import spaces


class NoModelError(LookupError):
    """The env exposes no tabular model; the message names the env and the envs that do."""


TABULAR_EXAMPLES = "FrozenLake-v1, FrozenLake8x8-v1, Taxi-v4, CliffWalking-v1"


@dataclass
class TabularModel:
    """A flattened ``P``: entry k is (state[k], action[k]) -> next_state[k] w.p. probability[k]."""

    num_states: int
    num_actions: int
    state: list[int] = field(default_factory=list)
    action: list[int] = field(default_factory=list)
    probability: list[float] = field(default_factory=list)
    next_state: list[int] = field(default_factory=list)
    reward: list[float] = field(default_factory=list)
    done: list[bool] = field(default_factory=list)


def model_of(env: gym.Env, env_id: str) -> TabularModel:
    """The flattened ``env.unwrapped.P``; NoModelError when the env has no tabular model."""
    unwrapped = env.unwrapped
    P = getattr(unwrapped, "P", None)
    obs_space, act_space = unwrapped.observation_space, unwrapped.action_space
    if P is None or not isinstance(obs_space, spaces.Discrete) or not isinstance(act_space, spaces.Discrete):
        raise NoModelError(
            f"{env_id} exposes no tabular transition model (unwrapped.P over Discrete observation "
            f"and action spaces; it has {type(obs_space).__name__} observations and "
            f"{type(act_space).__name__} actions); GetModel works for envs such as {TABULAR_EXAMPLES}"
        )
    n_states, n_actions = int(obs_space.n), int(act_space.n)
    s0, a0 = int(obs_space.start), int(act_space.start)
    m = TabularModel(num_states=n_states, num_actions=n_actions)
    for s in range(s0, s0 + n_states):
        by_action = _lookup(P, s, env_id, "state")
        for a in range(a0, a0 + n_actions):
            outcomes: Sequence[Any] = _lookup(by_action, a, env_id, f"state {s}, action")
            if not outcomes:
                raise NoModelError(f"{env_id}: unwrapped.P[{s}][{a}] is empty, so it is not a transition model")
            for outcome in outcomes:
                if len(outcome) != 4:
                    raise NoModelError(
                        f"{env_id}: unwrapped.P[{s}][{a}] holds {outcome!r}, not (probability, next_state, reward, done)"
                    )
                prob, nxt, reward, done = outcome
                m.state.append(s)
                m.action.append(a)
                m.probability.append(float(prob))
                m.next_state.append(int(nxt))
                m.reward.append(float(reward))
                m.done.append(bool(done))
    return m


def _lookup(table: Any, key: int, env_id: str, what: str) -> Any:
    """``table[key]`` for a dict or list ``P`` level, NoModelError naming the gap otherwise."""
    try:
        if isinstance(table, Mapping) or isinstance(table, Sequence):
            return table[key]
    except (KeyError, IndexError):
        pass
    raise NoModelError(f"{env_id}: unwrapped.P has no entry for {what} {key}, so it is not a complete transition model")
