package org.gymbridge.client;

import java.util.concurrent.CompletableFuture;
import org.gymbridge.proto.v1.SessionResponse;

/** The answer to one request of a session stream, with the transport it went on (which knows how to wait for it). */
final class PendingResponse extends CompletableFuture<SessionResponse> {
    final Transport transport;
    final boolean step; // a step request: its waiting thread may poll for the answer (FastLane.await)
    volatile long sentNanos; // System.nanoTime() right after the request went out

    PendingResponse(Transport transport, boolean step) {
        this.transport = transport;
        this.step = step;
    }
}
