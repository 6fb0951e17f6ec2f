package org.gymbridge.agents.nn;

import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Forward and backward passes of a chain of DL4J ReLU convolutions (no padding, no dilation), run directly on the
 * layers' weights: per layer an im2col on the heap and an OpenBLAS sgemm ({@link Sgemm}) per chunk of frames that
 * stays in the L2 cache (the backward pass makes the chunk's patches again rather than keep them), bias and ReLU in
 * loops over the product's heap copy. DL4J's own passes cost about ten times as much for the
 * Nature CNN at PPO's sizes (per-call workspaces, permutes, NCHW copies around every op).
 *
 * <p>Inside, images are channels-last, one row per pixel ({@code [n*h*w, c]}): the layout the gemm writes, and the
 * one in which each kernel row of a patch is one contiguous run (the im2col is one array copy per kernel row). The
 * weights are permuted to that patch order (kernel row, kernel column, channel) on each pass and their gradient
 * permuted back, in loops over heap copies. The input is channels-first ({@link ConvEncoder#toInput}), as DL4J wants
 * it, and the output is flattened channels-first per sample ({@code [n, c*h*w]}), as DL4J's
 * {@code CnnToFeedForwardPreProcessor} hands it to the next dense layer: both are transposed once per pass. The
 * parameter gradients go into views of a flat gradient buffer at the parameters' offsets (see {@link DenseStack}), so
 * Adam and checkpoints see DL4J's layout.
 */
final class ConvStack {

    // The patch matrix is made, copied to native memory and multiplied in chunks of frames of about this size, so
    // that it stays in the L2 cache between the im2col and the product (the first layer's is 22 MB at 128 frames).
    // 512 KB measured faster than 256 KB, 1 MB, 4 MB or the whole batch on a Xeon with 2 MB of L2 per core.
    private static final long CHUNK_BYTES = 1L << 19;

    private final int layers;
    private final int[] inC;
    private final int[] inH;
    private final int[] inW;
    private final int[] outC;
    private final int[] outH;
    private final int[] outW;
    private final int[] kernel;
    private final int[] stride;
    // DL4J's W [out, in, kh, kw] and b [out] in native memory, and their gradient views.
    private final FloatPointer[] weights;
    private final FloatPointer[] biases;
    private final FloatPointer[] weightGradients;
    private final FloatPointer[] biasGradients;
    // W in patch order [out, kh*kw*in] (what a channels-last im2col row meets) and its gradient transposed, native
    // for the products, with heap scratch for the permutations (DL4J order and patch order) and the biases.
    private final FloatPointer[] patchWeights;
    private final FloatPointer[] patchGradients;
    private final float[][] dl4jOrder;
    private final float[][] patchOrder;
    private final float[][] bias;
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
        weights = new FloatPointer[n];
        biases = new FloatPointer[n];
        weightGradients = new FloatPointer[n];
        biasGradients = new FloatPointer[n];
        patchWeights = new FloatPointer[n];
        patchGradients = new FloatPointer[n];
        dl4jOrder = new float[n][];
        patchOrder = new float[n][];
        bias = new float[n][];
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
            s.weights[l] = Sgemm.pointer(weight);
            s.biases[l] = Sgemm.pointer(bias);
            s.weightGradients[l] = Sgemm.pointer(DenseStack.viewAt(gradient, weight, params));
            s.biasGradients[l] = Sgemm.pointer(DenseStack.viewAt(gradient, bias, params));
            s.patchWeights[l] = Sgemm.allocate((long) s.outC[l] * patch);
            s.patchGradients[l] = Sgemm.allocate((long) s.outC[l] * patch);
            s.dl4jOrder[l] = new float[s.outC[l] * patch];
            s.patchOrder[l] = new float[s.outC[l] * patch];
            s.bias[l] = new float[s.outC[l]];
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

    /** Frames per chunk of layer {@code l}'s patch matrix: about {@link #CHUNK_BYTES}, at most {@code rows}. */
    private int chunkFrames(int l, int rows) {
        long perFrame = 4L * positions(l) * patch(l);
        return (int) Math.max(1, Math.min(rows, CHUNK_BYTES / perFrame));
    }

    /** Buffers of one pass for a batch of {@code rows} frames. */
    private final class Pass {
        final int rows;
        final float[] input;
        // Per layer: one chunk of the im2col matrix [frames*positions, patch] (heap, and native for the gemm; the
        // backward pass makes it again), the output [rows*positions, outC] (native, and on the heap after bias and
        // ReLU), deltas, and one chunk of the patches' gradient.
        final float[][] colsHeap = new float[layers][];
        final FloatPointer[] cols = new FloatPointer[layers];
        final FloatPointer[] product = new FloatPointer[layers];
        final float[][] activations = new float[layers][];
        final float[][] deltaHeap = new float[layers][];
        final FloatPointer[] delta = new FloatPointer[layers];
        final FloatPointer[] colGradient = new FloatPointer[layers];
        final float[][] colGradientHeap = new float[layers][];

        Pass(int rows) {
            this.rows = rows;
            input = new float[rows * inputSize()];
            for (int l = 0; l < layers; l++) {
                int m = rows * positions(l);
                int chunk = chunkFrames(l, rows) * positions(l) * patch(l);
                colsHeap[l] = new float[chunk];
                cols[l] = Sgemm.allocate(chunk);
                product[l] = Sgemm.allocate((long) m * outC[l]);
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
                delta[l] = Sgemm.allocate((long) m * outC[l]);
                if (l > 0) {
                    int chunk = chunkFrames(l, rows) * positions(l) * patch(l);
                    colGradient[l] = Sgemm.allocate(chunk);
                    colGradientHeap[l] = new float[chunk];
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
            toPatchOrder(l);
            int patch = patch(l);
            int c = outC[l];
            int frames = chunkFrames(l, p.rows);
            float[] in = l == 0 ? p.input : p.activations[l - 1];
            for (int first = 0; first < p.rows; first += frames) {
                int n = Math.min(frames, p.rows - first);
                int m = n * positions(l);
                im2col(l, in, first, n, p.colsHeap[l]);
                p.cols[l].put(p.colsHeap[l], 0, m * patch);
                Sgemm.multiply(false, true, m, c, patch, p.cols[l], patch, patchWeights[l], patch, 0f,
                        Sgemm.at(p.product[l], (long) first * positions(l) * c), c);
            }
            float[] a = p.activations[l];
            p.product[l].get(a, 0, a.length);
            float[] b = bias[l];
            biases[l].get(b, 0, c);
            DenseStack.addRows(a, b);
            for (int i = 0; i < a.length; i++) {
                a[i] = Math.max(a[i], 0f);
            }
        }
        int last = layers - 1;
        float[] out = new float[p.rows * outputSize()];
        transpose(p.activations[last], out, p.rows, positions(last), outC[last]);
        return out;
    }

    /** Layer {@code l}'s weights, DL4J's [out, in, kh, kw], into patch order [out, kh, kw, in]. */
    private void toPatchOrder(int l) {
        float[] from = dl4jOrder[l];
        float[] to = patchOrder[l];
        weights[l].get(from, 0, from.length);
        int in = inC[l];
        int kk = kernel[l] * kernel[l];
        for (int o = 0, base = 0; o < outC[l]; o++, base += in * kk) {
            for (int i = 0; i < in; i++) {
                for (int k = 0; k < kk; k++) {
                    to[base + k * in + i] = from[base + i * kk + k];
                }
            }
        }
        patchWeights[l].put(to, 0, to.length);
    }

    /**
     * Layer {@code l}'s weight gradient, computed transposed in patch order ([kh*kw*in, out]), into DL4J's order
     * [out, in, kh, kw] at the gradient's view.
     */
    private void gradientToDl4jOrder(int l) {
        float[] from = patchOrder[l];
        float[] to = dl4jOrder[l];
        patchGradients[l].get(from, 0, from.length);
        int in = inC[l];
        int out = outC[l];
        int kk = kernel[l] * kernel[l];
        for (int o = 0, base = 0; o < out; o++, base += in * kk) {
            for (int i = 0; i < in; i++) {
                for (int k = 0; k < kk; k++) {
                    to[base + i * kk + k] = from[(k * in + i) * out + o];
                }
            }
        }
        weightGradients[l].put(to, 0, to.length);
    }

    /**
     * Writes the patches of layer {@code l}'s channels-last input into {@code cols}: one row per (frame, output
     * position), its columns in patch order (kernel row, kernel column, channel), so that each kernel row of a patch
     * is one contiguous run of the input.
     */
    private void im2col(int l, float[] in, int first, int rows, float[] cols) {
        int k = kernel[l];
        int run = k * inC[l];
        int line = inW[l] * inC[l];
        int step = stride[l] * inC[l];
        int frame = inH[l] * line;
        int dst = 0;
        for (int n = first; n < first + rows; n++) {
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
    private void col2im(int l, float[] cols, int first, int rows, float[] in) {
        int k = kernel[l];
        int run = k * inC[l];
        int line = inW[l] * inC[l];
        int step = stride[l] * inC[l];
        int frame = inH[l] * line;
        int src = 0;
        for (int n = first; n < first + rows; n++) {
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
            int patch = patch(l);
            int c = outC[l];
            float[] d = p.deltaHeap[l];
            float[] a = p.activations[l];
            for (int i = 0; i < d.length; i++) {
                d[i] = d[i] * Math.min(a[i] * 0x1p100f * 0x1p49f, 1f);   // 1[a > 0], see DenseStack.derivative
            }
            p.delta[l].put(d, 0, d.length);
            // Per chunk of frames (its patches made again): dW^T (patch order) += cols^T delta (faster than
            // delta^T cols for the long, thin first layer); dcols = delta W, added back onto the input's delta.
            // db = column sums of delta.
            int frames = chunkFrames(l, p.rows);
            float[] in = l == 0 ? p.input : p.activations[l - 1];
            if (l > 0) {
                java.util.Arrays.fill(p.deltaHeap[l - 1], 0f);
            }
            for (int first = 0; first < p.rows; first += frames) {
                int n = Math.min(frames, p.rows - first);
                int rowsOf = n * positions(l);
                FloatPointer delta = Sgemm.at(p.delta[l], (long) first * positions(l) * c);
                im2col(l, in, first, n, p.colsHeap[l]);
                p.cols[l].put(p.colsHeap[l], 0, rowsOf * patch);
                Sgemm.multiply(true, false, patch, c, rowsOf, p.cols[l], patch, delta, c, first == 0 ? 0f : 1f,
                        patchGradients[l], c);
                if (l > 0) {
                    Sgemm.multiply(false, false, rowsOf, patch, c, delta, c, patchWeights[l], patch, 0f,
                            p.colGradient[l], patch);
                    p.colGradient[l].get(p.colGradientHeap[l], 0, rowsOf * patch);
                    col2im(l, p.colGradientHeap[l], first, n, p.deltaHeap[l - 1]);
                }
            }
            gradientToDl4jOrder(l);
            float[] db = bias[l];
            DenseStack.sumRows(d, db);
            biasGradients[l].put(db, 0, c);
        }
    }
}
