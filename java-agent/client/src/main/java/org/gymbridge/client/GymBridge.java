package org.gymbridge.client;

import org.gymbridge.env.AutoresetMode;
import org.gymbridge.env.Env;
import org.gymbridge.env.VectorEnv;

/**
 * Entry points: one URL names the server and the environment.
 * <pre>{@code
 * try (VectorEnv env = GymBridge.makeVec("local:CartPole-v1?num_envs=8&seed=1")) {
 *     ResetResult first = env.reset(1);
 *     StepResult r = env.step(env.actionSpace().sample(rng));
 * }
 * }</pre>
 * URL forms: {@code grpc://host:port/EnvId?...} (a running server), {@code unix:/path/server.sock/EnvId?...}
 * (a running server on a unix socket), {@code local:EnvId?...} (a private server process, stopped when
 * the env closes); {@code grpc://h1:p1,h2:p2/EnvId?num_envs=64} (optionally {@code &shards=48,16}) splits one
 * vector env over several servers, equal to one server with the same num_envs. Query keys: num_envs, seed, autoreset (next_step | same_step | disabled),
 * render_mode, max_episode_steps, vectorization (sync | async | workers), num_workers; any other key is a
 * gymnasium.make kwarg typed like JSON ({@code is_slippery=false} a bool, {@code map_name=8x8} a string, {@code frame_skip=5} an int).
 * Connection keys configure the client instead (see {@link ClientOptions}): {@code grpcs://} (TLS),
 * {@code ca=/path.pem}, {@code token=...} (or GYMBRIDGE_TOKEN), {@code timeout=30s},
 * {@code reset_timeout=5m}, {@code make_timeout=2m}, {@code on_crash=fail|recreate}.
 */
public final class GymBridge {
    private GymBridge() {
    }

    /**
     * Keeps the servers of {@code local:} URLs running through JVM shutdown (Ctrl-C) until the returned hold is
     * closed, for at most {@code limit}: a program that saves its work in a shutdown hook (as {@code gymbridge
     * train} writes a checkpoint) still has its envs while it does. Without a hold, a local server is stopped as
     * soon as the JVM begins to shut down. Holds nest; closing one twice is harmless.
     */
    public static AutoCloseable holdLocalServersAtShutdown(java.time.Duration limit) {
        return LocalServer.hold(limit);
    }

    /** A vector env as the URL says; closing it also closes the connection (and a local server). */
    public static VectorEnv makeVec(String url) {
        return makeVec(url, ClientOptions.defaults());
    }

    /** {@link #makeVec(String)} with explicit timeouts and limits. */
    public static VectorEnv makeVec(String url, ClientOptions options) {
        if (ShardedVectorEnv.isSharded(url)) { // grpc://h1:p1,h2:p2/EnvId: one vector env over several servers
            return ShardedVectorEnv.open(url, options);
        }
        ConnectionUrl u = ConnectionUrl.parse(url, options);
        requireEnv(u, url);
        GymBridgeClient client = GymBridgeClient.open(u);
        try {
            return client.makeSession(u.envId(), u.options(), client);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /**
     * One env as the URL says (num_envs is forced to 1; autoreset is disabled unless the URL sets it, as
     * with a plain gymnasium.Env); closing it also closes the connection (and a local server).
     */
    public static Env make(String url) {
        return make(url, ClientOptions.defaults());
    }

    /** {@link #make(String)} with explicit timeouts and limits. */
    public static Env make(String url, ClientOptions options) {
        ConnectionUrl u = ConnectionUrl.parse(url, options);
        requireEnv(u, url);
        MakeOptions.Builder b = u.options().toBuilder().numEnvs(1);
        if (u.options().autoreset() == null) {
            b.autoreset(AutoresetMode.DISABLED);
        }
        GymBridgeClient client = GymBridgeClient.open(u);
        try {
            return new SingleEnv(client.makeSession(u.envId(), b.build(), client));
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /**
     * A server-level connection (handshake, listEnvs, makeVec): {@code grpc://host:port},
     * {@code unix:/path/server.sock} or {@code local:} (starts a private server). An env id in the URL is ignored.
     */
    public static GymBridgeClient connect(String url) {
        return connect(url, ClientOptions.defaults());
    }

    /** {@link #connect(String)} with explicit timeouts and limits. */
    public static GymBridgeClient connect(String url, ClientOptions options) {
        return GymBridgeClient.open(ConnectionUrl.parse(url, options));
    }

    private static void requireEnv(ConnectionUrl u, String url) {
        if (u.envId().isEmpty()) {
            throw new IllegalArgumentException("malformed gymbridge URL '" + ConnectionSettings.shown(url.trim())
                    + "': no env id; expected e.g. "
                    + "local:CartPole-v1?num_envs=8, grpc://host:50051/CartPole-v1 or unix:/tmp/gym.sock/CartPole-v1");
        }
    }
}
