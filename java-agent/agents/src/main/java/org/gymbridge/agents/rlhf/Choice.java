package org.gymbridge.agents.rlhf;

import java.util.Locale;

/**
 * A labeler's answer to "which clip is better?". As in Christiano et al. (2017), an equal answer counts as
 * half a preference each way and "can't tell" is kept in the log but not used for training.
 */
public enum Choice {
    LEFT, RIGHT, EQUAL, CANNOT_TELL;

    /** The spelling in files and on the wire: left, right, equal, cannot_tell. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a {@link #wireName()}; null if it is none of them. */
    public static Choice fromWireName(String s) {
        for (Choice c : values()) {
            if (c.wireName().equals(s)) {
                return c;
            }
        }
        return null;
    }

    /** The target probability that the left segment is better, or NaN for {@link #CANNOT_TELL}. */
    public double leftProbability() {
        return switch (this) {
            case LEFT -> 1.0;
            case RIGHT -> 0.0;
            case EQUAL -> 0.5;
            case CANNOT_TELL -> Double.NaN;
        };
    }
}
