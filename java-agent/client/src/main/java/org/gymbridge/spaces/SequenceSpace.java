package org.gymbridge.spaces;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.gymbridge.tensor.ListValue;
import org.gymbridge.tensor.Value;

/**
 * gymnasium.spaces.Sequence: variable-length sequences of {@code featureSpace} members. A value is a
 * {@link ListValue} of members, also when {@code stack} is set (Gymnasium then stacks the elements into
 * one array in Python; on the wire and in Java they stay a list).
 */
public record SequenceSpace(Space featureSpace, boolean stack) implements Space {

    public SequenceSpace {
        Objects.requireNonNull(featureSpace, "featureSpace");
    }

    /** Like Gymnasium: length ~ Geometric(0.25) (at least 1), elements sampled from the feature space. */
    @Override
    public ListValue sample(RandomGenerator rng) {
        int length = 1;
        while (rng.nextDouble() >= 0.25) {
            length++;
        }
        List<Value> items = new ArrayList<>(length);
        for (int i = 0; i < length; i++) {
            items.add(featureSpace.sample(rng));
        }
        return new ListValue(items);
    }

    @Override
    public boolean contains(Value v) {
        return v instanceof ListValue l && l.items().stream().allMatch(featureSpace::contains);
    }
}
