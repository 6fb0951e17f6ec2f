package org.gymbridge.client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Timeouts, limits, credentials and the crash policy of a client connection. Every call has a
 * deadline; resets (and makes) get their own, longer one because some envs (Minecraft) take minutes
 * to start: {@code ClientOptions.defaults().withCallTimeout(Duration.ofSeconds(5))}. URL query keys set
 * the same fields: {@code timeout=30s}, {@code reset_timeout=5m}, {@code make_timeout=2m},
 * {@code token=...}, {@code ca=/path/ca.pem}, {@code on_crash=recreate}, and the scheme {@code grpcs://}.
 *
 * @param callTimeout        deadline of step, render, list, handshake and close calls (default 60 s)
 * @param makeTimeout        deadline of creating a session (default 120 s)
 * @param serverStartTimeout how long the local: launcher waits for the server to be ready (default 60 s)
 * @param maxMessageBytes    largest message accepted from the server (default 64 MiB, the server's default)
 * @param resetTimeout       deadline of reset calls (default 300 s)
 * @param token              bearer token sent on every call ({@code authorization: Bearer ...}); null: the
 *                           environment variable GYMBRIDGE_TOKEN, if set
 * @param tls                connect with TLS ({@code grpcs://}); the server's certificate must be trusted
 * @param caFile             PEM file of the certificate(s) to trust for TLS; null: GYMBRIDGE_CA if set, else the
 *                           JVM's default trust store
 * @param onCrash            what a VectorEnv does when its env crashed or its session was lost (default FAIL)
 */
public record ClientOptions(Duration callTimeout, Duration makeTimeout, Duration serverStartTimeout,
                            int maxMessageBytes, Duration resetTimeout, String token, boolean tls, Path caFile,
                            CrashPolicy onCrash) {

    /** Environment variable with the bearer token, used when no token is configured. */
    public static final String TOKEN_ENV = "GYMBRIDGE_TOKEN";
    /** Environment variable with the CA file for TLS, used when none is configured. */
    public static final String CA_ENV = "GYMBRIDGE_CA";

    /** What a vector env does when a step fails because its env crashed or its session is gone. */
    public enum CrashPolicy {
        /** Throw the exception (EnvCrashedException, SessionNotFoundException); the caller decides. */
        FAIL,
        /**
         * Recover once per failure: reset the crashed session (the server restarts its workers), or make
         * a new session with the same options if the server lost it; the failed step returns the fresh
         * observations with every env truncated, zero rewards, and infos {@code gymbridge_recovered} (true)
         * and {@code gymbridge_error} (the server's message). Applies to {@code step()} and {@code reset()};
         * a {@code stepAsync()} future fails as with FAIL (call {@code reset()} to recover).
         */
        RECREATE
    }

    public ClientOptions {
        Objects.requireNonNull(callTimeout, "callTimeout");
        Objects.requireNonNull(makeTimeout, "makeTimeout");
        Objects.requireNonNull(serverStartTimeout, "serverStartTimeout");
        Objects.requireNonNull(resetTimeout, "resetTimeout");
        Objects.requireNonNull(onCrash, "onCrash");
        if (maxMessageBytes <= 0) {
            throw new IllegalArgumentException("maxMessageBytes must be positive, got " + maxMessageBytes);
        }
        for (Duration d : new Duration[] {callTimeout, makeTimeout, serverStartTimeout, resetTimeout}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive, got " + d);
            }
        }
    }

    /** The original four settings; the rest take their defaults. */
    public ClientOptions(Duration callTimeout, Duration makeTimeout, Duration serverStartTimeout, int maxMessageBytes) {
        this(callTimeout, makeTimeout, serverStartTimeout, maxMessageBytes, Duration.ofSeconds(300), null, false, null,
                CrashPolicy.FAIL);
    }

    /** 60 s calls, 120 s make, 300 s reset, 60 s server start, 64 MiB messages, no token, plaintext, FAIL. */
    public static ClientOptions defaults() {
        return new ClientOptions(Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(60), 64 << 20);
    }

    public ClientOptions withCallTimeout(Duration d) {
        return new ClientOptions(d, makeTimeout, serverStartTimeout, maxMessageBytes, resetTimeout, token, tls, caFile, onCrash);
    }

    public ClientOptions withMakeTimeout(Duration d) {
        return new ClientOptions(callTimeout, d, serverStartTimeout, maxMessageBytes, resetTimeout, token, tls, caFile, onCrash);
    }

    public ClientOptions withServerStartTimeout(Duration d) {
        return new ClientOptions(callTimeout, makeTimeout, d, maxMessageBytes, resetTimeout, token, tls, caFile, onCrash);
    }

    public ClientOptions withMaxMessageBytes(int bytes) {
        return new ClientOptions(callTimeout, makeTimeout, serverStartTimeout, bytes, resetTimeout, token, tls, caFile, onCrash);
    }

    public ClientOptions withResetTimeout(Duration d) {
        return new ClientOptions(callTimeout, makeTimeout, serverStartTimeout, maxMessageBytes, d, token, tls, caFile, onCrash);
    }

    /** Sends {@code authorization: Bearer token} on every call (null: GYMBRIDGE_TOKEN if set). */
    public ClientOptions withToken(String t) {
        return new ClientOptions(callTimeout, makeTimeout, serverStartTimeout, maxMessageBytes, resetTimeout, t, tls, caFile, onCrash);
    }

    /** TLS on or off (grpcs:// turns it on). */
    public ClientOptions withTls(boolean on) {
        return new ClientOptions(callTimeout, makeTimeout, serverStartTimeout, maxMessageBytes, resetTimeout, token, on, caFile, onCrash);
    }

    /** TLS trusting the certificates in this PEM file (turns TLS on). */
    public ClientOptions withCaFile(Path pem) {
        return new ClientOptions(callTimeout, makeTimeout, serverStartTimeout, maxMessageBytes, resetTimeout, token, true, pem, onCrash);
    }

    public ClientOptions withOnCrash(CrashPolicy p) {
        return new ClientOptions(callTimeout, makeTimeout, serverStartTimeout, maxMessageBytes, resetTimeout, token, tls, caFile, p);
    }

    /** The token to send: the configured one, else $GYMBRIDGE_TOKEN, else null. */
    String effectiveToken() {
        if (token != null && !token.isEmpty()) {
            return token;
        }
        String env = System.getenv(TOKEN_ENV);
        return env == null || env.isBlank() ? null : env.strip();
    }

    /** The CA file to trust: the configured one, else $GYMBRIDGE_CA, else null (the JVM's trust store). */
    Path effectiveCaFile() {
        if (caFile != null) {
            return caFile;
        }
        String env = System.getenv(CA_ENV);
        return env == null || env.isBlank() ? null : Path.of(env.strip());
    }

    @Override
    public String toString() {
        // Never print the token.
        return "ClientOptions[callTimeout=" + callTimeout + ", makeTimeout=" + makeTimeout + ", serverStartTimeout="
                + serverStartTimeout + ", maxMessageBytes=" + maxMessageBytes + ", resetTimeout=" + resetTimeout
                + ", token=" + (token == null ? "none" : "***") + ", tls=" + tls + ", caFile=" + caFile
                + ", onCrash=" + onCrash + "]";
    }
}
