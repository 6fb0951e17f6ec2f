/**
 * Experience storage: the uniform {@link org.gymbridge.agents.buffers.ReplayBuffer} and
 * {@link org.gymbridge.agents.buffers.PrioritizedReplay} of the off-policy agents, and the
 * {@link org.gymbridge.agents.buffers.RolloutBuffer} of the on-policy ones (REINFORCE, A2C, PPO).
 */
package org.gymbridge.agents.buffers;
