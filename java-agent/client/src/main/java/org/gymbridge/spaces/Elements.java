package org.gymbridge.spaces;

import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;

/** Exact element comparisons across dtypes, for the bounds checks of contains(). */
final class Elements {
    private Elements() {
    }

    /** Compares element i of a with element j of b numerically, exactly for integers (incl. uint64). */
    static int compare(Tensor a, long i, Tensor b, long j) {
        if (a.dtype().isFloating() || b.dtype().isFloating()) {
            return Double.compare(a.getDouble(i), b.getDouble(j));
        }
        long x = a.getLong(i);
        long y = b.getLong(j);
        boolean xu = a.dtype() == DType.UINT64 && x < 0; // a uint64 value above Long.MAX_VALUE
        boolean yu = b.dtype() == DType.UINT64 && y < 0;
        if (xu || yu) {
            if (xu && yu) {
                return Long.compareUnsigned(x, y);
            }
            return xu ? 1 : -1;
        }
        return Long.compare(x, y);
    }

    /** a[i] <= b[j], false when either is NaN (like numpy). */
    static boolean le(Tensor a, long i, Tensor b, long j) {
        if (a.dtype().isFloating() || b.dtype().isFloating()) {
            return a.getDouble(i) <= b.getDouble(j);
        }
        return compare(a, i, b, j) <= 0;
    }

    /** Whether element i of a is an integer value in [start, start + n). */
    static boolean inRange(Tensor a, long i, long start, long n) {
        long x = a.getLong(i);
        if (a.dtype() == DType.UINT64 && x < 0) {
            return false;
        }
        return x >= start && x - start < n;
    }
}
