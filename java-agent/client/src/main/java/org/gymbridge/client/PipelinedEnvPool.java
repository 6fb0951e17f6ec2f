package org.gymbridge.client;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.gymbridge.env.ResetResult;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.spaces.Space;
import org.gymbridge.tensor.Value;

/**
 * Client-side pipelining, EnvPool style: the envs are split into {@code numGroups} groups (one server
 * session each); {@link #send(int, Value)} starts a step of one group and returns at once,
 * {@link #recv()} returns the next group whose step has finished. While the agent computes actions for
 * one group, the server steps the others, so policy time and env time overlap instead of adding up.
 * (This is about the client not waiting; how the server steps the envs of one session is the separate
 * {@code vectorization=sync|async|workers} option.)
 *
 * <pre>{@code
 * try (PipelinedEnvPool pool = PipelinedEnvPool.make(client, "HalfCheetah-v5", MakeOptions.builder().numEnvs(16).build(), 2)) {
 *     for (int g = 0; g < pool.numGroups(); g++) {
 *         pool.send(g, policy.act(pool.reset(g, seed).observations()));
 *     }
 *     while (training) {
 *         PipelinedEnvPool.GroupStep s = pool.recv();            // whichever group is ready first
 *         pool.send(s.group(), policy.act(s.result().observations()));
 *     }
 * }
 * }</pre>
 * Group {@code g} holds envs {@code g*k .. g*k+k-1} of the pool ({@code k = numEnvs / numGroups}) and
 * {@link #reset(int, long)} seeds them {@code seed + g*k + i}, so a pool steps exactly the envs one
 * {@code VectorEnv} of all of them would (bit-identical per env, given the same actions).
 */
public final class PipelinedEnvPool implements AutoCloseable {
    private final List<RemoteVectorEnv> groups;
    private final SessionStream stream; // the groups' shared session stream
    private final long timeoutMs;
    // Per group, while its step is in flight (guarded by this): the response, its conversion to a result, and
    // the order it was sent in. The steps are sent as awaited, so recv() reads their answers on the caller's
    // thread where the transport can (the fast lane): no reader thread, whose wake-ups would compete with the
    // policy for the cores.
    private final PendingResponse[] sent;
    private final List<CompletableFuture<StepResult>> results;
    private final long[] sentAt;
    private final long[] sentGeneration; // the group's recovery generation when its step was sent (on_crash)
    private long sends; // guarded by this

    /** One finished step: which group, and its result. */
    public record GroupStep(int group, StepResult result) {
    }

    private PipelinedEnvPool(List<RemoteVectorEnv> groups, SessionStream stream, long timeoutMs) {
        this.groups = groups;
        this.stream = stream;
        this.timeoutMs = timeoutMs;
        this.sent = new PendingResponse[groups.size()];
        this.results = new ArrayList<>(java.util.Collections.nCopies(groups.size(), null));
        this.sentAt = new long[groups.size()];
        this.sentGeneration = new long[groups.size()];
    }

    /**
     * Makes {@code numGroups} sessions of {@code options.numEnvs() / numGroups} envs each (numEnvs must be
     * a multiple of numGroups). Closing the pool closes them; the client stays open.
     */
    public static PipelinedEnvPool make(GymBridgeClient client, String envId, MakeOptions options, int numGroups) {
        int n = options.numEnvs();
        if (numGroups < 1 || n % numGroups != 0) {
            throw new IllegalArgumentException("numGroups=" + numGroups + " must be >= 1 and divide num_envs=" + n
                    + " (each group is an equal slice of the envs)");
        }
        MakeOptions each = options.toBuilder().numEnvs(n / numGroups).build();
        // All groups on one session stream: the server takes their requests in order on one thread, so the
        // next group's step is already waiting when one ends (no wake-up), and sessions on separate streams do
        // not trade the server's GIL back and forth. Answers come back in the order the steps were sent.
        SessionStream shared = new SessionStream(client);
        List<RemoteVectorEnv> groups = new ArrayList<>();
        try {
            for (int g = 0; g < numGroups; g++) {
                groups.add(client.makeSession(envId, each, null, shared));
            }
        } catch (RuntimeException e) {
            groups.forEach(VectorEnv::close);
            shared.finish();
            throw e;
        }
        return new PipelinedEnvPool(groups, shared, client.options().callTimeout().toMillis());
    }

    public int numGroups() {
        return groups.size();
    }

    /** Envs per group. */
    public int groupSize() {
        return groups.get(0).numEnvs();
    }

    /** The vector env of one group (for its spaces, render, ...); step it only through the pool. */
    public VectorEnv group(int g) {
        return groups.get(g);
    }

    /** Batched action space of one group. */
    public Space actionSpace() {
        return groups.get(0).actionSpace();
    }

    /** Resets group {@code g} (not while its step is in flight); its env i gets {@code seed + g*groupSize + i}. */
    public synchronized ResetResult reset(int g, long seed) {
        requireIdle(g);
        return groups.get(g).reset(seed + (long) g * groupSize());
    }

    /** Starts a step of group {@code g} with its batched actions; returns at once. */
    public synchronized void send(int g, Value actions) {
        requireIdle(g);
        sentGeneration[g] = groups.get(g).generation();
        PendingResponse f = groups.get(g).sendStepReadByCaller(actions);
        sent[g] = f;
        sentAt[g] = sends++;
        // Converted by the thread that completes the response: gRPC's, or recv()'s own on the fast lane.
        results.set(g, f.thenApply(RemoteVectorEnv::toStepResult));
    }

    /**
     * The next group whose step finished, waiting up to the call timeout. A failed step throws its
     * GymBridgeException; the group is then idle again (send or reset it). With on_crash=recreate, a group
     * whose env crashed or whose session was lost is recovered like {@link VectorEnv#step}: its result is
     * the fresh observations, every env truncated, infos {@code gymbridge_recovered} and {@code gymbridge_error}.
     *
     * <p>It takes an answer that has arrived (the earliest sent, if several have), else waits for one; on the
     * same-host fast lane this thread reads the answers itself and waits for the step sent first -- groups of
     * equal size finish about in the order they were sent.
     */
    public GroupStep recv() {
        synchronized (this) {
            if (inFlight().isEmpty()) {
                throw new IllegalStateException("recv() with no step in flight; send(group, actions) first");
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            while (true) {
                int g = answered();
                if (g < 0) {
                    stream.poll(); // answers that have arrived, without waiting
                    g = answered();
                }
                if (g >= 0) {
                    return finish(g);
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw timedOut();
                }
                List<PendingResponse> waiting;
                synchronized (this) {
                    waiting = inFlight();
                }
                try {
                    stream.awaitAny(waiting, left);
                } catch (TimeoutException e) {
                    throw timedOut();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GymBridgeException("recv interrupted", Status.Code.CANCELLED, "INTERRUPTED", e);
        }
    }

    private DeadlineExceededException timedOut() {
        return new DeadlineExceededException("recv: no group finished its step within " + timeoutMs + " ms; "
                + "raise ClientOptions.withCallTimeout if the env is this slow", Status.Code.DEADLINE_EXCEEDED, "TIMEOUT");
    }

    /** The steps in flight, oldest first (holding this). */
    private List<PendingResponse> inFlight() {
        List<Integer> order = new ArrayList<>();
        for (int g = 0; g < sent.length; g++) {
            if (sent[g] != null) {
                order.add(g);
            }
        }
        order.sort((a, b) -> Long.compare(sentAt[a], sentAt[b]));
        List<PendingResponse> out = new ArrayList<>(order.size());
        for (int g : order) {
            out.add(sent[g]);
        }
        return out;
    }

    /** The group whose answer is in (the earliest sent of those), or -1. */
    private synchronized int answered() {
        int best = -1;
        for (int g = 0; g < sent.length; g++) {
            if (sent[g] != null && sent[g].isDone() && (best < 0 || sentAt[g] < sentAt[best])) {
                best = g;
            }
        }
        return best;
    }

    /** The finished step of group g (its error thrown); the group is idle again either way. */
    private GroupStep finish(int g) {
        CompletableFuture<StepResult> r;
        long generation;
        synchronized (this) {
            r = results.get(g);
            generation = sentGeneration[g];
            sent[g] = null;
            results.set(g, null);
        }
        try {
            return new GroupStep(g, r.join()); // on gRPC, may wait for the conversion on gRPC's thread
        } catch (CompletionException e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            if (c instanceof GymBridgeException gb) {
                return new GroupStep(g, groups.get(g).recovered(gb, generation)); // or throws gb
            }
            throw new GymBridgeException("step of group " + g + " failed: " + c,
                    Status.Code.INTERNAL, "", c);
        }
    }

    private void requireIdle(int g) {
        if (g < 0 || g >= groups.size()) {
            throw new IndexOutOfBoundsException("group " + g + " of " + groups.size());
        }
        if (sent[g] != null) {
            throw new IllegalStateException("group " + g + " has a step in flight; recv() it first");
        }
    }

    /** Closes every group's session (after their steps in flight). */
    @Override
    public void close() {
        RuntimeException first = null;
        for (VectorEnv g : groups) {
            try {
                g.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        stream.finish();
        if (first != null) {
            throw first;
        }
    }
}
