/**
 * Planning: Monte Carlo Tree Search (UCT with chance nodes) in a model session of the env, kept in the real
 * env's state with env snapshots ({@link org.gymbridge.env.VectorEnv#snapshot}).
 */
package org.gymbridge.agents.mcts;
