package org.gymbridge.agents.nn;

import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Forward and backward passes of a chain of DL4J dense layers (ReLU, tanh or identity), run directly on the
 * layers' weights: one OpenBLAS sgemm per matrix product ({@link Sgemm}, on the weights' own native memory, into
 * native buffers kept between calls), the bias and the activation in loops over a heap copy of the product, the
 * activation derivative and the bias gradient in loops over the heap copy of the delta (flat loops without branches,
 * which the JIT vectorizes). DL4J's own passes cost
 * about twice as much at RL sizes (batch 256, 256x256: per-call workspaces, copies, transposed duplicates) and
 * several times as much for small networks (64x64), and so did the same passes as ND4J ops (an op call per bias,
 * activation and product, ~15-50 us each, and a column-major copy of every product).
 *
 * <p>tanh is a rational approximation in float ({@link #tanh}, Eigen's, within a few float ulps of the exact value):
 * {@code Math.tanh} is a double-precision library call on Java 17, several times the cost of the layer's product.
 *
 * <p>The parameter gradient goes into views of a flat gradient buffer laid out like the network's flat parameters
 * (each weight's gradient at its weight's offset), so Adam and checkpoints see DL4J's layout.
 */
final class DenseStack {

    private enum Kind { IDENTITY, RELU, TANH }

    private final int[] widths;
    private final Kind[] kinds;
    // The weights' native memory and how it is laid out: DL4J keeps a dense W [in, out] column-major, which is the
    // row-major W^T [out, in]; gradients have their weights' layout.
    private final FloatPointer[] weights;
    private final boolean[] transposed;
    private final FloatPointer[] biases;
    private final FloatPointer[] weightGradients;
    private final FloatPointer[] biasGradients;
    // Heap scratch: a layer's bias, its bias gradient.
    private final float[][] bias;
    private final float[][] biasGradient;
    // Activations of the last training forward pass (kept for backward) and of the last inference pass.
    private Pass train;
    private Pass infer;

    private DenseStack(int[] widths, Kind[] kinds, FloatPointer[] weights, boolean[] transposed, FloatPointer[] biases,
                       FloatPointer[] weightGradients, FloatPointer[] biasGradients) {
        this.widths = widths;
        this.kinds = kinds;
        this.weights = weights;
        this.transposed = transposed;
        this.biases = biases;
        this.weightGradients = weightGradients;
        this.biasGradients = biasGradients;
        this.bias = new float[kinds.length][];
        this.biasGradient = new float[kinds.length][];
        for (int l = 0; l < kinds.length; l++) {
            bias[l] = new float[widths[l + 1]];
            biasGradient[l] = new float[widths[l + 1]];
        }
    }

    /**
     * The passes of {@code layers} (dense, in order), whose parameters are views of {@code params}; gradients go
     * to the same offsets of {@code gradient} (a [1, params.length()] buffer). Null when a layer is not a dense
     * layer with a ReLU, tanh or identity activation: the caller keeps DL4J's passes.
     */
    static DenseStack of(List<Layer> layers, INDArray params, INDArray gradient) {
        int n = layers.size();
        Kind[] kinds = new Kind[n];
        FloatPointer[] weights = new FloatPointer[n];
        boolean[] transposed = new boolean[n];
        FloatPointer[] biases = new FloatPointer[n];
        FloatPointer[] weightGradients = new FloatPointer[n];
        FloatPointer[] biasGradients = new FloatPointer[n];
        int[] widths = new int[n + 1];
        for (int l = 0; l < n; l++) {
            Layer layer = layers.get(l);
            if (!(layer.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.DenseLayer dense)) {
                return null;
            }
            kinds[l] = kind(dense.getActivationFn());
            INDArray w = layer.getParam("W");
            INDArray b = layer.getParam("b");
            if (kinds[l] == null || w == null || b == null || w.rank() != 2 || b.length() != w.size(1)) {
                return null;
            }
            if (l > 0 && w.size(0) != widths[l]) {
                return null;
            }
            widths[l] = (int) w.size(0);
            widths[l + 1] = (int) w.size(1);
            transposed[l] = w.ordering() == 'f';
            weights[l] = Sgemm.pointer(w);
            biases[l] = Sgemm.pointer(b);
            weightGradients[l] = Sgemm.pointer(viewAt(gradient, w, params));
            biasGradients[l] = Sgemm.pointer(viewAt(gradient, b, params));
        }
        return new DenseStack(widths, kinds, weights, transposed, biases, weightGradients, biasGradients);
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

    /**
     * Buffers of one pass for a batch of {@code rows}: the input and every layer's output in native memory (what the
     * products read and write) and on the heap (what the loops read and write), and the same for the deltas.
     */
    private final class Pass {
        final int rows;
        final FloatPointer[] activations;
        final float[][] activationsHeap;
        final FloatPointer[] deltas;
        final float[][] deltasHeap;

        Pass(int rows) {
            this.rows = rows;
            int n = widths.length;
            activations = new FloatPointer[n];
            activationsHeap = new float[n][];
            deltas = new FloatPointer[n];
            deltasHeap = new float[n][];
            for (int l = 0; l < n; l++) {
                activations[l] = Sgemm.allocate((long) rows * widths[l]);
                activationsHeap[l] = new float[rows * widths[l]];
                deltas[l] = Sgemm.allocate((long) rows * widths[l]);
                deltasHeap[l] = new float[rows * widths[l]];
            }
        }
    }

    private Pass pass(Pass cached, int rows) {
        return cached != null && cached.rows == rows ? cached : new Pass(rows);
    }

    /** Inference on a row-major batch [rows, inputSize]; does not touch the training pass. */
    float[] predict(float[] input, int rows) {
        infer = pass(infer, rows);
        return run(infer, input);
    }

    /** A training forward pass that keeps the activations {@link #backprop} needs. */
    float[] forward(float[] input, int rows) {
        train = pass(train, rows);
        return run(train, input);
    }

    private float[] run(Pass p, float[] input) {
        if (input.length != p.rows * inputSize()) {
            throw new IllegalArgumentException(input.length + " values are not " + p.rows + " rows of " + inputSize());
        }
        p.activations[0].put(input, 0, input.length);
        int last = weights.length - 1;
        for (int l = 0; l <= last; l++) {
            int in = widths[l];
            int out = widths[l + 1];
            Sgemm.multiply(false, transposed[l], p.rows, out, in, p.activations[l], in, weights[l],
                    transposed[l] ? in : out, 0f, p.activations[l + 1], out);
            float[] a = p.activationsHeap[l + 1];
            p.activations[l + 1].get(a, 0, a.length);
            float[] b = bias[l];
            biases[l].get(b, 0, out);
            addRows(a, b);
            switch (kinds[l]) {
                case RELU -> {
                    for (int i = 0; i < a.length; i++) {
                        a[i] = Math.max(a[i], 0f);
                    }
                }
                case TANH -> {
                    for (int i = 0; i < a.length; i++) {
                        a[i] = tanh(a[i]);
                    }
                }
                case IDENTITY -> { }
            }
            if (l < last) {
                p.activations[l + 1].put(a, 0, a.length);
            }
        }
        return p.activationsHeap[last + 1].clone();
    }

    /**
     * tanh in float as Eigen computes it ({@code generic_fast_tanh_float}): a [13/6] rational function on x clamped
     * to +-7.9053, whose value there rounds to +-1. A few float ulps from the exact tanh; a loop of these
     * vectorizes.
     */
    static float tanh(float v) {
        float x = Math.max(-7.90531110763549805f, Math.min(7.90531110763549805f, v));
        float x2 = x * x;
        float p = x2 * -2.76076847742355e-16f + 2.00018790482477e-13f;
        p = p * x2 + -8.60467152213735e-11f;
        p = p * x2 + 5.12229709037114e-08f;
        p = p * x2 + 1.48572235717979e-05f;
        p = p * x2 + 6.37261928875436e-04f;
        p = p * x2 + 4.89352455891786e-03f;
        p = p * x;
        float q = x2 * 1.19825839466702e-06f + 1.18534705686654e-04f;
        q = q * x2 + 2.26843463243900e-03f;
        q = q * x2 + 4.89352518554385e-03f;
        return p / q;
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
        System.arraycopy(outputGradient, 0, p.deltasHeap[last], 0, outputGradient.length);
        for (int l = last - 1; l >= 0; l--) {
            int in = widths[l];
            int out = widths[l + 1];
            float[] d = p.deltasHeap[l + 1];
            derivative(d, p.activationsHeap[l + 1], kinds[l]);
            p.deltas[l + 1].put(d, 0, d.length);
            if (parameters) {
                // dW = x^T delta, stored like W (as dW^T = delta^T x when W is column-major); db = column sums of delta.
                if (transposed[l]) {
                    Sgemm.multiply(true, false, out, in, p.rows, p.deltas[l + 1], out, p.activations[l], in, 0f,
                            weightGradients[l], in);
                } else {
                    Sgemm.multiply(true, false, in, out, p.rows, p.activations[l], in, p.deltas[l + 1], out, 0f,
                            weightGradients[l], out);
                }
                float[] db = biasGradient[l];
                sumRows(d, db);
                biasGradients[l].put(db, 0, out);
            }
            if (l > 0 || input) {
                // dx = delta W^T.
                Sgemm.multiply(false, !transposed[l], p.rows, in, out, p.deltas[l + 1], out, weights[l],
                        transposed[l] ? in : out, 0f, p.deltas[l], in);
                p.deltas[l].get(p.deltasHeap[l], 0, p.deltasHeap[l].length);
            }
        }
        return input ? p.deltasHeap[0].clone() : null;
    }

    /**
     * delta *= f'(z), written in terms of the activation a = f(z): ReLU 1[a > 0], tanh 1 - a^2. The ReLU mask is
     * min(a 2^149, 1), which is exactly 0 for a = 0 and exactly 1 for any positive float (2^-149 is the smallest):
     * arithmetic that vectorizes, where a comparison per element is a branch that mispredicts on half of them
     * (18 times slower here).
     */
    private static void derivative(float[] d, float[] a, Kind kind) {
        if (kind == Kind.RELU) {
            for (int i = 0; i < d.length; i++) {
                d[i] = d[i] * Math.min(a[i] * 0x1p100f * 0x1p49f, 1f);
            }
        } else if (kind == Kind.TANH) {
            for (int i = 0; i < d.length; i++) {
                d[i] = d[i] * (1 - a[i] * a[i]);
            }
        }
    }

    /** Adds {@code row} to every row of the row-major {@code matrix} (a loop of its own, so that it vectorizes). */
    static void addRows(float[] matrix, float[] row) {
        int n = row.length;
        for (int i = 0; i < matrix.length; i += n) {
            for (int j = 0; j < n; j++) {
                matrix[i + j] += row[j];
            }
        }
    }

    /** The column sums of the row-major {@code matrix} into {@code sums}, row after row. */
    static void sumRows(float[] matrix, float[] sums) {
        int n = sums.length;
        java.util.Arrays.fill(sums, 0f);
        for (int i = 0; i < matrix.length; i += n) {
            for (int j = 0; j < n; j++) {
                sums[j] += matrix[i + j];
            }
        }
    }
}
