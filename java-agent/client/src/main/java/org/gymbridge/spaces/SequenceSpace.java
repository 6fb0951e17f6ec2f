package org.gymbridge.spaces;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.gymbridge.tensor.Tensor;

/**
 * gymnasium.spaces.Sequence: variable-length sequences of {@code featureSpace} members. A value is a
 * {@link ListValue} (or, when {@code stack} is set and the features are tensors, one tensor stacking
 * the elements on axis 0).
 */
public record SequenceSpace(Space featureSpace, boolean stack) implements Space {

    public SequenceSpace {
        Objects.requireNonNull(featureSpace, "featureSpace");
    }

    /** Like Gymnasium: length ~ Geometric(0.25) (at least 1), elements sampled from the feature space. */
    @Override
    public Value sample(RandomGenerator rng) {
        int length = 1;
        while (rng.nextDouble() >= 0.25) {
            length++;
        }
        List<Value> items = new ArrayList<>(length);
        for (int i = 0; i < length; i++) {
            items.add(featureSpace.sample(rng));
        }
        if (stack) {
            if (!(featureSpace instanceof Box || featureSpace instanceof Discrete || featureSpace instanceof MultiDiscrete
                    || featureSpace instanceof MultiBinary)) {
                throw new UnsupportedOperationException("sampling a stacked Sequence of " + featureSpace
                        + " is not supported; only tensor features can be stacked in Java");
            }
            List<Tensor> tensors = new ArrayList<>(length);
            items.forEach(v -> tensors.add((Tensor) v));
            return Tensor.stack(tensors);
        }
        return new ListValue(items);
    }

    @Override
    public boolean contains(Value v) {
        List<Value> items;
        if (v instanceof ListValue l) {
            items = l.items();
        } else if (v instanceof TupleValue t) {
            items = t.items();
        } else if (stack && v instanceof Tensor t && t.rank() >= 1) {
            items = new ArrayList<>();
            for (int i = 0; i < t.dim(0); i++) {
                items.add(t.get(i));
            }
        } else {
            return false;
        }
        return items.stream().allMatch(featureSpace::contains);
    }
}
