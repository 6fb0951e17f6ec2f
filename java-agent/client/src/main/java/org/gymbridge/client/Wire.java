package org.gymbridge.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Status;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gymbridge.env.AutoresetMode;
import org.gymbridge.env.EnvSpec;
import org.gymbridge.proto.v1.Arg;
import org.gymbridge.proto.v1.ArgList;
import org.gymbridge.proto.v1.ArgMap;
import org.gymbridge.proto.v1.BoxSpace;
import org.gymbridge.proto.v1.Codec;
import org.gymbridge.proto.v1.DiscreteSpace;
import org.gymbridge.proto.v1.MultiBinarySpace;
import org.gymbridge.proto.v1.MultiDiscreteSpace;
import org.gymbridge.proto.v1.NamedSpace;
import org.gymbridge.proto.v1.NamedValue;
import org.gymbridge.spaces.Box;
import org.gymbridge.spaces.DictSpace;
import org.gymbridge.tensor.DictValue;
import org.gymbridge.spaces.Discrete;
import org.gymbridge.spaces.GraphSpace;
import org.gymbridge.tensor.ListValue;
import org.gymbridge.spaces.MultiBinary;
import org.gymbridge.spaces.MultiDiscrete;
import org.gymbridge.tensor.NoneValue;
import org.gymbridge.spaces.OneOfSpace;
import org.gymbridge.spaces.SequenceSpace;
import org.gymbridge.spaces.Space;
import org.gymbridge.spaces.TextSpace;
import org.gymbridge.tensor.TextValue;
import org.gymbridge.spaces.TupleSpace;
import org.gymbridge.tensor.TupleValue;
import org.gymbridge.tensor.Value;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;

/**
 * The one place that knows the wire format: proto messages to and from {@link Tensor}, {@link Value},
 * {@link Space}, JSON-like arguments and spec metadata. Tensor bytes are shared with the message
 * ({@code asReadOnlyByteBuffer} / {@code unsafeWrap}), never copied element by element.
 */
final class Wire {
    private Wire() {
    }

    // ---- dtypes ----------------------------------------------------------------------------------

    static org.gymbridge.proto.v1.DType toProto(DType d) {
        return org.gymbridge.proto.v1.DType.valueOf("DTYPE_" + d.name());
    }

    static DType fromProto(org.gymbridge.proto.v1.DType d) {
        if (d == org.gymbridge.proto.v1.DType.DTYPE_UNSPECIFIED || d == org.gymbridge.proto.v1.DType.UNRECOGNIZED) {
            throw protocol("tensor without a known dtype (" + d + "); the server speaks a newer protocol?");
        }
        return DType.valueOf(d.name().substring("DTYPE_".length()));
    }

    // ---- tensors ---------------------------------------------------------------------------------

    /** A proto tensor sharing the tensor's bytes (no copy). */
    public static org.gymbridge.proto.v1.Tensor toProto(Tensor t) {
        org.gymbridge.proto.v1.Tensor.Builder b = org.gymbridge.proto.v1.Tensor.newBuilder()
                .setDtype(toProto(t.dtype()))
                .setData(UnsafeByteOperations.unsafeWrap(t.data()));
        for (long d : t.shape()) {
            b.addShape(d);
        }
        return b.build();
    }

    /** A tensor viewing the message's bytes (no copy). */
    public static Tensor fromProto(org.gymbridge.proto.v1.Tensor p) {
        if (p.getCodec() != Codec.CODEC_UNSPECIFIED) {
            throw protocol("tensor encoded with codec " + p.getCodec() + " which this client did not negotiate");
        }
        DType dtype = fromProto(p.getDtype());
        long[] shape = new long[p.getShapeCount()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = p.getShape(i);
        }
        ByteString data = p.getData();
        ByteBuffer buf = data.asReadOnlyByteBuffer();
        try {
            return Tensor.of(dtype, shape, buf);
        } catch (IllegalArgumentException e) {
            throw protocol("malformed tensor from the server: " + e.getMessage());
        }
    }

    // ---- values ----------------------------------------------------------------------------------

    /** The proto form of any value. */
    public static org.gymbridge.proto.v1.Value toProto(Value v) {
        org.gymbridge.proto.v1.Value.Builder b = org.gymbridge.proto.v1.Value.newBuilder();
        if (v instanceof Tensor t) {
            b.setTensor(toProto(t));
        } else if (v instanceof DictValue d) {
            org.gymbridge.proto.v1.DictValue.Builder db = b.getDictBuilder();
            d.entries().forEach((k, x) -> db.addEntries(NamedValue.newBuilder().setKey(k).setValue(toProto(x))));
        } else if (v instanceof TupleValue t) {
            org.gymbridge.proto.v1.TupleValue.Builder tb = b.getTupleBuilder();
            t.items().forEach(x -> tb.addItems(toProto(x)));
        } else if (v instanceof TextValue t) {
            b.getTextBuilder().addAllItems(t.items());
        } else if (v instanceof ListValue l) {
            org.gymbridge.proto.v1.ValueList.Builder lb = b.getListBuilder();
            l.items().forEach(x -> lb.addItems(toProto(x)));
        } else if (v instanceof NoneValue) {
            b.setNone(org.gymbridge.proto.v1.NoneValue.getDefaultInstance());
        } else {
            throw new IllegalArgumentException("cannot send a " + v.getClass().getName()
                    + "; values are Tensor, DictValue, TupleValue, TextValue, ListValue or NoneValue");
        }
        return b.build();
    }

    /** The Java form of a proto value; an unset value (absent field) becomes {@link NoneValue}. */
    public static Value fromProto(org.gymbridge.proto.v1.Value p) {
        switch (p.getKindCase()) {
            case TENSOR:
                return fromProto(p.getTensor());
            case DICT: {
                LinkedHashMap<String, Value> m = new LinkedHashMap<>();
                for (NamedValue e : p.getDict().getEntriesList()) {
                    m.put(e.getKey(), fromProto(e.getValue()));
                }
                return new DictValue(m);
            }
            case TUPLE:
                return new TupleValue(fromProtoList(p.getTuple().getItemsList()));
            case TEXT:
                return new TextValue(p.getText().getItemsList());
            case LIST:
                return new ListValue(fromProtoList(p.getList().getItemsList()));
            case NONE:
            case KIND_NOT_SET:
                return NoneValue.INSTANCE;
            default:
                throw protocol("unknown value kind " + p.getKindCase());
        }
    }

    /** Infos: a DictValue; an absent or None info becomes the empty dict. */
    static DictValue infosFromProto(org.gymbridge.proto.v1.Value p) {
        Value v = fromProto(p);
        if (v instanceof DictValue d) {
            return d;
        }
        if (v instanceof NoneValue) {
            return DictValue.empty();
        }
        throw protocol("infos must be a dict value, got " + v.getClass().getSimpleName());
    }

    private static List<Value> fromProtoList(List<org.gymbridge.proto.v1.Value> items) {
        List<Value> out = new ArrayList<>(items.size());
        for (org.gymbridge.proto.v1.Value x : items) {
            out.add(fromProto(x));
        }
        return out;
    }

    // ---- spaces ----------------------------------------------------------------------------------

    /** The Java form of a proto space. */
    public static Space fromProto(org.gymbridge.proto.v1.Space p) {
        switch (p.getKindCase()) {
            case BOX: {
                BoxSpace b = p.getBox();
                long[] shape = b.getShapeList().stream().mapToLong(Long::longValue).toArray();
                return new Box(fromProto(b.getDtype()), shape, fromProto(b.getLow()), fromProto(b.getHigh()));
            }
            case DISCRETE: {
                DiscreteSpace d = p.getDiscrete();
                DType dtype = d.getDtype() == org.gymbridge.proto.v1.DType.DTYPE_UNSPECIFIED ? DType.INT64
                        : fromProto(d.getDtype());
                return new Discrete(d.getN(), d.getStart(), dtype);
            }
            case MULTI_DISCRETE: {
                MultiDiscreteSpace m = p.getMultiDiscrete();
                DType dtype = m.getDtype() == org.gymbridge.proto.v1.DType.DTYPE_UNSPECIFIED ? DType.INT64
                        : fromProto(m.getDtype());
                Tensor nvec = fromProto(m.getNvec());
                Tensor start = m.hasStart() ? fromProto(m.getStart()) : Tensor.zeros(DType.INT64, nvec.shape());
                return new MultiDiscrete(nvec, start, dtype);
            }
            case MULTI_BINARY:
                return new MultiBinary(p.getMultiBinary().getShapeList().stream().mapToLong(Long::longValue).toArray());
            case DICT: {
                LinkedHashMap<String, Space> m = new LinkedHashMap<>();
                for (NamedSpace e : p.getDict().getEntriesList()) {
                    m.put(e.getKey(), fromProto(e.getSpace()));
                }
                return new DictSpace(m);
            }
            case TUPLE: {
                List<Space> items = new ArrayList<>();
                for (org.gymbridge.proto.v1.Space s : p.getTuple().getSpacesList()) {
                    items.add(fromProto(s));
                }
                return new TupleSpace(items);
            }
            case TEXT:
                return new TextSpace(p.getText().getMinLength(), p.getText().getMaxLength(), p.getText().getCharset());
            case SEQUENCE:
                return new SequenceSpace(fromProto(p.getSequence().getFeatureSpace()), p.getSequence().getStack());
            case GRAPH:
                return new GraphSpace(fromProto(p.getGraph().getNodeSpace()),
                        p.getGraph().hasEdgeSpace() ? fromProto(p.getGraph().getEdgeSpace()) : null);
            case ONE_OF: {
                List<Space> items = new ArrayList<>();
                for (org.gymbridge.proto.v1.Space s : p.getOneOf().getSpacesList()) {
                    items.add(fromProto(s));
                }
                return new OneOfSpace(items);
            }
            default:
                throw protocol("unknown space kind " + p.getKindCase() + "; the server speaks a newer protocol?");
        }
    }

    /** The proto form of a space. */
    public static org.gymbridge.proto.v1.Space toProto(Space s) {
        org.gymbridge.proto.v1.Space.Builder b = org.gymbridge.proto.v1.Space.newBuilder();
        if (s instanceof Box x) {
            BoxSpace.Builder bb = b.getBoxBuilder().setDtype(toProto(x.dtype()))
                    .setLow(toProto(x.low())).setHigh(toProto(x.high()));
            for (long d : x.shape()) {
                bb.addShape(d);
            }
        } else if (s instanceof Discrete x) {
            b.setDiscrete(DiscreteSpace.newBuilder().setN(x.n()).setStart(x.start()).setDtype(toProto(x.dtype())));
        } else if (s instanceof MultiDiscrete x) {
            b.setMultiDiscrete(MultiDiscreteSpace.newBuilder().setNvec(toProto(x.nvec())).setStart(toProto(x.start()))
                    .setDtype(toProto(x.dtype())));
        } else if (s instanceof MultiBinary x) {
            MultiBinarySpace.Builder mb = b.getMultiBinaryBuilder();
            for (long d : x.shape()) {
                mb.addShape(d);
            }
        } else if (s instanceof DictSpace x) {
            org.gymbridge.proto.v1.DictSpace.Builder db = b.getDictBuilder();
            x.spaces().forEach((k, v) -> db.addEntries(NamedSpace.newBuilder().setKey(k).setSpace(toProto(v))));
        } else if (s instanceof TupleSpace x) {
            org.gymbridge.proto.v1.TupleSpace.Builder tb = b.getTupleBuilder();
            x.spaces().forEach(v -> tb.addSpaces(toProto(v)));
        } else if (s instanceof TextSpace x) {
            b.getTextBuilder().setMinLength(x.minLength()).setMaxLength(x.maxLength()).setCharset(x.charset());
        } else if (s instanceof SequenceSpace x) {
            b.getSequenceBuilder().setFeatureSpace(toProto(x.featureSpace())).setStack(x.stack());
        } else if (s instanceof GraphSpace x) {
            org.gymbridge.proto.v1.GraphSpace.Builder gb = b.getGraphBuilder().setNodeSpace(toProto(x.nodeSpace()));
            if (x.edgeSpace() != null) {
                gb.setEdgeSpace(toProto(x.edgeSpace()));
            }
        } else if (s instanceof OneOfSpace x) {
            org.gymbridge.proto.v1.OneOfSpace.Builder ob = b.getOneOfBuilder();
            x.spaces().forEach(v -> ob.addSpaces(toProto(v)));
        }
        return b.build();
    }

    // ---- JSON-like arguments -------------------------------------------------------------------

    /**
     * The proto form of a JSON-like Java value: Boolean, Integer/Long/Short/Byte, Float/Double, String,
     * List, Map with String keys, or null.
     */
    public static Arg toArg(Object o) {
        Arg.Builder b = Arg.newBuilder();
        if (o == null) {
            b.setNoneValue(org.gymbridge.proto.v1.NoneValue.getDefaultInstance());
        } else if (o instanceof Boolean x) {
            b.setBoolValue(x);
        } else if (o instanceof Long || o instanceof Integer || o instanceof Short || o instanceof Byte) {
            b.setIntValue(((Number) o).longValue());
        } else if (o instanceof Double || o instanceof Float) {
            b.setDoubleValue(((Number) o).doubleValue());
        } else if (o instanceof CharSequence x) {
            b.setStringValue(x.toString());
        } else if (o instanceof List<?> l) {
            ArgList.Builder lb = b.getListValueBuilder();
            l.forEach(x -> lb.addItems(toArg(x)));
        } else if (o instanceof Map<?, ?> m) {
            ArgMap.Builder mb = b.getMapValueBuilder();
            m.forEach((k, v) -> mb.putEntries(String.valueOf(k), toArg(v)));
        } else {
            throw new IllegalArgumentException("cannot pass a " + o.getClass().getName() + " (" + o + ") as an env "
                    + "argument; use Boolean, Long, Double, String, List, Map or null (JSON types)");
        }
        return b.build();
    }

    /** The JSON-like Java form of an argument (Boolean, Long, Double, String, List, Map, null). */
    public static Object fromArg(Arg a) {
        switch (a.getKindCase()) {
            case BOOL_VALUE: return a.getBoolValue();
            case INT_VALUE: return a.getIntValue();
            case DOUBLE_VALUE: return a.getDoubleValue();
            case STRING_VALUE: return a.getStringValue();
            case LIST_VALUE: {
                List<Object> out = new ArrayList<>();
                a.getListValue().getItemsList().forEach(x -> out.add(fromArg(x)));
                return out;
            }
            case MAP_VALUE: {
                Map<String, Object> out = new LinkedHashMap<>();
                a.getMapValue().getEntriesMap().forEach((k, v) -> out.put(k, fromArg(v)));
                return out;
            }
            default: return null;
        }
    }

    static Map<String, Arg> toArgs(Map<String, Object> m) {
        Map<String, Arg> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, toArg(v)));
        return out;
    }

    // ---- metadata --------------------------------------------------------------------------------

    static org.gymbridge.proto.v1.AutoresetMode toProto(AutoresetMode m) {
        if (m == null) {
            return org.gymbridge.proto.v1.AutoresetMode.AUTORESET_MODE_UNSPECIFIED;
        }
        return org.gymbridge.proto.v1.AutoresetMode.valueOf("AUTORESET_MODE_" + m.name());
    }

    static AutoresetMode fromProto(org.gymbridge.proto.v1.AutoresetMode m) {
        switch (m) {
            case AUTORESET_MODE_SAME_STEP: return AutoresetMode.SAME_STEP;
            case AUTORESET_MODE_DISABLED: return AutoresetMode.DISABLED;
            default: return AutoresetMode.NEXT_STEP; // unspecified means the server default, NEXT_STEP
        }
    }

    static EnvSpec fromProto(org.gymbridge.proto.v1.EnvSpec s) {
        Map<String, Object> kwargs = new LinkedHashMap<>();
        s.getKwargsMap().forEach((k, v) -> kwargs.put(k, fromArg(v)));
        return new EnvSpec(s.getEnvId(), s.getMaxEpisodeSteps(), s.getRewardMin(), s.getRewardMax(),
                s.getRenderModesList(), s.getRenderFps(), s.getRenderMode(), s.getNondeterministic(),
                s.getEntryPoint(), kwargs);
    }

    private static GymBridgeException protocol(String message) {
        return new GymBridgeException(message, Status.Code.INTERNAL, "PROTOCOL_ERROR");
    }
}
