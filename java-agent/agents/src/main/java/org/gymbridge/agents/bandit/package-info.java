/**
 * Multi-armed bandits (Sutton and Barto, chapter 2): epsilon-greedy, optimistic initial values and UCB1
 * ({@link org.gymbridge.agents.bandit.ActionValueBandit}), the gradient bandit
 * ({@link org.gymbridge.agents.bandit.GradientBandit}), and the k-armed testbed experiments with their
 * average-reward and %-optimal-action plots ({@link org.gymbridge.agents.bandit.BanditTestbed}), simulated in
 * Java or played on the server's {@code gymbridge/Bandit-v0} env through the bridge.
 */
package org.gymbridge.agents.bandit;
