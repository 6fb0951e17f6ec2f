package org.gymbridge.tensor;

import java.util.List;

/** A tuple value: a Tuple-space observation or action, items in order. */
public record TupleValue(List<Value> items) implements Value {

    public TupleValue {
        items = List.copyOf(items);
    }

    /** A tuple of the given items. */
    public static TupleValue of(Value... items) {
        return new TupleValue(List.of(items));
    }

    /** Item {@code i}. */
    public Value get(int i) {
        return items.get(i);
    }

    /** Number of items. */
    public int size() {
        return items.size();
    }
}
