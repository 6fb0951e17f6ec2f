package org.gymbridge.client;

import io.grpc.Status;

/** A server limit was hit (RESOURCE_EXHAUSTED): sessions, envs per session or message size. The message names the limit and the server flag that raises it. */
public class LimitExceededException extends GymBridgeException {
    private static final long serialVersionUID = 1L;

    public LimitExceededException(String message, Status.Code code, String reason) {
        super(message, code, reason);
    }

    public LimitExceededException(String message, Status.Code code, String reason, Throwable cause) {
        super(message, code, reason, cause);
    }
}
