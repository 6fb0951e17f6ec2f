/**
 * The agent protocol and what every agent needs to speak it: {@link org.gymbridge.agents.core.Agent} (batched
 * act, observe, learn, save), {@link org.gymbridge.agents.core.Transition}, the
 * {@link org.gymbridge.agents.core.Algorithm} factories and their {@link org.gymbridge.agents.core.AgentContext},
 * adapters between the bridge's tensors and ND4J arrays, the off-policy agent skeleton shared by DDPG, TD3 and
 * SAC, schedules, seeding, native threads and agent checkpoints.
 *
 * <p>Neighbours: {@code nn} (networks, optimizer), {@code policy} (action distributions, GAE, the policy-gradient
 * step), {@code buffers} (replay and rollout storage), {@code train} (the step loop, trainers, run folders).
 * Algorithms live in their own packages ({@code org.gymbridge.agents.ppo}), one main file each.
 */
package org.gymbridge.agents.core;
