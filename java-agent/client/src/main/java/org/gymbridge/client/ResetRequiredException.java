package org.gymbridge.client;

import io.grpc.Status;

/** step() was called before reset() (FAILED_PRECONDITION, reason RESET_REQUIRED). Call reset() first. */
public class ResetRequiredException extends GymBridgeException {
    private static final long serialVersionUID = 1L;

    public ResetRequiredException(String message, Status.Code code, String reason) {
        super(message, code, reason);
    }

    public ResetRequiredException(String message, Status.Code code, String reason, Throwable cause) {
        super(message, code, reason, cause);
    }
}
