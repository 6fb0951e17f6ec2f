package org.gymbridge.spaces;

import java.util.Arrays;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;
import org.gymbridge.tensor.Value;

/**
 * gymnasium.spaces.Box: arrays of one dtype and shape with elementwise bounds {@code low <= x <= high}.
 * Bounds are full-shape tensors of the space's dtype; float bounds may be ±infinity.
 *
 * <p>{@link #sample} follows Gymnasium: uniform on [low, high] where both bounds are finite,
 * {@code low + Exp(1)} / {@code high - Exp(1)} where one is, a standard normal where neither is;
 * integer boxes draw uniformly from the integers in [low, high].
 */
public record Box(DType dtype, long[] shape, Tensor low, Tensor high) implements Space {

    public Box {
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        if (low.dtype() != dtype || high.dtype() != dtype) {
            throw new IllegalArgumentException("Box bounds must have the space's dtype " + dtype.numpyName()
                    + ", got low " + low.dtype().numpyName() + " and high " + high.dtype().numpyName());
        }
        if (!Arrays.equals(low.shape(), shape) || !Arrays.equals(high.shape(), shape)) {
            throw new IllegalArgumentException("Box bounds must have the space's shape " + Arrays.toString(shape)
                    + ", got low " + Arrays.toString(low.shape()) + " and high " + Arrays.toString(high.shape()));
        }
    }

    /** A box with the same scalar bounds for every element, e.g. {@code Box.of(-1, 1, DType.FLOAT32, 6)}. */
    public static Box of(double low, double high, DType dtype, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        double[] lo = new double[(int) n];
        double[] hi = new double[(int) n];
        Arrays.fill(lo, low);
        Arrays.fill(hi, high);
        long[] s = shape.clone();
        return new Box(dtype, s, Tensor.fromDoubles(dtype, lo).reshape(s), Tensor.fromDoubles(dtype, hi).reshape(s));
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements in one sample. */
    public long size() {
        return low.size();
    }

    /** Per element: low > -inf (always true for integer boxes). */
    public boolean[] boundedBelow() {
        boolean[] out = new boolean[(int) low.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = !dtype.isFloating() || low.getDouble(i) > Double.NEGATIVE_INFINITY;
        }
        return out;
    }

    /** Per element: high < +inf (always true for integer boxes). */
    public boolean[] boundedAbove() {
        boolean[] out = new boolean[(int) high.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = !dtype.isFloating() || high.getDouble(i) < Double.POSITIVE_INFINITY;
        }
        return out;
    }

    /** Whether every element is bounded on both sides (Gymnasium's {@code is_bounded("both")}). */
    public boolean isBounded() {
        boolean[] below = boundedBelow();
        boolean[] above = boundedAbove();
        for (int i = 0; i < below.length; i++) {
            if (!below[i] || !above[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Tensor sample(RandomGenerator rng) {
        int n = (int) low.size();
        if (dtype.isFloating()) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                double lo = low.getDouble(i);
                double hi = high.getDouble(i);
                boolean below = lo > Double.NEGATIVE_INFINITY;
                boolean above = hi < Double.POSITIVE_INFINITY;
                if (below && above) {
                    v[i] = lo + (hi - lo) * rng.nextDouble();
                    // Rounding of lo + (hi-lo)*u can land an ulp outside; keep samples members.
                    v[i] = Math.min(Math.max(v[i], lo), hi);
                } else if (below) {
                    v[i] = lo + rng.nextExponential();
                } else if (above) {
                    v[i] = hi - rng.nextExponential();
                } else {
                    v[i] = rng.nextGaussian();
                }
            }
            return Tensor.fromDoubles(dtype, v).reshape(shape);
        }
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = uniformInteger(rng, low, high, i);
        }
        return Tensor.fromLongs(dtype, v).reshape(shape);
    }

    /** Uniform integer in [low[i], high[i]], exact for the full int64 / uint64 ranges. */
    private static long uniformInteger(RandomGenerator rng, Tensor low, Tensor high, int i) {
        long lo = low.getLong(i);
        long hi = high.getLong(i);
        if (low.dtype() == DType.UINT64) {
            long span = hi - lo; // unsigned difference
            if (span == -1L) {
                return rng.nextLong();
            }
            long off = Long.compareUnsigned(span, Long.MAX_VALUE) < 0 ? rng.nextLong(span + 1) : unsignedBelow(rng, span + 1);
            return lo + off;
        }
        if (lo == Long.MIN_VALUE && hi == Long.MAX_VALUE) {
            return rng.nextLong();
        }
        long span = hi - lo;
        if (span >= 0 && span < Long.MAX_VALUE) {
            return lo + rng.nextLong(span + 1);
        }
        return lo + unsignedBelow(rng, span + 1);
    }

    /** Uniform unsigned long in [0, bound) for bound > Long.MAX_VALUE (as unsigned), by rejection. */
    private static long unsignedBelow(RandomGenerator rng, long bound) {
        while (true) {
            long r = rng.nextLong();
            if (Long.compareUnsigned(r, bound) < 0) {
                return r;
            }
        }
    }

    @Override
    public boolean contains(Value v) {
        if (!(v instanceof Tensor)) {
            return false;
        }
        Tensor t = (Tensor) v;
        if (!t.dtype().canCastTo(dtype) || !Arrays.equals(t.shape(), shape)) {
            return false;
        }
        long n = t.size();
        for (long i = 0; i < n; i++) {
            if (!Elements.le(low, i, t, i) || !Elements.le(t, i, high, i)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Box b && dtype == b.dtype && Arrays.equals(shape, b.shape) && low.equals(b.low)
                && high.equals(b.high);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dtype, Arrays.hashCode(shape), low, high);
    }

    @Override
    public String toString() {
        return "Box(" + dtype.numpyName() + ", " + Arrays.toString(shape) + ", low=" + low + ", high=" + high + ")";
    }
}
