package org.gymbridge.spaces;

import java.util.List;
import java.util.random.RandomGenerator;
import org.gymbridge.tensor.Tensor;
import org.gymbridge.tensor.TupleValue;
import org.gymbridge.tensor.Value;

/**
 * gymnasium.spaces.OneOf: a value is a {@link TupleValue} {@code (index, sample of spaces[index])}
 * with an integer scalar index.
 */
public record OneOfSpace(List<Space> spaces) implements Space {

    public OneOfSpace {
        spaces = List.copyOf(spaces);
        if (spaces.isEmpty()) {
            throw new IllegalArgumentException("OneOf needs at least one subspace");
        }
    }

    /** Like Gymnasium: a uniformly chosen subspace index and a sample of that subspace. */
    @Override
    public TupleValue sample(RandomGenerator rng) {
        int i = rng.nextInt(spaces.size());
        return TupleValue.of(Tensor.scalar((long) i), spaces.get(i).sample(rng));
    }

    @Override
    public boolean contains(Value v) {
        if (!(v instanceof TupleValue t) || t.size() != 2 || !(t.get(0) instanceof Tensor idx)
                || !idx.dtype().isInteger() || idx.rank() != 0) {
            return false;
        }
        long i = idx.getLong(0);
        return i >= 0 && i < spaces.size() && spaces.get((int) i).contains(t.get(1));
    }
}
