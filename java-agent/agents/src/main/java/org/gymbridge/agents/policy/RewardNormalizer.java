package org.gymbridge.agents.policy;

import java.io.Serializable;
import org.gymbridge.agents.core.Transition;
import org.gymbridge.agents.nn.RunningMeanStd;

/**
 * Gymnasium's {@code NormalizeReward} inside the agent: each reward is divided by the running standard deviation of
 * the envs' discounted returns (not centred) and clipped to +-10. It keeps the value targets near unit scale, so the
 * critic's one optimizer step per update moves V by a useful fraction of its targets whatever the env's reward scale.
 * Serializable, so checkpoints keep the statistics and each env's running return.
 */
public final class RewardNormalizer implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final double CLIP = 10.0;

    private final double gamma;
    private final RunningMeanStd stats;
    private final double[] discountedReturn;

    public RewardNormalizer(int numEnvs, double gamma) {
        this(gamma, new RunningMeanStd(1), new double[numEnvs]);
    }

    /** Resumes from saved statistics and per-env discounted returns. */
    public RewardNormalizer(double gamma, RunningMeanStd stats, double[] discountedReturn) {
        this.gamma = gamma;
        this.stats = stats;
        this.discountedReturn = discountedReturn.clone();
    }

    /** Folds the transition's valid rewards into the statistics and returns every reward scaled and clipped. */
    public double[] scale(Transition transition) {
        double[] r = transition.rewards();
        boolean[] valid = transition.valid();
        if (r.length != discountedReturn.length) {
            throw new IllegalArgumentException("reward normalizer built for " + discountedReturn.length
                    + " envs got " + r.length + " rewards");
        }
        for (int i = 0; i < r.length; i++) {
            // One NaN or infinity would poison the running statistics, and every later reward with them.
            if (valid[i] && !Double.isFinite(r[i])) {
                throw new IllegalArgumentException("env " + i + " returned a non-finite reward (" + r[i]
                        + "); reward normalization (norm_reward) cannot use it: fix the env's reward function");
            }
        }
        for (int i = 0; i < r.length; i++) {
            if (valid[i]) {
                discountedReturn[i] = discountedReturn[i] * gamma + r[i];
            }
        }
        stats.update(discountedReturn, valid);
        double std = std();
        double[] scaled = new double[r.length];
        for (int i = 0; i < r.length; i++) {
            scaled[i] = Math.max(-CLIP, Math.min(CLIP, r[i] / std));
            if (valid[i] && transition.done(i)) {
                discountedReturn[i] = 0;
            }
        }
        return scaled;
    }

    /** The current divisor (the running std of the discounted return). */
    public double std() {
        return Math.sqrt(stats.variance(0) + 1e-8);
    }

    public RunningMeanStd stats() {
        return stats;
    }

    public double[] discountedReturns() {
        return discountedReturn.clone();
    }
}
