package org.gymbridge.client;

import io.grpc.Status;

/** The action is not a member of the action space (INVALID_ARGUMENT): wrong shape, dtype kind or out of range. The message names the env index, the value and the space. The env is unchanged; step again with a valid action. */
public class InvalidActionException extends GymBridgeException {
    private static final long serialVersionUID = 1L;

    public InvalidActionException(String message, Status.Code code, String reason) {
        super(message, code, reason);
    }

    public InvalidActionException(String message, Status.Code code, String reason, Throwable cause) {
        super(message, code, reason, cause);
    }
}
