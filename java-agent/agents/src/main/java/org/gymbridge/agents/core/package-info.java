/**
 * What every agent shares: the {@link org.gymbridge.agents.core.Agent} protocol (batched act, observe,
 * learn, save), the {@link org.gymbridge.agents.core.Trainer} loop over a gymbridge
 * {@link org.gymbridge.env.VectorEnv} with progress lines, fixed-seed
 * {@link org.gymbridge.agents.core.Evaluation}, adapters between the bridge's tensors and ND4J arrays,
 * networks ({@link org.gymbridge.agents.core.ActorCritic}), action distributions, the optimizer
 * ({@link org.gymbridge.agents.core.Adam}), GAE, seeding and checkpoints.
 *
 * <p>Algorithms live in their own packages ({@code org.gymbridge.agents.ppo}), one main file each.
 */
package org.gymbridge.agents.core;
