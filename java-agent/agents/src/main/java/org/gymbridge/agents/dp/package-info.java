/**
 * Dynamic programming on known tabular models: policy evaluation, policy iteration and value iteration
 * ({@link org.gymbridge.agents.dp.DynamicProgramming}) on {@code VectorEnv.model()} or a model built in Java,
 * and {@link org.gymbridge.agents.dp.TabularPolicy} to evaluate the result on the env through the bridge.
 */
package org.gymbridge.agents.dp;
