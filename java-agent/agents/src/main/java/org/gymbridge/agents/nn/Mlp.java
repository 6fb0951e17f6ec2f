package org.gymbridge.agents.nn;

import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.NativeThreads;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A plain MLP (DL4J MultiLayerNetwork of dense layers, identity output) trained with external errors: the
 * agent computes dLoss/dOutput, {@link #backward} returns dLoss/dParams <em>and</em> dLoss/dInput. The input
 * gradient is what DDPG, TD3 and SAC need for the actor loss: dQ/da flows from the critic's input into the
 * actor's output without a DL4J loss function.
 *
 * <p>Weights start like PyTorch's {@code nn.Linear} default (W and b uniform in +-1/sqrt(fanIn)), which the
 * CleanRL recipes for these algorithms assume, drawn from the given {@link Random} so runs repeat exactly.
 * Target networks are {@link #copy() copies} moved by {@link #polyak}.
 *
 * <p>The DL4J network owns the weights (checkpoints, clones); forward and backward passes of ReLU, tanh and identity
 * layers run on them directly ({@link DenseStack}); networks with other activations use DL4J's passes.
 *
 * <p>Creating one limits ND4J to {@link NativeThreads one native thread} unless configured otherwise.
 */
public final class Mlp {

    /** dLoss/dParams (flat, aligned with {@link #params()}; valid until the next backward) and dLoss/dInput. */
    public record Gradients(INDArray params, float[] input) {
    }

    private final MultiLayerNetwork net;
    private final int inputSize;
    private final int outputSize;
    // The direct passes and their flat gradient (null when a layer has another activation: DL4J's passes).
    private final INDArray gradient;
    private final DenseStack stack;
    // Scratch for polyak().
    private float[] polyakTarget;
    private float[] polyakSource;

    /** Wraps an initialized network whose last layer is a dense layer (for example a restored one). */
    public Mlp(MultiLayerNetwork net) {
        NativeThreads.configure();
        this.net = net;
        this.inputSize = (int) net.layerInputSize(0);
        this.outputSize = (int) net.layerSize(net.getnLayers() - 1);
        INDArray flat = Nd4j.create(DataType.FLOAT, 1, net.params().length());
        this.stack = DenseStack.of(java.util.Arrays.asList(net.getLayers()), net.params(), flat);
        this.gradient = stack != null ? flat : null;
    }

    /**
     * A new MLP {@code inputSize -> hidden... -> outputSize} with {@code activation} on the hidden layers and an
     * identity output (squashing, if any, is the algorithm's business: its derivative belongs in the loss).
     */
    public static Mlp create(int inputSize, int[] hidden, int outputSize, Activation activation, Random rng) {
        NativeThreads.configure();
        NeuralNetConfiguration.ListBuilder builder = new NeuralNetConfiguration.Builder()
                .dataType(DataType.FLOAT)
                .list();
        int in = inputSize;
        for (int width : hidden) {
            builder.layer(new DenseLayer.Builder().nIn(in).nOut(width).activation(activation).build());
            in = width;
        }
        builder.layer(new DenseLayer.Builder().nIn(in).nOut(outputSize).activation(Activation.IDENTITY).build());
        MultiLayerConfiguration configuration = builder.build();
        MultiLayerNetwork net = new MultiLayerNetwork(configuration);
        net.init();
        for (int l = 0; l < net.getnLayers(); l++) {
            INDArray w = net.getLayer(l).getParam("W");
            double bound = 1 / Math.sqrt(w.size(0));
            fillUniform(w, bound, rng);
            fillUniform(net.getLayer(l).getParam("b"), bound, rng);
        }
        return new Mlp(net);
    }

    private static void fillUniform(INDArray target, double bound, Random rng) {
        float[] values = new float[(int) target.length()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
        }
        target.assign(HostArrays.toArray(values, target.shape()));
    }

    /** Scales the last layer's weights and biases by {@code factor} (small initial outputs, e.g. SAC's log std). */
    public Mlp scaleOutputLayer(double factor) {
        net.getLayer(net.getnLayers() - 1).getParam("W").muli(factor);
        net.getLayer(net.getnLayers() - 1).getParam("b").muli(factor);
        return this;
    }

    public int inputSize() {
        return inputSize;
    }

    public int outputSize() {
        return outputSize;
    }

    /** Inference for a batch [rows, inputSize]: the outputs [rows, outputSize] row-major. */
    public float[] predict(INDArray input) {
        if (stack == null) {
            return HostArrays.toFloats(net.output(input, false));
        }
        return stack.predict(HostArrays.toFloats(input), (int) input.size(0));
    }

    /** Inference on a row-major Java batch. */
    public float[] predict(float[] input, int rows) {
        if (stack == null) {
            return predict(HostArrays.toArray(input, rows, inputSize));
        }
        return stack.predict(input, rows);
    }

    /** A training forward pass that keeps the activations {@link #backward} needs. */
    public float[] forward(float[] input, int rows) {
        if (stack == null) {
            net.setInput(HostArrays.toArray(input, rows, inputSize));
            java.util.List<INDArray> activations = net.feedForward(true, false);
            return HostArrays.toFloats(activations.get(activations.size() - 1));
        }
        return stack.forward(input, rows);
    }

    /**
     * Back-propagates dLoss/dOutput ([rows, outputSize] row-major) from the last {@link #forward}.
     * The parameter gradient is the network's gradient view: use it (or dup it) before the next backward.
     */
    public Gradients backward(float[] outputGradient) {
        if (stack == null) {
            int rows = outputGradient.length / outputSize;
            Pair<Gradient, INDArray> result = net.backpropGradient(HostArrays.toArray(outputGradient, rows, outputSize),
                    LayerWorkspaceMgr.noWorkspaces());
            return new Gradients(result.getFirst().gradient(), HostArrays.toFloats(result.getSecond()));
        }
        float[] input = stack.backprop(outputGradient, true, true);
        return new Gradients(gradient, input);
    }

    /**
     * dLoss/dParams only (no input gradient): what a regression step or an actor step needs, one gemm fewer than
     * {@link #backward}. The gradient view, like {@code backward(...).params()}.
     */
    public INDArray parameterGradient(float[] outputGradient) {
        if (stack == null) {
            return backward(outputGradient).params();
        }
        stack.backprop(outputGradient, true, false);
        return gradient;
    }

    /**
     * dLoss/dInput only (no parameter gradient): what the actor losses of DDPG, TD3 and SAC need from a critic,
     * at half the cost of {@link #backward}.
     */
    public float[] inputGradient(float[] outputGradient) {
        return stack == null ? backward(outputGradient).input() : stack.backprop(outputGradient, false, true);
    }

    /** All weights as one flat vector; updating it in place updates the network. */
    public INDArray params() {
        return net.params();
    }

    /** A new network with the same architecture and a copy of the weights (a target network). */
    public Mlp copy() {
        return new Mlp(net.clone());
    }

    /** Overwrites this network's weights with {@code source}'s. */
    public void copyFrom(Mlp source) {
        net.params().assign(source.net.params());
    }

    /** Polyak averaging, in place: theta_this = tau * theta_source + (1 - tau) * theta_this. */
    public void polyak(Mlp source, double tau) {
        INDArray target = net.params();
        INDArray from = source.net.params();
        if (target.length() != from.length()) {
            throw new IllegalArgumentException("polyak between networks of " + target.length() + " and "
                    + from.length() + " parameters");
        }
        // One loop over heap copies, in float like ND4J's own scalar ops: t = t * (1 - tau) + s * tau.
        if (polyakTarget == null) {
            polyakTarget = new float[(int) target.length()];
            polyakSource = new float[(int) target.length()];
        }
        FloatPointer t = Sgemm.pointer(target);
        Sgemm.pointer(from).get(polyakSource, 0, polyakSource.length);
        t.get(polyakTarget, 0, polyakTarget.length);
        float keep = (float) (1 - tau);
        float take = (float) tau;
        for (int i = 0; i < polyakTarget.length; i++) {
            polyakTarget[i] = polyakTarget[i] * keep + polyakSource[i] * take;
        }
        t.put(polyakTarget, 0, polyakTarget.length);
    }

    /** The DL4J network (for saving with ModelSerializer). */
    public MultiLayerNetwork network() {
        return net;
    }
}
