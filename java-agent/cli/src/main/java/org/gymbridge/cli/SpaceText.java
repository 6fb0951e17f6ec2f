package org.gymbridge.cli;

import java.util.Locale;
import java.util.StringJoiner;
import org.gymbridge.spaces.Box;
import org.gymbridge.spaces.DictSpace;
import org.gymbridge.spaces.Discrete;
import org.gymbridge.spaces.GraphSpace;
import org.gymbridge.spaces.MultiBinary;
import org.gymbridge.spaces.MultiDiscrete;
import org.gymbridge.spaces.OneOfSpace;
import org.gymbridge.spaces.SequenceSpace;
import org.gymbridge.spaces.Space;
import org.gymbridge.spaces.TextSpace;
import org.gymbridge.spaces.TupleSpace;
import org.gymbridge.tensor.Tensor;

/**
 * Spaces written the way Gymnasium prints them, compactly, for tables: {@code Box(-1.0, 1.0, (6,), float32)},
 * {@code Discrete(4)}, {@code Dict(pov: Box(0, 255, (64, 64, 3), uint8), ...)}. A Box whose bounds differ
 * per element shows their range, {@code Box([-4.8..4.8], (4,), float32)}.
 */
final class SpaceText {
    private SpaceText() {
    }

    static String of(Space s) {
        if (s == null) {
            return "-";
        }
        if (s instanceof Box b) {
            return "Box(" + bounds(b) + ", " + shape(b.shape()) + ", " + b.dtype().numpyName() + ")";
        }
        if (s instanceof Discrete d) {
            return d.start() == 0 ? "Discrete(" + d.n() + ")" : "Discrete(" + d.n() + ", start=" + d.start() + ")";
        }
        if (s instanceof MultiDiscrete m) {
            return "MultiDiscrete(" + list(m.nvec()) + (allZero(m.start()) ? "" : ", start=" + list(m.start())) + ")";
        }
        if (s instanceof MultiBinary m) {
            return "MultiBinary(" + shape(m.shape()) + ")";
        }
        if (s instanceof DictSpace d) {
            StringJoiner j = new StringJoiner(", ", "Dict(", ")");
            d.spaces().forEach((k, v) -> j.add(k + ": " + of(v)));
            return j.toString();
        }
        if (s instanceof TupleSpace t) {
            StringJoiner j = new StringJoiner(", ", "Tuple(", ")");
            t.spaces().forEach(v -> j.add(of(v)));
            return j.toString();
        }
        if (s instanceof TextSpace t) {
            return "Text(" + t.minLength() + ".." + t.maxLength() + ")";
        }
        if (s instanceof SequenceSpace q) {
            return "Sequence(" + of(q.featureSpace()) + (q.stack() ? ", stack=True" : "") + ")";
        }
        if (s instanceof GraphSpace g) {
            return "Graph(" + of(g.nodeSpace()) + ", " + of(g.edgeSpace()) + ")";
        }
        if (s instanceof OneOfSpace o) {
            StringJoiner j = new StringJoiner(", ", "OneOf(", ")");
            o.spaces().forEach(v -> j.add(of(v)));
            return j.toString();
        }
        return s.toString();
    }

    private static String bounds(Box b) {
        Tensor lo = b.low();
        Tensor hi = b.high();
        if (lo.size() == 0) {
            return "[]";
        }
        double loMin = Double.POSITIVE_INFINITY;
        double loMax = Double.NEGATIVE_INFINITY;
        double hiMin = Double.POSITIVE_INFINITY;
        double hiMax = Double.NEGATIVE_INFINITY;
        for (long i = 0; i < lo.size(); i++) {
            loMin = Math.min(loMin, lo.getDouble(i));
            loMax = Math.max(loMax, lo.getDouble(i));
            hiMin = Math.min(hiMin, hi.getDouble(i));
            hiMax = Math.max(hiMax, hi.getDouble(i));
        }
        boolean integer = b.dtype().isInteger() || b.dtype() == org.gymbridge.tensor.DType.BOOL;
        if (loMin == loMax && hiMin == hiMax) {
            return num(loMin, integer) + ", " + num(hiMax, integer);
        }
        return "[" + num(loMin, integer) + ".." + num(hiMax, integer) + "]";
    }

    private static String num(double v, boolean integer) {
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (integer) {
            return Long.toString((long) v);
        }
        // float32 bounds read as doubles: print the shortest float text when the value is a float.
        float f = (float) v;
        String s = f == v ? Float.toString(f) : Double.toString(v);
        return s.toLowerCase(Locale.ROOT);
    }

    private static String shape(long[] shape) {
        StringJoiner j = new StringJoiner(", ", "(", shape.length == 1 ? ",)" : ")");
        for (long d : shape) {
            j.add(Long.toString(d));
        }
        return j.toString();
    }

    private static String list(Tensor t) {
        StringJoiner j = new StringJoiner(" ", "[", "]");
        for (long i = 0; i < t.size(); i++) {
            j.add(Long.toString(t.getLong(i)));
        }
        return j.toString();
    }

    private static boolean allZero(Tensor t) {
        for (long i = 0; i < t.size(); i++) {
            if (t.getLong(i) != 0) {
                return false;
            }
        }
        return true;
    }
}
