package org.gymbridge.agents.bandit;

import java.io.Serializable;

/**
 * Settings of the bandit algorithms (Sutton and Barto, chapter 2); each algorithm reads the ones it uses.
 *
 * @param epsilon      epsilon-greedy: probability of a random arm
 * @param stepSize     action-value step size; 0 means the sample average 1/N(a)
 * @param initialValue initial estimates Q1(a) (optimistic initial values: 5 with epsilon 0)
 * @param c            UCB exploration degree: A = argmax Q(a) + c sqrt(ln t / N(a))
 * @param alpha        gradient bandit step size for the preferences H(a)
 * @param baseline     gradient bandit: subtract the average reward (the baseline) from each reward
 */
public record BanditConfig(double epsilon, double stepSize, double initialValue, double c, double alpha,
                           boolean baseline) implements Serializable {

    public BanditConfig {
        if (epsilon < 0 || epsilon > 1) {
            throw new IllegalArgumentException("epsilon must be in [0, 1], got " + epsilon);
        }
        if (stepSize < 0 || stepSize > 1) {
            throw new IllegalArgumentException("step_size must be in [0, 1] (0: sample average), got " + stepSize);
        }
        if (c < 0 || alpha <= 0) {
            throw new IllegalArgumentException("c must be >= 0 and alpha > 0");
        }
    }

    /** epsilon-greedy with epsilon 0.1 and sample averages (the book's figure 2.2). */
    public static BanditConfig epsilonGreedy() {
        return new BanditConfig(0.1, 0, 0, 2, 0.1, true);
    }

    /** Optimistic initial values: greedy with Q1 = 5 and a constant step 0.1 (figure 2.3). */
    public static BanditConfig optimistic() {
        return new BanditConfig(0, 0.1, 5, 2, 0.1, true);
    }

    /** UCB with c = 2 and sample averages (figure 2.4). */
    public static BanditConfig ucb() {
        return new BanditConfig(0, 0, 0, 2, 0.1, true);
    }

    /** Gradient bandit with alpha 0.1 and the average-reward baseline (figure 2.5). */
    public static BanditConfig gradient() {
        return new BanditConfig(0, 0, 0, 2, 0.1, true);
    }
}
