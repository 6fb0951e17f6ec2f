package org.gymbridge.conformance;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.gymbridge.tensor.DictValue;
import org.gymbridge.tensor.ListValue;
import org.gymbridge.tensor.NoneValue;
import org.gymbridge.tensor.TextValue;
import org.gymbridge.tensor.TupleValue;
import org.gymbridge.tensor.Value;
import org.gymbridge.tensor.Tensor;

/**
 * Values as transcript lines and actions as JSON, in exactly the formats of conformance_reference.py:
 * a line per leaf ({@code <tag> <dtype> <shape> <hex | sha256:...>}, {@code <tag> str "json"},
 * {@code <tag> None}), dict entries as {@code tag/key}, tuple and list items as {@code tag[i]}.
 */
final class Transcript {
    private static final int MAX_HEX_BYTES = 64;

    private Transcript() {
    }

    static void emit(String tag, Value v, List<String> out) {
        if (v instanceof DictValue d) {
            d.entries().forEach((k, x) -> emit(tag + "/" + k, x, out));
        } else if (v instanceof Tensor t) {
            out.add(tensorLine(tag, t));
        } else if (v instanceof TupleValue t) {
            for (int i = 0; i < t.size(); i++) {
                emit(tag + "[" + i + "]", t.get(i), out);
            }
        } else if (v instanceof ListValue l) {
            for (int i = 0; i < l.size(); i++) {
                emit(tag + "[" + i + "]", l.get(i), out);
            }
        } else if (v instanceof TextValue t) {
            if (t.size() == 1) {
                out.add(tag + " str " + json(t.get(0)));
            } else {
                for (int i = 0; i < t.size(); i++) {
                    out.add(tag + "[" + i + "] str " + json(t.get(i)));
                }
            }
        } else if (v instanceof NoneValue) {
            out.add(tag + " None");
        } else {
            throw new IllegalArgumentException("unknown value " + v);
        }
    }

    static String tensorLine(String tag, Tensor t) {
        StringBuilder shape = new StringBuilder();
        for (long d : t.shape()) {
            shape.append(shape.length() == 0 ? "" : ",").append(d);
        }
        String s = shape.length() == 0 ? "-" : shape.toString();
        if (tag.endsWith("episode/t")) {
            return tag + " " + t.dtype().numpyName() + " " + s + " (time)";
        }
        byte[] data = t.toByteArray();
        String body = data.length <= MAX_HEX_BYTES ? HexFormat.of().formatHex(data) : "sha256:" + sha256(data);
        return tag + " " + t.dtype().numpyName() + " " + s + " " + body;
    }

    /** Python's json.dumps of a str (ensure_ascii): the same escapes, non-ASCII as \\uXXXX. */
    static String json(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7f) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** An action (any value) as the JSON conformance_reference.py decodes. */
    static String actionJson(Value v) {
        if (v instanceof Tensor t) {
            StringBuilder shape = new StringBuilder("[");
            for (long d : t.shape()) {
                shape.append(shape.length() == 1 ? "" : ",").append(d);
            }
            return "{\"t\": [\"" + t.dtype().numpyName() + "\", " + shape + "], \"" + HexFormat.of().formatHex(t.toByteArray()) + "\"]}";
        }
        if (v instanceof DictValue d) {
            StringBuilder sb = new StringBuilder("{\"d\": [");
            boolean first = true;
            for (Map.Entry<String, Value> e : d.entries().entrySet()) {
                sb.append(first ? "" : ", ").append("[").append(json(e.getKey())).append(", ").append(actionJson(e.getValue())).append("]");
                first = false;
            }
            return sb.append("]}").toString();
        }
        if (v instanceof TupleValue t) {
            return "{\"u\": [" + String.join(", ", t.items().stream().map(Transcript::actionJson).toList()) + "]}";
        }
        if (v instanceof ListValue l) {
            return "{\"l\": [" + String.join(", ", l.items().stream().map(Transcript::actionJson).toList()) + "]}";
        }
        if (v instanceof TextValue t) {
            return "{\"s\": [" + String.join(", ", t.items().stream().map(Transcript::json).toList()) + "]}";
        }
        if (v instanceof NoneValue) {
            return "null";
        }
        throw new IllegalArgumentException("unknown value " + v);
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
