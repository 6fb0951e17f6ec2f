package org.gymbridge.client;

import io.grpc.Metadata;
import io.grpc.Status;

/** Maps gRPC statuses (unary) and in-band Status messages (stream) to the typed exceptions. */
final class Errors {
    static final Metadata.Key<String> REASON_KEY = Metadata.Key.of("gymbridge-reason", Metadata.ASCII_STRING_MARSHALLER);

    private Errors() {
    }

    /** The exception for a failed unary call or a broken stream. */
    static GymBridgeException fromGrpc(Throwable t, String what) {
        if (t instanceof GymBridgeException g) {
            return g;
        }
        Status status = Status.fromThrowable(t);
        String reason = "";
        Metadata trailers = Status.trailersFromThrowable(t);
        if (trailers != null && trailers.get(REASON_KEY) != null) {
            reason = trailers.get(REASON_KEY);
        }
        String message = status.getDescription() != null ? status.getDescription() : status.getCode().toString();
        if (status.getCode() == Status.Code.UNAVAILABLE) {
            message = what + ": server unavailable (" + message + "). Is the gymbridge server running and reachable? "
                    + "Start one with `gymbridge-server --port 50051`, or use a local:EnvId URL to start a private one.";
        } else if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
            message = what + ": no answer before the deadline (" + message + "); raise the deadline (URL "
                    + "timeout=, reset_timeout=, make_timeout=, or ClientOptions) if the env is this slow.";
        }
        return of(status.getCode(), message, reason, false, t);
    }

    /** The exception for an in-band error on the session stream. */
    static GymBridgeException fromProto(org.gymbridge.proto.v1.Status s, boolean stepCall) {
        Status.Code code = Status.fromCodeValue(s.getCode()).getCode();
        return of(code, s.getMessage(), s.getReason(), stepCall, null);
    }

    static GymBridgeException of(Status.Code code, String message, String reason, boolean stepCall, Throwable cause) {
        switch (code) {
            case NOT_FOUND:
                if (reason.equals("SNAPSHOT_NOT_FOUND")) {
                    return new GymBridgeException(message, code, reason, cause);
                }
                if (reason.contains("SESSION")) {
                    return new SessionNotFoundException(message, code, reason, cause);
                }
                return new EnvNotFoundException(message, code, reason, cause);
            case INVALID_ARGUMENT:
                if (stepCall) {
                    return new InvalidActionException(message, code, reason, cause);
                }
                return new GymBridgeException(message, code, reason, cause);
            case FAILED_PRECONDITION:
                if (reason.equals("RESET_REQUIRED") || (reason.isEmpty() && stepCall)) {
                    return new ResetRequiredException(message, code, reason, cause);
                }
                if (reason.equals(SnapshotUnsupportedException.REASON)) {
                    return new SnapshotUnsupportedException(message, code, reason, cause);
                }
                if (reason.equals(NoModelException.REASON)) {
                    return new NoModelException(message, code, reason, cause);
                }
                return new GymBridgeException(message, code, reason, cause);
            case ABORTED:
                return new EnvCrashedException(message, code, reason, cause);
            case RESOURCE_EXHAUSTED:
                return new LimitExceededException(message, code, reason, cause);
            case UNAVAILABLE:
                return new ServerUnavailableException(message, code, reason, cause);
            case DEADLINE_EXCEEDED:
                return new DeadlineExceededException(message, code, reason, cause);
            case UNAUTHENTICATED:
                return new UnauthenticatedException(message, code, reason, cause);
            default:
                return new GymBridgeException(message, code, reason, cause);
        }
    }
}
