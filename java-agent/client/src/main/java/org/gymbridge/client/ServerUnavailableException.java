package org.gymbridge.client;

import io.grpc.Status;

/** No server could be reached (UNAVAILABLE), or the local server could not be started; the message says what to check or install. */
public class ServerUnavailableException extends GymBridgeException {
    private static final long serialVersionUID = 1L;

    public ServerUnavailableException(String message, Status.Code code, String reason) {
        super(message, code, reason);
    }

    public ServerUnavailableException(String message, Status.Code code, String reason, Throwable cause) {
        super(message, code, reason, cause);
    }
}
