package org.gymbridge.client;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.gymbridge.proto.v1.SessionRequest;
import org.gymbridge.proto.v1.SessionResponse;

/**
 * The bidirectional Session stream of one vector env: every reset/step/render is one request with a
 * sequence number; responses are matched back by seq, so steps can be pipelined. Errors arrive
 * in-band and fail only their own request. If the stream itself breaks (server gone), the pending
 * requests fail and the next request opens a new stream (the session lives on the server, not in
 * the stream).
 */
final class SessionStream {
    private final GymBridgeClient client;
    private Call call; // guarded by this
    private long nextSeq = 1; // guarded by this

    SessionStream(GymBridgeClient client) {
        this.client = client;
    }

    /** Sends one request; the future completes with its response (which may carry an in-band error). */
    CompletableFuture<SessionResponse> send(SessionRequest.Builder request, String what) {
        return send(request, what, false);
    }

    /**
     * Sends one request; {@code awaited}: the caller passes the future to {@link #await} right away (on the
     * fast lane the caller's thread then reads the answer itself, see FastLane).
     */
    synchronized CompletableFuture<SessionResponse> send(SessionRequest.Builder request, String what, boolean awaited) {
        client.checkOpen();
        if (call == null || call.broken) {
            call = new Call(what);
        }
        long seq = nextSeq++;
        LaneFuture f = new LaneFuture(call.lane, request.hasStep());
        call.pending.put(seq, f);
        try {
            call.send(request.setSeq(seq).build(), awaited);
            f.sentNanos = System.nanoTime();
        } catch (RuntimeException e) {
            call.pending.remove(seq);
            call.broken = true;
            f.completeExceptionally(client.translate(e, what));
        }
        return f;
    }

    /** A response future that knows the fast lane (if any) its request went on. */
    static final class LaneFuture extends CompletableFuture<SessionResponse> {
        final FastLane lane; // null on gRPC
        final boolean step; // a step request: its waiting thread may poll for the answer (FastLane.awaitStep)
        volatile long sentNanos; // System.nanoTime() right after the request went out

        LaneFuture(FastLane lane, boolean step) {
            this.lane = lane;
            this.step = step;
        }
    }

    /** Sends one request and waits for its response within the call timeout. */
    SessionResponse call(SessionRequest.Builder request, String what) {
        return await(send(request, what, true), what);
    }

    SessionResponse await(CompletableFuture<SessionResponse> f, String what) {
        boolean reset = what.equals("reset");
        long ms = (reset ? client.options().resetTimeout() : client.options().callTimeout()).toMillis();
        try {
            if (f instanceof LaneFuture lf && lf.lane != null && !f.isDone()) {
                lf.lane.await(f, ms); // reads the answer on this thread (no hand-off from a reader thread)
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

    /** Cancels the current stream call (its pending requests fail); the next request opens a new one. */
    synchronized void cancel(String why) {
        if (call != null && !call.broken) {
            call.broken = true;
            try {
                call.cancel(why);
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
                call.finish();
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

    /** One gRPC call of the Session method, with the requests waiting for an answer on it. */
    private final class Call implements StreamObserver<SessionResponse> {
        final Map<Long, CompletableFuture<SessionResponse>> pending = new ConcurrentHashMap<>();
        final StreamObserver<SessionRequest> requests; // the gRPC stream, or null on the fast lane
        final FastLane lane; // the same-host fast lane (same messages, framed on a unix socket), or null
        final String what;
        volatile boolean broken;

        Call(String what) {
            this.what = what;
            this.lane = FastLane.open(client, this::onNext, e -> {
                if (e == null) {
                    onCompleted();
                } else {
                    onError(unavailable(e));
                }
            });
            this.requests = lane != null ? null : client.asyncStub().session(this);
        }

        /** Sends one request on this call's transport. */
        void send(SessionRequest r, boolean awaited) {
            if (lane == null) {
                requests.onNext(r);
                return;
            }
            try {
                lane.send(r, awaited);
            } catch (java.io.IOException e) {
                throw unavailable(e);
            }
        }

        /** No more requests; those in flight still get their answers. */
        void finish() {
            if (lane != null) {
                lane.halfClose();
            } else {
                requests.onCompleted();
            }
        }

        /** Ends the call now; the server closes the sessions made on it. */
        void cancel(String why) {
            if (lane != null) {
                lane.close();
            } else {
                ((io.grpc.stub.ClientCallStreamObserver<SessionRequest>) requests).cancel(why, null);
            }
        }

        private RuntimeException unavailable(java.io.IOException e) {
            return Status.UNAVAILABLE.withDescription("fast lane: " + e.getMessage()).withCause(e).asRuntimeException();
        }

        @Override
        public void onNext(SessionResponse r) {
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
