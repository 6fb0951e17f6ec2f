/**
 * Proximal Policy Optimization: {@link org.gymbridge.agents.ppo.Ppo} (the algorithm, top to bottom) and
 * {@link org.gymbridge.agents.ppo.PpoConfig} (its hyperparameters, with defaults that solve CartPole-v1).
 */
package org.gymbridge.agents.ppo;
