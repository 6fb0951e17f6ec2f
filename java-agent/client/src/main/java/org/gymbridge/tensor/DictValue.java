package org.gymbridge.tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A dict value with ordered string keys: a Dict-space observation or action, or a vector env's
 * infos, which keep Gymnasium's layout ({@code key -> batch}, {@code "_key" -> bool mask of the
 * envs that have it}).
 */
public record DictValue(Map<String, Value> entries) implements Value {

    /** Copies {@code entries} keeping their iteration order. */
    public DictValue {
        Objects.requireNonNull(entries, "entries");
        LinkedHashMap<String, Value> copy = new LinkedHashMap<>();
        entries.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "key"), Objects.requireNonNull(v, "value of " + k)));
        entries = Collections.unmodifiableMap(copy);
    }

    /** The empty dict (e.g. infos without entries). */
    public static DictValue empty() {
        return new DictValue(Map.of());
    }

    /** A dict from alternating keys and values: {@code DictValue.of("pos", t1, "vel", t2)}. */
    public static DictValue of(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("DictValue.of needs key, value pairs; got an odd count");
        }
        LinkedHashMap<String, Value> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], (Value) keysAndValues[i + 1]);
        }
        return new DictValue(m);
    }

    /** Whether {@code key} is present. */
    public boolean has(String key) {
        return entries.containsKey(key);
    }

    /** The entry for {@code key}; an IllegalArgumentException listing the keys if it is absent. */
    public Value get(String key) {
        Value v = entries.get(key);
        if (v == null) {
            throw new IllegalArgumentException("no key '" + key + "' in dict value; keys are " + entries.keySet());
        }
        return v;
    }

    /** The entry for {@code key} as a tensor. */
    public Tensor tensor(String key) {
        return get(key).asTensor();
    }

    /** Number of entries. */
    public int size() {
        return entries.size();
    }
}
