package org.gymbridge.agents.bandit;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Action-value methods (Sutton and Barto 2.2-2.7): estimates Q(a) updated by
 * {@code Q(a) <- Q(a) + step (R - Q(a))} with step = 1/N(a) (sample average) or a constant, and one of
 * <ul>
 *   <li>epsilon-greedy: a random arm with probability epsilon, else argmax Q (ties at random);</li>
 *   <li>optimistic initial values: the same with epsilon 0 and Q1 = initialValue (e.g. 5);</li>
 *   <li>UCB1: {@code A = argmax Q(a) + c sqrt(ln t / N(a))}, every arm once first (N(a) = 0 is a maximizer).</li>
 * </ul>
 */
public final class ActionValueBandit extends BanditAgent {

    /** How arms are selected. */
    public enum Selection { EPSILON_GREEDY, UCB }

    private final Selection selection;
    private double[] q;
    private double[] n;

    public ActionValueBandit(Selection selection, BanditConfig config, int arms, int runs, long seed) {
        super(config, arms, runs, seed);
        this.selection = selection;
        this.q = new double[arms * runs];
        this.n = new double[arms * runs];
        Arrays.fill(q, config.initialValue());
    }

    @Override
    public int select(int run) {
        int o = run * arms;
        if (selection == Selection.UCB) {
            double logT = Math.log(time[run] + 1);
            double[] u = new double[arms];
            for (int a = 0; a < arms; a++) {
                u[a] = n[o + a] == 0 ? Double.POSITIVE_INFINITY : q[o + a] + config.c() * Math.sqrt(logT / n[o + a]);
            }
            return argmaxRandomTies(u, 0);
        }
        if (config.epsilon() > 0 && rng.nextDouble() < config.epsilon()) {
            return rng.nextInt(arms);
        }
        return argmaxRandomTies(q, o);
    }

    @Override
    public void update(int run, int arm, double reward) {
        int k = run * arms + arm;
        n[k]++;
        double step = config.stepSize() > 0 ? config.stepSize() : 1.0 / n[k];
        q[k] += step * (reward - q[k]);
        time[run]++;
    }

    @Override
    public void reset(int run) {
        super.reset(run);
        Arrays.fill(q, run * arms, (run + 1) * arms, config.initialValue());
        Arrays.fill(n, run * arms, (run + 1) * arms, 0);
    }

    @Override
    public int greedy(int run) {
        return argmax(q, run * arms);
    }

    @Override
    protected Serializable estimates() {
        return copy(q, n);
    }

    @Override
    protected void restore(Serializable estimates) {
        double[][] e = (double[][]) estimates;
        q = e[0].clone();
        n = e[1].clone();
    }
}
