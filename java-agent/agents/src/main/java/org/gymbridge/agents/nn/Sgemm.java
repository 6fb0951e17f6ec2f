package org.gymbridge.agents.nn;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Row-major single-precision matrix products straight into OpenBLAS ({@code cblas_sgemm}, the library ND4J itself
 * loads, so ND4J's thread setting applies), on native float memory: DL4J's parameter and gradient views, or buffers
 * of a pass. {@code Nd4j.gemm} on the same arrays costs a custom-op call per product (shape checks, an op context,
 * and a column-major copy of a row-major result), which at RL sizes is as much as the arithmetic.
 */
final class Sgemm {

    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;

    static {
        // Loads ND4J's backend (and with it OpenBLAS) before the first product.
        Nd4j.getBackend();
    }

    private Sgemm() {
    }

    /**
     * C = A' B' + beta C, all row-major: A' is A [m, k] (or A [k, m] transposed), B' is B [k, n] (or B [n, k]
     * transposed), C [m, n]; lda, ldb, ldc are the row lengths as stored.
     */
    static void multiply(boolean transA, boolean transB, int m, int n, int k, FloatPointer a, int lda, FloatPointer b,
                         int ldb, float beta, FloatPointer c, int ldc) {
        openblas_nolapack.cblas_sgemm(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, 1f,
                a, lda, b, ldb, beta, c, ldc);
    }

    /** A pointer to the first element of a contiguous float array's native memory (a view at its offset). */
    static FloatPointer pointer(INDArray array) {
        if (array.dataType() != DataType.FLOAT || array.elementWiseStride() != 1) {
            throw new IllegalArgumentException("a direct product needs a contiguous float array, got "
                    + array.shapeInfoToString());
        }
        return new At(array.data().address() + 4L * array.offset(), array.length());
    }

    /** A pointer {@code offset} floats into {@code base}. */
    static FloatPointer at(FloatPointer base, long offset) {
        return offset == 0 ? base : new At(base.address() + 4L * offset, base.capacity() - offset);
    }

    /** Native float memory of {@code length} elements, zeroed, freed with the pointer. */
    static FloatPointer allocate(long length) {
        FloatPointer p = new FloatPointer(length);
        p.zero();
        return p;
    }

    /** A pointer to memory owned elsewhere (an ND4J buffer that the network keeps alive). */
    private static final class At extends FloatPointer {
        At(long address, long length) {
            this.address = address;
            this.limit = length;
            this.capacity = length;
        }
    }
}
