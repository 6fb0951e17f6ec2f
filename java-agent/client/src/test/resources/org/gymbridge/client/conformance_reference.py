"""In-process Gymnasium ground truth for the Java conformance suite (org.gymbridge.conformance).

Usage: python conformance_reference.py JOB_JSON

JOB_JSON is {"cases": [case, ...]}; a case is {"name", "env_id", "num_envs", "seed", "kwargs",
"wrappers": [[name, kwargs], ...], "max_episode_steps", "actions": [action, ...]} where an action is
one batched action as the Java client sent it: {"t": [dtype, shape, hex]} (tensor), {"d": [[key, v],
...]} (dict), {"u": [v, ...]} (tuple), {"s": [str, ...]} (text: one str), {"l": [v, ...]} (list), null.

For every case this prints "case NAME", then "space <single obs>|<single act>|<obs>|<act>" (the
describe_spaces.py descriptions), then for each autoreset mode "mode next_step|same_step|disabled"
and the transcript of a rollout: the vector env is made exactly as the server makes a session
(gymnasium.make_vec, sync, vector_kwargs autoreset_mode, wrappers, max_episode_steps), reset with
the seed, stepped with the actions; under "disabled" the envs that ended are reset with
options={"reset_mask": done} before the next step. Transcript lines (Transcript.java writes the same):

    <tag> <dtype> <shape|-> <hex, or sha256:<digest> beyond 64 bytes>     a numeric or bool array
    <tag> str <json string>                                                a str
    <tag> None                                                             None
with dict entries as <tag>/<key> (insertion order, "_key" masks included), tuple and list items as
<tag>[i], Python bool/int/float infos as 0-d bool/int64/float64 (as the server's codec sends them),
and RecordEpisodeStatistics' wall-clock time episode/t as "<dtype> <shape> (time)".
"""
import hashlib
import json
import sys
import warnings

import gymnasium
import numpy as np
from gymnasium.vector import AutoresetMode

sys.path.insert(0, __import__("os").path.dirname(__file__))
from describe_spaces import describe  # noqa: E402

MODES = {"next_step": AutoresetMode.NEXT_STEP, "same_step": AutoresetMode.SAME_STEP, "disabled": AutoresetMode.DISABLED}


def tensor_line(tag: str, a: np.ndarray) -> str:
    a = np.asarray(a, order="C")  # (not ascontiguousarray: it turns a 0-d array into shape (1,))
    shape = ",".join(str(d) for d in a.shape) or "-"
    if tag.endswith("episode/t"):
        return f"{tag} {a.dtype.name} {shape} (time)"
    data = a.astype(a.dtype.newbyteorder("<")).tobytes()
    body = data.hex() if len(data) <= 64 else "sha256:" + hashlib.sha256(data).hexdigest()
    return f"{tag} {a.dtype.name} {shape} {body}"


def emit(tag: str, x, out: list) -> None:
    if isinstance(x, dict):
        for k, v in x.items():
            emit(f"{tag}/{k}", v, out)
    elif isinstance(x, np.ndarray):
        if x.dtype.kind in "biuf":
            out.append(tensor_line(tag, x))
        else:  # object or string arrays: one item per element, as the codec sends them
            for i, v in enumerate(x.reshape(-1)):
                emit(f"{tag}[{i}]", str(v) if x.dtype.kind in "US" else v, out)
    elif x is None:
        out.append(f"{tag} None")
    elif isinstance(x, (bool, np.bool_)):
        out.append(tensor_line(tag, np.asarray(x, dtype=np.bool_)))
    elif isinstance(x, int):
        out.append(tensor_line(tag, np.asarray(x, dtype=np.int64)))
    elif isinstance(x, float):
        out.append(tensor_line(tag, np.asarray(x, dtype=np.float64)))
    elif isinstance(x, np.generic) and x.dtype.kind in "biuf":
        out.append(tensor_line(tag, np.asarray(x)))
    elif isinstance(x, str):  # (np.str_ too)
        out.append(f"{tag} str {json.dumps(str(x))}")
    elif isinstance(x, (tuple, list)):
        for i, v in enumerate(x):
            emit(f"{tag}[{i}]", v, out)
    else:
        out.append(f"{tag} repr {json.dumps(repr(x))}")


def decode(v):
    if v is None:
        return None
    if "t" in v:
        dtype, shape, data = v["t"]
        dt = np.dtype(dtype)
        return np.frombuffer(bytes.fromhex(data), dtype=dt.newbyteorder("<")).astype(dt).reshape(shape)
    if "d" in v:
        return {k: decode(x) for k, x in v["d"]}
    if "u" in v:
        return tuple(decode(x) for x in v["u"])
    if "s" in v:
        return v["s"][0] if len(v["s"]) == 1 else tuple(v["s"])
    if "l" in v:
        return [decode(x) for x in v["l"]]
    raise ValueError(f"unknown action encoding {v!r}")


def make(case: dict, mode: str):
    kwargs = dict(case["kwargs"])
    if case.get("max_episode_steps"):
        kwargs["max_episode_steps"] = case["max_episode_steps"]
    wrappers = [
        (lambda cls, kw: (lambda env: cls(env, **kw)))(getattr(gymnasium.wrappers, name), kw)
        for name, kw in case.get("wrappers", [])
    ]
    return gymnasium.make_vec(
        case["env_id"],
        num_envs=case["num_envs"],
        vectorization_mode="sync",
        vector_kwargs={"autoreset_mode": MODES[mode]},
        wrappers=wrappers,
        **kwargs,
    )


def rollout(case: dict, mode: str, actions: list) -> list:
    out: list = []
    envs = make(case, mode)
    try:
        obs, info = envs.reset(seed=case["seed"])
        emit("reset obs", obs, out)
        emit("reset info", info, out)
        for action in actions:
            obs, rew, term, trunc, info = envs.step(action)
            emit("obs", obs, out)
            emit("rew", np.asarray(rew, dtype=np.float64), out)
            emit("term", np.asarray(term, dtype=np.bool_), out)
            emit("trunc", np.asarray(trunc, dtype=np.bool_), out)
            emit("info", info, out)
            done = np.logical_or(term, trunc)
            if mode == "disabled" and done.any():
                obs, info = envs.reset(options={"reset_mask": done})
                emit("mreset obs", obs, out)
                emit("mreset info", info, out)
    finally:
        envs.close()
    return out


def main() -> None:
    warnings.simplefilter("ignore")
    from gymbridge_server import register_envs

    register_envs()  # Crafter-v1 and the gymbridge/ test envs
    with open(sys.argv[1]) as f:
        job = json.load(f)
    for case in job["cases"]:
        print("case", case["name"])
        envs = make(case, "next_step")
        spaces = (envs.single_observation_space, envs.single_action_space, envs.observation_space, envs.action_space)
        print("space " + "|".join(describe(s) for s in spaces))
        envs.close()
        actions = [decode(a) for a in case["actions"]]
        for mode in MODES:
            print("mode", mode)
            for line in rollout(case, mode, actions):
                print(line)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
