package org.gymbridge.agents.nn;

import java.io.Serializable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adam with PyTorch's semantics (torch.optim.Adam), applied in place to a network's flat parameter
 * vector, together with global gradient-norm clipping (torch.nn.utils.clip_grad_norm_).
 *
 * <p>Why not DL4J's updater: RL recipes are tuned against PyTorch — eps added after the bias-corrected
 * square root, the learning rate changed every update (annealing), and the gradient clipped by its norm
 * over all layers at once, which DL4J's per-layer gradient normalization does not do.
 *
 * <pre>
 *   m = b1 m + (1 - b1) g          v = b2 v + (1 - b2) g^2
 *   theta -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * </pre>
 */
public final class Adam {

    /** The optimizer's state, saved with checkpoints so training can resume exactly. */
    public record State(float[] m, float[] v, long step) implements Serializable {
    }

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final INDArray m;
    private final INDArray v;
    private long step;

    /** Adam for {@code size} parameters with the given betas and epsilon (PyTorch: 0.9, 0.999, 1e-8). */
    public Adam(long size, double beta1, double beta2, double eps) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.m = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, size);
        this.v = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, size);
    }

    /**
     * Scales {@code gradient} in place so that its L2 norm is at most {@code maxNorm}.
     *
     * @return the norm before clipping
     */
    public static double clipGradientNorm(INDArray gradient, double maxNorm) {
        double norm = gradient.norm2Number().doubleValue();
        double scale = maxNorm / (norm + 1e-6);
        if (scale < 1) {
            gradient.muli(scale);
        }
        return norm;
    }

    /** One Adam step: updates {@code params} in place from {@code gradient} (both flat, same length). */
    public void step(INDArray params, INDArray gradient, double learningRate) {
        INDArray g = gradient.reshape(m.shape());
        step++;
        m.muli(beta1).addi(g.mul(1 - beta1));
        v.muli(beta2).addi(g.mul(g).muli(1 - beta2));
        double biasCorrection1 = 1 - Math.pow(beta1, step);
        double biasCorrection2 = 1 - Math.pow(beta2, step);
        INDArray denominator = Transforms.sqrt(v, true).divi(Math.sqrt(biasCorrection2)).addi(eps);
        params.subi(m.div(denominator).muli(learningRate / biasCorrection1).reshape(params.shape()));
    }

    /** A copy of the state (moments and step count). */
    public State state() {
        return new State(m.toFloatVector(), v.toFloatVector(), step);
    }

    /** Restores a state written by {@link #state()}. */
    public void restore(State state) {
        if (state.m().length != m.length()) {
            throw new IllegalArgumentException("optimizer state has " + state.m().length
                    + " entries but the network has " + m.length() + " parameters");
        }
        m.assign(Nd4j.createFromArray(state.m()));
        v.assign(Nd4j.createFromArray(state.v()));
        step = state.step();
    }
}
