package org.gymbridge.client;

import java.time.Duration;
import java.util.Objects;

/**
 * Timeouts and limits of a client connection. The defaults are generous because making a MuJoCo env
 * or starting a local server imports heavy Python modules:
 * {@code ClientOptions.defaults().withCallTimeout(Duration.ofSeconds(5))}.
 *
 * @param callTimeout        deadline of reset, step, render, list, handshake and close calls (default 60 s)
 * @param makeTimeout        deadline of creating a session (default 60 s)
 * @param serverStartTimeout how long the local: launcher waits for the server to be ready (default 60 s)
 * @param maxMessageBytes    largest message accepted from the server (default 64 MiB, the server's default)
 */
public record ClientOptions(Duration callTimeout, Duration makeTimeout, Duration serverStartTimeout,
                            int maxMessageBytes) {

    public ClientOptions {
        Objects.requireNonNull(callTimeout, "callTimeout");
        Objects.requireNonNull(makeTimeout, "makeTimeout");
        Objects.requireNonNull(serverStartTimeout, "serverStartTimeout");
        if (maxMessageBytes <= 0) {
            throw new IllegalArgumentException("maxMessageBytes must be positive, got " + maxMessageBytes);
        }
    }

    /** 60 s calls, 60 s make, 60 s server start, 64 MiB messages. */
    public static ClientOptions defaults() {
        return new ClientOptions(Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(60), 64 << 20);
    }

    public ClientOptions withCallTimeout(Duration d) {
        return new ClientOptions(d, makeTimeout, serverStartTimeout, maxMessageBytes);
    }

    public ClientOptions withMakeTimeout(Duration d) {
        return new ClientOptions(callTimeout, d, serverStartTimeout, maxMessageBytes);
    }

    public ClientOptions withServerStartTimeout(Duration d) {
        return new ClientOptions(callTimeout, makeTimeout, d, maxMessageBytes);
    }

    public ClientOptions withMaxMessageBytes(int bytes) {
        return new ClientOptions(callTimeout, makeTimeout, serverStartTimeout, bytes);
    }
}
