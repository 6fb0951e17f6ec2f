package org.gymbridge.agents.tabular;

import java.io.Serializable;
import java.util.Arrays;
import org.gymbridge.agents.core.AgentContext;

/**
 * Dyna-Q (Sutton and Barto 8.2): Q-learning on each real step, plus a learned model — the last reward,
 * next state and termination seen for each (S, A) — and {@code planningSteps} simulated Q-learning updates
 * per real step on pairs drawn uniformly from those already seen.
 */
public final class DynaQ extends TabularAgent {

    private double[] modelReward;
    private int[] modelNext;
    private boolean[] modelTerminal;
    private int[] seen;            // observed pairs in the order first seen (uniform sampling)
    private int seenCount;

    public DynaQ(AgentContext context, TabularConfig config, long seed) {
        super(context, config, seed, "dyna-q");
        modelReward = new double[q.length];
        modelNext = new int[q.length];
        Arrays.fill(modelNext, -1);
        modelTerminal = new boolean[q.length];
        seen = new int[q.length];
    }

    private double qLearning(int k, double reward, int next, boolean terminated) {
        double target = reward + (terminated ? 0 : config.gamma() * maxValue(next));
        double error = target - q[k];
        q[k] += alpha() * error;
        return error;
    }

    @Override
    protected double update(int env, int state, int action, double reward, int next, boolean terminated,
                            boolean truncated) {
        int k = state * numActions + action;
        double error = qLearning(k, reward, next, terminated);       // (d) direct RL
        if (modelNext[k] < 0) {
            seen[seenCount++] = k;
        }
        modelReward[k] = reward;                                     // (e) model learning
        modelNext[k] = next;
        modelTerminal[k] = terminated;
        for (int n = 0; n < config.planningSteps(); n++) {           // (f) planning
            int p = seen[rng.nextInt(seenCount)];
            qLearning(p, modelReward[p], modelNext[p], modelTerminal[p]);
        }
        return error;
    }

    private record Extra(double[] reward, int[] next, boolean[] terminal, int[] seen, int seenCount)
            implements Serializable {
    }

    @Override
    protected Serializable extraState() {
        return new Extra(modelReward, modelNext, modelTerminal, seen, seenCount);
    }

    @Override
    protected void restoreExtra(Serializable extra) {
        Extra e = (Extra) extra;
        modelReward = e.reward().clone();
        modelNext = e.next().clone();
        modelTerminal = e.terminal().clone();
        seen = e.seen().clone();
        seenCount = e.seenCount();
    }
}
