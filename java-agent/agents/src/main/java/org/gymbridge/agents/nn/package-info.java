/**
 * Networks and their optimizer: the {@link org.gymbridge.agents.nn.Mlp} with input gradients and target copies,
 * the {@link org.gymbridge.agents.nn.ActorCritic} graph, the {@link org.gymbridge.agents.nn.ConvEncoder} for
 * image observations, {@link org.gymbridge.agents.nn.Adam} with PyTorch's semantics and running
 * normalization statistics.
 */
package org.gymbridge.agents.nn;
