package org.gymbridge.agents.dp;

import java.util.Arrays;
import org.gymbridge.env.TabularModel;

/**
 * Dynamic programming on a known tabular model (Sutton and Barto, chapter 4): policy evaluation, policy
 * iteration and value iteration. The model is {@code VectorEnv.model()} (Gymnasium's {@code unwrapped.P},
 * fetched over the bridge) or one built in Java with {@link TabularModel}'s constructor.
 *
 * <p>Backups are synchronous (every sweep computes V' from the previous V) and sum outcomes in
 * Gymnasium's order, so the values equal a plain Python implementation's to the last bits:
 * <pre>
 *   Q(s, a) = sum_k p_k (r_k + gamma V(s'_k) [not done_k])
 *   evaluation: V'(s) = sum_a pi(a|s) Q(s, a)       value iteration: V'(s) = max_a Q(s, a)
 * </pre>
 * iterated until max_s |V' - V| < theta. A transition flagged done does not bootstrap (terminal).
 */
public final class DynamicProgramming {

    /** Values, the greedy policy (ties: lowest action) and how many sweeps (or improvement steps) it took. */
    public record Result(double[] values, int[] policy, int sweeps, int improvements) {
    }

    /** Stop after this many sweeps even if not converged (gamma = 1 on a model with cycles). */
    public static final int MAX_SWEEPS = 1_000_000;

    private DynamicProgramming() {
    }

    /** One backup Q(s, a) under V. */
    public static double q(TabularModel m, double[] v, int s, int a, double gamma) {
        double q = 0.0;
        for (int k = m.first(s, a); k < m.end(s, a); k++) {
            q += m.probability(k) * (m.reward(k) + gamma * v[m.nextState(k)] * (m.done(k) ? 0.0 : 1.0));
        }
        return q;
    }

    /**
     * Iterative policy evaluation of a stochastic policy {@code pi[s][a]} from V = 0.
     *
     * @return V^pi and the greedy policy with respect to it
     */
    public static Result evaluate(TabularModel m, double[][] pi, double gamma, double theta) {
        check(m, gamma, theta);
        double[] v = new double[m.numStates()];
        int sweeps = 0;
        while (sweeps < MAX_SWEEPS) {
            double[] next = new double[v.length];
            double delta = 0;
            for (int s = 0; s < v.length; s++) {
                double value = 0.0;
                for (int a = 0; a < m.numActions(); a++) {
                    if (pi[s][a] != 0) {
                        value += pi[s][a] * q(m, v, s, a, gamma);
                    }
                }
                next[s] = value;
                delta = Math.max(delta, Math.abs(value - v[s]));
            }
            v = next;
            sweeps++;
            if (delta < theta) {
                break;
            }
        }
        return new Result(v, greedy(m, v, gamma), sweeps, 0);
    }

    /** Policy evaluation of a deterministic policy (action per state). */
    public static Result evaluate(TabularModel m, int[] policy, double gamma, double theta) {
        double[][] pi = new double[m.numStates()][m.numActions()];
        for (int s = 0; s < pi.length; s++) {
            pi[s][policy[s]] = 1.0;
        }
        return evaluate(m, pi, gamma, theta);
    }

    /** The equiprobable random policy (Sutton and Barto's first example of evaluation). */
    public static double[][] uniformPolicy(TabularModel m) {
        double[][] pi = new double[m.numStates()][m.numActions()];
        for (double[] row : pi) {
            Arrays.fill(row, 1.0 / m.numActions());
        }
        return pi;
    }

    /** Value iteration from V = 0: V'(s) = max_a Q(s, a) until max |V' - V| < theta. */
    public static Result valueIteration(TabularModel m, double gamma, double theta) {
        check(m, gamma, theta);
        double[] v = new double[m.numStates()];
        int sweeps = 0;
        while (sweeps < MAX_SWEEPS) {
            double[] next = new double[v.length];
            double delta = 0;
            for (int s = 0; s < v.length; s++) {
                double best = Double.NEGATIVE_INFINITY;
                for (int a = 0; a < m.numActions(); a++) {
                    double q = q(m, v, s, a, gamma);
                    if (q > best) {
                        best = q;
                    }
                }
                next[s] = best;
                delta = Math.max(delta, Math.abs(best - v[s]));
            }
            v = next;
            sweeps++;
            if (delta < theta) {
                break;
            }
        }
        return new Result(v, greedy(m, v, gamma), sweeps, 0);
    }

    /**
     * Policy iteration: start from "always action 0", evaluate, improve greedily, until the policy is stable
     * (a change needs a strictly better action by more than 1e-12, so ties cannot make it cycle).
     */
    public static Result policyIteration(TabularModel m, double gamma, double theta) {
        check(m, gamma, theta);
        int[] policy = new int[m.numStates()];
        int sweeps = 0;
        int improvements = 0;
        while (true) {
            Result evaluation = evaluate(m, policy, gamma, theta);
            sweeps += evaluation.sweeps();
            double[] v = evaluation.values();
            boolean stable = true;
            for (int s = 0; s < policy.length; s++) {
                int best = policy[s];
                double bestQ = q(m, v, s, best, gamma);
                for (int a = 0; a < m.numActions(); a++) {
                    double qa = q(m, v, s, a, gamma);
                    if (qa > bestQ + 1e-12) {
                        best = a;
                        bestQ = qa;
                    }
                }
                if (best != policy[s]) {
                    policy[s] = best;
                    stable = false;
                }
            }
            improvements++;
            if (stable) {
                return new Result(v, policy, sweeps, improvements);
            }
        }
    }

    /** The greedy policy with respect to V (ties: lowest action). */
    public static int[] greedy(TabularModel m, double[] v, double gamma) {
        int[] policy = new int[m.numStates()];
        for (int s = 0; s < policy.length; s++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int a = 0; a < m.numActions(); a++) {
                double q = q(m, v, s, a, gamma);
                if (q > best) {
                    best = q;
                    policy[s] = a;
                }
            }
        }
        return policy;
    }

    private static void check(TabularModel m, double gamma, double theta) {
        if (gamma < 0 || gamma > 1) {
            throw new IllegalArgumentException("gamma must be in [0, 1], got " + gamma);
        }
        if (!(theta > 0)) {
            throw new IllegalArgumentException("theta must be > 0, got " + theta);
        }
        if (m.numStates() < 1 || m.numActions() < 1) {
            throw new IllegalArgumentException("the model has no states or actions");
        }
    }
}
