package org.gymbridge.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An immutable n-dimensional array: a {@link DType}, a shape and raw little-endian C-order bytes —
 * exactly what travels on the wire, so a float64 observation stays float64 and a uint8 frame is one
 * byte per pixel. A scalar has shape {@code []}; a batch stacks envs on axis 0.
 *
 * <p>Tensors received from the server wrap the message bytes without copying; {@link #data()} gives
 * a read-only view. The {@code toXArray} methods convert from any numeric dtype (unsigned types read
 * unsigned, float16 decoded), so an agent can ask for {@code float[]} whatever the env sends.
 */
public final class Tensor implements Value {
    private static final long[] SCALAR = new long[0];

    private final DType dtype;
    private final long[] shape;
    private final long size;
    private final ByteBuffer data; // read-only, little-endian, position 0, limit = size * itemSize

    private Tensor(DType dtype, long[] shape, long size, ByteBuffer data) {
        this.dtype = dtype;
        this.shape = shape;
        this.size = size;
        this.data = data;
    }

    /**
     * A tensor over {@code data}'s remaining bytes (raw little-endian, C order). A read-only buffer is
     * wrapped without copying (do not change it through another view); a writable one is copied so
     * the tensor stays immutable.
     *
     * @throws IllegalArgumentException if the byte count is not prod(shape) * itemSize
     */
    public static Tensor of(DType dtype, long[] shape, ByteBuffer data) {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(data, "data");
        long[] s = shape == null ? SCALAR : shape.clone();
        long n = checkedSize(s);
        long expected = n * dtype.itemSize();
        if (data.remaining() != expected) {
            throw new IllegalArgumentException("tensor of dtype " + dtype.numpyName() + " and shape "
                    + Arrays.toString(s) + " needs " + expected + " bytes (prod(shape) * " + dtype.itemSize()
                    + "), got " + data.remaining());
        }
        ByteBuffer view;
        if (data.isReadOnly()) {
            view = data.slice();
        } else {
            ByteBuffer copy = ByteBuffer.allocate((int) expected);
            copy.put(data.duplicate());
            copy.flip();
            view = copy.asReadOnlyBuffer();
        }
        return new Tensor(dtype, s, n, view.order(ByteOrder.LITTLE_ENDIAN));
    }

    /**
     * float32 tensor; without a shape it is 1-D of length {@code v.length} (for a scalar use
     * {@link #scalar} or {@code reshape()}).
     */
    public static Tensor ofFloats(float[] v, long... shape) {
        ByteBuffer b = allocate(v.length, 4);
        b.asFloatBuffer().put(v);
        return own(DType.FLOAT32, shapeFor(v.length, shape), b);
    }

    /** float64 tensor; without a shape it is 1-D of length {@code v.length}. */
    public static Tensor ofDoubles(double[] v, long... shape) {
        ByteBuffer b = allocate(v.length, 8);
        b.asDoubleBuffer().put(v);
        return own(DType.FLOAT64, shapeFor(v.length, shape), b);
    }

    /** int64 tensor; without a shape it is 1-D of length {@code v.length}. */
    public static Tensor ofLongs(long[] v, long... shape) {
        ByteBuffer b = allocate(v.length, 8);
        b.asLongBuffer().put(v);
        return own(DType.INT64, shapeFor(v.length, shape), b);
    }

    /** int32 tensor; without a shape it is 1-D of length {@code v.length}. */
    public static Tensor ofInts(int[] v, long... shape) {
        ByteBuffer b = allocate(v.length, 4);
        b.asIntBuffer().put(v);
        return own(DType.INT32, shapeFor(v.length, shape), b);
    }

    /**
     * A tensor of the raw little-endian bytes {@code v} (copied) interpreted as {@code dtype}; without a
     * shape it is 1-D. E.g. {@code ofBytes(pixels, DType.UINT8, 64, 64, 3)}.
     */
    public static Tensor ofBytes(byte[] v, DType dtype, long... shape) {
        long[] s = shape.length == 0 ? new long[] {v.length / dtype.itemSize()} : shape.clone();
        ByteBuffer b = ByteBuffer.allocate(v.length);
        b.put(v).flip();
        return of(dtype, s, b.asReadOnlyBuffer());
    }

    /** bool tensor (one byte per element, 0 or 1); without a shape it is 1-D. */
    public static Tensor ofBools(boolean[] v, long... shape) {
        byte[] bytes = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            bytes[i] = (byte) (v[i] ? 1 : 0);
        }
        return own(DType.BOOL, shapeFor(v.length, shape), ByteBuffer.wrap(bytes));
    }

    /** A float64 scalar (shape []). */
    public static Tensor scalar(double v) {
        return ofDoubles(new double[] {v}).reshape();
    }

    /** An int64 scalar (shape []). */
    public static Tensor scalar(long v) {
        return ofLongs(new long[] {v}).reshape();
    }

    /** A scalar (shape []) of any dtype holding {@code v} converted like numpy's astype. */
    public static Tensor scalar(DType dtype, double v) {
        return fromDoubles(dtype, new double[] {v}).reshape();
    }

    /**
     * A tensor of {@code dtype} from double values, converted element by element like numpy's
     * {@code astype} (floats rounded to nearest, integers truncated toward zero, bool = value != 0).
     */
    public static Tensor fromDoubles(DType dtype, double[] v, long... shape) {
        ByteBuffer b = allocate(v.length, dtype.itemSize());
        for (int i = 0; i < v.length; i++) {
            putDouble(b, dtype, i, v[i]);
        }
        return own(dtype, shapeFor(v.length, shape), b);
    }

    /** A tensor of {@code dtype} from long values (wrapping like numpy's astype for narrower types). */
    public static Tensor fromLongs(DType dtype, long[] v, long... shape) {
        ByteBuffer b = allocate(v.length, dtype.itemSize());
        for (int i = 0; i < v.length; i++) {
            putLong(b, dtype, i, v[i]);
        }
        return own(dtype, shapeFor(v.length, shape), b);
    }

    /** A tensor of the given dtype and shape filled with zeros. */
    public static Tensor zeros(DType dtype, long... shape) {
        long n = checkedSize(shape);
        return own(dtype, shape.clone(), allocate(n, dtype.itemSize()));
    }

    /**
     * Stacks equal-dtype, equal-shape tensors along a new axis 0 (numpy.stack): the batch of
     * {@code n} envs' values.
     */
    public static Tensor stack(List<Tensor> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("cannot stack an empty list of tensors");
        }
        Tensor first = parts.get(0);
        long[] s = new long[first.rank() + 1];
        s[0] = parts.size();
        System.arraycopy(first.shape, 0, s, 1, first.rank());
        long bytesEach = first.size * first.dtype.itemSize();
        ByteBuffer out = allocate(parts.size() * bytesEach, 1);
        for (Tensor t : parts) {
            if (t.dtype != first.dtype || !Arrays.equals(t.shape, first.shape)) {
                throw new IllegalArgumentException("cannot stack " + t.dtype.numpyName() + Arrays.toString(t.shape)
                        + " with " + first.dtype.numpyName() + Arrays.toString(first.shape)
                        + ": all tensors need the same dtype and shape");
            }
            out.put(t.data.duplicate());
        }
        out.flip();
        return own(first.dtype, s, out);
    }

    /** The element type. */
    public DType dtype() {
        return dtype;
    }

    /** The dimensions (a copy); empty for a scalar. */
    public long[] shape() {
        return shape.clone();
    }

    /** Dimension {@code axis} of the shape. */
    public long dim(int axis) {
        return shape[axis];
    }

    /** Number of dimensions (0 for a scalar). */
    public int rank() {
        return shape.length;
    }

    /** Number of elements: prod(shape), 1 for a scalar. */
    public long size() {
        return size;
    }

    /** Read-only little-endian view of the raw bytes: position 0, limit = size * itemSize. */
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A copy of the raw little-endian bytes. */
    public byte[] toByteArray() {
        byte[] out = new byte[data.limit()];
        data.duplicate().get(out);
        return out;
    }

    /** The same bytes seen with another shape of the same element count (zero-copy, like numpy reshape). */
    public Tensor reshape(long... newShape) {
        long n = checkedSize(newShape);
        if (n != size) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " (" + size
                    + " elements) to " + Arrays.toString(newShape) + " (" + n + " elements)");
        }
        return new Tensor(dtype, newShape.clone(), size, data);
    }

    /** Slice {@code i} along axis 0 (zero-copy view): rank drops by one; {@code get(i)} of [n] is a scalar. */
    public Tensor get(int i) {
        if (shape.length == 0) {
            throw new IllegalArgumentException("cannot index a scalar tensor; it has no axis 0");
        }
        if (i < 0 || i >= shape[0]) {
            throw new IndexOutOfBoundsException("index " + i + " out of range for axis 0 of size " + shape[0]);
        }
        long[] s = Arrays.copyOfRange(shape, 1, shape.length);
        long n = shape[0] == 0 ? 0 : size / shape[0];
        int len = (int) (n * dtype.itemSize());
        ByteBuffer view = data.slice(i * len, len).order(ByteOrder.LITTLE_ENDIAN);
        return new Tensor(dtype, s, n, view);
    }

    /** Element {@code flatIndex} (C order) as a double; uint64 read unsigned, float16 decoded, bool 0/1. */
    public double getDouble(long flatIndex) {
        int i = index(flatIndex);
        switch (dtype) {
            case FLOAT64: return data.getDouble(i * 8);
            case FLOAT32: return data.getFloat(i * 4);
            case FLOAT16: return Half.toFloat(data.getShort(i * 2));
            case UINT64: {
                long v = data.getLong(i * 8);
                return v >= 0 ? (double) v : ((double) (v >>> 1)) * 2.0 + (v & 1);
            }
            default: return rawLong(i);
        }
    }

    /**
     * Element {@code flatIndex} (C order) as a long; floats truncated toward zero, bool 0/1, uint64
     * values above Long.MAX_VALUE returned as their two's-complement bits.
     */
    public long getLong(long flatIndex) {
        int i = index(flatIndex);
        if (dtype.isFloating()) {
            return (long) getDouble(flatIndex);
        }
        return rawLong(i);
    }

    /** Element {@code flatIndex} as a boolean (non-zero is true). */
    public boolean getBoolean(long flatIndex) {
        return dtype.isFloating() ? getDouble(flatIndex) != 0 : rawLong(index(flatIndex)) != 0;
    }

    /** All elements as floats (C order). */
    public float[] toFloatArray() {
        float[] out = new float[(int) size];
        if (dtype == DType.FLOAT32) {
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) getDouble(i);
            }
        }
        return out;
    }

    /** All elements as doubles (C order). */
    public double[] toDoubleArray() {
        double[] out = new double[(int) size];
        if (dtype == DType.FLOAT64) {
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(out);
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = getDouble(i);
            }
        }
        return out;
    }

    /** All elements as longs (C order); see {@link #getLong}. */
    public long[] toLongArray() {
        long[] out = new long[(int) size];
        if (dtype == DType.INT64 || dtype == DType.UINT64) {
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = getLong(i);
            }
        }
        return out;
    }

    /** All elements as ints (C order), narrowed from longs. */
    public int[] toIntArray() {
        int[] out = new int[(int) size];
        if (dtype == DType.INT32) {
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(out);
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = (int) getLong(i);
            }
        }
        return out;
    }

    /** All elements as booleans (non-zero is true). */
    public boolean[] toBoolArray() {
        boolean[] out = new boolean[(int) size];
        for (int i = 0; i < out.length; i++) {
            out[i] = getBoolean(i);
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Tensor)) {
            return false;
        }
        Tensor t = (Tensor) o;
        return dtype == t.dtype && Arrays.equals(shape, t.shape) && data.equals(t.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dtype, Arrays.hashCode(shape), data);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor(").append(dtype.numpyName()).append(Arrays.toString(shape))
                .append(" [");
        long shown = Math.min(size, 8);
        for (int i = 0; i < shown; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            if (dtype.isFloating()) {
                sb.append(getDouble(i));
            } else if (dtype == DType.BOOL) {
                sb.append(getBoolean(i));
            } else if (dtype == DType.UINT64) {
                sb.append(Long.toUnsignedString(getLong(i)));
            } else {
                sb.append(getLong(i));
            }
        }
        if (size > shown) {
            sb.append(", ...");
        }
        return sb.append("])").toString();
    }

    // ---- internals -------------------------------------------------------------------------------

    private int index(long flatIndex) {
        if (flatIndex < 0 || flatIndex >= size) {
            throw new IndexOutOfBoundsException("flat index " + flatIndex + " out of range for " + size + " elements");
        }
        return (int) flatIndex;
    }

    private long rawLong(int i) {
        switch (dtype) {
            case BOOL: return data.get(i) != 0 ? 1 : 0;
            case INT8: return data.get(i);
            case UINT8: return data.get(i) & 0xffL;
            case INT16: return data.getShort(i * 2);
            case UINT16: return data.getShort(i * 2) & 0xffffL;
            case INT32: return data.getInt(i * 4);
            case UINT32: return data.getInt(i * 4) & 0xffffffffL;
            case INT64:
            case UINT64: return data.getLong(i * 8);
            default: throw new IllegalStateException("not an integer dtype: " + dtype);
        }
    }

    private static void putDouble(ByteBuffer b, DType dtype, int i, double v) {
        switch (dtype) {
            case FLOAT64: b.putDouble(i * 8, v); break;
            case FLOAT32: b.putFloat(i * 4, (float) v); break;
            case FLOAT16: b.putShort(i * 2, Half.fromFloat((float) v)); break;
            case BOOL: b.put(i, (byte) (v != 0 ? 1 : 0)); break;
            case UINT64:
                if (v >= 0x1p63) {
                    b.putLong(i * 8, ((long) (v / 2)) << 1);
                } else {
                    b.putLong(i * 8, (long) v);
                }
                break;
            default: putLong(b, dtype, i, (long) v);
        }
    }

    private static void putLong(ByteBuffer b, DType dtype, int i, long v) {
        switch (dtype) {
            case BOOL: b.put(i, (byte) (v != 0 ? 1 : 0)); break;
            case INT8:
            case UINT8: b.put(i, (byte) v); break;
            case INT16:
            case UINT16: b.putShort(i * 2, (short) v); break;
            case INT32:
            case UINT32: b.putInt(i * 4, (int) v); break;
            case INT64:
            case UINT64: b.putLong(i * 8, v); break;
            case FLOAT16: b.putShort(i * 2, Half.fromFloat((float) v)); break;
            case FLOAT32: b.putFloat(i * 4, (float) v); break;
            case FLOAT64: b.putDouble(i * 8, (double) v); break;
            default: throw new IllegalStateException(dtype.toString());
        }
    }

    private static ByteBuffer allocate(long count, int itemSize) {
        long bytes = count * itemSize;
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor of " + bytes + " bytes exceeds the 2 GiB a ByteBuffer holds");
        }
        return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Wraps a freshly filled buffer that nobody else holds: no copy needed. */
    private static Tensor own(DType dtype, long[] shape, ByteBuffer b) {
        b.clear();
        return new Tensor(dtype, shape, checkedSize(shape), b.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN));
    }

    private static long[] shapeFor(int length, long[] shape) {
        if (shape == null || shape.length == 0) {
            return new long[] {length};
        }
        long n = checkedSize(shape);
        if (n != length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n + " elements but "
                    + length + " values were given");
        }
        return shape.clone();
    }

    static long checkedSize(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }
}
