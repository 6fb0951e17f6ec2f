/**
 * The DQN family in one agent, {@link org.gymbridge.agents.dqn.Dqn}: target network and experience replay,
 * with Double DQN, the dueling head, prioritized replay ({@link org.gymbridge.agents.buffers.PrioritizedReplay})
 * and n-step returns as {@link org.gymbridge.agents.dqn.DqnConfig} switches, over an MLP or the Nature-DQN CNN.
 */
package org.gymbridge.agents.dqn;
