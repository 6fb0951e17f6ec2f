package org.gymbridge.agents.reinforce;

import java.io.Serializable;
import java.util.Arrays;

/**
 * REINFORCE hyperparameters.
 *
 * @param learningRate        Adam step size
 * @param gamma               discount factor of the Monte Carlo returns
 * @param episodesPerUpdate   finished episodes per gradient step (the batch)
 * @param baseline            subtract a learned state value V(s) from the return (REINFORCE with baseline);
 *                            the value head is then trained on the returns, and time-limit truncations
 *                            bootstrap from V(final observation)
 * @param normalizeAdvantages standardize the batch's advantages (returns, without a baseline)
 * @param entCoef             entropy bonus coefficient
 * @param vfCoef              value loss coefficient (with a baseline)
 * @param maxGradNorm         global gradient L2 norm limit
 * @param hidden              hidden layer widths of the policy and of the value MLP (tanh)
 */
public record ReinforceConfig(double learningRate, double gamma, int episodesPerUpdate, boolean baseline,
                              boolean normalizeAdvantages, double entCoef, double vfCoef, double maxGradNorm,
                              int[] hidden) implements Serializable {

    public ReinforceConfig {
        require(learningRate > 0, "learningRate must be > 0");
        require(gamma >= 0 && gamma <= 1, "gamma must be in [0, 1]");
        require(episodesPerUpdate >= 1, "episodesPerUpdate must be >= 1");
        require(maxGradNorm > 0, "maxGradNorm must be > 0");
        hidden = hidden.clone();
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("ReinforceConfig: " + message);
        }
    }

    /**
     * With a value baseline; tuned for CartPole-v1 with 8 envs: a gradient step every 4 finished episodes, and
     * a loose gradient-norm limit (100): the value loss on raw returns (hundreds) has gradients of norm ~200,
     * and PPO's 0.5 applied to the global norm shrank the policy's share of the step with it (measured: the
     * training mean passed 400 at episode ~630 with 0.5, ~250 with 100).
     */
    public static ReinforceConfig defaults() {
        return new ReinforceConfig(2e-3, 0.99, 4, true, true, 0.0, 0.5, 100, new int[] {64, 64});
    }

    /** Plain REINFORCE: the (standardized) return weights each log-probability, no value network is trained. */
    public static ReinforceConfig withoutBaseline() {
        return new ReinforceConfig(2e-3, 0.99, 4, false, true, 0.0, 0.5, 100, new int[] {64, 64});
    }

    public ReinforceConfig withLearningRate(double value) {
        return new ReinforceConfig(value, gamma, episodesPerUpdate, baseline, normalizeAdvantages, entCoef, vfCoef,
                maxGradNorm, hidden);
    }

    public ReinforceConfig withEpisodesPerUpdate(int value) {
        return new ReinforceConfig(learningRate, gamma, value, baseline, normalizeAdvantages, entCoef, vfCoef,
                maxGradNorm, hidden);
    }

    @Override
    public int[] hidden() {
        return hidden.clone();
    }

    @Override
    public String toString() {
        return String.format("ReinforceConfig[learningRate=%g, gamma=%g, episodesPerUpdate=%d, baseline=%b,"
                + " normalizeAdvantages=%b, entCoef=%g, vfCoef=%g, maxGradNorm=%g, hidden=%s]", learningRate, gamma,
                episodesPerUpdate, baseline, normalizeAdvantages, entCoef, vfCoef, maxGradNorm, Arrays.toString(hidden));
    }
}
