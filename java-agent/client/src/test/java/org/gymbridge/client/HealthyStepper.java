package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.Tensor;

/**
 * A CartPole vector env stepping in a thread while a fault is injected elsewhere on the same server: the
 * reliability tests assert it never failed and kept making progress (one client's fault affects nobody else).
 */
final class HealthyStepper implements AutoCloseable {
    private final VectorEnv env;
    private final AtomicLong steps = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean stop;

    HealthyStepper(GymBridgeClient client) {
        env = client.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(2).seed(3).build());
        env.reset(3);
        thread = new Thread(() -> {
            Tensor actions = Tensor.ofLongs(new long[] {0, 1});
            try {
                while (!stop) {
                    env.step(actions);
                    steps.incrementAndGet();
                    Thread.sleep(2);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "healthy-stepper");
        thread.setDaemon(true);
        thread.start();
        awaitMore(0, 3);
    }

    long steps() {
        return steps.get();
    }

    /** Waits until at least {@code more} steps happened after {@code since}; fails if the env failed. */
    void awaitMore(long since, long more) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (steps.get() < since + more && failure.get() == null && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        assertNull(failure.get(), () -> "the healthy session failed: " + failure.get());
        assertTrue(steps.get() >= since + more, "the healthy session stalled at " + steps.get() + " steps");
    }

    /** No failure, and progress after {@code since} (a step count taken before the fault). */
    void assertKeptStepping(long since) {
        awaitMore(since, 3);
    }

    @Override
    public void close() {
        stop = true;
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        env.close();
    }
}
