package org.gymbridge.tensor;

import java.util.List;

/**
 * A list of values that cannot be stacked into one tensor: one value per env for ragged or object
 * leaves (Sequence, Graph, Gymnasium's {@code final_obs} info), or a Sequence-space value.
 */
public record ListValue(List<Value> items) implements Value {

    public ListValue {
        items = List.copyOf(items);
    }

    /** A list of the given items. */
    public static ListValue of(Value... items) {
        return new ListValue(List.of(items));
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
