package org.gymbridge.spaces;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.DictValue;
import org.gymbridge.tensor.ListValue;
import org.gymbridge.tensor.NoneValue;
import org.gymbridge.tensor.Tensor;
import org.gymbridge.tensor.TextValue;
import org.gymbridge.tensor.TupleValue;
import org.gymbridge.tensor.Value;
import org.junit.jupiter.api.Test;

class SpacesTest {
    private final RandomGenerator rng = new SplittableRandom(42);

    private static Box box(DType dtype, double[] low, double[] high) {
        long[] shape = {low.length};
        return new Box(dtype, shape, Tensor.fromDoubles(dtype, low), Tensor.fromDoubles(dtype, high));
    }

    @Test
    void boundedBoxSamplesUniformlyWithinBounds() {
        Box b = Box.of(-2, 3, DType.FLOAT32, 1000);
        Tensor s = b.sample(rng);
        assertEquals(DType.FLOAT32, s.dtype());
        assertArrayEquals(new long[] {1000}, s.shape());
        assertTrue(b.contains(s));
        double mean = java.util.Arrays.stream(s.toDoubleArray()).average().orElseThrow();
        assertEquals(0.5, mean, 0.25);
        assertTrue(b.isBounded());
    }

    @Test
    void infiniteBoundsSampleExponentialAndNormalLikeGymnasium() {
        double inf = Double.POSITIVE_INFINITY;
        int n = 4000;
        double[] lowUnb = new double[n];
        double[] highUnb = new double[n];
        java.util.Arrays.fill(lowUnb, -inf);
        java.util.Arrays.fill(highUnb, inf);
        Box unbounded = box(DType.FLOAT32, lowUnb, highUnb);
        double[] v = unbounded.sample(rng).toDoubleArray();
        double mean = java.util.Arrays.stream(v).average().orElseThrow();
        double var = java.util.Arrays.stream(v).map(x -> (x - mean) * (x - mean)).average().orElseThrow();
        assertEquals(0, mean, 0.1);
        assertEquals(1, var, 0.15);
        assertFalse(unbounded.boundedBelow()[0]);
        assertFalse(unbounded.isBounded());

        double[] lowHalf = new double[n];
        java.util.Arrays.fill(lowHalf, 5.0);
        Box below = box(DType.FLOAT64, lowHalf, highUnb);
        double[] w = below.sample(rng).toDoubleArray();
        assertTrue(java.util.Arrays.stream(w).allMatch(x -> x >= 5.0));
        assertEquals(6.0, java.util.Arrays.stream(w).average().orElseThrow(), 0.1); // 5 + Exp(1)

        double[] highHalf = new double[n];
        java.util.Arrays.fill(highHalf, -1.0);
        Box above = box(DType.FLOAT64, lowUnb, highHalf);
        double[] u = above.sample(rng).toDoubleArray();
        assertTrue(java.util.Arrays.stream(u).allMatch(x -> x <= -1.0));
        assertEquals(-2.0, java.util.Arrays.stream(u).average().orElseThrow(), 0.1);
        assertTrue(above.contains(above.sample(rng)));
    }

    @Test
    void boxContainsChecksDtypeShapeBoundsAndNan() {
        Box b = box(DType.FLOAT32, new double[] {-1, Double.NEGATIVE_INFINITY}, new double[] {1, Double.POSITIVE_INFINITY});
        assertTrue(b.contains(Tensor.ofFloats(new float[] {1f, -1e30f})));
        assertFalse(b.contains(Tensor.ofFloats(new float[] {1.0001f, 0f})), "above high");
        assertFalse(b.contains(Tensor.ofFloats(new float[] {Float.NaN, 0f})), "NaN is in no box");
        assertFalse(b.contains(Tensor.ofFloats(new float[] {0f, 0f, 0f})), "wrong shape");
        assertFalse(b.contains(Tensor.ofDoubles(new double[] {0, 0})), "float64 cannot be cast safely to float32");
        assertTrue(b.contains(Tensor.fromLongs(DType.INT8, new long[] {1, 5})), "int8 casts safely to float32");
        assertTrue(b.contains(Tensor.ofFloats(new float[] {0f, Float.POSITIVE_INFINITY})), "+inf lies in an unbounded box");
        assertFalse(b.contains(TextValue.of("x")));
    }

    @Test
    void integerBoxesSampleEveryIntegerInRange() {
        Box b = box(DType.UINT8, new double[] {0}, new double[] {255});
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 20000; i++) {
            Tensor s = b.sample(rng);
            assertEquals(DType.UINT8, s.dtype());
            seen.add(s.getLong(0));
        }
        assertEquals(256, seen.size());
        assertTrue(b.contains(Tensor.fromLongs(DType.UINT8, new long[] {255})));
        assertFalse(b.contains(Tensor.fromLongs(DType.INT16, new long[] {256})));
        assertTrue(b.boundedBelow()[0] && b.boundedAbove()[0]);
    }

    @Test
    void uint64AndInt64FullRangesAreExact() {
        Tensor low = Tensor.fromLongs(DType.UINT64, new long[] {0});
        Tensor high = Tensor.fromLongs(DType.UINT64, new long[] {-1L}); // 2^64 - 1
        Box b = new Box(DType.UINT64, new long[] {1}, low, high);
        assertTrue(b.contains(Tensor.fromLongs(DType.UINT64, new long[] {-1L})));
        assertTrue(b.contains(b.sample(rng)));
        Box small = new Box(DType.UINT64, new long[] {1}, low, Tensor.fromLongs(DType.UINT64, new long[] {10}));
        assertFalse(small.contains(Tensor.fromLongs(DType.UINT64, new long[] {-1L})), "2^64-1 > 10 when read unsigned");
        Box i64 = Box.of(Long.MIN_VALUE, Long.MAX_VALUE, DType.INT64, 3);
        assertTrue(i64.contains(i64.sample(rng)));
    }

    @Test
    void float16BoxesSampleAndContainHalfValues() {
        Box b = Box.of(-1, 1, DType.FLOAT16, 2, 2);
        Tensor s = b.sample(rng);
        assertEquals(DType.FLOAT16, s.dtype());
        assertEquals(8, s.data().remaining());
        assertTrue(b.contains(s));
        assertFalse(b.contains(Tensor.fromDoubles(DType.FLOAT16, new double[] {0, 0, 0, 2}, 2, 2)));
    }

    @Test
    void boxRejectsMismatchedBounds() {
        assertThrows(IllegalArgumentException.class, () -> new Box(DType.FLOAT32, new long[] {2},
                Tensor.ofDoubles(new double[] {0, 0}), Tensor.ofDoubles(new double[] {1, 1})));
        assertThrows(IllegalArgumentException.class, () -> new Box(DType.FLOAT32, new long[] {3},
                Tensor.ofFloats(new float[] {0, 0}), Tensor.ofFloats(new float[] {1, 1})));
    }

    @Test
    void discreteWithStartSamplesAllValues() {
        Discrete d = new Discrete(5, -2, DType.INT64);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            Tensor s = d.sample(rng);
            assertEquals(0, s.rank());
            assertTrue(d.contains(s));
            seen.add(s.getLong(0));
        }
        assertEquals(Set.of(-2L, -1L, 0L, 1L, 2L), seen);
        assertFalse(d.contains(Tensor.scalar(3L)));
        assertFalse(d.contains(Tensor.scalar(-3L)));
        assertTrue(d.contains(Tensor.scalar(DType.INT8, -2)), "any integer dtype, like Gymnasium");
        assertFalse(d.contains(Tensor.scalar(1.0)), "floats are not Discrete values");
        assertFalse(d.contains(Tensor.ofLongs(new long[] {1})), "shape [1] is not a scalar");
        assertEquals(DType.INT64, new Discrete(3).dtype());
        assertEquals(0, d.shape().length);
    }

    @Test
    void multiDiscreteRespectsPerElementStart() {
        MultiDiscrete m = new MultiDiscrete(Tensor.ofLongs(new long[] {3, 4}), Tensor.ofLongs(new long[] {1, -2}), DType.INT64);
        for (int i = 0; i < 300; i++) {
            Tensor s = m.sample(rng);
            long a = s.getLong(0);
            long b = s.getLong(1);
            assertTrue(a >= 1 && a <= 3 && b >= -2 && b <= 1, s.toString());
            assertTrue(m.contains(s));
        }
        assertFalse(m.contains(Tensor.ofLongs(new long[] {4, 0})));
        assertFalse(m.contains(Tensor.ofLongs(new long[] {1, 2})));
        assertFalse(m.contains(Tensor.ofLongs(new long[] {1})));
        assertArrayEquals(new long[] {2}, m.shape());
    }

    @Test
    void multiBinaryIsInt8ZerosAndOnes() {
        MultiBinary mb = new MultiBinary(new long[] {3});
        Tensor s = mb.sample(rng);
        assertEquals(DType.INT8, s.dtype());
        assertTrue(mb.contains(s));
        assertFalse(mb.contains(Tensor.fromLongs(DType.INT8, new long[] {0, 2, 1})));
        assertFalse(mb.contains(Tensor.fromLongs(DType.INT8, new long[] {0, 1})));
    }

    @Test
    void dictSpaceKeepsKeyOrderAndChecksKeys() {
        Map<String, Space> m = new LinkedHashMap<>();
        m.put("z", new Discrete(2));
        m.put("a", Box.of(0, 1, DType.FLOAT64, 2));
        DictSpace d = new DictSpace(m);
        DictValue s = d.sample(rng);
        assertEquals(List.of("z", "a"), List.copyOf(s.entries().keySet()));
        assertTrue(d.contains(s));
        DictValue reordered = DictValue.of("a", s.get("a"), "z", s.get("z"));
        assertTrue(d.contains(reordered), "key order does not matter for membership, as in Gymnasium");
        assertFalse(d.contains(DictValue.of("z", s.get("z"))));
        assertFalse(d.contains(DictValue.of("z", s.get("z"), "a", s.get("a"), "extra", Tensor.scalar(1L))));
        assertNull(d.dtype());
        assertThrows(IllegalArgumentException.class, () -> d.get("nope"));
    }

    @Test
    void tupleSpaceChecksEveryItem() {
        TupleSpace t = new TupleSpace(List.of(new Discrete(2), Box.of(-1, 1, DType.FLOAT32, 2)));
        TupleValue s = t.sample(rng);
        assertTrue(t.contains(s));
        assertFalse(t.contains(TupleValue.of(s.get(0))));
        assertFalse(t.contains(TupleValue.of(Tensor.scalar(5L), s.get(1))));
    }

    @Test
    void textSpaceChecksLengthAndCharset() {
        TextSpace t = new TextSpace(1, 8, "abc\u00e9");
        for (int i = 0; i < 200; i++) {
            TextValue s = t.sample(rng);
            assertTrue(t.contains(s), s.toString());
            int len = s.get(0).length();
            assertTrue(len >= 1 && len <= 8);
        }
        assertTrue(t.contains(TextValue.of("\u00e9\u00e9")));
        assertFalse(t.contains(TextValue.of("")), "shorter than min_length");
        assertFalse(t.contains(TextValue.of("abcabcabc")), "longer than max_length");
        assertFalse(t.contains(TextValue.of("abd")), "d is not in the charset");
        assertFalse(t.contains(TextValue.of("a", "b")), "one string per Text value");
        assertFalse(t.contains(Tensor.scalar(1L)));
    }

    @Test
    void oneOfAndSequenceSampleMembers() {
        OneOfSpace o = new OneOfSpace(List.of(new Discrete(3), Box.of(0, 1, DType.FLOAT32, 2)));
        for (int i = 0; i < 20; i++) {
            assertTrue(o.contains(o.sample(rng)));
        }
        assertFalse(o.contains(TupleValue.of(Tensor.scalar(2L), Tensor.scalar(0L))));
        SequenceSpace seq = new SequenceSpace(new Discrete(4), false);
        Value v = seq.sample(rng);
        assertTrue(v instanceof ListValue);
        assertTrue(seq.contains(v));
        assertFalse(seq.contains(ListValue.of(Tensor.scalar(9L))));
        SequenceSpace stacked = new SequenceSpace(Box.of(0, 1, DType.FLOAT32, 2), true);
        Value st = stacked.sample(rng);
        assertTrue(st instanceof ListValue, "stacked sequences travel as lists too");
        assertTrue(stacked.contains(st));
        GraphSpace g = new GraphSpace(Box.of(0, 1, DType.FLOAT32, 2), null);
        assertThrows(UnsupportedOperationException.class, () -> g.sample(rng));
        assertTrue(g.contains(DictValue.of("nodes", Tensor.ofFloats(new float[] {0, 1, 0.5f, 0.5f}, 2, 2),
                "edges", NoneValue.INSTANCE, "edge_links", NoneValue.INSTANCE)));
    }

    @Test
    void sameSeedGivesSameSamples() {
        DictSpace d = new DictSpace(Map.of("b", Box.of(-1, 1, DType.FLOAT64, 3)));
        assertEquals(d.sample(new SplittableRandom(7)), d.sample(new SplittableRandom(7)));
    }
}
