package org.gymbridge.agents.policy;

import java.util.Random;

/**
 * A policy's distribution over actions, parameterized by the policy network's output rows (one row per
 * env or sample). Policy-gradient agents (PPO, A2C, REINFORCE) only talk to this interface, so a new
 * action space needs a new distribution, not a new agent: {@link Categorical} for Discrete actions; a
 * diagonal Gaussian for Box actions fits the same methods.
 *
 * <p>Arrays are row-major: {@code params} is [batch, paramSize], {@code actions} is [batch, actionSize].
 * The math runs on plain Java arrays on purpose: for the few numbers per row of an RL policy head, one
 * ND4J op costs 10-25 µs (measured), far more than the arithmetic, so only the network itself runs in DL4J.
 * Gradients are derived analytically here because DL4J trains these networks with external errors: the
 * agent computes dLoss/dOutput and back-propagates it through the network itself.
 */
public interface ActionDistribution extends java.io.Serializable {

    /** Width of the network output that parameterizes this distribution. */
    int paramSize();

    /** Numbers per action: 1 (an index) for Categorical, the dimension for a Gaussian. */
    int actionSize();

    /**
     * Samples one action per row into {@code actions} and returns their log-probabilities, [batch].
     */
    double[] sample(float[] params, Random rng, float[] actions);

    /** The most likely action per row (the greedy policy used for evaluation), [batch, actionSize]. */
    float[] mode(float[] params);

    /** log pi(action | params) per row, [batch]. */
    double[] logProb(float[] params, float[] actions);

    /** Entropy per row, [batch]. */
    double[] entropy(float[] params);

    /**
     * The gradient with respect to {@code params} of
     * {@code sum_i logProbWeights[i] * logProb_i(actions_i) + entropyWeight * sum_i entropy_i}, [batch, paramSize].
     * A loss that is a weighted sum of log-probabilities and entropies (every policy-gradient loss is,
     * given per-sample weights) gets its gradient from this one call.
     */
    float[] gradient(float[] params, float[] actions, double[] logProbWeights, double entropyWeight);
}
