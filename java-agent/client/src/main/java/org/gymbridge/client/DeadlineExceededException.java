package org.gymbridge.client;

import io.grpc.Status;

/**
 * A call got no answer before its deadline (DEADLINE_EXCEEDED). The call was cancelled, and the server
 * told so; the env is still there. Raise the deadline (URL {@code timeout=}, {@code reset_timeout=}, or
 * {@link ClientOptions}) if the env is this slow.
 */
public class DeadlineExceededException extends GymBridgeException {
    private static final long serialVersionUID = 1L;

    public DeadlineExceededException(String message, Status.Code code, String reason) {
        super(message, code, reason);
    }

    public DeadlineExceededException(String message, Status.Code code, String reason, Throwable cause) {
        super(message, code, reason, cause);
    }
}
