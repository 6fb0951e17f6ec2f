package org.gymbridge.agents.policy;

/**
 * Generalized advantage estimation (Schulman et al. 2016) over a rollout of T vector steps of N envs,
 * stored time-major: index {@code t * N + i}.
 *
 * <pre>
 *   delta_t = r_t + gamma * V(s_{t+1}) * (1 - terminated_t) - V(s_t)
 *   A_t     = delta_t + gamma * lambda * (1 - done_t) * A_{t+1}
 *   R_t     = A_t + V(s_t)                       (the value target)
 * </pre>
 *
 * Only termination stops bootstrapping; truncation (a time limit) bootstraps from the value of the
 * final observation, and any end of episode (done) stops the advantage from flowing back across it.
 * V(s_{t+1}) is {@code values[t + 1]} (for t = T-1 the bootstrap values): under NEXT_STEP autoreset
 * the observation after a final step is the final observation itself, so this is exactly right.
 */
public final class Gae {

    /** Advantages and value targets, time-major like the inputs. */
    public record Result(double[] advantages, double[] returns) {
    }

    private Gae() {
    }

    /**
     * @param rewards    r_t, [T * N]
     * @param values     V(s_t), [T * N]
     * @param terminated terminal transitions, [T * N]
     * @param done       terminated or truncated, [T * N]
     * @param bootstrap  V(s_T) per env, [N]
     */
    public static Result compute(double[] rewards, double[] values, boolean[] terminated, boolean[] done,
                                 double[] bootstrap, double gamma, double lambda) {
        int numEnvs = bootstrap.length;
        int n = rewards.length;
        if (values.length != n || terminated.length != n || done.length != n || n % numEnvs != 0) {
            throw new IllegalArgumentException("rollout arrays must all have length T * " + numEnvs + "; got rewards "
                    + n + ", values " + values.length + ", terminated " + terminated.length + ", done " + done.length);
        }
        int steps = n / numEnvs;
        double[] advantages = new double[n];
        double[] returns = new double[n];
        for (int i = 0; i < numEnvs; i++) {
            double nextAdvantage = 0;
            double nextValue = bootstrap[i];
            for (int t = steps - 1; t >= 0; t--) {
                int k = t * numEnvs + i;
                double delta = rewards[k] + gamma * nextValue * (terminated[k] ? 0 : 1) - values[k];
                advantages[k] = delta + gamma * lambda * (done[k] ? 0 : 1) * nextAdvantage;
                returns[k] = advantages[k] + values[k];
                nextAdvantage = advantages[k];
                nextValue = values[k];
            }
        }
        return new Result(advantages, returns);
    }
}
