package org.gymbridge.spaces;

import java.util.Arrays;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;
import org.gymbridge.tensor.Value;

/**
 * gymnasium.spaces.MultiDiscrete: integer arrays whose element i lies in
 * {@code [start[i], start[i] + nvec[i])}. The shape is nvec's shape.
 */
public record MultiDiscrete(Tensor nvec, Tensor start, DType dtype) implements Space {

    public MultiDiscrete {
        Objects.requireNonNull(dtype, "dtype");
        if (!Arrays.equals(nvec.shape(), start.shape())) {
            throw new IllegalArgumentException("MultiDiscrete nvec " + Arrays.toString(nvec.shape())
                    + " and start " + Arrays.toString(start.shape()) + " must have the same shape");
        }
    }

    /** MultiDiscrete(nvec) with start 0 and dtype int64, as in Gymnasium. */
    public static MultiDiscrete of(long... nvec) {
        return new MultiDiscrete(Tensor.ofLongs(nvec.clone()), Tensor.ofLongs(new long[nvec.length]), DType.INT64);
    }

    @Override
    public long[] shape() {
        return nvec.shape();
    }

    @Override
    public Tensor sample(RandomGenerator rng) {
        long n = nvec.size();
        long[] v = new long[(int) n];
        for (int i = 0; i < n; i++) {
            v[i] = start.getLong(i) + rng.nextLong(nvec.getLong(i));
        }
        return Tensor.fromLongs(dtype, v).reshape(nvec.shape());
    }

    @Override
    public boolean contains(Value v) {
        if (!(v instanceof Tensor t) || !t.dtype().isInteger() || !Arrays.equals(t.shape(), nvec.shape())) {
            return false;
        }
        for (long i = 0; i < t.size(); i++) {
            if (!Elements.inRange(t, i, start.getLong(i), nvec.getLong(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "MultiDiscrete(" + nvec + ", start=" + start + ")";
    }
}
