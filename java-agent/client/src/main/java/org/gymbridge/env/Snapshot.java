package org.gymbridge.env;

/**
 * The saved state of one env, kept on the server (nothing but this handle reaches the client): from
 * {@link VectorEnv#snapshot(int)} or {@link Env#snapshot()}, put back with {@code restore}, after which the env
 * continues bit-identically to how it went on after the snapshot — observations, rewards, flags, infos and its
 * random number generator. A snapshot can be restored any number of times. It counts against the server's
 * per-session limit until closed (try-with-resources), and dies with its env in any case.
 */
public interface Snapshot extends AutoCloseable {

    /** The server's id of this snapshot, unique within its session. */
    long id();

    /** The env (index within its vector env) it was taken of, and can be restored into. */
    int envIndex();

    /** Whether it was closed (released on the server). */
    boolean isClosed();

    /** Frees the snapshot on the server (idempotent; nothing to do once its env is closed). */
    @Override
    void close();
}
