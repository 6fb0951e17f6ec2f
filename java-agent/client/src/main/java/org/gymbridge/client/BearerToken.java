package org.gymbridge.client;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import java.util.concurrent.Executor;

/**
 * Call credentials that send {@code authorization: Bearer <token>} with every call, for servers started
 * with a token ({@code gymbridge-server --token-file} or GYMBRIDGE_TOKEN). Sent over plaintext too: use TLS
 * ({@code grpcs://}) whenever the connection leaves the machine.
 */
final class BearerToken extends CallCredentials {
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final String header;

    BearerToken(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("empty bearer token");
        }
        this.header = "Bearer " + token;
    }

    @Override
    public void applyRequestMetadata(RequestInfo info, Executor appExecutor, MetadataApplier applier) {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, header);
        applier.apply(headers);
    }

    @Override
    public String toString() {
        return "BearerToken(***)";
    }
}
