package org.gymbridge.client;

import java.util.List;
import java.util.concurrent.TimeoutException;
import org.gymbridge.proto.v1.SessionRequest;
import org.gymbridge.proto.v1.SessionResponse;

/**
 * How the requests of one session stream reach the server and its responses come back: the gRPC
 * {@code Session} stream ({@link GrpcTransport}) or, for a server on this host, the fast lane
 * ({@link FastLane}); both carry the same messages. {@link SessionStream} numbers the requests and matches
 * the responses to their futures; a transport only moves messages and, where the caller's thread reads the
 * answers itself, waits for them.
 */
interface Transport {

    /** Where a transport hands what arrives: every response, then the end of the transport once. */
    interface Receiver {
        void onResponse(SessionResponse response);

        /** The transport failed (a gRPC status exception, UNAVAILABLE when the connection broke). */
        void onError(Throwable t);

        /** The server ended the transport cleanly. */
        void onCompleted();
    }

    /**
     * A fast lane when the client's server offers one on this host (and it is not disabled), else the gRPC
     * stream; answers go to {@code receiver}.
     */
    static Transport open(GymBridgeClient client, Receiver receiver) {
        java.net.InetSocketAddress tls = FastLane.tlsAddress(client);
        if (tls != null) {
            TlsLane lane = TlsLane.open(client, tls, receiver);
            return lane != null ? lane : new GrpcTransport(client, receiver);
        }
        FastLane lane = FastLane.open(client, receiver);
        return lane != null ? lane : new GrpcTransport(client, receiver);
    }

    /**
     * Sends one request (the caller serializes sends). {@code awaited}: the caller will wait for its answer in
     * {@link #await}, where a transport may read it on the caller's thread. A RuntimeException (a gRPC status
     * exception) when it cannot be sent.
     */
    void send(SessionRequest request, boolean awaited);

    /** Waits up to {@code timeoutMs} until {@code f} (a request sent on this transport) is done. */
    void await(PendingResponse f, long timeoutMs) throws TimeoutException, InterruptedException;

    /**
     * Waits up to {@code timeoutMs} until at least one of {@code inSendOrder} (requests sent on this transport,
     * oldest first) is done, or possibly until the oldest is: a transport that reads on the caller's thread
     * waits for the oldest and delivers the others as they come.
     */
    void awaitAny(List<PendingResponse> inSendOrder, long timeoutMs) throws TimeoutException, InterruptedException;

    /** Delivers the responses that have arrived, without waiting (nothing to do where other threads deliver). */
    void poll();

    /** No more requests; those in flight still get their answers. */
    void halfClose();

    /** Ends the transport now; the server closes the sessions made on it. */
    void cancel(String why);
}
