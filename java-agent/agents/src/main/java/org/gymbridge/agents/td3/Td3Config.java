package org.gymbridge.agents.td3;

import java.io.Serializable;
import java.util.Arrays;

/**
 * TD3 hyperparameters (names as in CleanRL's td3_continuous_action.py). Noise scales are in the policy range
 * [-1, 1], i.e. fractions of the half-width of the env's Box, as CleanRL's {@code action_scale * noise}.
 *
 * @param bufferSize              replay capacity (transitions)
 * @param learningStarts          env steps of uniform random actions before the first update
 * @param batchSize               minibatch size
 * @param gamma                   discount factor
 * @param tau                     Polyak coefficient of the target updates
 * @param actorLr                 Adam step size of the actor
 * @param criticLr                Adam step size of the critics
 * @param explorationNoise        std of the Gaussian noise added to actions while collecting
 * @param policyNoise             std of the target policy smoothing noise
 * @param noiseClip               the smoothing noise is clipped to +-noiseClip
 * @param policyFrequency         critic updates per actor (and target) update
 * @param gradientStepsPerEnvStep updates per env step (1 = CleanRL)
 * @param hidden                  hidden widths of the actor and of each critic (ReLU)
 */
public record Td3Config(int bufferSize, long learningStarts, int batchSize, double gamma, double tau, double actorLr,
                        double criticLr, double explorationNoise, double policyNoise, double noiseClip,
                        int policyFrequency, double gradientStepsPerEnvStep, int[] hidden) implements Serializable {

    public Td3Config {
        require(bufferSize > 0 && batchSize > 0, "bufferSize and batchSize must be > 0");
        require(gamma >= 0 && gamma <= 1, "gamma must be in [0, 1]");
        require(tau > 0 && tau <= 1, "tau must be in (0, 1]");
        require(actorLr > 0 && criticLr > 0, "learning rates must be > 0");
        require(explorationNoise >= 0 && policyNoise >= 0 && noiseClip >= 0, "noise scales must be >= 0");
        require(policyFrequency >= 1, "policyFrequency must be >= 1");
        require(gradientStepsPerEnvStep > 0, "gradientStepsPerEnvStep must be > 0");
        hidden = hidden.clone();
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("Td3Config: " + message);
        }
    }

    /** CleanRL's defaults (for MuJoCo), with 10k random steps instead of 25k. */
    public static Td3Config defaults() {
        return new Td3Config(1_000_000, 10_000, 256, 0.99, 0.005, 3e-4, 3e-4, 0.1, 0.2, 0.5, 2, 1.0,
                new int[] {256, 256});
    }

    /** Settings that solve Pendulum-v1 within 30k env steps (short warm-up, faster learning rates, 64x64
     * networks: Pendulum needs no more, and DL4J's cost per update drops by half). */
    public static Td3Config pendulum() {
        return new Td3Config(100_000, 1_000, 256, 0.98, 0.005, 1e-3, 1e-3, 0.1, 0.2, 0.5, 2, 1.0,
                new int[] {64, 64});
    }

    public Td3Config withLearningStarts(long value) {
        return new Td3Config(bufferSize, value, batchSize, gamma, tau, actorLr, criticLr, explorationNoise,
                policyNoise, noiseClip, policyFrequency, gradientStepsPerEnvStep, hidden);
    }

    public Td3Config withHidden(int... value) {
        return new Td3Config(bufferSize, learningStarts, batchSize, gamma, tau, actorLr, criticLr, explorationNoise,
                policyNoise, noiseClip, policyFrequency, gradientStepsPerEnvStep, value);
    }

    public Td3Config withBatchSize(int value) {
        return new Td3Config(bufferSize, learningStarts, value, gamma, tau, actorLr, criticLr, explorationNoise,
                policyNoise, noiseClip, policyFrequency, gradientStepsPerEnvStep, hidden);
    }

    @Override
    public int[] hidden() {
        return hidden.clone();
    }

    @Override
    public String toString() {
        return String.format("Td3Config[bufferSize=%d, learningStarts=%d, batchSize=%d, gamma=%g, tau=%g, actorLr=%g,"
                + " criticLr=%g, explorationNoise=%g, policyNoise=%g, noiseClip=%g, policyFrequency=%d,"
                + " gradientStepsPerEnvStep=%g, hidden=%s]", bufferSize, learningStarts, batchSize, gamma, tau,
                actorLr, criticLr, explorationNoise, policyNoise, noiseClip, policyFrequency,
                gradientStepsPerEnvStep, Arrays.toString(hidden));
    }
}
