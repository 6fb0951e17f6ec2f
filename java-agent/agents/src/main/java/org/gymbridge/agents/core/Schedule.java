package org.gymbridge.agents.core;

import java.io.Serializable;

/**
 * A value that moves from {@code start} to {@code end} over {@code steps} env steps and then stays at
 * {@code end}: exploration rates (epsilon), Boltzmann temperatures, learning rates, PER's beta. In a config
 * file: {@code epsilon: {start: 1.0, end: 0.05, steps: 50000, kind: linear}}.
 *
 * @param start value at step 0
 * @param end   value from {@code steps} on
 * @param steps env steps of the decay (0: {@code end} from the start)
 * @param kind  LINEAR: straight line; EXPONENTIAL: geometric, start * (end / start)^(t / steps) (needs
 *              start and end of the same sign, non-zero); CONSTANT: always start
 */
public record Schedule(double start, double end, long steps, Kind kind) implements Serializable {

    /** How the value moves between start and end. */
    public enum Kind { LINEAR, EXPONENTIAL, CONSTANT }

    public Schedule {
        if (steps < 0) {
            throw new IllegalArgumentException("schedule steps must be >= 0, got " + steps);
        }
        if (kind == Kind.EXPONENTIAL && (start == 0 || end == 0 || Math.signum(start) != Math.signum(end))) {
            throw new IllegalArgumentException("an exponential schedule needs non-zero start and end of the same sign,"
                    + " got start " + start + ", end " + end + ": use kind linear");
        }
    }

    /** A linear decay. */
    public static Schedule linear(double start, double end, long steps) {
        return new Schedule(start, end, steps, Kind.LINEAR);
    }

    /**
     * A constant, written as a linear schedule from value to value, so that a config which later gives only
     * {@code {start, end, steps}} gets a linear decay rather than a constant that ignores them.
     */
    public static Schedule constant(double value) {
        return new Schedule(value, value, 0, Kind.LINEAR);
    }

    /** The value after {@code t} env steps. */
    public double value(long t) {
        if (kind == Kind.CONSTANT) {
            return start;
        }
        if (steps == 0 || t >= steps) {
            return end;
        }
        double f = (double) Math.max(0, t) / steps;
        return kind == Kind.LINEAR ? start + f * (end - start) : start * Math.pow(end / start, f);
    }
}
