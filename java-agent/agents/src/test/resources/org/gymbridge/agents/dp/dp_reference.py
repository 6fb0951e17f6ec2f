"""Python reference for DynamicProgrammingTest: plain-Python dynamic programming on Gymnasium's own unwrapped.P.

Usage: python dp_reference.py ENV_ID KWARGS_JSON GAMMA THETA

Prints three lines "<name> <hex of the values as little-endian float64>" for
  evaluation: iterative evaluation of the equiprobable random policy,
  value_iteration: V'(s) = max_a sum_k p_k (r_k + gamma V(s'_k) (0 if done_k else 1)),
  policy_iteration: evaluate / improve from "always action 0" (change only on > 1e-12 improvement),
each synchronous from V = 0 until max |V' - V| < THETA, summing outcomes in P's order (as the Java code does).
"""
import json
import struct
import sys

import gymnasium


def q(P, v, s, a, gamma):
    total = 0.0
    for p, ns, r, done in P[s][a]:
        total += float(p) * (float(r) + gamma * v[int(ns)] * (0.0 if done else 1.0))
    return total


def evaluate(P, n_s, n_a, pi, gamma, theta):
    v = [0.0] * n_s
    while True:
        new = []
        for s in range(n_s):
            value = 0.0
            for a in range(n_a):
                if pi[s][a] != 0:
                    value += pi[s][a] * q(P, v, s, a, gamma)
            new.append(value)
        delta = max(abs(x - y) for x, y in zip(new, v))
        v = new
        if delta < theta:
            return v


def value_iteration(P, n_s, n_a, gamma, theta):
    v = [0.0] * n_s
    while True:
        new = []
        for s in range(n_s):
            best = float("-inf")
            for a in range(n_a):
                qa = q(P, v, s, a, gamma)
                if qa > best:
                    best = qa
            new.append(best)
        delta = max(abs(x - y) for x, y in zip(new, v))
        v = new
        if delta < theta:
            return v


def policy_iteration(P, n_s, n_a, gamma, theta):
    policy = [0] * n_s
    while True:
        pi = [[1.0 if a == policy[s] else 0.0 for a in range(n_a)] for s in range(n_s)]
        v = evaluate(P, n_s, n_a, pi, gamma, theta)
        stable = True
        for s in range(n_s):
            best, best_q = policy[s], q(P, v, s, policy[s], gamma)
            for a in range(n_a):
                qa = q(P, v, s, a, gamma)
                if qa > best_q + 1e-12:
                    best, best_q = a, qa
            if best != policy[s]:
                policy[s] = best
                stable = False
        if stable:
            return v


def hexed(v):
    return struct.pack("<%dd" % len(v), *v).hex()


def main() -> None:
    env_id, kwargs, gamma, theta = sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    env = gymnasium.make(env_id, **kwargs)
    u = env.unwrapped
    P, n_s, n_a = u.P, int(u.observation_space.n), int(u.action_space.n)
    uniform = [[1.0 / n_a] * n_a for _ in range(n_s)]
    print("evaluation", hexed(evaluate(P, n_s, n_a, uniform, gamma, theta)))
    print("value_iteration", hexed(value_iteration(P, n_s, n_a, gamma, theta)))
    print("policy_iteration", hexed(policy_iteration(P, n_s, n_a, gamma, theta)))
    env.close()


if __name__ == "__main__":
    main()
