package org.gymbridge.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class TensorTest {

    private static Tensor raw(DType dtype, long[] shape, int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return Tensor.of(dtype, shape, ByteBuffer.wrap(b));
    }

    @Test
    void float16IsDecodedFromItsBits() {
        // 1.0, -2.0, 65504 (max), +inf, 2^-24 (smallest subnormal), NaN, little-endian
        Tensor t = raw(DType.FLOAT16, new long[] {6},
                0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x00, 0x7c, 0x01, 0x00, 0x00, 0x7e);
        double[] v = t.toDoubleArray();
        assertEquals(1.0, v[0]);
        assertEquals(-2.0, v[1]);
        assertEquals(65504.0, v[2]);
        assertEquals(Double.POSITIVE_INFINITY, v[3]);
        assertEquals(Math.pow(2, -24), v[4]);
        assertTrue(Double.isNaN(v[5]));
    }

    @Test
    void float16EncodingRoundsToNearestEven() {
        Tensor t = Tensor.fromDoubles(DType.FLOAT16, new double[] {1.0, 0.1, 65504, 1e6, -0.0, 1.0 + Math.pow(2, -11),
                Math.pow(2, -25) * 1.5, Double.NEGATIVE_INFINITY});
        ByteBuffer b = t.data();
        assertEquals((short) 0x3c00, b.getShort(0));
        assertEquals((short) 0x2e66, b.getShort(2)); // numpy: np.float16(0.1).view(np.uint16) == 0x2e66
        assertEquals((short) 0x7bff, b.getShort(4));
        assertEquals((short) 0x7c00, b.getShort(6)); // overflow -> inf
        assertEquals((short) 0x8000, b.getShort(8));
        assertEquals((short) 0x3c00, b.getShort(10)); // tie rounds to even
        assertEquals((short) 0x0001, b.getShort(12)); // subnormal
        assertEquals((short) 0xfc00, b.getShort(14));
        for (int bits = 0; bits < 0x10000; bits++) {
            float f = Half.toFloat((short) bits);
            if (!Float.isNaN(f)) {
                assertEquals((short) bits, Half.fromFloat(f), "round trip of half bits " + Integer.toHexString(bits));
            }
        }
    }

    @Test
    void uint64IsReadUnsigned() {
        Tensor t = raw(DType.UINT64, new long[] {1}, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
        assertEquals(18446744073709551615.0, t.getDouble(0));
        assertEquals(-1L, t.getLong(0)); // the raw bits
        assertTrue(t.toString().contains("18446744073709551615"));
        Tensor u8 = raw(DType.UINT8, new long[] {2}, 0xff, 0x80);
        assertArrayEquals(new long[] {255, 128}, u8.toLongArray());
        Tensor u32 = raw(DType.UINT32, new long[] {1}, 0xff, 0xff, 0xff, 0xff);
        assertEquals(4294967295L, u32.getLong(0));
    }

    @Test
    void boolTensorsHoldOneByteZeroOrOne() {
        Tensor t = Tensor.ofBools(new boolean[] {true, false, true});
        assertEquals(DType.BOOL, t.dtype());
        assertEquals(3, t.data().remaining());
        assertArrayEquals(new byte[] {1, 0, 1}, t.toByteArray());
        assertArrayEquals(new boolean[] {true, false, true}, t.toBoolArray());
    }

    @Test
    void typedFactoriesRoundTripExactly() {
        double[] d = {Math.PI, -0.0, Double.MIN_VALUE, Double.MAX_VALUE, Double.NEGATIVE_INFINITY};
        assertArrayEquals(d, Tensor.ofDoubles(d).toDoubleArray());
        float[] f = {1.1f, -3.5f, Float.MIN_VALUE};
        assertArrayEquals(f, Tensor.ofFloats(f, 3).toFloatArray());
        long[] l = {Long.MIN_VALUE, 0, Long.MAX_VALUE};
        assertArrayEquals(l, Tensor.ofLongs(l).toLongArray());
        int[] i = {1, 2, 3, 4, 5, 6};
        Tensor ti = Tensor.ofInts(i, 2, 3);
        assertArrayEquals(new long[] {2, 3}, ti.shape());
        assertArrayEquals(i, ti.toIntArray());
        assertEquals(6, ti.size());
        assertEquals(DType.FLOAT32, Tensor.ofFloats(f).dtype());
        assertEquals(ByteOrder.LITTLE_ENDIAN, Tensor.ofFloats(f).data().order());
        assertEquals(0x3f8ccccd, Tensor.ofFloats(new float[] {1.1f}).data().getInt(0));
    }

    @Test
    void scalarsHaveAnEmptyShape() {
        Tensor s = Tensor.scalar(2.5);
        assertEquals(0, s.rank());
        assertEquals(1, s.size());
        assertEquals(DType.FLOAT64, s.dtype());
        assertEquals(2.5, s.getDouble(0));
        assertEquals(DType.INT64, Tensor.scalar(7L).dtype());
        assertEquals(-3, Tensor.scalar(DType.INT8, -3).getLong(0));
    }

    @Test
    void wrongByteCountIsRejectedWithTheExpectedSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.of(DType.FLOAT32, new long[] {2, 3}, ByteBuffer.allocate(20)));
        assertTrue(e.getMessage().contains("24 bytes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.ofFloats(new float[3], 2, 2));
    }

    @Test
    void getSlicesAxisZeroWithoutCopying() {
        Tensor t = Tensor.ofDoubles(new double[] {1, 2, 3, 4, 5, 6}, 3, 2);
        Tensor row = t.get(1);
        assertArrayEquals(new long[] {2}, row.shape());
        assertArrayEquals(new double[] {3, 4}, row.toDoubleArray());
        Tensor elem = row.get(1);
        assertEquals(0, elem.rank());
        assertEquals(4.0, elem.getDouble(0));
        assertThrows(IndexOutOfBoundsException.class, () -> t.get(3));
        assertThrows(IllegalArgumentException.class, () -> elem.get(0));
    }

    @Test
    void stackAddsAnAxisAndChecksShapes() {
        Tensor a = Tensor.ofFloats(new float[] {1, 2});
        Tensor b = Tensor.ofFloats(new float[] {3, 4});
        Tensor s = Tensor.stack(List.of(a, b));
        assertArrayEquals(new long[] {2, 2}, s.shape());
        assertArrayEquals(new float[] {1, 2, 3, 4}, s.toFloatArray());
        assertEquals(b, s.get(1));
        assertThrows(IllegalArgumentException.class, () -> Tensor.stack(List.of(a, Tensor.ofDoubles(new double[] {1, 2}))));
    }

    @Test
    void equalityIsByDtypeShapeAndBytes() {
        Tensor a = Tensor.ofDoubles(new double[] {1, 2});
        assertEquals(a, Tensor.ofDoubles(new double[] {1, 2}));
        assertEquals(a.hashCode(), Tensor.ofDoubles(new double[] {1, 2}).hashCode());
        assertNotEquals(a, Tensor.ofDoubles(new double[] {1, 2}, 2, 1));
        assertNotEquals(a, Tensor.ofFloats(new float[] {1, 2}));
        // NaN with the same bits is equal (bit identity, not IEEE equality)
        assertEquals(Tensor.scalar(Double.NaN), Tensor.scalar(Double.NaN));
        assertFalse(Tensor.scalar(0.0).equals(Tensor.scalar(-0.0)));
    }

    @Test
    void tensorsAreImmutable() {
        ByteBuffer src = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(0, 1.0);
        Tensor t = Tensor.of(DType.FLOAT64, new long[0], src);
        src.putDouble(0, 2.0); // a writable source is copied
        assertEquals(1.0, t.getDouble(0));
        assertTrue(t.data().isReadOnly());
        long[] shape = t.shape();
        Tensor v = Tensor.ofFloats(new float[] {1, 2});
        long[] vs = v.shape();
        vs[0] = 99;
        assertArrayEquals(new long[] {2}, v.shape());
        assertEquals(0, shape.length);
    }

    @Test
    void conversionsWorkFromAnyNumericDtype() {
        Tensor i8 = Tensor.fromLongs(DType.INT8, new long[] {-128, 127});
        assertArrayEquals(new float[] {-128f, 127f}, i8.toFloatArray());
        Tensor f32 = Tensor.ofFloats(new float[] {1.9f, -1.9f});
        assertArrayEquals(new long[] {1, -1}, f32.toLongArray());
        assertArrayEquals(new int[] {1, -1}, f32.toIntArray());
        Tensor u16 = Tensor.fromLongs(DType.UINT16, new long[] {65535});
        assertEquals(65535.0, u16.getDouble(0));
    }

    @Test
    void numpyCastingRulesMatchNumpy() {
        assertTrue(DType.INT32.canCastTo(DType.FLOAT64));
        assertFalse(DType.INT32.canCastTo(DType.FLOAT32));
        assertTrue(DType.INT8.canCastTo(DType.FLOAT16));
        assertTrue(DType.UINT8.canCastTo(DType.INT16));
        assertFalse(DType.UINT64.canCastTo(DType.INT64));
        assertFalse(DType.FLOAT64.canCastTo(DType.FLOAT32));
        assertTrue(DType.FLOAT32.canCastTo(DType.FLOAT64));
        assertTrue(DType.BOOL.canCastTo(DType.UINT8));
        assertFalse(DType.INT8.canCastTo(DType.BOOL));
        assertEquals(DType.FLOAT16, DType.fromNumpyName("float16"));
        assertThrows(IllegalArgumentException.class, () -> DType.fromNumpyName("complex64"));
    }
}
