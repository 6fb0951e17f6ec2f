package org.gymbridge.agents.tabular;

import org.gymbridge.agents.core.AgentContext;

/**
 * Expected SARSA (Sutton and Barto 6.6): the SARSA target with the expectation over the behaviour policy
 * instead of the sampled A': {@code Q(S,A) <- Q(S,A) + alpha [R + gamma sum_a pi(a|S') Q(S',a) - Q(S,A)]}.
 */
public final class ExpectedSarsa extends TabularAgent {

    public ExpectedSarsa(AgentContext context, TabularConfig config, long seed) {
        super(context, config, seed, "expected-sarsa");
    }

    @Override
    protected double update(int env, int state, int action, double reward, int next, boolean terminated,
                            boolean truncated) {
        double target = reward;
        if (!terminated) {
            double[] p = policyProbabilities(next);
            double expected = 0;
            for (int a = 0; a < numActions; a++) {
                expected += p[a] * q[next * numActions + a];
            }
            target += config.gamma() * expected;
        }
        int k = state * numActions + action;
        double error = target - q[k];
        q[k] += alpha() * error;
        return error;
    }
}
