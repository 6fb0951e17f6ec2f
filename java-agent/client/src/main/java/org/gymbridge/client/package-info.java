/**
 * Entry points and connections: {@link org.gymbridge.client.GymBridge} turns a URL
 * ({@code local:CartPole-v1?num_envs=8}, {@code grpc://host:port/EnvId}, {@code unix:/path.sock/EnvId})
 * into an {@link org.gymbridge.env.Env} or {@link org.gymbridge.env.VectorEnv};
 * {@link org.gymbridge.client.GymBridgeClient} is a server-level connection; the exceptions, all
 * subclasses of {@link org.gymbridge.client.GymBridgeException}, say what went wrong and how to fix it.
 * gRPC stays inside this package: users see envs, spaces and tensors, never a stub.
 */
package org.gymbridge.client;
