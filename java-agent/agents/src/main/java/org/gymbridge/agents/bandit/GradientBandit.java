package org.gymbridge.agents.bandit;

import java.io.Serializable;

/**
 * The gradient bandit algorithm (Sutton and Barto 2.8): preferences H(a), policy pi = softmax(H), and after
 * pulling A with reward R (baseline Rbar = average of the rewards so far, or 0 without baseline):
 * <pre>
 *   H(A) <- H(A) + alpha (R - Rbar) (1 - pi(A))        H(a) <- H(a) - alpha (R - Rbar) pi(a)   for a != A
 * </pre>
 */
public final class GradientBandit extends BanditAgent {

    private double[] h;
    private double[] averageReward;

    public GradientBandit(BanditConfig config, int arms, int runs, long seed) {
        super(config, arms, runs, seed);
        this.h = new double[arms * runs];
        this.averageReward = new double[runs];
    }

    private double[] policy(int run) {
        int o = run * arms;
        double max = Double.NEGATIVE_INFINITY;
        for (int a = 0; a < arms; a++) {
            max = Math.max(max, h[o + a]);
        }
        double[] p = new double[arms];
        double sum = 0;
        for (int a = 0; a < arms; a++) {
            p[a] = Math.exp(h[o + a] - max);
            sum += p[a];
        }
        for (int a = 0; a < arms; a++) {
            p[a] /= sum;
        }
        return p;
    }

    @Override
    public int select(int run) {
        double[] p = policy(run);
        double u = rng.nextDouble();
        double c = 0;
        for (int a = 0; a < arms; a++) {
            c += p[a];
            if (u < c) {
                return a;
            }
        }
        return arms - 1;
    }

    @Override
    public void update(int run, int arm, double reward) {
        time[run]++;
        if (config.baseline()) {
            averageReward[run] += (reward - averageReward[run]) / time[run];
        }
        double[] p = policy(run);
        double advantage = reward - (config.baseline() ? averageReward[run] : 0);
        int o = run * arms;
        for (int a = 0; a < arms; a++) {
            h[o + a] += config.alpha() * advantage * ((a == arm ? 1 : 0) - p[a]);
        }
    }

    @Override
    public void reset(int run) {
        super.reset(run);
        java.util.Arrays.fill(h, run * arms, (run + 1) * arms, 0);
        averageReward[run] = 0;
    }

    @Override
    public int greedy(int run) {
        return argmax(h, run * arms);
    }

    @Override
    protected Serializable estimates() {
        return copy(h, averageReward);
    }

    @Override
    protected void restore(Serializable estimates) {
        double[][] e = (double[][]) estimates;
        h = e[0].clone();
        averageReward = e[1].clone();
    }
}
