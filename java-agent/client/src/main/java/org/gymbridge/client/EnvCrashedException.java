package org.gymbridge.client;

import io.grpc.Status;

/** The environment raised an exception in Python (ABORTED); the message carries the Python error's last line. */
public class EnvCrashedException extends GymBridgeException {
    private static final long serialVersionUID = 1L;

    public EnvCrashedException(String message, Status.Code code, String reason) {
        super(message, code, reason);
    }

    public EnvCrashedException(String message, Status.Code code, String reason, Throwable cause) {
        super(message, code, reason, cause);
    }
}
