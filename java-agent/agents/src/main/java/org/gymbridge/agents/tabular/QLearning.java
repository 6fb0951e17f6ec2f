package org.gymbridge.agents.tabular;

import org.gymbridge.agents.core.AgentContext;

/**
 * Q-learning (Watkins 1989; Sutton and Barto 6.5), off-policy TD control:
 * {@code Q(S,A) <- Q(S,A) + alpha [R + gamma max_a Q(S',a) - Q(S,A)]}, no bootstrap past a terminal state.
 */
public final class QLearning extends TabularAgent {

    public QLearning(AgentContext context, TabularConfig config, long seed) {
        super(context, config, seed, "q-learning");
    }

    @Override
    protected double update(int env, int state, int action, double reward, int next, boolean terminated,
                            boolean truncated) {
        double target = reward + (terminated ? 0 : config.gamma() * maxValue(next));
        int k = state * numActions + action;
        double error = target - q[k];
        q[k] += alpha() * error;
        return error;
    }
}
