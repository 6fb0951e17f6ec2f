package org.gymbridge.spaces;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;
import org.gymbridge.tensor.Value;

/** gymnasium.spaces.MultiBinary: int8 arrays of 0 and 1 of a fixed shape. */
public record MultiBinary(long[] shape) implements Space {

    public MultiBinary {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public DType dtype() {
        return DType.INT8;
    }

    @Override
    public Tensor sample(RandomGenerator rng) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        byte[] b = new byte[(int) n];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (rng.nextBoolean() ? 1 : 0);
        }
        return Tensor.ofBytes(b, DType.INT8, b.length).reshape(shape);
    }

    /** Like Gymnasium: any numeric dtype of the right shape whose elements are all 0 or 1. */
    @Override
    public boolean contains(Value v) {
        if (!(v instanceof Tensor t) || !Arrays.equals(t.shape(), shape)) {
            return false;
        }
        for (long i = 0; i < t.size(); i++) {
            double x = t.getDouble(i);
            if (x != 0 && x != 1) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MultiBinary m && Arrays.equals(shape, m.shape);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "MultiBinary(" + Arrays.toString(shape) + ")";
    }
}
