package org.gymbridge.agents.rlhf;

import java.util.Random;

/**
 * A stand-in for a person that answers from the true rewards, as in the synthetic-feedback experiments of
 * Christiano et al. (2017): it prefers the segment with the higher true return, Bradley-Terry-rationally,
 * P(left) = sigmoid((R_left - R_right) / temperature); temperature 0 is a perfect labeler. Returns within
 * {@code tieBand} of each other are answered {@link Choice#EQUAL}. Seeded: the same segments in the same
 * order get the same answers. Not thread-safe.
 */
public final class SyntheticLabeler implements java.io.Serializable {
    private final double temperature;
    private final double tieBand;
    private final Random rng;

    /**
     * @param temperature noise of the answers, in units of return (0: always the higher return)
     * @param tieBand     returns closer than this are answered "equal" (0: no ties unless exactly equal)
     */
    public SyntheticLabeler(double temperature, double tieBand, long seed) {
        if (!(temperature >= 0) || !(tieBand >= 0)) {
            throw new IllegalArgumentException("temperature and tie band must be >= 0, got " + temperature + " and "
                    + tieBand);
        }
        this.temperature = temperature;
        this.tieBand = tieBand;
        this.rng = new Random(seed);
    }

    /** The answer for {@code left} versus {@code right}. */
    public Choice label(Segment left, Segment right) {
        double diff = left.trueReturn() - right.trueReturn();
        if (Math.abs(diff) <= tieBand) {
            return Choice.EQUAL;
        }
        if (temperature == 0) {
            return diff > 0 ? Choice.LEFT : Choice.RIGHT;
        }
        double pLeft = 1 / (1 + Math.exp(-diff / temperature));
        return rng.nextDouble() < pLeft ? Choice.LEFT : Choice.RIGHT;
    }
}
