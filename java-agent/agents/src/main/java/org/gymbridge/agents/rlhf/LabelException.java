package org.gymbridge.agents.rlhf;

/**
 * An answer or undo that the {@link LabelLog} refused; nothing was written. {@link #reason()} says why in a
 * way a client can act on (the label page maps it to an HTTP status).
 */
public final class LabelException extends RuntimeException {

    /** Why a label was refused. */
    public enum Reason {
        /** No query has this pair id. */
        UNKNOWN_PAIR,
        /** The pair already has an answer (undo it first to change it). */
        ALREADY_ANSWERED,
        /** The labeler has no answer left to undo. */
        NOTHING_TO_UNDO,
        /** The run takes no more labels. */
        RUN_CLOSED,
        /** The request itself is malformed (bad choice, bad labeler name). */
        INVALID
    }

    private final Reason reason;

    public LabelException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
