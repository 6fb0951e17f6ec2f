package org.gymbridge.agents.sac;

import java.io.Serializable;
import java.util.Arrays;

/**
 * SAC hyperparameters (names as in CleanRL's sac_continuous_action.py).
 *
 * @param bufferSize              replay capacity (transitions)
 * @param learningStarts          env steps of uniform random actions before the first update
 * @param batchSize               minibatch size
 * @param gamma                   discount factor
 * @param tau                     Polyak coefficient of the critic targets
 * @param policyLr                Adam step size of the actor
 * @param qLr                     Adam step size of the critics (and of the temperature)
 * @param policyFrequency         critic updates per round of actor updates; each round runs policyFrequency
 *                                actor updates (TD3-style delay, same number of actor and critic steps)
 * @param targetNetworkFrequency  critic updates per Polyak update of the targets
 * @param alpha                   the entropy temperature, fixed when autotune is off, the start value otherwise
 * @param autotune                learn alpha so the policy entropy tracks -actionDim (Haarnoja et al. 2018b)
 * @param gradientStepsPerEnvStep updates per env step (1 = CleanRL)
 * @param hidden                  hidden widths of the actor and of each critic (ReLU)
 */
public record SacConfig(int bufferSize, long learningStarts, int batchSize, double gamma, double tau, double policyLr,
                        double qLr, int policyFrequency, int targetNetworkFrequency, double alpha, boolean autotune,
                        double gradientStepsPerEnvStep, int[] hidden) implements Serializable {

    public SacConfig {
        require(bufferSize > 0 && batchSize > 0, "bufferSize and batchSize must be > 0");
        require(gamma >= 0 && gamma <= 1, "gamma must be in [0, 1]");
        require(tau > 0 && tau <= 1, "tau must be in (0, 1]");
        require(policyLr > 0 && qLr > 0, "learning rates must be > 0");
        require(policyFrequency >= 1 && targetNetworkFrequency >= 1, "frequencies must be >= 1");
        require(alpha > 0, "alpha must be > 0");
        require(gradientStepsPerEnvStep > 0, "gradientStepsPerEnvStep must be > 0");
        hidden = hidden.clone();
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("SacConfig: " + message);
        }
    }

    /** CleanRL's defaults (for MuJoCo): 5k random steps, lr 3e-4 / 1e-3, 256x256, autotuned alpha. */
    public static SacConfig defaults() {
        return new SacConfig(1_000_000, 5_000, 256, 0.99, 0.005, 3e-4, 1e-3, 2, 1, 0.2, true, 1.0,
                new int[] {256, 256});
    }

    /** Settings that solve Pendulum-v1 within 30k env steps (short warm-up, 64x64 networks). */
    public static SacConfig pendulum() {
        return new SacConfig(100_000, 1_000, 256, 0.99, 0.005, 1e-3, 1e-3, 2, 1, 0.2, true, 1.0,
                new int[] {64, 64});
    }

    public SacConfig withLearningStarts(long value) {
        return new SacConfig(bufferSize, value, batchSize, gamma, tau, policyLr, qLr, policyFrequency,
                targetNetworkFrequency, alpha, autotune, gradientStepsPerEnvStep, hidden);
    }

    public SacConfig withHidden(int... value) {
        return new SacConfig(bufferSize, learningStarts, batchSize, gamma, tau, policyLr, qLr, policyFrequency,
                targetNetworkFrequency, alpha, autotune, gradientStepsPerEnvStep, value);
    }

    @Override
    public int[] hidden() {
        return hidden.clone();
    }

    @Override
    public String toString() {
        return String.format("SacConfig[bufferSize=%d, learningStarts=%d, batchSize=%d, gamma=%g, tau=%g, policyLr=%g,"
                + " qLr=%g, policyFrequency=%d, targetNetworkFrequency=%d, alpha=%g, autotune=%b,"
                + " gradientStepsPerEnvStep=%g, hidden=%s]", bufferSize, learningStarts, batchSize, gamma, tau, policyLr,
                qLr, policyFrequency, targetNetworkFrequency, alpha, autotune, gradientStepsPerEnvStep,
                Arrays.toString(hidden));
    }
}
