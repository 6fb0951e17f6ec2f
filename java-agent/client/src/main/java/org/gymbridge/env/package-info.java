/**
 * Gymnasium's environment API in Java: {@link org.gymbridge.env.VectorEnv} (batched, mirrors
 * gymnasium.vector.VectorEnv) and {@link org.gymbridge.env.Env} (one env, mirrors gymnasium.Env), with
 * their results and metadata as records.
 */
package org.gymbridge.env;
