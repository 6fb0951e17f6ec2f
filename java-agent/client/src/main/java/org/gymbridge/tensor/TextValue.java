package org.gymbridge.tensor;

import java.util.List;

/**
 * Strings: a Text-space value is a TextValue with one item; a string info carries one item per env.
 */
public record TextValue(List<String> items) implements Value {

    public TextValue {
        items = List.copyOf(items);
    }

    /** A text value of the given strings (one string for a single Text-space value). */
    public static TextValue of(String... items) {
        return new TextValue(List.of(items));
    }

    /** Item {@code i}. */
    public String get(int i) {
        return items.get(i);
    }

    /** Number of strings. */
    public int size() {
        return items.size();
    }
}
