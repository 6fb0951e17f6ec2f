package org.gymbridge.client;

import io.grpc.Status;

/**
 * The server requires a bearer token and the call carried none or a wrong one (UNAUTHENTICATED). Pass the
 * server's token with the URL option {@code token=...}, the environment variable GYMBRIDGE_TOKEN, or
 * {@link ClientOptions#withToken}.
 */
public class UnauthenticatedException extends GymBridgeException {
    private static final long serialVersionUID = 1L;

    public UnauthenticatedException(String message, Status.Code code, String reason) {
        super(message, code, reason);
    }

    public UnauthenticatedException(String message, Status.Code code, String reason, Throwable cause) {
        super(message, code, reason, cause);
    }
}
