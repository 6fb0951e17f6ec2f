package org.gymbridge.client;

import java.util.HexFormat;
import java.util.stream.Collectors;
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
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;

/** The canonical space description of describe_spaces.py, computed from a Java space. */
public final class SpaceDescription {
    private SpaceDescription() {
    }

    public static String describe(Space s) {
        if (s instanceof Box b) {
            return "Box(" + b.dtype().numpyName() + ";" + shape(b.shape()) + ";" + hex(b.low()) + ";" + hex(b.high()) + ")";
        }
        if (s instanceof Discrete d) {
            return "Discrete(" + d.n() + ";" + d.start() + ";" + d.dtype().numpyName() + ")";
        }
        if (s instanceof MultiDiscrete m) {
            return "MultiDiscrete(" + m.dtype().numpyName() + ";" + shape(m.shape()) + ";"
                    + hex(Tensor.fromLongs(DType.INT64, m.nvec().toLongArray())) + ";"
                    + hex(Tensor.fromLongs(DType.INT64, m.start().toLongArray())) + ")";
        }
        if (s instanceof MultiBinary m) {
            return "MultiBinary(" + shape(m.shape()) + ")";
        }
        if (s instanceof DictSpace d) {
            return d.spaces().entrySet().stream().map(e -> e.getKey() + ":" + describe(e.getValue()))
                    .collect(Collectors.joining(",", "Dict(", ")"));
        }
        if (s instanceof TupleSpace t) {
            return t.spaces().stream().map(SpaceDescription::describe).collect(Collectors.joining(",", "Tuple(", ")"));
        }
        if (s instanceof TextSpace t) {
            String sorted = t.charset().codePoints().sorted()
                    .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
            return "Text(" + t.minLength() + ";" + t.maxLength() + ";"
                    + HexFormat.of().formatHex(sorted.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + ")";
        }
        if (s instanceof SequenceSpace q) {
            return "Sequence(" + describe(q.featureSpace()) + ";" + (q.stack() ? "True" : "False") + ")";
        }
        if (s instanceof GraphSpace g) {
            return "Graph(" + describe(g.nodeSpace()) + ";" + (g.edgeSpace() == null ? "None" : describe(g.edgeSpace())) + ")";
        }
        if (s instanceof OneOfSpace o) {
            return o.spaces().stream().map(SpaceDescription::describe).collect(Collectors.joining(",", "OneOf(", ")"));
        }
        throw new IllegalArgumentException(String.valueOf(s));
    }

    private static String shape(long[] shape) {
        StringBuilder sb = new StringBuilder();
        for (long d : shape) {
            sb.append(sb.length() == 0 ? "" : ",").append(d);
        }
        return sb.toString();
    }

    private static String hex(Tensor t) {
        return HexFormat.of().formatHex(t.toByteArray());
    }
}
