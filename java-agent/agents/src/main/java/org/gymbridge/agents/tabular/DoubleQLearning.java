package org.gymbridge.agents.tabular;

import java.io.Serializable;
import org.gymbridge.agents.core.AgentContext;

/**
 * Double Q-learning (van Hasselt 2010; Sutton and Barto 6.7): two tables; each step one of them, chosen by a
 * coin flip, is updated towards the other's value of its own greedy action, which removes Q-learning's
 * maximization bias: {@code Q1(S,A) <- Q1(S,A) + alpha [R + gamma Q2(S', argmax_a Q1(S',a)) - Q1(S,A)]}.
 * The behaviour and greedy policies act on Q1 + Q2 ({@link #q} is Q1, {@link #q2} is Q2).
 */
public final class DoubleQLearning extends TabularAgent {

    private double[] q2;

    public DoubleQLearning(AgentContext context, TabularConfig config, long seed) {
        super(context, config, seed, "double-q-learning");
        q2 = q.clone();
    }

    @Override
    protected double actionValue(int state, int action) {
        int k = state * numActions + action;
        return q[k] + q2[k];
    }

    @Override
    protected double update(int env, int state, int action, double reward, int next, boolean terminated,
                            boolean truncated) {
        boolean first = rng.nextBoolean();
        double[] updated = first ? q : q2;
        double[] other = first ? q2 : q;
        double target = reward;
        if (!terminated) {
            int best = 0;
            for (int a = 1; a < numActions; a++) {
                if (updated[next * numActions + a] > updated[next * numActions + best]) {
                    best = a;
                }
            }
            target += config.gamma() * other[next * numActions + best];
        }
        int k = state * numActions + action;
        double error = target - updated[k];
        updated[k] += alpha() * error;
        return error;
    }

    @Override
    protected Serializable extraState() {
        return q2.clone();
    }

    @Override
    protected void restoreExtra(Serializable extra) {
        q2 = ((double[]) extra).clone();
    }
}
