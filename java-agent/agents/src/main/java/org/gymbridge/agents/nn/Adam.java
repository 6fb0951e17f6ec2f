package org.gymbridge.agents.nn;

import java.io.Serializable;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Adam with PyTorch's semantics (torch.optim.Adam), applied in place to a flat parameter vector, together
 * with global gradient-norm clipping (torch.nn.utils.clip_grad_norm_). The one optimizer of the agents:
 * network parameters step through {@link #step(INDArray, INDArray, double)}, small host-side vectors (a
 * policy's state-independent log std, SAC's entropy temperature) through {@link #step(float[], float[], double)};
 * both run the same update on the same float32 moments, as PyTorch does for float32 parameters.
 *
 * <p>Why not DL4J's updater: RL recipes are tuned against PyTorch — eps added after the bias-corrected
 * square root, the learning rate changed every update (annealing), and the gradient clipped by its norm
 * over all layers at once, which DL4J's per-layer gradient normalization does not do.
 *
 * <pre>
 *   m = b1 m + (1 - b1) g          v = b2 v + (1 - b2) g^2
 *   theta -= lr * (m / (1 - b1^t)) / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 * Serializable (hyperparameters and {@link State}), so an object holding one can be checkpointed whole.
 */
public final class Adam implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The optimizer's state, saved with checkpoints so training can resume exactly. */
    public record State(float[] m, float[] v, long step) implements Serializable {
    }

    private final double beta1;
    private final double beta2;
    private final double eps;
    // The moments on the heap, and scratch copies of the parameters and the gradient: the step runs over Java
    // arrays (bulk copies in and out of native memory), several times faster than element access to ND4J's buffers.
    private final float[] m;
    private final float[] v;
    private transient float[] paramScratch;
    private transient float[] gradientScratch;
    private long step;

    /** Adam for {@code size} parameters with the given betas and epsilon (PyTorch: 0.9, 0.999, 1e-8). */
    public Adam(long size, double beta1, double beta2, double eps) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.m = new float[Math.toIntExact(size)];
        this.v = new float[Math.toIntExact(size)];
    }

    /** Adam with PyTorch's betas (0.9, 0.999) and the given epsilon. */
    public static Adam withEps(long size, double eps) {
        return new Adam(size, 0.9, 0.999, eps);
    }

    /** A fresh optimizer (zero moments) with this one's betas and epsilon, for {@code size} other parameters. */
    public Adam sameSettings(long size) {
        return new Adam(size, beta1, beta2, eps);
    }

    /** Number of parameters this optimizer steps. */
    public long size() {
        return m.length;
    }

    /**
     * Scales {@code gradient} in place so that its L2 norm is at most {@code maxNorm}.
     *
     * @return the norm before clipping
     */
    public static double clipGradientNorm(INDArray gradient, double maxNorm) {
        double norm = norm2(gradient);
        double scale = maxNorm / (norm + 1e-6);
        if (scale < 1) {
            gradient.muli(scale);
        }
        return norm;
    }

    /**
     * The L2 norm of a flat gradient, summed in double in one pass over its memory. ND4J's norm2 reduction took
     * about a quarter of a PPO CartPole minibatch update, more than the network's backward pass.
     */
    public static double norm2(INDArray gradient) {
        FloatBuffer g = floats(gradient);
        double sum = 0;
        for (int i = 0, n = (int) gradient.length(); i < n; i++) {
            double x = g.get(i);
            sum += x * x;
        }
        return Math.sqrt(sum);
    }

    /** One Adam step: updates {@code params} in place from {@code gradient} (both flat, same length). */
    public void step(INDArray params, INDArray gradient, double learningRate) {
        if (params.length() != m.length || gradient.length() != m.length) {
            throw new IllegalArgumentException("Adam for " + m.length + " parameters got " + params.length()
                    + " parameters and " + gradient.length() + " gradients");
        }
        if (paramScratch == null) {
            paramScratch = new float[m.length];
            gradientScratch = new float[m.length];
        }
        FloatBuffer p = floats(params);
        floats(gradient).get(gradientScratch);
        p.get(paramScratch);
        step(paramScratch, gradientScratch, learningRate);
        p.rewind();
        p.put(paramScratch);
    }

    /** The same step on a host array (updated in place). */
    public void step(float[] params, float[] gradient, double learningRate) {
        if (params.length != m.length || gradient.length != m.length) {
            throw new IllegalArgumentException("Adam for " + m.length + " parameters got " + params.length
                    + " parameters and " + gradient.length + " gradients");
        }
        step++;
        double biasCorrection1 = 1 - Math.pow(beta1, step);
        double biasCorrection2 = 1 - Math.pow(beta2, step);
        // One loop instead of ~10 ND4J ops with temporaries (~30x cheaper at 70k parameters), in float with the
        // constants ND4J's scalar ops would use.
        float b1 = (float) beta1;
        float c1 = (float) (1 - beta1);
        float b2 = (float) beta2;
        float c2 = (float) (1 - beta2);
        float sqrtBc2 = (float) Math.sqrt(biasCorrection2);
        float e = (float) eps;
        float scale = (float) (learningRate / biasCorrection1);
        for (int i = 0; i < m.length; i++) {
            float gi = gradient[i];
            float mi = m[i] * b1 + gi * c1;
            float vi = v[i] * b2 + gi * gi * c2;
            m[i] = mi;
            v[i] = vi;
            params[i] = params[i] - mi / ((float) Math.sqrt(vi) / sqrtBc2 + e) * scale;
        }
    }

    /** The elements of a contiguous float vector (any offset) as a buffer over its native memory. */
    private static FloatBuffer floats(INDArray a) {
        if (a.dataType() != DataType.FLOAT || a.elementWiseStride() != 1
                || (a.rank() > 1 && a.length() != a.size(a.rank() - 1) && a.length() != a.size(0))) {
            throw new IllegalArgumentException("Adam needs contiguous float vectors, got " + a.shapeInfoToString());
        }
        return a.data().asNioFloat().position((int) a.offset()).slice();
    }

    /** A copy of the state (moments and step count). */
    public State state() {
        return new State(m.clone(), v.clone(), step);
    }

    /** Restores a state written by {@link #state()}. */
    public void restore(State state) {
        if (state.m().length != m.length) {
            throw new IllegalArgumentException("optimizer state has " + state.m().length
                    + " entries but the network has " + m.length + " parameters");
        }
        System.arraycopy(state.m(), 0, m, 0, m.length);
        System.arraycopy(state.v(), 0, v, 0, v.length);
        step = state.step();
    }

    private Object writeReplace() {
        return new Serialized(beta1, beta2, eps, state());
    }

    /** The serialized form: hyperparameters and state (ND4J arrays are not Serializable). */
    private record Serialized(double beta1, double beta2, double eps, State state) implements Serializable {
        private Object readResolve() {
            Adam adam = new Adam(state.m().length, beta1, beta2, eps);
            adam.restore(state);
            return adam;
        }
    }
}
