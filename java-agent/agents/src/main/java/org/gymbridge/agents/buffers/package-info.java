/**
 * Experience storage: the uniform {@link org.gymbridge.agents.buffers.ReplayBuffer} and
 * {@link org.gymbridge.agents.buffers.PrioritizedReplay} of the off-policy agents.
 */
package org.gymbridge.agents.buffers;
