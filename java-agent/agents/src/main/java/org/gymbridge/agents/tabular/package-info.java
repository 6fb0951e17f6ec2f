/**
 * Tabular reinforcement learning on Discrete states and actions (toy-text envs: FrozenLake, Taxi,
 * CliffWalking): {@link org.gymbridge.agents.tabular.QLearning}, {@link org.gymbridge.agents.tabular.Sarsa},
 * {@link org.gymbridge.agents.tabular.ExpectedSarsa}, {@link org.gymbridge.agents.tabular.DoubleQLearning},
 * {@link org.gymbridge.agents.tabular.MonteCarloControl} (first visit) and {@link org.gymbridge.agents.tabular.DynaQ},
 * each one update rule on top of {@link org.gymbridge.agents.tabular.TabularAgent} (Q table, epsilon-greedy or
 * Boltzmann exploration with {@link org.gymbridge.agents.core.Schedule decay schedules}, checkpoints).
 */
package org.gymbridge.agents.tabular;
