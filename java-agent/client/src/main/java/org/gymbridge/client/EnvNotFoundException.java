package org.gymbridge.client;

import io.grpc.Status;

/** The env id is not registered on the server (NOT_FOUND). The message lists close matches; {@code GymBridgeClient.listEnvs()} shows all ids. */
public class EnvNotFoundException extends GymBridgeException {
    private static final long serialVersionUID = 1L;

    public EnvNotFoundException(String message, Status.Code code, String reason) {
        super(message, code, reason);
    }

    public EnvNotFoundException(String message, Status.Code code, String reason, Throwable cause) {
        super(message, code, reason, cause);
    }
}
