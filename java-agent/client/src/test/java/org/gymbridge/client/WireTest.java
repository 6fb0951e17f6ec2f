package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.gymbridge.proto.v1.Arg;
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
import org.junit.jupiter.api.Test;

class WireTest {

    @Test
    void tensorsCrossAsRawLittleEndianBytes() {
        Tensor t = Tensor.ofDoubles(new double[] {1.5, -2}, 2, 1);
        org.gymbridge.proto.v1.Tensor p = Wire.toProto(t);
        assertEquals(org.gymbridge.proto.v1.DType.DTYPE_FLOAT64, p.getDtype());
        assertEquals(List.of(2L, 1L), p.getShapeList());
        assertEquals(ByteString.copyFrom(t.toByteArray()), p.getData());
        assertEquals(t, Wire.fromProto(p));
        for (DType d : DType.values()) {
            Tensor z = Tensor.zeros(d, 3);
            assertEquals(z, Wire.fromProto(Wire.toProto(z)), d.toString());
        }
    }

    @Test
    void malformedTensorsFromTheWireFailClearly() {
        org.gymbridge.proto.v1.Tensor bad = org.gymbridge.proto.v1.Tensor.newBuilder()
                .setDtype(org.gymbridge.proto.v1.DType.DTYPE_FLOAT32).addShape(3).setData(ByteString.copyFrom(new byte[5])).build();
        GymBridgeException e = assertThrows(GymBridgeException.class, () -> Wire.fromProto(bad));
        assertTrue(e.getMessage().contains("12 bytes"), e.getMessage());
        org.gymbridge.proto.v1.Tensor noDtype = org.gymbridge.proto.v1.Tensor.newBuilder().build();
        assertThrows(GymBridgeException.class, () -> Wire.fromProto(noDtype));
    }

    @Test
    void everySpaceKindRoundTrips() {
        Map<String, Space> inner = new LinkedHashMap<>();
        inner.put("pos", Box.of(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, DType.FLOAT32, 2));
        inner.put("id", new Discrete(5, -2, DType.INT64));
        Map<String, Space> m = new LinkedHashMap<>();
        m.put("nested", new DictSpace(inner));
        m.put("md", new MultiDiscrete(Tensor.ofLongs(new long[] {3, 4}), Tensor.ofLongs(new long[] {1, 0}), DType.INT64));
        m.put("mb", new MultiBinary(new long[] {3}));
        m.put("tuple", new TupleSpace(List.of(new Discrete(2), Box.of(0, 255, DType.UINT8, 4, 4, 3))));
        m.put("text", new TextSpace(0, 8, "abc"));
        m.put("seq", new SequenceSpace(new Discrete(3), true));
        m.put("graph", new GraphSpace(Box.of(0, 1, DType.FLOAT32, 2), new Discrete(2)));
        m.put("oneof", new OneOfSpace(List.of(new Discrete(2), Box.of(0, 1, DType.FLOAT16, 1))));
        DictSpace all = new DictSpace(m);
        Space back = Wire.fromProto(Wire.toProto(all));
        assertEquals(all, back);
        assertEquals(List.copyOf(m.keySet()), List.copyOf(((DictSpace) back).spaces().keySet()));
    }

    @Test
    void everyValueKindRoundTrips() {
        Value v = DictValue.of(
                "t", Tensor.ofFloats(new float[] {1, 2}),
                "tuple", TupleValue.of(Tensor.scalar(1L), TextValue.of("hi")),
                "list", ListValue.of(NoneValue.INSTANCE, Tensor.scalar(2.0)),
                "none", NoneValue.INSTANCE);
        assertEquals(v, Wire.fromProto(Wire.toProto(v)));
        DictSpace s = new DictSpace(Map.of("a", new TupleSpace(List.of(new Discrete(3), new TextSpace(1, 4, "xyz")))));
        Value sample = s.sample(new SplittableRandom(1));
        assertEquals(sample, Wire.fromProto(Wire.toProto(sample)));
    }

    @Test
    void unsetValuesAndInfosBecomeNoneAndEmpty() {
        assertSame(NoneValue.INSTANCE, Wire.fromProto(org.gymbridge.proto.v1.Value.getDefaultInstance()));
        assertEquals(DictValue.empty(), Wire.infosFromProto(org.gymbridge.proto.v1.Value.getDefaultInstance()));
    }

    @Test
    void argumentsAreJsonTyped() {
        assertEquals(Arg.KindCase.BOOL_VALUE, Wire.toArg(true).getKindCase());
        assertEquals(5, Wire.toArg(5).getIntValue());
        assertEquals(Arg.KindCase.DOUBLE_VALUE, Wire.toArg(0.5f).getKindCase());
        assertEquals(Arg.KindCase.NONE_VALUE, Wire.toArg(null).getKindCase());
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("xs", List.of(1L, "two", 3.0, false));
        nested.put("nil", null);
        assertEquals(nested, Wire.fromArg(Wire.toArg(nested)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Wire.toArg(new Object()));
        assertTrue(e.getMessage().contains("JSON"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MakeOptions.builder().kwarg("bad", new int[0]));
    }
}
