"""Canonical descriptions of an env's spaces, for comparing them with what the Java client decoded.

Usage: python describe_spaces.py ENV_ID NUM_ENVS

Prints four lines: the single observation space, the single action space, and the batched
observation and action spaces of gymnasium.make_vec(ENV_ID, NUM_ENVS, "sync"). Bounds travel as the
hex of their raw little-endian bytes, so a description matches only if every bit (±inf included)
and every dtype made it across. SpacesDescription.java writes the same format.
"""
import sys

import gymnasium
import numpy as np
from gymnasium import spaces


def hexof(a) -> str:
    a = np.ascontiguousarray(np.asarray(a))
    return a.astype(a.dtype.newbyteorder("<")).tobytes().hex()


def shape(s) -> str:
    return ",".join(str(int(d)) for d in s)


def describe(s: spaces.Space) -> str:
    if isinstance(s, spaces.Box):
        return f"Box({s.dtype.name};{shape(s.shape)};{hexof(s.low)};{hexof(s.high)})"
    if isinstance(s, spaces.Discrete):
        return f"Discrete({int(s.n)};{int(s.start)};{s.dtype.name})"
    if isinstance(s, spaces.MultiDiscrete):
        return f"MultiDiscrete({s.dtype.name};{shape(s.nvec.shape)};{hexof(s.nvec.astype(np.int64))};{hexof(s.start.astype(np.int64))})"
    if isinstance(s, spaces.MultiBinary):
        return f"MultiBinary({shape(s.shape)})"
    if isinstance(s, spaces.Dict):
        return "Dict(" + ",".join(f"{k}:{describe(v)}" for k, v in s.spaces.items()) + ")"
    if isinstance(s, spaces.Tuple):
        return "Tuple(" + ",".join(describe(v) for v in s.spaces) + ")"
    if isinstance(s, spaces.Text):
        chars = "".join(sorted(s.character_list))
        return f"Text({s.min_length};{s.max_length};{chars.encode('utf-8').hex()})"
    if isinstance(s, spaces.Sequence):
        return f"Sequence({describe(s.feature_space)};{s.stack})"
    if isinstance(s, spaces.Graph):
        edge = describe(s.edge_space) if s.edge_space is not None else "None"
        return f"Graph({describe(s.node_space)};{edge})"
    if isinstance(s, spaces.OneOf):
        return "OneOf(" + ",".join(describe(v) for v in s.spaces) + ")"
    raise TypeError(f"no description for {s!r}")


def main() -> None:
    env_id, num_envs = sys.argv[1], int(sys.argv[2])
    from gymbridge_server import register_envs

    register_envs()  # the gymbridge/ test envs
    envs = gymnasium.make_vec(env_id, num_envs=num_envs, vectorization_mode="sync")
    for s in (envs.single_observation_space, envs.single_action_space, envs.observation_space, envs.action_space):
        print(describe(s))
    envs.close()


if __name__ == "__main__":
    main()
