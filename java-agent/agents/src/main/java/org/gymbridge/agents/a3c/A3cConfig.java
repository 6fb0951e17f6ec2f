package org.gymbridge.agents.a3c;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A3C hyperparameters (names as in {@link org.gymbridge.agents.a2c.A2cConfig}).
 *
 * @param totalSteps   env steps of the whole run, summed over all actor-learners; sets the learning-rate schedule
 * @param threads      actor-learner threads, each with its own env session
 * @param learningRate Adam step size at the start (one optimizer shared by all actor-learners)
 * @param annealLr     decay the learning rate linearly to 0 over totalSteps
 * @param numSteps     env steps per actor-learner update (n of the n-step returns; the paper's t_max)
 * @param gamma        discount factor
 * @param normReward   scale rewards by the running std of the discounted return, per actor-learner
 *                     ({@link org.gymbridge.agents.policy.RewardNormalizer})
 * @param entCoef      entropy bonus coefficient (the paper's beta)
 * @param vfCoef       value loss coefficient
 * @param maxGradNorm  L2 norm limit of each actor-learner's gradient
 * @param adamEps      Adam epsilon
 * @param hidden       hidden layer widths of the policy and of the value MLP (tanh)
 */
public record A3cConfig(long totalSteps, int threads, double learningRate, boolean annealLr, int numSteps,
                        double gamma, boolean normReward, double entCoef, double vfCoef, double maxGradNorm,
                        double adamEps, int[] hidden) implements Serializable {

    public A3cConfig {
        require(totalSteps > 0, "totalSteps must be > 0");
        require(threads > 0, "threads must be > 0");
        require(learningRate > 0, "learningRate must be > 0");
        require(numSteps > 0, "numSteps must be > 0");
        require(gamma >= 0 && gamma <= 1, "gamma must be in [0, 1]");
        require(maxGradNorm > 0, "maxGradNorm must be > 0");
        hidden = hidden.clone();
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("A3cConfig: " + message);
        }
    }

    /** For CartPole-v1: 4 actor-learners, 32-step rollouts, lr 1e-3 annealed over 500k steps, rewards normalized. */
    public static A3cConfig defaults() {
        return new A3cConfig(500_000, 4, 1e-3, true, 32, 0.99, true, 0.0, 0.5, 0.5, 1e-5, new int[] {64, 64});
    }

    public A3cConfig withThreads(int value) {
        return new A3cConfig(totalSteps, value, learningRate, annealLr, numSteps, gamma, normReward, entCoef, vfCoef,
                maxGradNorm, adamEps, hidden);
    }

    public A3cConfig withTotalSteps(long value) {
        return new A3cConfig(value, threads, learningRate, annealLr, numSteps, gamma, normReward, entCoef, vfCoef,
                maxGradNorm, adamEps, hidden);
    }

    public A3cConfig withNormReward(boolean value) {
        return new A3cConfig(totalSteps, threads, learningRate, annealLr, numSteps, gamma, value, entCoef, vfCoef,
                maxGradNorm, adamEps, hidden);
    }

    @Override
    public int[] hidden() {
        return hidden.clone();
    }

    @Override
    public String toString() {
        return String.format("A3cConfig[totalSteps=%d, threads=%d, learningRate=%g, annealLr=%b, numSteps=%d,"
                + " gamma=%g, normReward=%b, entCoef=%g, vfCoef=%g, maxGradNorm=%g, adamEps=%g, hidden=%s]",
                totalSteps, threads, learningRate, annealLr, numSteps, gamma, normReward, entCoef, vfCoef, maxGradNorm,
                adamEps, Arrays.toString(hidden));
    }
}
