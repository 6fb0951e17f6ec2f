package org.gymbridge.agents.core;

import java.util.Arrays;
import org.gymbridge.spaces.Box;
import org.gymbridge.spaces.Discrete;
import org.gymbridge.spaces.MultiDiscrete;
import org.gymbridge.spaces.Space;
import org.gymbridge.tensor.Value;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Turns the agent's batched actions (an INDArray, one row per env) into the Value the env expects.
 *
 * <p>Discrete: the agent works with indices 0..n-1; the env receives {@code index + start} as int64
 * [numEnvs] (Gymnasium batches Discrete(n) as MultiDiscrete, int64). MultiDiscrete: one index per component,
 * sent as {@code index + start} with the space's dtype, [numEnvs, ...nvec shape]. Box: float rows, clipped to the
 * bounds, sent with the Box's dtype as [numEnvs, ...shape].
 */
public final class ActionAdapter {

    private final Space space;

    private ActionAdapter(Space space) {
        this.space = space;
    }

    /**
     * An adapter for the env's {@code singleActionSpace()}.
     *
     * @throws IllegalArgumentException for action spaces the agents do not handle yet
     */
    public static ActionAdapter forSpace(Space singleActionSpace) {
        if (singleActionSpace instanceof Discrete || singleActionSpace instanceof MultiDiscrete
                || singleActionSpace instanceof Box box && box.dtype().isFloating()) {
            return new ActionAdapter(singleActionSpace);
        }
        throw new IllegalArgumentException("action space " + singleActionSpace + " is not supported by the"
                + " DL4J agents yet: use an env with a Discrete, MultiDiscrete or floating-point Box action space");
    }

    /** True for a Discrete action space. */
    public boolean isDiscrete() {
        return space instanceof Discrete;
    }

    /** Number of choices of a Discrete space, the components of a MultiDiscrete, or the flat action size of a Box. */
    public int size() {
        if (space instanceof Discrete discrete) {
            return Math.toIntExact(discrete.n());
        }
        if (space instanceof MultiDiscrete multi) {
            return Math.toIntExact(multi.nvec().size());
        }
        return Math.toIntExact(Arrays.stream(((Box) space).shape()).reduce(1, Math::multiplyExact));
    }

    /** The batched actions as the env's Value. */
    public Value toValue(INDArray actions) {
        int numEnvs = Math.toIntExact(actions.size(0));
        if (space instanceof Discrete discrete) {
            float[] indices = HostArrays.toFloats(actions);
            long[] values = new long[indices.length];
            for (int i = 0; i < values.length; i++) {
                values[i] = (long) indices[i] + discrete.start();
            }
            return Tensor.ofLongs(values, numEnvs);
        }
        if (space instanceof MultiDiscrete multi) {
            // Agents use indices 0..nvec[j]-1 per component, one row per env; the env gets index + start.
            float[] indices = HostArrays.toFloats(actions);
            long[] start = multi.start().toLongArray();
            long[] values = new long[indices.length];
            for (int i = 0; i < values.length; i++) {
                values[i] = (long) indices[i] + start[i % start.length];
            }
            long[] shape = new long[multi.shape().length + 1];
            shape[0] = numEnvs;
            System.arraycopy(multi.shape(), 0, shape, 1, multi.shape().length);
            return Tensor.fromLongs(multi.dtype(), values).reshape(shape);
        }
        Box box = (Box) space;
        long[] shape = new long[box.shape().length + 1];
        shape[0] = numEnvs;
        System.arraycopy(box.shape(), 0, shape, 1, box.shape().length);
        float[] raw = HostArrays.toFloats(actions);
        double[] values = new double[raw.length];
        double[] low = box.low().toDoubleArray();
        double[] high = box.high().toDoubleArray();
        for (int i = 0; i < values.length; i++) {
            int k = i % low.length;
            values[i] = Math.max(low[k], Math.min(high[k], raw[i]));
        }
        if (box.dtype() == DType.FLOAT64) {
            return Tensor.ofDoubles(values, shape);
        }
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return Tensor.ofFloats(floats, shape);
    }
}
