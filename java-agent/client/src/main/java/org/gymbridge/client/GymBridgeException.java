package org.gymbridge.client;

import io.grpc.Status;

/**
 * Base of every gymbridge failure: unchecked, carrying the server's message (which names the problem
 * and the fix), the gRPC status code and the machine-readable reason (e.g. "RESET_REQUIRED"; empty
 * when the server gave none). A failed call fails only itself; the env and the server go on.
 */
public class GymBridgeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Status.Code code;
    private final String reason;

    public GymBridgeException(String message, Status.Code code, String reason) {
        this(message, code, reason, null);
    }

    public GymBridgeException(String message, Status.Code code, String reason, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.reason = reason == null ? "" : reason;
    }

    /** The gRPC status code (NOT_FOUND, INVALID_ARGUMENT, ...). */
    public Status.Code code() {
        return code;
    }

    /** The server's machine-readable reason, or "" when none. */
    public String reason() {
        return reason;
    }
}
