package org.gymbridge.agents.rlhf;

import java.util.ArrayList;
import java.util.List;

/**
 * One training example of the reward model: two segments and the target probability that the left one is
 * better (1, 0, or 0.5 for "equal").
 */
public record Comparison(Segment left, Segment right, double leftProbability) implements java.io.Serializable {

    public Comparison {
        if (!(leftProbability >= 0 && leftProbability <= 1)) {
            throw new IllegalArgumentException("leftProbability must be in [0, 1], got " + leftProbability);
        }
        if (left.obsDim() != right.obsDim() || left.actDim() != right.actDim()) {
            throw new IllegalArgumentException("segments " + left.id() + " and " + right.id() + " have different"
                    + " feature sizes");
        }
    }

    /** A labeled pair; "can't tell" answers carry no preference and give no comparison (null). */
    public static Comparison of(Segment left, Segment right, Choice choice) {
        double p = choice.leftProbability();
        return Double.isNaN(p) ? null : new Comparison(left, right, p);
    }

    /** The comparisons of a run's standing labels, segments loaded from its store; "can't tell" is left out. */
    public static List<Comparison> fromLabels(List<Label> labels, SegmentStore store) {
        List<Comparison> out = new ArrayList<>();
        for (Label l : labels) {
            if (l.choice() == Choice.CANNOT_TELL) {
                continue;
            }
            Segment left = store.load(l.query().left()).orElseThrow(() -> new IllegalStateException(
                    "label of " + l.query().pair() + " names segment " + l.query().left() + " which is not stored"))
                    .segment();
            Segment right = store.load(l.query().right()).orElseThrow(() -> new IllegalStateException(
                    "label of " + l.query().pair() + " names segment " + l.query().right() + " which is not stored"))
                    .segment();
            out.add(of(left, right, l.choice()));
        }
        return out;
    }
}
