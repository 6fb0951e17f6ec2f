package org.gymbridge.client;

import io.grpc.Status;

/**
 * The env exposes no tabular transition model (FAILED_PRECONDITION, reason NO_MODEL): only envs with
 * {@code unwrapped.P} over Discrete spaces have one (FrozenLake, Taxi, CliffWalking). The message names
 * the env and the envs that have a model.
 */
public class NoModelException extends GymBridgeException {
    private static final long serialVersionUID = 1L;

    /** The server's reason for this failure. */
    public static final String REASON = "NO_MODEL";

    public NoModelException(String message, Status.Code code, String reason, Throwable cause) {
        super(message, code, reason, cause);
    }
}
