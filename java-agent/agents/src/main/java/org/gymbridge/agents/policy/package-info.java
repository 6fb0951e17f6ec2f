/**
 * Policies as distributions over actions: {@link org.gymbridge.agents.policy.Categorical},
 * {@link org.gymbridge.agents.policy.MultiCategorical} and {@link org.gymbridge.agents.policy.DiagonalGaussian}
 * with analytic gradients, the {@link org.gymbridge.agents.policy.PolicyHead} that picks one per action space,
 * Box rescaling, GAE and the gradient step REINFORCE, A2C and PPO end with.
 */
package org.gymbridge.agents.policy;
