package org.gymbridge.spaces;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.gymbridge.tensor.TupleValue;
import org.gymbridge.tensor.Value;

/** gymnasium.spaces.Tuple: positional subspaces. A value is a {@link TupleValue} of matching length. */
public record TupleSpace(List<Space> spaces) implements Space {

    public TupleSpace {
        spaces = List.copyOf(spaces);
    }

    /** Subspace {@code i}. */
    public Space get(int i) {
        return spaces.get(i);
    }

    @Override
    public TupleValue sample(RandomGenerator rng) {
        List<Value> items = new ArrayList<>(spaces.size());
        for (Space s : spaces) {
            items.add(s.sample(rng));
        }
        return new TupleValue(items);
    }

    @Override
    public boolean contains(Value v) {
        if (!(v instanceof TupleValue t) || t.size() != spaces.size()) {
            return false;
        }
        for (int i = 0; i < spaces.size(); i++) {
            if (!spaces.get(i).contains(t.get(i))) {
                return false;
            }
        }
        return true;
    }
}
