package org.gymbridge.client;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gymbridge.spaces.Box;
import org.gymbridge.spaces.DictSpace;
import org.gymbridge.tensor.DictValue;
import org.gymbridge.spaces.Discrete;
import org.gymbridge.tensor.ListValue;
import org.gymbridge.spaces.MultiBinary;
import org.gymbridge.spaces.MultiDiscrete;
import org.gymbridge.spaces.Space;
import org.gymbridge.tensor.TextValue;
import org.gymbridge.spaces.TupleSpace;
import org.gymbridge.tensor.TupleValue;
import org.gymbridge.tensor.Value;
import org.gymbridge.tensor.Tensor;

/**
 * Converts between one env's values and a batch of one, following Gymnasium's batch_space: tensor
 * leaves gain/lose axis 0 (zero-copy), Dict and Tuple recurse, and every other space (Text,
 * Sequence, Graph, OneOf) is batched as a tuple of per-env values.
 */
final class Batching {
    private Batching() {
    }

    /** The batch of one holding {@code v}, a value of the single-env {@code space}. */
    static Value batchOne(Value v, Space space) {
        if (isTensorSpace(space)) {
            if (v instanceof Tensor t) {
                long[] s = t.shape();
                long[] b = new long[s.length + 1];
                b[0] = 1;
                System.arraycopy(s, 0, b, 1, s.length);
                return t.reshape(b);
            }
            return v; // not a tensor: the server reports the mismatch against the action space
        }
        if (space instanceof DictSpace d && v instanceof DictValue dv) {
            Map<String, Value> out = new LinkedHashMap<>();
            dv.entries().forEach((k, x) -> out.put(k, d.spaces().containsKey(k) ? batchOne(x, d.spaces().get(k)) : x));
            return new DictValue(out);
        }
        if (space instanceof TupleSpace ts && v instanceof TupleValue tv && tv.size() == ts.spaces().size()) {
            List<Value> out = new ArrayList<>();
            for (int i = 0; i < tv.size(); i++) {
                out.add(batchOne(tv.get(i), ts.get(i)));
            }
            return new TupleValue(out);
        }
        if (space instanceof DictSpace || space instanceof TupleSpace) {
            return v;
        }
        return TupleValue.of(v);
    }

    /** Env 0's value out of a batch of the single-env {@code space}. */
    static Value unbatchFirst(Value v, Space space) {
        if (isTensorSpace(space)) {
            return v instanceof Tensor t && t.rank() > 0 ? t.get(0) : v;
        }
        if (space instanceof DictSpace d && v instanceof DictValue dv) {
            Map<String, Value> out = new LinkedHashMap<>();
            dv.entries().forEach((k, x) -> out.put(k, d.spaces().containsKey(k) ? unbatchFirst(x, d.spaces().get(k)) : x));
            return new DictValue(out);
        }
        if (space instanceof TupleSpace ts && v instanceof TupleValue tv && tv.size() == ts.spaces().size()) {
            List<Value> out = new ArrayList<>();
            for (int i = 0; i < tv.size(); i++) {
                out.add(unbatchFirst(tv.get(i), ts.get(i)));
            }
            return new TupleValue(out);
        }
        if (v instanceof TupleValue tv && tv.size() >= 1) {
            return tv.get(0);
        }
        if (v instanceof ListValue lv && lv.size() >= 1) {
            return lv.get(0);
        }
        return v;
    }

    /**
     * Env 0's info out of vector infos: each key whose {@code "_key"} mask marks env 0 (or that has no
     * mask), with its batch sliced; the masks themselves are dropped.
     */
    static DictValue unbatchInfo(DictValue infos) {
        Map<String, Value> out = new LinkedHashMap<>();
        for (Map.Entry<String, Value> e : infos.entries().entrySet()) {
            String k = e.getKey();
            if (k.startsWith("_") && infos.has(k.substring(1))) {
                continue; // a mask
            }
            Value mask = infos.entries().get("_" + k);
            if (mask instanceof Tensor m && m.size() >= 1 && !m.getBoolean(0)) {
                continue;
            }
            out.put(k, firstOf(e.getValue()));
        }
        return new DictValue(out);
    }

    private static Value firstOf(Value v) {
        if (v instanceof Tensor t) {
            return t.rank() > 0 && t.dim(0) >= 1 ? t.get(0) : t;
        }
        if (v instanceof DictValue d) {
            return unbatchInfo(d);
        }
        if (v instanceof ListValue l) {
            return l.size() >= 1 ? l.get(0) : l;
        }
        if (v instanceof TextValue t) {
            return t.size() >= 1 ? TextValue.of(t.get(0)) : t;
        }
        if (v instanceof TupleValue t) {
            List<Value> out = new ArrayList<>();
            t.items().forEach(x -> out.add(firstOf(x)));
            return new TupleValue(out);
        }
        return v;
    }

    private static boolean isTensorSpace(Space s) {
        return s instanceof Box || s instanceof Discrete || s instanceof MultiDiscrete || s instanceof MultiBinary;
    }
}
