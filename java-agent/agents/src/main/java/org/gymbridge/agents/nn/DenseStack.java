package org.gymbridge.agents.nn;

import java.nio.FloatBuffer;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Forward and backward passes of a chain of DL4J dense layers (ReLU, tanh or identity), run directly on the
 * layers' weights: one BLAS gemm per matrix product into buffers kept between calls, the bias and the activation
 * in place, the activation derivative in one loop over native memory. DL4J's own passes cost about twice as much
 * at RL sizes (batch 256, 256x256: per-call workspaces, copies, transposed duplicates) and several times as much
 * for small networks (64x64), where their per-call overhead dominates.
 *
 * <p>The parameter gradient goes into views of a flat gradient buffer laid out like the network's flat parameters
 * (each weight's gradient at its weight's offset), so Adam and checkpoints see DL4J's layout.
 */
final class DenseStack {

    private enum Kind { IDENTITY, RELU, TANH }

    private final int[] widths;
    private final Kind[] kinds;
    private final INDArray[] weights;
    private final INDArray[] biases;
    private final INDArray[] weightGradients;
    private final INDArray[] biasGradients;
    // Activations of the last training forward pass (kept for backward) and of the last inference pass.
    private Pass train;
    private Pass infer;

    private DenseStack(int[] widths, Kind[] kinds, INDArray[] weights, INDArray[] biases, INDArray[] weightGradients,
                       INDArray[] biasGradients) {
        this.widths = widths;
        this.kinds = kinds;
        this.weights = weights;
        this.biases = biases;
        this.weightGradients = weightGradients;
        this.biasGradients = biasGradients;
    }

    /**
     * The passes of {@code layers} (dense, in order), whose parameters are views of {@code params}; gradients go
     * to the same offsets of {@code gradient} (a [1, params.length()] buffer). Null when a layer is not a dense
     * layer with a ReLU, tanh or identity activation: the caller keeps DL4J's passes.
     */
    static DenseStack of(List<Layer> layers, INDArray params, INDArray gradient) {
        int n = layers.size();
        Kind[] kinds = new Kind[n];
        INDArray[] weights = new INDArray[n];
        INDArray[] biases = new INDArray[n];
        INDArray[] weightGradients = new INDArray[n];
        INDArray[] biasGradients = new INDArray[n];
        int[] widths = new int[n + 1];
        for (int l = 0; l < n; l++) {
            Layer layer = layers.get(l);
            if (!(layer.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.DenseLayer dense)) {
                return null;
            }
            kinds[l] = kind(dense.getActivationFn());
            weights[l] = layer.getParam("W");
            biases[l] = layer.getParam("b");
            if (kinds[l] == null || weights[l] == null || biases[l] == null || weights[l].rank() != 2) {
                return null;
            }
            widths[l] = (int) weights[l].size(0);
            widths[l + 1] = (int) weights[l].size(1);
            if (l > 0 && widths[l] != weights[l - 1].size(1)) {
                return null;
            }
            weightGradients[l] = viewAt(gradient, weights[l], params);
            biasGradients[l] = viewAt(gradient, biases[l], params).reshape('c', 1, widths[l + 1]);
        }
        return new DenseStack(widths, kinds, weights, biases, weightGradients, biasGradients);
    }

    /** The view of {@code gradient} at the offset (within {@code params}) and with the shape and order of {@code param}. */
    static INDArray viewAt(INDArray gradient, INDArray param, INDArray params) {
        if (param.data().address() != params.data().address() || param.elementWiseStride() != 1) {
            throw new IllegalStateException("a layer's parameters are not a contiguous view of the network's");
        }
        long offset = param.offset() - params.offset();
        INDArray view = gradient.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(offset, offset + param.length()))
                .reshape(param.ordering(), param.shape());
        if (view.data().address() != gradient.data().address()) {
            throw new IllegalStateException("the gradient view is a copy");
        }
        return view;
    }

    /** Whether {@code activation} is max(0, x) (DL4J's ReLU without a threshold, cap or negative slope). */
    static boolean isPlainRelu(IActivation activation) {
        return activation instanceof ActivationReLU relu && relu.toString().equals(new ActivationReLU().toString());
    }

    private static Kind kind(IActivation activation) {
        if (isPlainRelu(activation)) {
            return Kind.RELU;
        }
        if (activation instanceof ActivationTanH) {
            return Kind.TANH;
        }
        if (activation instanceof ActivationIdentity) {
            return Kind.IDENTITY;
        }
        return null;
    }

    int inputSize() {
        return widths[0];
    }

    int outputSize() {
        return widths[widths.length - 1];
    }

    /** Buffers of one pass for a batch of {@code rows}: the input and every layer's output, plus the deltas. */
    private final class Pass {
        final int rows;
        final INDArray[] activations;
        final INDArray[] deltas;
        final INDArray ones;

        Pass(int rows) {
            this.rows = rows;
            activations = new INDArray[widths.length];
            deltas = new INDArray[widths.length];
            for (int l = 0; l < widths.length; l++) {
                activations[l] = Nd4j.create(DataType.FLOAT, rows, widths[l]);
                deltas[l] = Nd4j.create(DataType.FLOAT, rows, widths[l]);
            }
            ones = Nd4j.ones(DataType.FLOAT, 1, rows);
        }
    }

    private Pass pass(Pass cached, int rows) {
        return cached != null && cached.rows == rows ? cached : new Pass(rows);
    }

    /** Inference on a row-major batch [rows, inputSize]; does not touch the training pass. */
    float[] predict(float[] input, int rows) {
        infer = pass(infer, rows);
        put(infer.activations[0], input);
        return get(run(infer));
    }

    /** A training forward pass that keeps the activations {@link #backprop} needs. */
    float[] forward(float[] input, int rows) {
        train = pass(train, rows);
        put(train.activations[0], input);
        return get(run(train));
    }

    private INDArray run(Pass p) {
        for (int l = 0; l < weights.length; l++) {
            INDArray out = p.activations[l + 1];
            Nd4j.gemm(p.activations[l], weights[l], out, false, false, 1.0, 0.0);
            out.addiRowVector(biases[l]);
            switch (kinds[l]) {
                case RELU -> Transforms.relu(out, false);
                case TANH -> Transforms.tanh(out, false);
                case IDENTITY -> { }
            }
        }
        return p.activations[weights.length];
    }

    private static void put(INDArray target, float[] values) {
        if (values.length != target.length()) {
            throw new IllegalArgumentException(values.length + " values for a buffer of " + target.length());
        }
        target.data().asNioFloat().put(values, 0, values.length);
    }

    private static float[] get(INDArray source) {
        float[] out = new float[(int) source.length()];
        source.data().asNioFloat().get(out);
        return out;
    }

    /**
     * Back-propagates {@code outputGradient} ([rows, outputSize] row-major) through the last training pass. With
     * {@code parameters} the parameter gradients are written into the gradient views; the gradient with respect to
     * the input is returned when {@code input} is set (else null).
     */
    float[] backprop(float[] outputGradient, boolean parameters, boolean input) {
        Pass p = train;
        if (p == null || outputGradient.length != p.rows * outputSize()) {
            throw new IllegalStateException("backward() needs a forward() of " + outputGradient.length / outputSize()
                    + " rows first");
        }
        int last = weights.length;
        put(p.deltas[last], outputGradient);
        for (int l = last - 1; l >= 0; l--) {
            INDArray delta = p.deltas[l + 1];
            if (kinds[l] != Kind.IDENTITY) {
                derivative(delta, p.activations[l + 1], kinds[l]);
            }
            if (parameters) {
                Nd4j.gemm(p.activations[l], delta, weightGradients[l], true, false, 1.0, 0.0);
                Nd4j.gemm(p.ones, delta, biasGradients[l], false, false, 1.0, 0.0);
            }
            if (l > 0 || input) {
                Nd4j.gemm(delta, weights[l], p.deltas[l], false, true, 1.0, 0.0);
            }
        }
        return input ? get(p.deltas[0]) : null;
    }

    /** delta *= f'(z), written in terms of the activation a = f(z): ReLU 1[a > 0], tanh 1 - a^2. */
    private static void derivative(INDArray delta, INDArray activation, Kind kind) {
        FloatBuffer d = delta.data().asNioFloat();
        FloatBuffer a = activation.data().asNioFloat();
        int n = (int) delta.length();
        if (kind == Kind.RELU) {
            for (int i = 0; i < n; i++) {
                if (!(a.get(i) > 0)) {
                    d.put(i, 0f);
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                float y = a.get(i);
                d.put(i, d.get(i) * (1 - y * y));
            }
        }
    }
}
