"""Reference for the Java tabular-model tests: Gymnasium's own unwrapped.P and value iteration on it.

Usage: python tabular_reference.py ENV_ID KWARGS_JSON GAMMA

Prints "model <num_states> <num_actions>", then one line per outcome of P[s][a] in state, action,
outcome order: "<s> <a> <probability float64 hex> <next_state> <reward float64 hex> <done 0|1>", then
"values <hex of V as little-endian float64>" and "sweeps <n>" for synchronous value iteration
    V'(s) = max_a sum_k p_k * (r_k + gamma * V(s'_k) * (not done_k))
from V = 0 until max |V' - V| < 1e-12 (at most 100000 sweeps). Java runs the same iteration on the
model the bridge returns and must agree to 1e-9.
"""
import json
import struct
import sys

import gymnasium


def main() -> None:
    env_id, kwargs_json, gamma = sys.argv[1], sys.argv[2], float(sys.argv[3])
    env = gymnasium.make(env_id, **json.loads(kwargs_json))
    u = env.unwrapped
    P, n_s, n_a = u.P, int(u.observation_space.n), int(u.action_space.n)
    print("model", n_s, n_a)
    for s in range(n_s):
        for a in range(n_a):
            for p, ns, r, done in P[s][a]:
                print(s, a, struct.pack("<d", float(p)).hex(), int(ns), struct.pack("<d", float(r)).hex(), int(bool(done)))
    v = [0.0] * n_s
    sweeps = 0
    while sweeps < 100000:
        new = []
        for s in range(n_s):
            best = None
            for a in range(n_a):
                q = 0.0
                for p, ns, r, done in P[s][a]:
                    q += float(p) * (float(r) + gamma * v[int(ns)] * (0.0 if done else 1.0))
                best = q if best is None or q > best else best
            new.append(best)
        sweeps += 1
        delta = max(abs(x - y) for x, y in zip(new, v))
        v = new
        if delta < 1e-12:
            break
    print("values", struct.pack("<%dd" % n_s, *v).hex())
    print("sweeps", sweeps)
    env.close()


if __name__ == "__main__":
    main()
