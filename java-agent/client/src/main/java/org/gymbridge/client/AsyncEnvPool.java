package org.gymbridge.client;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.gymbridge.env.ResetResult;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.spaces.Space;
import org.gymbridge.tensor.Value;

/**
 * EnvPool-style asynchronous stepping: the envs are split into {@code numGroups} groups (one server
 * session each); {@link #send(int, Value)} starts a step of one group and returns at once,
 * {@link #recv()} returns the next group whose step has finished. While the agent computes actions for
 * one group, the server steps the others, so policy time and env time overlap instead of adding up:
 *
 * <pre>{@code
 * try (AsyncEnvPool pool = AsyncEnvPool.make(client, "HalfCheetah-v5", MakeOptions.builder().numEnvs(16).build(), 2)) {
 *     for (int g = 0; g < pool.numGroups(); g++) {
 *         pool.send(g, policy.act(pool.reset(g, seed).observations()));
 *     }
 *     while (training) {
 *         AsyncEnvPool.GroupStep s = pool.recv();               // whichever group is ready first
 *         pool.send(s.group(), policy.act(s.result().observations()));
 *     }
 * }
 * }</pre>
 * Group {@code g} holds envs {@code g*k .. g*k+k-1} of the pool ({@code k = numEnvs / numGroups}) and
 * {@link #reset(int, long)} seeds them {@code seed + g*k + i}, so a pool steps exactly the envs one
 * {@code VectorEnv} of all of them would (bit-identical per env, given the same actions).
 */
public final class AsyncEnvPool implements AutoCloseable {
    private final List<VectorEnv> groups;
    private final SessionStream stream; // the groups' shared session stream
    private final boolean[] inFlight; // guarded by this
    private final LinkedBlockingQueue<Done> ready = new LinkedBlockingQueue<>();
    private final long timeoutMs;
    // Steps on the fast lane: their answers are read by recv() on the caller's thread (no reader thread, whose
    // wake-ups would compete with the policy for the cores). Per group: the pending answer and when it was sent.
    private final SessionStream.LaneFuture[] onLane; // guarded by this
    private final long[] sentAt; // guarded by this
    private long sends; // guarded by this

    /** One finished step: which group, and its result. */
    public record GroupStep(int group, StepResult result) {
    }

    private record Done(int group, StepResult result, Throwable error) {
    }

    private AsyncEnvPool(List<VectorEnv> groups, SessionStream stream, long timeoutMs) {
        this.groups = groups;
        this.stream = stream;
        this.inFlight = new boolean[groups.size()];
        this.timeoutMs = timeoutMs;
        this.onLane = new SessionStream.LaneFuture[groups.size()];
        this.sentAt = new long[groups.size()];
    }

    /**
     * Makes {@code numGroups} sessions of {@code options.numEnvs() / numGroups} envs each (numEnvs must be
     * a multiple of numGroups). Closing the pool closes them; the client stays open.
     */
    public static AsyncEnvPool make(GymBridgeClient client, String envId, MakeOptions options, int numGroups) {
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
        List<VectorEnv> groups = new ArrayList<>();
        try {
            for (int g = 0; g < numGroups; g++) {
                groups.add(client.makeSession(envId, each, null, shared));
            }
        } catch (RuntimeException e) {
            groups.forEach(VectorEnv::close);
            shared.finish();
            throw e;
        }
        return new AsyncEnvPool(groups, shared, client.options().callTimeout().toMillis());
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
        VectorEnv env = groups.get(g);
        if (env instanceof RemoteVectorEnv remote) {
            java.util.concurrent.CompletableFuture<org.gymbridge.proto.v1.SessionResponse> f = remote.sendStepReadByCaller(actions);
            inFlight[g] = true;
            if (f instanceof SessionStream.LaneFuture lf && lf.lane != null) {
                onLane[g] = lf;
                sentAt[g] = sends++;
            } else {
                // gRPC: its own threads complete the answer; recv() takes it from the queue.
                f.whenComplete((r, e) -> {
                    StepResult result = null;
                    Throwable error = e;
                    if (e == null) {
                        try {
                            result = remote.finishStep(f);
                        } catch (RuntimeException x) {
                            error = x;
                        }
                    }
                    ready.add(new Done(g, result, error));
                });
            }
            return;
        }
        inFlight[g] = true;
        env.stepAsync(actions).whenComplete((r, e) -> ready.add(new Done(g, r, e)));
    }

    /**
     * The next group whose step finished, waiting up to the call timeout. A failed step throws its
     * GymBridgeException; the group is then idle again (send or reset it).
     *
     * <p>On the same-host fast lane this thread reads the answers itself: it takes an answer that has arrived
     * (the earliest sent, if several have), else waits for the step sent first -- groups of equal size finish
     * about in the order they were sent. No reader thread has to be woken while the policy computes.
     */
    public GroupStep recv() {
        synchronized (this) {
            boolean any = false;
            for (boolean f : inFlight) {
                any |= f;
            }
            if (!any && ready.isEmpty()) {
                throw new IllegalStateException("recv() with no step in flight; send(group, actions) first");
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        Done d;
        try {
            while (true) {
                int g = answeredOnLane();
                if (g < 0) {
                    for (FastLane lane : lanesInFlight()) {
                        lane.pollAvailable(); // answers that have arrived, without waiting
                    }
                    g = answeredOnLane();
                }
                if (g >= 0) {
                    return finishOnLane(g);
                }
                d = ready.poll();
                if (d != null) {
                    break;
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw timedOut();
                }
                SessionStream.LaneFuture oldest = oldestOnLane();
                if (oldest != null) {
                    // Nothing is ready: wait on the step sent first (groups of equal size finish about in order).
                    try {
                        oldest.lane.await(oldest, left);
                    } catch (java.util.concurrent.TimeoutException e) {
                        throw timedOut();
                    }
                } else {
                    d = ready.poll(left, TimeUnit.MILLISECONDS);
                    if (d == null) {
                        throw timedOut();
                    }
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GymBridgeException("recv interrupted", Status.Code.CANCELLED, "INTERRUPTED", e);
        }
        synchronized (this) {
            inFlight[d.group()] = false;
        }
        if (d.error() != null) {
            Throwable c = d.error() instanceof CompletionException && d.error().getCause() != null ? d.error().getCause() : d.error();
            throw c instanceof GymBridgeException g ? g : new GymBridgeException("step of group " + d.group() + " failed: " + c,
                    Status.Code.INTERNAL, "", c);
        }
        return new GroupStep(d.group(), d.result());
    }

    private DeadlineExceededException timedOut() {
        return new DeadlineExceededException("recv: no group finished its step within " + timeoutMs + " ms; "
                + "raise ClientOptions.withCallTimeout if the env is this slow", Status.Code.DEADLINE_EXCEEDED, "TIMEOUT");
    }

    /** The fast-lane group whose answer is in (the earliest sent of those), or -1. */
    private synchronized int answeredOnLane() {
        int best = -1;
        for (int g = 0; g < onLane.length; g++) {
            if (onLane[g] != null && onLane[g].isDone() && (best < 0 || sentAt[g] < sentAt[best])) {
                best = g;
            }
        }
        return best;
    }

    private synchronized SessionStream.LaneFuture oldestOnLane() {
        int best = -1;
        for (int g = 0; g < onLane.length; g++) {
            if (onLane[g] != null && (best < 0 || sentAt[g] < sentAt[best])) {
                best = g;
            }
        }
        return best < 0 ? null : onLane[best];
    }

    /** The lanes with steps in flight, each once (the groups share one stream, so usually a single lane). */
    private synchronized List<FastLane> lanesInFlight() {
        List<FastLane> out = new ArrayList<>(1);
        for (SessionStream.LaneFuture f : onLane) {
            if (f != null && !f.isDone() && !out.contains(f.lane)) {
                out.add(f.lane);
            }
        }
        return out;
    }

    /** The finished step of fast-lane group g (its error thrown); the group is idle again either way. */
    private GroupStep finishOnLane(int g) {
        SessionStream.LaneFuture f;
        synchronized (this) {
            f = onLane[g];
            onLane[g] = null;
            inFlight[g] = false;
        }
        return new GroupStep(g, ((RemoteVectorEnv) groups.get(g)).finishStep(f));
    }

    private void requireIdle(int g) {
        if (g < 0 || g >= groups.size()) {
            throw new IndexOutOfBoundsException("group " + g + " of " + groups.size());
        }
        if (inFlight[g]) {
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
