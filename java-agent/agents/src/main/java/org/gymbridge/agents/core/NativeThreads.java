package org.gymbridge.agents.core;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Limits ND4J's native thread pools (OpenMP and BLAS). RL networks here are small MLPs, where extra
 * threads buy nothing, and the env server runs on the same cores: with ND4J's default (one thread per
 * core) the spinning OpenMP workers fight the server and each other. Measured on 2 cores with the server
 * busy: a batch-8 forward pass 2-19 ms with 2 threads vs 0.4-0.9 ms with 1; a batch-256 forward+backward
 * 44-110 ms vs 5-9 ms.
 *
 * <p>The count comes from the system property {@code gymbridge.nd4j.threads} (default 1).
 */
public final class NativeThreads {

    /** System property overriding the thread count (e.g. for large convolutional networks). */
    public static final String PROPERTY = "gymbridge.nd4j.threads";

    private static volatile boolean configured;

    private NativeThreads() {
    }

    /** Applies the configured limit once per JVM; later calls are free. */
    public static void configure() {
        if (configured) {
            return;
        }
        synchronized (NativeThreads.class) {
            if (!configured) {
                int threads = Integer.getInteger(PROPERTY, 1);
                if (threads < 1) {
                    throw new IllegalArgumentException(PROPERTY + " must be >= 1, got " + threads);
                }
                Nd4j.getEnvironment().setMaxThreads(threads);
                Nd4j.getEnvironment().setMaxMasterThreads(threads);
                Nd4j.factory().blas().setMaxThreads(threads);
                configured = true;
            }
        }
    }
}
