package org.gymbridge.agents.tabular;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.gymbridge.agents.core.AgentContext;

/**
 * First-visit Monte Carlo control (Sutton and Barto 5.4) with the epsilon-greedy (or Boltzmann) behaviour
 * policy: at the end of each episode, walk it backwards with {@code G <- gamma G + R} and for the first visit
 * of each (S, A) move Q(S, A) towards G, by alpha, or by 1/N(S, A) when alpha is 0 (the sample average).
 * A truncated episode contributes the returns it saw (no bootstrapping: Monte Carlo does not use Q(S')).
 */
public final class MonteCarloControl extends TabularAgent {

    private long[] visits;
    private ArrayList<int[]>[] episodes;          // per env: {state, action} of each step
    private ArrayList<Double>[] rewards;

    @SuppressWarnings("unchecked")
    public MonteCarloControl(AgentContext context, TabularConfig config, long seed) {
        super(context, config, seed, "monte-carlo");
        visits = new long[q.length];
        episodes = new ArrayList[numEnvs];
        rewards = new ArrayList[numEnvs];
        for (int i = 0; i < numEnvs; i++) {
            episodes[i] = new ArrayList<>();
            rewards[i] = new ArrayList<>();
        }
    }

    @Override
    protected double update(int env, int state, int action, double reward, int next, boolean terminated,
                            boolean truncated) {
        episodes[env].add(new int[] {state, action});
        rewards[env].add(reward);
        if (!terminated && !truncated) {
            return 0;
        }
        List<int[]> steps = episodes[env];
        // First visit of each pair: the earliest index at which it occurs.
        int[] firstVisit = new int[q.length];
        java.util.Arrays.fill(firstVisit, -1);
        for (int t = 0; t < steps.size(); t++) {
            int k = steps.get(t)[0] * numActions + steps.get(t)[1];
            if (firstVisit[k] < 0) {
                firstVisit[k] = t;
            }
        }
        double g = 0;
        double errors = 0;
        for (int t = steps.size() - 1; t >= 0; t--) {
            g = config.gamma() * g + rewards[env].get(t);
            int k = steps.get(t)[0] * numActions + steps.get(t)[1];
            if (firstVisit[k] == t) {
                visits[k]++;
                double step = alpha() > 0 ? alpha() : 1.0 / visits[k];
                double error = g - q[k];
                q[k] += step * error;
                errors += Math.abs(error);
            }
        }
        steps.clear();
        rewards[env].clear();
        return errors;
    }

    private record Extra(long[] visits, ArrayList<int[]>[] episodes, ArrayList<Double>[] rewards) implements Serializable {
    }

    @Override
    protected Serializable extraState() {
        return new Extra(visits, episodes, rewards);
    }

    @Override
    protected void restoreExtra(Serializable extra) {
        Extra e = (Extra) extra;
        visits = e.visits();
        episodes = e.episodes();
        rewards = e.rewards();
    }
}
