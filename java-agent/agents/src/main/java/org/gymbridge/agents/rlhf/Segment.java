package org.gymbridge.agents.rlhf;

import java.util.Objects;

/**
 * A fixed-length piece of one env's trajectory, the unit a labeler compares: per step the observation the
 * action was taken in, the action (as network features: Box flattened, Discrete one-hot) and the env's true
 * reward. Rows are row-major: step t's observation is {@code observations[t*obsDim .. (t+1)*obsDim)}.
 *
 * <p>The true rewards are kept for evaluation and for the {@link SyntheticLabeler} only; the reward model
 * never sees them. Rendered frames, when there are any, live next to the segment in the {@link SegmentStore}.
 *
 * @param id          unique within a run ({@code s-000042})
 * @param env         which sub-env of the vector env it came from
 * @param startStep   the env step (of the whole run, counted per vector step) at which it starts
 */
public record Segment(String id, int env, long startStep, int obsDim, int actDim, float[] observations,
                      float[] actions, double[] trueRewards)
        implements java.io.Serializable {

    public Segment {
        Objects.requireNonNull(id, "id");
        int length = trueRewards.length;
        if (length == 0 || observations.length != length * obsDim || actions.length != length * actDim) {
            throw new IllegalArgumentException("segment " + id + ": " + length + " rewards but " + observations.length
                    + " observation values (obsDim " + obsDim + ") and " + actions.length + " action values (actDim "
                    + actDim + ")");
        }
    }

    /** Number of steps. */
    public int length() {
        return trueRewards.length;
    }

    /** The sum of the true rewards: what the synthetic labeler compares. */
    public double trueReturn() {
        double sum = 0;
        for (double r : trueRewards) {
            sum += r;
        }
        return sum;
    }

    /** Observation and action of every step side by side, the reward model's input rows [length, obsDim+actDim]. */
    public float[] features() {
        int width = obsDim + actDim;
        float[] rows = new float[length() * width];
        for (int t = 0; t < length(); t++) {
            System.arraycopy(observations, t * obsDim, rows, t * width, obsDim);
            System.arraycopy(actions, t * actDim, rows, t * width + obsDim, actDim);
        }
        return rows;
    }
}
