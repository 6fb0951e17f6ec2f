package org.gymbridge.agents.a2c;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A2C hyperparameters (names as in Stable-Baselines3's A2C; Adam instead of RMSprop).
 *
 * @param totalSteps     env steps of the whole run (over all envs); sets the learning-rate schedule
 * @param learningRate   Adam step size at the start
 * @param annealLr       decay the learning rate linearly to 0 over totalSteps
 * @param numSteps       vector steps per update (n of the n-step returns)
 * @param gamma          discount factor
 * @param gaeLambda      GAE lambda (1: plain n-step returns, the classic A2C)
 * @param normAdvantages standardize the advantages of each update
 * @param normReward     scale rewards by the running std of the discounted return ({@link
 *                       org.gymbridge.agents.policy.RewardNormalizer}), so value targets are near unit scale
 * @param entCoef        entropy bonus coefficient
 * @param vfCoef         value loss coefficient
 * @param maxGradNorm    global gradient L2 norm limit
 * @param adamEps        Adam epsilon
 * @param hidden         hidden layer widths of the policy and of the value MLP (tanh)
 */
public record A2cConfig(long totalSteps, double learningRate, boolean annealLr, int numSteps, double gamma,
                        double gaeLambda, boolean normAdvantages, boolean normReward, double entCoef, double vfCoef,
                        double maxGradNorm, double adamEps, int[] hidden) implements Serializable {

    public A2cConfig {
        require(totalSteps > 0, "totalSteps must be > 0");
        require(learningRate > 0, "learningRate must be > 0");
        require(numSteps > 0, "numSteps must be > 0");
        require(gamma >= 0 && gamma <= 1, "gamma must be in [0, 1]");
        require(gaeLambda >= 0 && gaeLambda <= 1, "gaeLambda must be in [0, 1]");
        require(maxGradNorm > 0, "maxGradNorm must be > 0");
        hidden = hidden.clone();
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("A2cConfig: " + message);
        }
    }

    /**
     * Tuned for CartPole-v1 with 8 envs: 16-step rollouts, lr 1e-3 annealed over 300k steps, rewards normalized
     * (without it 4 of 13 seeds collapsed after reaching 500: docs/policy-gradient-agents.md "A2C robustness").
     */
    public static A2cConfig defaults() {
        return new A2cConfig(300_000, 1e-3, true, 16, 0.99, 1.0, false, true, 0.0, 0.5, 0.5, 1e-5, new int[] {64, 64});
    }

    public A2cConfig withTotalSteps(long value) {
        return new A2cConfig(value, learningRate, annealLr, numSteps, gamma, gaeLambda, normAdvantages, normReward,
                entCoef, vfCoef, maxGradNorm, adamEps, hidden);
    }

    public A2cConfig withLearningRate(double value) {
        return new A2cConfig(totalSteps, value, annealLr, numSteps, gamma, gaeLambda, normAdvantages, normReward,
                entCoef, vfCoef, maxGradNorm, adamEps, hidden);
    }

    public A2cConfig withNumSteps(int value) {
        return new A2cConfig(totalSteps, learningRate, annealLr, value, gamma, gaeLambda, normAdvantages, normReward,
                entCoef, vfCoef, maxGradNorm, adamEps, hidden);
    }

    public A2cConfig withNormReward(boolean value) {
        return new A2cConfig(totalSteps, learningRate, annealLr, numSteps, gamma, gaeLambda, normAdvantages, value,
                entCoef, vfCoef, maxGradNorm, adamEps, hidden);
    }

    @Override
    public int[] hidden() {
        return hidden.clone();
    }

    @Override
    public String toString() {
        return String.format("A2cConfig[totalSteps=%d, learningRate=%g, annealLr=%b, numSteps=%d, gamma=%g,"
                + " gaeLambda=%g, normAdvantages=%b, normReward=%b, entCoef=%g, vfCoef=%g, maxGradNorm=%g, adamEps=%g,"
                + " hidden=%s]", totalSteps, learningRate, annealLr, numSteps, gamma, gaeLambda, normAdvantages,
                normReward, entCoef, vfCoef, maxGradNorm, adamEps, Arrays.toString(hidden));
    }
}
