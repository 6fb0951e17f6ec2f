package org.gymbridge.agents.nn;

import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.gymbridge.agents.core.HostArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Forward and backward passes of a chain of DL4J ReLU convolutions (no padding, no dilation), run directly on the
 * layers' weights: per layer one im2col of the whole batch on the heap and one BLAS gemm, bias and ReLU in the same
 * loop that copies the product back. DL4J's own passes cost about ten times as much for the Nature CNN at PPO's
 * sizes (per-call workspaces, permutes, NCHW copies around every op).
 *
 * <p>Inside, images are channels-last, one row per pixel ({@code [n*h*w, c]}): the layout the gemm writes, and the
 * one in which each kernel row of a patch is one contiguous run (the im2col is one array copy per kernel row). The
 * weights are permuted to that patch order (kernel row, kernel column, channel) on each pass and their gradient
 * permuted back, one ND4J op each. The input is channels-first ({@link ConvEncoder#toInput}), as DL4J wants it, and
 * the output is flattened channels-first per sample ({@code [n, c*h*w]}), as DL4J's
 * {@code CnnToFeedForwardPreProcessor} hands it to the next dense layer: both are transposed once per pass. The parameter gradients go into views of
 * a flat gradient buffer at the parameters' offsets (see {@link DenseStack}), so Adam and checkpoints see DL4J's
 * layout.
 */
final class ConvStack {

    private final int layers;
    private final int[] inC;
    private final int[] inH;
    private final int[] inW;
    private final int[] outC;
    private final int[] outH;
    private final int[] outW;
    private final int[] kernel;
    private final int[] stride;
    // DL4J's W [out, in, kh, kw] and b [1, out], and their gradient views.
    private final INDArray[] weights;
    private final INDArray[] biases;
    private final INDArray[] weightGradients;
    private final INDArray[] biasGradients;
    // W and its gradient in patch order [out, kh*kw*in] (what a channels-last im2col row meets), and their
    // [out, kh, kw, in] views.
    private final INDArray[] patchWeights;
    private final INDArray[] patchWeights4;
    private final INDArray[] patchGradients;
    private final INDArray[] patchGradients4;
    private Pass train;
    private Pass infer;

    private ConvStack(int n) {
        layers = n;
        inC = new int[n];
        inH = new int[n];
        inW = new int[n];
        outC = new int[n];
        outH = new int[n];
        outW = new int[n];
        kernel = new int[n];
        stride = new int[n];
        weights = new INDArray[n];
        biases = new INDArray[n];
        weightGradients = new INDArray[n];
        biasGradients = new INDArray[n];
        patchWeights = new INDArray[n];
        patchWeights4 = new INDArray[n];
        patchGradients = new INDArray[n];
        patchGradients4 = new INDArray[n];
    }

    /**
     * The passes of {@code layers} (convolutions, in order) on channels-first frames of {@code channels} x
     * {@code height} x {@code width}, whose parameters are views of {@code params}; gradients go to the same offsets
     * of {@code gradient}. Null when a layer is not a square-kernel ReLU convolution without padding or dilation, with
     * a bias, in NCHW: the caller keeps DL4J's passes.
     */
    static ConvStack of(List<Layer> layers, int channels, int height, int width, INDArray params, INDArray gradient) {
        ConvStack s = new ConvStack(layers.size());
        int c = channels;
        int h = height;
        int w = width;
        for (int l = 0; l < layers.size(); l++) {
            Layer layer = layers.get(l);
            if (layer.conf().getLayer().getClass() != ConvolutionLayer.class) {
                return null;
            }
            ConvolutionLayer conv = (ConvolutionLayer) layer.conf().getLayer();
            int[] k = conv.getKernelSize();
            int[] st = conv.getStride();
            boolean plain = k[0] == k[1] && st[0] == st[1] && conv.getPadding()[0] == 0 && conv.getPadding()[1] == 0
                    && conv.getDilation()[0] == 1 && conv.getDilation()[1] == 1 && conv.hasBias()
                    && conv.getCnn2dDataFormat() == CNN2DFormat.NCHW
                    && (conv.getConvolutionMode() == ConvolutionMode.Truncate
                        || conv.getConvolutionMode() == ConvolutionMode.Strict)
                    && DenseStack.isPlainRelu(conv.getActivationFn()) && conv.getNIn() == c;
            INDArray weight = layer.getParam("W");
            INDArray bias = layer.getParam("b");
            if (!plain || weight == null || bias == null || weight.rank() != 4 || weight.ordering() != 'c'
                    || h < k[0] || w < k[0]) {
                return null;
            }
            s.inC[l] = c;
            s.inH[l] = h;
            s.inW[l] = w;
            s.kernel[l] = k[0];
            s.stride[l] = st[0];
            s.outC[l] = (int) conv.getNOut();
            s.outH[l] = (h - k[0]) / st[0] + 1;
            s.outW[l] = (w - k[0]) / st[0] + 1;
            int patch = c * k[0] * k[0];
            s.weights[l] = weight;
            s.biases[l] = bias.reshape('c', 1, s.outC[l]);
            s.weightGradients[l] = DenseStack.viewAt(gradient, weight, params);
            s.biasGradients[l] = DenseStack.viewAt(gradient, bias, params).reshape('c', 1, s.outC[l]);
            s.patchWeights[l] = Nd4j.create(DataType.FLOAT, s.outC[l], patch);
            s.patchWeights4[l] = s.patchWeights[l].reshape('c', s.outC[l], k[0], k[0], c);
            s.patchGradients[l] = Nd4j.create(DataType.FLOAT, s.outC[l], patch);
            s.patchGradients4[l] = s.patchGradients[l].reshape('c', s.outC[l], k[0], k[0], c);
            c = s.outC[l];
            h = s.outH[l];
            w = s.outW[l];
        }
        return s;
    }

    int inputSize() {
        return inC[0] * inH[0] * inW[0];
    }

    int outputSize() {
        int last = layers - 1;
        return outC[last] * outH[last] * outW[last];
    }

    private int positions(int l) {
        return outH[l] * outW[l];
    }

    private int patch(int l) {
        return inC[l] * kernel[l] * kernel[l];
    }

    /** Buffers of one pass for a batch of {@code rows} frames. */
    private final class Pass {
        final int rows;
        final float[] input;
        // Per layer: the im2col matrix [rows*positions, patch] (heap, and native for the gemm), the output
        // [rows*positions, outC] (native, and on the heap after bias and ReLU), deltas, and a row of ones.
        final float[][] colsHeap = new float[layers][];
        final INDArray[] cols = new INDArray[layers];
        final INDArray[] product = new INDArray[layers];
        final float[][] activations = new float[layers][];
        final float[][] deltaHeap = new float[layers][];
        final INDArray[] delta = new INDArray[layers];
        final INDArray[] colGradient = new INDArray[layers];
        final float[][] colGradientHeap = new float[layers][];
        final INDArray[] ones = new INDArray[layers];

        Pass(int rows) {
            this.rows = rows;
            input = new float[rows * inputSize()];
            for (int l = 0; l < layers; l++) {
                int m = rows * positions(l);
                colsHeap[l] = new float[m * patch(l)];
                cols[l] = Nd4j.create(DataType.FLOAT, m, patch(l));
                product[l] = Nd4j.create(DataType.FLOAT, m, outC[l]);
                activations[l] = new float[m * outC[l]];
            }
        }

        /** The backward buffers, made on the first backward pass (inference passes never need them). */
        void backwardBuffers() {
            if (delta[0] != null) {
                return;
            }
            for (int l = 0; l < layers; l++) {
                int m = rows * positions(l);
                deltaHeap[l] = new float[m * outC[l]];
                delta[l] = Nd4j.create(DataType.FLOAT, m, outC[l]);
                ones[l] = Nd4j.ones(DataType.FLOAT, 1, m);
                if (l > 0) {
                    colGradient[l] = Nd4j.create(DataType.FLOAT, m, patch(l));
                    colGradientHeap[l] = new float[m * patch(l)];
                }
            }
        }
    }

    private Pass pass(Pass cached, int rows) {
        return cached != null && cached.rows == rows ? cached : new Pass(rows);
    }

    /** Inference on channels-first frames [rows, inputSize]; returns [rows, outputSize] channels-first. */
    float[] predict(float[] input, int rows) {
        infer = pass(infer, rows);
        return run(infer, input);
    }

    /** A training forward pass that keeps what {@link #backprop} needs. */
    float[] forward(float[] input, int rows) {
        train = pass(train, rows);
        return run(train, input);
    }

    private float[] run(Pass p, float[] input) {
        if (input.length != p.rows * inputSize()) {
            throw new IllegalArgumentException(input.length + " values are not " + p.rows + " frames of " + inputSize());
        }
        transpose(input, p.input, p.rows, inC[0], inH[0] * inW[0]);
        for (int l = 0; l < layers; l++) {
            patchWeights4[l].assign(weights[l].permute(0, 2, 3, 1));
            im2col(l, l == 0 ? p.input : p.activations[l - 1], p.rows, p.colsHeap[l]);
            p.cols[l].data().asNioFloat().put(p.colsHeap[l]);
            Nd4j.gemm(p.cols[l], patchWeights[l], p.product[l], false, true, 1.0, 0.0);
            float[] a = p.activations[l];
            p.product[l].data().asNioFloat().get(a);
            float[] b = HostArrays.toFloats(biases[l]);
            int c = outC[l];
            for (int i = 0; i < a.length; i += c) {
                for (int j = 0; j < c; j++) {
                    float v = a[i + j] + b[j];
                    a[i + j] = v > 0 ? v : 0f;
                }
            }
        }
        int last = layers - 1;
        float[] out = new float[p.rows * outputSize()];
        transpose(p.activations[last], out, p.rows, positions(last), outC[last]);
        return out;
    }

    /**
     * Writes the patches of layer {@code l}'s channels-last input into {@code cols}: one row per (frame, output
     * position), its columns in patch order (kernel row, kernel column, channel), so that each kernel row of a patch
     * is one contiguous run of the input.
     */
    private void im2col(int l, float[] in, int rows, float[] cols) {
        int k = kernel[l];
        int run = k * inC[l];
        int line = inW[l] * inC[l];
        int step = stride[l] * inC[l];
        int frame = inH[l] * line;
        int dst = 0;
        for (int n = 0; n < rows; n++) {
            for (int oy = 0; oy < outH[l]; oy++) {
                int top = n * frame + oy * stride[l] * line;
                for (int ox = 0; ox < outW[l]; ox++) {
                    int corner = top + ox * step;
                    for (int ky = 0; ky < k; ky++) {
                        System.arraycopy(in, corner + ky * line, cols, dst, run);
                        dst += run;
                    }
                }
            }
        }
    }

    /** The adjoint of {@link #im2col}: adds every patch's gradient back onto its pixels of {@code in}. */
    private void col2im(int l, float[] cols, int rows, float[] in) {
        java.util.Arrays.fill(in, 0f);
        int k = kernel[l];
        int run = k * inC[l];
        int line = inW[l] * inC[l];
        int step = stride[l] * inC[l];
        int frame = inH[l] * line;
        int src = 0;
        for (int n = 0; n < rows; n++) {
            for (int oy = 0; oy < outH[l]; oy++) {
                int top = n * frame + oy * stride[l] * line;
                for (int ox = 0; ox < outW[l]; ox++) {
                    int corner = top + ox * step;
                    for (int ky = 0; ky < k; ky++) {
                        int dst = corner + ky * line;
                        for (int i = 0; i < run; i++) {
                            in[dst + i] += cols[src + i];
                        }
                        src += run;
                    }
                }
            }
        }
    }

    /** Per frame, {@code [a, b]} to {@code [b, a]}: channels-first to channels-last and back. */
    private static void transpose(float[] from, float[] to, int rows, int a, int b) {
        int frame = a * b;
        for (int n = 0; n < rows; n++) {
            int base = n * frame;
            for (int i = 0; i < a; i++) {
                for (int j = 0; j < b; j++) {
                    to[base + j * a + i] = from[base + i * b + j];
                }
            }
        }
    }

    /**
     * Back-propagates {@code outputGradient} ([rows, outputSize], channels-first per frame) through the last training
     * pass, writing the parameter gradients into the gradient views. The input gradient is not computed (the frames
     * are data).
     */
    void backprop(float[] outputGradient) {
        Pass p = train;
        if (p == null || outputGradient.length != p.rows * outputSize()) {
            throw new IllegalStateException("backprop() needs a forward() of " + outputGradient.length / outputSize()
                    + " frames first");
        }
        p.backwardBuffers();
        int last = layers - 1;
        int positions = positions(last);
        int channels = outC[last];
        transpose(outputGradient, p.deltaHeap[last], p.rows, channels, positions);
        for (int l = last; l >= 0; l--) {
            float[] d = p.deltaHeap[l];
            float[] a = p.activations[l];
            for (int i = 0; i < d.length; i++) {
                if (!(a[i] > 0)) {
                    d[i] = 0f;
                }
            }
            p.delta[l].data().asNioFloat().put(d);
            Nd4j.gemm(p.delta[l], p.cols[l], patchGradients[l], true, false, 1.0, 0.0);
            weightGradients[l].assign(patchGradients4[l].permute(0, 3, 1, 2));
            Nd4j.gemm(p.ones[l], p.delta[l], biasGradients[l], false, false, 1.0, 0.0);
            if (l > 0) {
                Nd4j.gemm(p.delta[l], patchWeights[l], p.colGradient[l], false, false, 1.0, 0.0);
                p.colGradient[l].data().asNioFloat().get(p.colGradientHeap[l]);
                col2im(l, p.colGradientHeap[l], p.rows, p.deltaHeap[l - 1]);
            }
        }
    }
}
