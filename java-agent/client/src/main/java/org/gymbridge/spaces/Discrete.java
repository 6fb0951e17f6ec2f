package org.gymbridge.spaces;

import java.util.Objects;
import java.util.random.RandomGenerator;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;
import org.gymbridge.tensor.Value;

/**
 * gymnasium.spaces.Discrete: the integers {@code start, ..., start + n - 1}. A value is a scalar
 * tensor (shape []) of an integer dtype; samples have the space's dtype (int64 by default).
 */
public record Discrete(long n, long start, DType dtype) implements Space {

    public Discrete {
        Objects.requireNonNull(dtype, "dtype");
        if (n <= 0) {
            throw new IllegalArgumentException("Discrete needs n > 0, got " + n);
        }
        if (!dtype.isInteger()) {
            throw new IllegalArgumentException("Discrete needs an integer dtype, got " + dtype.numpyName());
        }
    }

    /** Discrete(n) with start 0 and dtype int64, as in Gymnasium. */
    public Discrete(long n) {
        this(n, 0, DType.INT64);
    }

    @Override
    public Tensor sample(RandomGenerator rng) {
        return Tensor.fromLongs(dtype, new long[] {start + rng.nextLong(n)}).reshape();
    }

    /** A value of this space (shape [], the space's dtype) holding {@code value}. */
    public Tensor valueOf(long value) {
        return Tensor.fromLongs(dtype, new long[] {value}).reshape();
    }

    @Override
    public boolean contains(Value v) {
        return v instanceof Tensor t && t.dtype().isInteger() && t.rank() == 0 && Elements.inRange(t, 0, start, n);
    }

    @Override
    public String toString() {
        return start == 0 ? "Discrete(" + n + ")" : "Discrete(" + n + ", start=" + start + ")";
    }
}
