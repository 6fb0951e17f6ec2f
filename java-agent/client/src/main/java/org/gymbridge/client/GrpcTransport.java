package org.gymbridge.client;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.gymbridge.proto.v1.SessionRequest;
import org.gymbridge.proto.v1.SessionResponse;

/** One call of the gRPC {@code Session} method: gRPC's own threads receive the answers and complete the futures. */
final class GrpcTransport implements Transport {
    private final ClientCallStreamObserver<SessionRequest> requests;

    GrpcTransport(GymBridgeClient client, Receiver receiver) {
        this.requests = (ClientCallStreamObserver<SessionRequest>) client.asyncStub().session(new StreamObserver<>() {
            @Override
            public void onNext(SessionResponse r) {
                receiver.onResponse(r);
            }

            @Override
            public void onError(Throwable t) {
                receiver.onError(t);
            }

            @Override
            public void onCompleted() {
                receiver.onCompleted();
            }
        });
    }

    @Override
    public void send(SessionRequest request, boolean awaited) {
        requests.onNext(request);
    }

    @Override
    public void await(PendingResponse f, long timeoutMs) throws TimeoutException, InterruptedException {
        waitFor(f, timeoutMs);
    }

    @Override
    public void awaitAny(List<PendingResponse> inSendOrder, long timeoutMs) throws TimeoutException, InterruptedException {
        waitFor(CompletableFuture.anyOf(inSendOrder.toArray(new CompletableFuture<?>[0])), timeoutMs);
    }

    private static void waitFor(CompletableFuture<?> f, long timeoutMs) throws TimeoutException, InterruptedException {
        try {
            f.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // Done exceptionally: whoever reads the future reports it.
        }
    }

    @Override
    public void poll() {
        // gRPC's threads deliver the answers as they arrive.
    }

    @Override
    public void halfClose() {
        requests.onCompleted();
    }

    @Override
    public void cancel(String why) {
        requests.cancel(why, null);
    }
}
