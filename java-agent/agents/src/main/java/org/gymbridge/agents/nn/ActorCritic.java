package org.gymbridge.agents.nn;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.NativeThreads;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Separate policy and value MLPs over the same observation, in one DL4J ComputationGraph so that a single
 * forward pass gives both outputs for a whole batch (CleanRL's {@code Agent}: two tanh MLPs, orthogonal
 * init with gain sqrt(2), 0.01 for the policy output and 1 for the value output).
 *
 * <p>Both outputs are plain identity layers, not DL4J output layers: the RL loss is not one of DL4J's
 * losses, so agents compute dLoss/dOutput themselves and call {@link #backward}, which returns the flat
 * gradient aligned with {@link #params()}.
 *
 * <p>Creating one limits ND4J to {@link NativeThreads one native thread} unless configured otherwise.
 */
public final class ActorCritic {

    /**
     * Network outputs for a batch, copied to Java arrays: policy parameters [batch, policySize] row-major
     * and values [batch]. Agents do the per-sample math on these (cheaper than ND4J ops at this size).
     */
    public record Output(float[] policy, float[] value) {
    }

    private static final String INPUT = "observation";
    private static final String POLICY = "policy";
    private static final String VALUE = "value";
    private static final String CNN = "cnn_";

    private final ComputationGraph graph;
    // The direct passes (see DenseStack, ConvStack) and their flat gradient; null for graphs of other layers, which
    // keep DL4J's passes. The policy and value stacks are the MLP towers, or the CNN's two output layers after its
    // convolutions and its features layer (the trunk).
    private final DenseStack policyStack;
    private final DenseStack valueStack;
    private final ConvStack convolutions;
    private final DenseStack trunk;
    private final INDArray gradient;

    /** Wraps an existing graph built by {@link #create} (for example one restored from a checkpoint). */
    public ActorCritic(ComputationGraph graph) {
        NativeThreads.configure();
        if (!graph.getConfiguration().getNetworkOutputs().equals(java.util.List.of(POLICY, VALUE))) {
            throw new IllegalArgumentException("not an actor-critic graph: outputs "
                    + graph.getConfiguration().getNetworkOutputs() + ", expected [policy, value]");
        }
        this.graph = graph;
        INDArray flat = Nd4j.create(DataType.FLOAT, 1, graph.params().length());
        DenseStack policy = tower(graph, "policy_", POLICY, flat);
        DenseStack value = tower(graph, "value_", VALUE, flat);
        ConvStack convs = null;
        DenseStack features = null;
        if (policy == null || value == null) {
            convs = convolutions(graph, flat);
            features = convs == null ? null : single(graph, CNN + "features", flat);
            if (features != null && features.inputSize() == convs.outputSize()) {
                policy = single(graph, POLICY, flat);
                value = single(graph, VALUE, flat);
            }
        }
        boolean direct = policy != null && value != null;
        this.policyStack = direct ? policy : null;
        this.valueStack = direct ? value : null;
        this.convolutions = direct ? convs : null;
        this.trunk = direct ? features : null;
        this.gradient = direct ? flat : null;
    }

    private static DenseStack single(ComputationGraph graph, String layer, INDArray gradient) {
        return DenseStack.of(java.util.List.of(graph.getLayer(layer)), graph.params(), gradient);
    }

    /**
     * The direct passes of the CNN's convolutions when the graph is exactly {@link #createCnn}'s layers (the encoder's
     * convolutions and features layer, the policy and value outputs); else null.
     */
    private static ConvStack convolutions(ComputationGraph graph, INDArray gradient) {
        String[] trunk = ConvEncoder.layerNames(CNN);
        java.util.Set<String> expected = new java.util.HashSet<>(java.util.Arrays.asList(trunk));
        expected.addAll(java.util.List.of(POLICY, VALUE));
        if (!graph.getConfiguration().getVertices().keySet().equals(expected)
                || !(graph.getConfiguration().getVertices().get(trunk[0])
                        instanceof org.deeplearning4j.nn.conf.graph.LayerVertex first)
                || !(first.getPreProcessor()
                        instanceof org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor frames)) {
            return null;
        }
        java.util.List<org.deeplearning4j.nn.api.Layer> convs = new java.util.ArrayList<>();
        for (int l = 0; l < trunk.length - 1; l++) {
            convs.add(graph.getLayer(trunk[l]));
        }
        return ConvStack.of(convs, (int) frames.getNumChannels(), (int) frames.getInputHeight(),
                (int) frames.getInputWidth(), graph.params(), gradient);
    }

    /**
     * The direct passes of one MLP tower (prefix0, prefix1, ..., output) when those layers are all of the graph's
     * layers of that tower and the two towers hold every parameter; else null.
     */
    private static DenseStack tower(ComputationGraph graph, String prefix, String output, INDArray gradient) {
        java.util.Set<String> names = graph.getConfiguration().getVertices().keySet();
        java.util.List<org.deeplearning4j.nn.api.Layer> layers = new java.util.ArrayList<>();
        for (int l = 0; names.contains(prefix + l); l++) {
            layers.add(graph.getLayer(prefix + l));
        }
        layers.add(graph.getLayer(output));
        long covered = 0;
        for (String name : names) {
            if (name.startsWith("policy") || name.startsWith("value")) {
                covered += graph.getLayer(name).numParams();
            }
        }
        if (covered != graph.params().length()) {
            return null;
        }
        return DenseStack.of(layers, graph.params(), gradient);
    }

    /**
     * A new network with orthogonally initialized weights drawn from {@code rng}.
     *
     * @param inputSize  observation features
     * @param policySize width of the policy output (the action distribution's parameters)
     * @param hidden     hidden layer widths, the same for both MLPs (CleanRL: 64, 64)
     */
    public static ActorCritic create(int inputSize, int policySize, int[] hidden, Random rng) {
        NativeThreads.configure();
        ComputationGraphConfiguration.GraphBuilder builder = new NeuralNetConfiguration.Builder()
                .dataType(DataType.FLOAT)
                .graphBuilder()
                .addInputs(INPUT);
        String policyIn = addHidden(builder, "policy_", INPUT, inputSize, hidden);
        String valueIn = addHidden(builder, "value_", INPUT, inputSize, hidden);
        int last = hidden.length == 0 ? inputSize : hidden[hidden.length - 1];
        builder.addLayer(POLICY, dense(last, policySize, Activation.IDENTITY), policyIn);
        builder.addLayer(VALUE, dense(last, 1, Activation.IDENTITY), valueIn);
        ComputationGraph graph = new ComputationGraph(builder.setOutputs(POLICY, VALUE).build());
        graph.init();

        // Orthogonal init as in CleanRL's layer_init: it matters for PPO (a near-uniform initial policy).
        for (int l = 0; l < hidden.length; l++) {
            orthogonal(graph, "policy_" + l, Math.sqrt(2), rng);
            orthogonal(graph, "value_" + l, Math.sqrt(2), rng);
        }
        orthogonal(graph, POLICY, 0.01, rng);
        orthogonal(graph, VALUE, 1.0, rng);
        return new ActorCritic(graph);
    }

    /**
     * A new network for image observations: the Nature-DQN {@link ConvEncoder} as one trunk shared by a linear
     * policy output and a linear value output (CleanRL's ppo_atari {@code Agent}), orthogonally initialized
     * (gain sqrt(2) for the trunk, 0.01 for the policy, 1 for the value) from {@code rng}. Its input is the
     * encoder's {@link ConvEncoder#toInput channels-first, scaled} rows.
     */
    public static ActorCritic createCnn(ConvEncoder encoder, int policySize, Random rng) {
        NativeThreads.configure();
        ComputationGraphConfiguration.GraphBuilder builder = new NeuralNetConfiguration.Builder()
                .dataType(DataType.FLOAT)
                .graphBuilder()
                .addInputs(INPUT);
        String features = encoder.addLayers(builder, INPUT, CNN);
        builder.addLayer(POLICY, dense(ConvEncoder.FEATURES, policySize, Activation.IDENTITY), features);
        builder.addLayer(VALUE, dense(ConvEncoder.FEATURES, 1, Activation.IDENTITY), features);
        ComputationGraph graph = new ComputationGraph(builder.setOutputs(POLICY, VALUE).build());
        graph.init();
        for (String layer : ConvEncoder.layerNames(CNN)) {
            orthogonal(graph, layer, Math.sqrt(2), rng);
        }
        orthogonal(graph, POLICY, 0.01, rng);
        orthogonal(graph, VALUE, 1.0, rng);
        return new ActorCritic(graph);
    }

    private static String addHidden(ComputationGraphConfiguration.GraphBuilder builder, String prefix,
                                    String input, int inputSize, int[] hidden) {
        String previous = input;
        int in = inputSize;
        for (int l = 0; l < hidden.length; l++) {
            builder.addLayer(prefix + l, dense(in, hidden[l], Activation.TANH), previous);
            previous = prefix + l;
            in = hidden[l];
        }
        return previous;
    }

    private static DenseLayer dense(int in, int out, Activation activation) {
        return new DenseLayer.Builder().nIn(in).nOut(out).activation(activation).build();
    }

    /**
     * Sets layer W to gain * a random (semi-)orthogonal matrix and b to 0, like torch.nn.init.orthogonal_.
     * A convolution's W [out, in, kh, kw] is treated as the matrix [out, in*kh*kw], as torch flattens it.
     */
    private static void orthogonal(ComputationGraph graph, String layer, double gain, Random rng) {
        INDArray w = graph.getLayer(layer).getParam("W");
        long[] shape = w.shape();
        int rows = (int) w.size(0);
        int cols = (int) (w.length() / rows);
        // Gram-Schmidt on the columns of a tall Gaussian matrix gives orthonormal columns (the Q of QR).
        int tall = Math.max(rows, cols);
        int wide = Math.min(rows, cols);
        double[][] q = new double[wide][tall];
        for (int c = 0; c < wide; c++) {
            for (int r = 0; r < tall; r++) {
                q[c][r] = rng.nextGaussian();
            }
            for (int p = 0; p < c; p++) {
                double dot = 0;
                for (int r = 0; r < tall; r++) {
                    dot += q[c][r] * q[p][r];
                }
                for (int r = 0; r < tall; r++) {
                    q[c][r] -= dot * q[p][r];
                }
            }
            double norm = Math.sqrt(Arrays.stream(q[c]).map(x -> x * x).sum());
            for (int r = 0; r < tall; r++) {
                q[c][r] /= norm;
            }
        }
        float[] values = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                values[r * cols + c] = (float) (gain * (rows >= cols ? q[c][r] : q[r][c]));
            }
        }
        w.assign(Nd4j.create(values, shape, DataType.FLOAT));
        graph.getLayer(layer).getParam("b").assign(0);
    }

    /** Inference: one forward pass for the whole batch. */
    public Output predict(INDArray observations) {
        if (policyStack != null) {
            float[] x = HostArrays.toFloats(observations);
            int rows = (int) observations.size(0);
            if (convolutions != null) {
                x = trunk.predict(convolutions.predict(x, rows), rows);
            }
            return new Output(policyStack.predict(x, rows), valueStack.predict(x, rows));
        }
        INDArray[] out = graph.output(false, observations);
        return new Output(HostArrays.toFloats(out[0]), HostArrays.toFloats(out[1]));
    }

    /** A training forward pass that keeps the activations {@link #backward} needs. */
    public Output forward(INDArray observations) {
        if (policyStack != null) {
            float[] x = HostArrays.toFloats(observations);
            int rows = (int) observations.size(0);
            if (convolutions != null) {
                x = trunk.forward(convolutions.forward(x, rows), rows);
            }
            return new Output(policyStack.forward(x, rows), valueStack.forward(x, rows));
        }
        Map<String, INDArray> activations = graph.feedForward(new INDArray[] {observations}, true, false);
        return new Output(HostArrays.toFloats(activations.get(POLICY)), HostArrays.toFloats(activations.get(VALUE)));
    }

    /**
     * Back-propagates external errors from the last {@link #forward} call.
     *
     * @param policyGradient dLoss/dPolicy, [batch, policySize] row-major
     * @param valueGradient  dLoss/dValue, [batch]
     * @return dLoss/dParams, flat and aligned with {@link #params()}
     */
    public INDArray backward(float[] policyGradient, float[] valueGradient) {
        if (policyStack != null) {
            boolean cnn = convolutions != null;
            float[] features = policyStack.backprop(policyGradient, true, cnn);
            float[] fromValue = valueStack.backprop(valueGradient, true, cnn);
            if (cnn) {
                for (int i = 0; i < features.length; i++) {
                    features[i] += fromValue[i];
                }
                convolutions.backprop(trunk.backprop(features, true, true));
            }
            return gradient;
        }
        int batch = valueGradient.length;
        return graph.backpropGradient(HostArrays.toArray(policyGradient, batch, policyGradient.length / batch),
                HostArrays.toArray(valueGradient, batch, 1)).gradient();
    }


    /** Whether the passes run directly on the weights (DenseStack, ConvStack) rather than through DL4J's graph. */
    boolean directPasses() {
        return policyStack != null;
    }

    /** All weights as one flat vector; updating it in place updates the network. */
    public INDArray params() {
        return graph.params();
    }

    /** The DL4J graph (for saving). */
    public ComputationGraph graph() {
        return graph;
    }
}
