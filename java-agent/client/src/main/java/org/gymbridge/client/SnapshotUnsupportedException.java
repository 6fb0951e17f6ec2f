package org.gymbridge.client;

import io.grpc.Status;

/**
 * The env's state cannot be snapshotted (FAILED_PRECONDITION, reason SNAPSHOT_UNSUPPORTED): only toy text,
 * classic control, MuJoCo and Crafter envs in {@code sync} or {@code workers} sessions can. The message says
 * why this one cannot; {@link GymBridgeClient#listEnvs} reports it per env id beforehand.
 */
public class SnapshotUnsupportedException extends GymBridgeException {
    private static final long serialVersionUID = 1L;

    /** The server's reason for this failure. */
    public static final String REASON = "SNAPSHOT_UNSUPPORTED";

    public SnapshotUnsupportedException(String message, Status.Code code, String reason, Throwable cause) {
        super(message, code, reason, cause);
    }
}
