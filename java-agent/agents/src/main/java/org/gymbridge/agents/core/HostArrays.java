package org.gymbridge.agents.core;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Moves small arrays between ND4J (native memory) and the Java heap. Agents do per-sample RL math in
 * Java arrays because, measured here, one ND4J op costs 10-25 µs and INDArray.toFloatMatrix() ~200 µs
 * even for 16 numbers, while reading a contiguous buffer directly costs well under a microsecond.
 */
public final class HostArrays {

    private HostArrays() {
    }

    /** The contents of {@code array} as floats in row-major order (one copy). */
    public static float[] toFloats(INDArray array) {
        INDArray a = array.dataType() == DataType.FLOAT && !array.isView() && array.ordering() == 'c'
                && array.offset() == 0 && array.data().length() == array.length()
                ? array : array.castTo(DataType.FLOAT).dup('c');
        return a.data().asFloat();
    }

    /** A float32 INDArray of the given shape holding {@code values} in row-major order (one copy). */
    public static INDArray toArray(float[] values, long... shape) {
        return Nd4j.create(values, shape, DataType.FLOAT);
    }
}
