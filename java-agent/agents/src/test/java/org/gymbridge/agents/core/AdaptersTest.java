package org.gymbridge.agents.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gymbridge.spaces.Box;
import org.gymbridge.spaces.Discrete;
import org.gymbridge.spaces.MultiBinary;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class AdaptersTest {

    @Test
    void float32BoxObservationsAreCopiedExactly() {
        ObservationAdapter adapter = ObservationAdapter.forSpace(Box.of(-1, 1, DType.FLOAT32, 4));
        float[] values = {0.1f, -0.2f, 1e-7f, 3.5f, -0f, Float.MIN_VALUE, 0.33333334f, -1f};
        INDArray batch = adapter.toBatch(Tensor.ofFloats(values, 2, 4));
        assertEquals(DataType.FLOAT, batch.dataType());
        assertArrayEquals(new long[] {2, 4}, batch.shape());
        assertArrayEquals(values, HostArrays.toFloats(batch));
    }

    @Test
    void imageLikeObservationsAreFlattenedPerEnv() {
        ObservationAdapter adapter = ObservationAdapter.forSpace(Box.of(0, 255, DType.UINT8, 2, 2));
        INDArray batch = adapter.toBatch(Tensor.ofBytes(new byte[] {0, 1, 2, (byte) 255, 4, 5, 6, 7}, DType.UINT8, 2, 2, 2));
        assertEquals(4, adapter.size());
        assertArrayEquals(new float[] {0, 1, 2, 255, 4, 5, 6, 7}, HostArrays.toFloats(batch));
    }

    @Test
    void discreteObservationsBecomeOneHotRows() {
        ObservationAdapter adapter = ObservationAdapter.forSpace(new Discrete(3, 1, DType.INT64));
        INDArray batch = adapter.toBatch(Tensor.ofLongs(new long[] {3, 1}, 2));
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0}, HostArrays.toFloats(batch));
    }

    @Test
    void unsupportedObservationSpacesAreRejectedWithAHint() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ObservationAdapter.forSpace(new MultiBinary(new long[] {3})));
        assertTrue(e.getMessage().contains("Box or Discrete"), e.getMessage());
    }

    @Test
    void discreteActionsAreSentAsInt64WithTheSpaceStart() {
        ActionAdapter adapter = ActionAdapter.forSpace(new Discrete(5, -2, DType.INT64));
        Tensor sent = (Tensor) adapter.toValue(HostArrays.toArray(new float[] {0, 4, 2}, 3, 1));
        assertEquals(DType.INT64, sent.dtype());
        assertArrayEquals(new long[] {3}, sent.shape());
        assertArrayEquals(new long[] {-2, 2, 0}, sent.toLongArray());
    }

    @Test
    void boxActionsAreClippedToTheBounds() {
        ActionAdapter adapter = ActionAdapter.forSpace(Box.of(-1, 1, DType.FLOAT32, 2));
        Tensor sent = (Tensor) adapter.toValue(HostArrays.toArray(new float[] {0.5f, 3f, -7f, -0.25f}, 2, 2));
        assertEquals(DType.FLOAT32, sent.dtype());
        assertArrayEquals(new long[] {2, 2}, sent.shape());
        assertArrayEquals(new float[] {0.5f, 1f, -1f, -0.25f}, sent.toFloatArray());
    }
}
