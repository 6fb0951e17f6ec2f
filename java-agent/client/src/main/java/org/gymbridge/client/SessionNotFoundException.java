package org.gymbridge.client;

import io.grpc.Status;

/** The session is unknown to the server: it was closed, expired, or the server restarted (NOT_FOUND, reason SESSION_NOT_FOUND). Make a new env. */
public class SessionNotFoundException extends GymBridgeException {
    private static final long serialVersionUID = 1L;

    public SessionNotFoundException(String message, Status.Code code, String reason) {
        super(message, code, reason);
    }

    public SessionNotFoundException(String message, Status.Code code, String reason, Throwable cause) {
        super(message, code, reason, cause);
    }
}
