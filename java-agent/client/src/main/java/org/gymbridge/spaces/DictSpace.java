package org.gymbridge.spaces;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.gymbridge.tensor.DictValue;
import org.gymbridge.tensor.Value;

/**
 * gymnasium.spaces.Dict: named subspaces in Gymnasium's key order. A value is a {@link DictValue}
 * with exactly these keys (in any order), each a member of its subspace.
 */
public record DictSpace(Map<String, Space> spaces) implements Space {

    public DictSpace {
        spaces = Collections.unmodifiableMap(new LinkedHashMap<>(spaces));
    }

    /** The subspace for {@code key}; an IllegalArgumentException listing the keys if absent. */
    public Space get(String key) {
        Space s = spaces.get(key);
        if (s == null) {
            throw new IllegalArgumentException("no key '" + key + "' in Dict space; keys are " + spaces.keySet());
        }
        return s;
    }

    @Override
    public DictValue sample(RandomGenerator rng) {
        LinkedHashMap<String, Value> out = new LinkedHashMap<>();
        spaces.forEach((k, s) -> out.put(k, s.sample(rng)));
        return new DictValue(out);
    }

    @Override
    public boolean contains(Value v) {
        if (!(v instanceof DictValue d) || !d.entries().keySet().equals(spaces.keySet())) {
            return false;
        }
        for (Map.Entry<String, Space> e : spaces.entrySet()) {
            if (!e.getValue().contains(d.entries().get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
