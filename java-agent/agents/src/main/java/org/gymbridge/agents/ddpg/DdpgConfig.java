package org.gymbridge.agents.ddpg;

import java.io.Serializable;
import java.util.Arrays;

/**
 * DDPG hyperparameters (names as in CleanRL's ddpg_continuous_action.py). Noise is in the policy range [-1, 1].
 *
 * @param bufferSize              replay capacity (transitions)
 * @param learningStarts          env steps of uniform random actions before the first update
 * @param batchSize               minibatch size
 * @param gamma                   discount factor
 * @param tau                     Polyak coefficient of the target updates
 * @param actorLr                 Adam step size of the actor
 * @param criticLr                Adam step size of the critic
 * @param explorationNoise        std of the Gaussian noise added to actions while collecting
 * @param policyFrequency         critic updates per actor (and target) update (CleanRL: 2)
 * @param gradientStepsPerEnvStep updates per env step (1 = CleanRL)
 * @param hidden                  hidden widths of the actor and of the critic (ReLU)
 */
public record DdpgConfig(int bufferSize, long learningStarts, int batchSize, double gamma, double tau, double actorLr,
                         double criticLr, double explorationNoise, int policyFrequency, double gradientStepsPerEnvStep,
                         int[] hidden) implements Serializable {

    public DdpgConfig {
        require(bufferSize > 0 && batchSize > 0, "bufferSize and batchSize must be > 0");
        require(gamma >= 0 && gamma <= 1, "gamma must be in [0, 1]");
        require(tau > 0 && tau <= 1, "tau must be in (0, 1]");
        require(actorLr > 0 && criticLr > 0, "learning rates must be > 0");
        require(explorationNoise >= 0, "explorationNoise must be >= 0");
        require(policyFrequency >= 1, "policyFrequency must be >= 1");
        require(gradientStepsPerEnvStep > 0, "gradientStepsPerEnvStep must be > 0");
        hidden = hidden.clone();
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("DdpgConfig: " + message);
        }
    }

    /** CleanRL's defaults (for MuJoCo), with 10k random steps instead of 25k. */
    public static DdpgConfig defaults() {
        return new DdpgConfig(1_000_000, 10_000, 256, 0.99, 0.005, 3e-4, 3e-4, 0.1, 2, 1.0, new int[] {256, 256});
    }

    /** Settings that solve Pendulum-v1 within 30k env steps (short warm-up, faster learning rates, 64x64). */
    public static DdpgConfig pendulum() {
        return new DdpgConfig(100_000, 1_000, 256, 0.98, 0.005, 1e-3, 1e-3, 0.1, 2, 1.0, new int[] {64, 64});
    }

    @Override
    public int[] hidden() {
        return hidden.clone();
    }

    @Override
    public String toString() {
        return String.format("DdpgConfig[bufferSize=%d, learningStarts=%d, batchSize=%d, gamma=%g, tau=%g, actorLr=%g,"
                + " criticLr=%g, explorationNoise=%g, policyFrequency=%d, gradientStepsPerEnvStep=%g, hidden=%s]",
                bufferSize, learningStarts, batchSize, gamma, tau, actorLr, criticLr, explorationNoise,
                policyFrequency, gradientStepsPerEnvStep, Arrays.toString(hidden));
    }
}
