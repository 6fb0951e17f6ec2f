"""Reference rollout for the Java fidelity tests: the same env, seed and actions stepped in-process.

Usage: python reference_rollout.py ENV_ID NUM_ENVS SEED KWARGS_JSON ACTIONS_FILE

ACTIONS_FILE has one batched action per line: "<numpy dtype> <comma-separated shape> <hex of raw
little-endian C-order bytes>" (shape "-" for a scalar). For the reset and every step this prints the
raw results the bridge must reproduce bit for bit, one per line (a Tuple observation gives one
"obs[i]" line per item):

    obs <dtype> <shape> <hex>        rew <dtype> <shape> <hex>
    term <dtype> <shape> <hex>       trunc <dtype> <shape> <hex>

The vector env is built exactly as the server builds a session: gymnasium.make_vec in "sync" mode
(Gymnasium's default NEXT_STEP autoreset), so this is the ground truth the Java side is compared to.
"""
import json
import sys

import gymnasium
import numpy as np


def emit(tag: str, a) -> None:
    if isinstance(a, tuple):  # a Tuple observation space: one line per item, in order
        for i, item in enumerate(a):
            emit(f"{tag}[{i}]", item)
        return
    a = np.ascontiguousarray(np.asarray(a))
    shape = ",".join(str(d) for d in a.shape) or "-"
    print(tag, a.dtype.name, shape, a.astype(a.dtype.newbyteorder("<")).tobytes().hex())


def main() -> None:
    env_id, num_envs, seed, kwargs_json, actions_file = sys.argv[1:6]
    envs = gymnasium.make_vec(env_id, num_envs=int(num_envs), vectorization_mode="sync", **json.loads(kwargs_json))
    obs, _ = envs.reset(seed=int(seed))
    emit("obs", obs)
    with open(actions_file) as f:
        for line in f:
            dtype, shape, data = line.split()
            dims = () if shape == "-" else tuple(int(d) for d in shape.split(","))
            action = np.frombuffer(bytes.fromhex(data), dtype=np.dtype(dtype).newbyteorder("<")).reshape(dims)
            obs, rew, term, trunc, _ = envs.step(action.astype(np.dtype(dtype)))
            emit("obs", obs)
            emit("rew", rew)
            emit("term", term)
            emit("trunc", trunc)
    envs.close()


if __name__ == "__main__":
    main()
