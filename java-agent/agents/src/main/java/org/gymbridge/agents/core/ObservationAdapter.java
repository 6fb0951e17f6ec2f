package org.gymbridge.agents.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.gymbridge.spaces.Box;
import org.gymbridge.spaces.Discrete;
import org.gymbridge.spaces.Space;
import org.gymbridge.tensor.Value;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Turns a batch of observations from the bridge into the network input: a float32 INDArray
 * [numEnvs, size], one row per env, for the whole batch at once.
 *
 * <p>Box observations are flattened per env (a float32 Box is copied byte for byte into ND4J's native
 * buffer: one copy, no per-element loop in Java); Discrete observations become one-hot rows.
 * Dict/Tuple/Text observations need a feature extractor and are rejected with a clear message.
 */
public final class ObservationAdapter {

    private final Space space;
    private final int size;

    private ObservationAdapter(Space space, int size) {
        this.space = space;
        this.size = size;
    }

    /**
     * An adapter for observations of the given single-env space (the env's {@code singleObservationSpace()}).
     *
     * @throws IllegalArgumentException for spaces that have no flat numeric encoding yet
     */
    public static ObservationAdapter forSpace(Space singleObservationSpace) {
        if (singleObservationSpace instanceof Box box) {
            long size = Arrays.stream(box.shape()).reduce(1, Math::multiplyExact);
            return new ObservationAdapter(box, Math.toIntExact(size));
        }
        if (singleObservationSpace instanceof Discrete discrete) {
            return new ObservationAdapter(discrete, Math.toIntExact(discrete.n()));
        }
        throw new IllegalArgumentException("observation space " + singleObservationSpace
                + " is not supported by the DL4J agents yet: use an env with a Box or Discrete observation"
                + " space, or add a FlattenObservation wrapper on the server side");
    }

    /** Features per env: the network's input size. */
    public int size() {
        return size;
    }

    /** The batched observations as a float32 [numEnvs, size] array. */
    public INDArray toBatch(Value observations) {
        if (!(observations instanceof Tensor tensor)) {
            throw new IllegalArgumentException("expected a Tensor of observations for " + space + ", got "
                    + observations.getClass().getSimpleName());
        }
        int perEnv = space instanceof Discrete ? 1 : size;
        if (tensor.rank() < 1 || tensor.size() != tensor.shape()[0] * perEnv) {
            throw new IllegalArgumentException("observation tensor " + tensor + " does not match the space "
                    + space + " (expected [numEnvs, ...] with " + perEnv + " values per env)");
        }
        int numEnvs = Math.toIntExact(tensor.shape()[0]);
        if (space instanceof Discrete discrete) {
            return oneHot(tensor.toLongArray(), discrete, numEnvs);
        }
        INDArray batch = Nd4j.createUninitialized(DataType.FLOAT, numEnvs, size);
        if (tensor.dtype() == DType.FLOAT32) {
            // Both sides are little-endian float32 in C order: a single bulk copy into native memory.
            ByteBuffer target = batch.data().asNio().order(ByteOrder.LITTLE_ENDIAN);
            target.put(tensor.data().duplicate());
        } else {
            batch.assign(Nd4j.createFromArray(tensor.toFloatArray()).reshape(numEnvs, size));
        }
        return batch;
    }

    private INDArray oneHot(long[] indices, Discrete discrete, int numEnvs) {
        float[] rows = new float[numEnvs * size];
        for (int i = 0; i < numEnvs; i++) {
            long k = indices[i] - discrete.start();
            if (k < 0 || k >= size) {
                throw new IllegalArgumentException("observation " + indices[i] + " of env " + i
                        + " is outside " + discrete);
            }
            rows[i * size + (int) k] = 1f;
        }
        return Nd4j.create(rows, new long[] {numEnvs, size}, DataType.FLOAT);
    }
}
