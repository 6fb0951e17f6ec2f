package org.gymbridge.client;

import io.grpc.Status;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.gymbridge.proto.v1.SessionRequest;
import org.gymbridge.proto.v1.SessionResponse;

/**
 * The session stream of one vector env (or of a {@link PipelinedEnvPool}'s groups): every reset/step/render
 * is one request with a sequence number; responses are matched back by seq, so steps can be pipelined.
 * Errors arrive in-band and fail only their own request; a request without an answer within its deadline
 * cancels the stream. If the stream itself breaks (server gone), the pending requests fail and the next
 * request opens a new stream (the session lives on the server, not in the stream). The messages travel on a
 * {@link Transport}: the gRPC stream or the same-host fast lane.
 */
final class SessionStream {
    private final GymBridgeClient client;
    private Call call; // guarded by this
    private long nextSeq = 1; // guarded by this
    /** A stream idle this long is checked for having been ended by the server before the next send. */
    private static final long IDLE_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    SessionStream(GymBridgeClient client) {
        this.client = client;
    }

    /**
     * Sends one request; the future completes with its response (which may carry an in-band error).
     * {@code awaited}: the caller passes the future to {@link #await} (or {@link #awaitAny}) itself, so the
     * transport may read the answer on the caller's thread (see FastLane).
     */
    synchronized PendingResponse send(SessionRequest.Builder request, String what, boolean awaited) {
        client.checkOpen();
        if (call != null && !call.broken && call.pending.isEmpty()
                && System.nanoTime() - call.lastSendNanos > IDLE_CHECK_NANOS) {
            // The server ends a stream left idle without a live session (its session reaped); the fast lane
            // learns of that only by reading, so read what arrived before sending into a closed stream.
            call.transport.poll();
        }
        boolean reused = call != null && !call.broken && call.pending.isEmpty();
        if (call == null || call.broken) {
            call = new Call();
        }
        call.lastSendNanos = System.nanoTime();
        long seq = nextSeq++;
        PendingResponse f = new PendingResponse(call.transport, request.hasStep());
        call.pending.put(seq, f);
        try {
            call.transport.send(request.setSeq(seq).build(), awaited);
            f.sentNanos = System.nanoTime();
        } catch (RuntimeException e) {
            call.pending.remove(seq);
            call.broken = true;
            if (reused) {
                // Writing into an idle stream that the server had just ended: the request never left, so it
                // goes on a new stream (once: a new stream that fails too means the server is gone).
                return send(request, what, awaited);
            }
            f.completeExceptionally(client.translate(e, what));
        }
        return f;
    }

    /** Sends one request and waits for its response within the call timeout. */
    SessionResponse call(SessionRequest.Builder request, String what) {
        return await(send(request, what, true), what);
    }

    /** Waits for the response of {@code f} within the call (or reset) timeout; a typed exception if it fails. */
    SessionResponse await(PendingResponse f, String what) {
        boolean reset = what.equals("reset");
        long ms = (reset ? client.options().resetTimeout() : client.options().callTimeout()).toMillis();
        try {
            if (!f.isDone()) {
                f.transport.await(f, ms);
            }
            return f.get(ms, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof GymBridgeException g ? g : client.translate(c, what);
        } catch (TimeoutException e) {
            // Cancel the stream so that the server stops waiting on it (a cancelled stream ends on the
            // server, closing the sessions it made); the next request opens a new stream.
            cancel(what + " exceeded its " + ms + " ms deadline");
            throw new DeadlineExceededException(what + ": no answer from the server within " + ms + " ms; the "
                    + "call was cancelled. Raise the deadline (URL " + (reset ? "reset_timeout=" : "timeout=")
                    + ", or ClientOptions." + (reset ? "withResetTimeout" : "withCallTimeout") + ") if the env is this slow",
                    Status.Code.DEADLINE_EXCEEDED, "TIMEOUT", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GymBridgeException(what + " interrupted", Status.Code.CANCELLED, "INTERRUPTED", e);
        }
    }

    /**
     * Waits up to {@code timeoutMs} until one of {@code inSendOrder} (awaited requests, oldest first) is done,
     * or the oldest is (see {@link Transport#awaitAny}).
     */
    void awaitAny(List<PendingResponse> inSendOrder, long timeoutMs) throws TimeoutException, InterruptedException {
        inSendOrder.get(0).transport.awaitAny(inSendOrder, timeoutMs);
    }

    /** Delivers the responses that have arrived on the current stream, without waiting. */
    void poll() {
        Call c;
        synchronized (this) {
            c = call;
        }
        if (c != null) {
            c.transport.poll();
        }
    }

    /** Cancels the current stream call (its pending requests fail); the next request opens a new one. */
    synchronized void cancel(String why) {
        if (call != null && !call.broken) {
            call.broken = true;
            try {
                call.transport.cancel(why);
            } catch (RuntimeException ignored) {
                // Already gone.
            }
        }
        call = null;
    }

    /** Half-closes the stream (after the last request); pending requests still get their answers. */
    synchronized void finish() {
        if (call != null && !call.broken) {
            try {
                call.transport.halfClose();
            } catch (RuntimeException ignored) {
                // The stream is already gone; nothing to finish.
            }
        }
        call = null;
    }

    /** Whether a stream is open (requests have been sent on it and it has not broken). */
    synchronized boolean isOpen() {
        return call != null && !call.broken;
    }

    /** One stream on one transport, with the requests waiting for an answer on it. */
    private final class Call implements Transport.Receiver {
        final Map<Long, CompletableFuture<SessionResponse>> pending = new ConcurrentHashMap<>();
        final Transport transport;
        volatile boolean broken;
        long lastSendNanos; // guarded by SessionStream.this

        Call() {
            this.transport = Transport.open(client, this);
        }

        @Override
        public void onResponse(SessionResponse r) {
            CompletableFuture<SessionResponse> f = pending.remove(r.getSeq());
            if (f != null) {
                f.complete(r);
            }
        }

        @Override
        public void onError(Throwable t) {
            broken = true;
            GymBridgeException e = client.translate(t, "session stream");
            pending.values().forEach(f -> f.completeExceptionally(e));
            pending.clear();
        }

        @Override
        public void onCompleted() {
            broken = true;
            GymBridgeException e = new ServerUnavailableException("the server ended the session stream before "
                    + "answering; it may be shutting down", Status.Code.UNAVAILABLE, "STREAM_CLOSED");
            pending.values().forEach(f -> f.completeExceptionally(e));
            pending.clear();
        }
    }
}
