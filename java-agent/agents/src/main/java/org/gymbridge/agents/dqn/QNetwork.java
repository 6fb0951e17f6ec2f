package org.gymbridge.agents.dqn;

import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.NativeThreads;
import org.gymbridge.agents.nn.ConvEncoder;
import org.gymbridge.agents.nn.Mlp;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Q-network of {@link Dqn}: a DL4J MultiLayerNetwork with an identity output of one value per action (or
 * 1 + actions for the dueling head, combined by {@link Dqn}), trained with external errors like the other
 * agents. Two bodies:
 * <ul>
 *   <li>MLP: ReLU dense layers over the flat observation;</li>
 *   <li>CNN: the Nature-DQN convolutions (32 8x8/4, 64 4x4/2, 64 3x3/1, dense 512) over image
 *       observations [H, W, C] or stacked [S, H, W, C]; rows arrive flat in C order from the bridge and
 *       {@link ConvEncoder#toInput} scales them by 1/255 and makes them channels-first (the same conversion
 *       as PPO's CNN).</li>
 * </ul>
 * Weights start like PyTorch's default (uniform +-1/sqrt(fan in)), drawn from the agent's Random.
 */
final class QNetwork {

    private final MultiLayerNetwork net;
    private final int inputSize;
    private final int outputs;
    private final ConvEncoder image;    // the CNN's frames, null for the MLP
    private final Mlp dense;            // the MLP body's direct passes on the same weights, null for the CNN

    private QNetwork(MultiLayerNetwork net, int inputSize, int outputs, ConvEncoder image) {
        NativeThreads.configure();
        this.net = net;
        this.inputSize = inputSize;
        this.outputs = outputs;
        this.image = image;
        this.dense = image == null ? new Mlp(net) : null;
    }

    static QNetwork mlp(int inputSize, int[] hidden, int outputs, Random rng) {
        NativeThreads.configure();
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list();
        int in = inputSize;
        for (int width : hidden) {
            b.layer(new DenseLayer.Builder().nIn(in).nOut(width).activation(Activation.RELU).build());
            in = width;
        }
        b.layer(new DenseLayer.Builder().nIn(in).nOut(outputs).activation(Activation.IDENTITY).build());
        return init(new MultiLayerNetwork(b.build()), inputSize, outputs, null, rng);
    }

    static QNetwork cnn(ConvEncoder encoder, int outputs, Random rng) {
        NativeThreads.configure();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
                .layer(new ConvolutionLayer.Builder(8, 8).stride(4, 4).nOut(32).activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(4, 4).stride(2, 2).nOut(64).activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(3, 3).stride(1, 1).nOut(64).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(512).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(outputs).activation(Activation.IDENTITY).build())
                .setInputType(InputType.convolutionalFlat(encoder.height(), encoder.width(), encoder.inputChannels()))
                .build();
        return init(new MultiLayerNetwork(conf), encoder.size(), outputs, encoder, rng);
    }

    private static QNetwork init(MultiLayerNetwork net, int inputSize, int outputs, ConvEncoder image, Random rng) {
        net.init();
        for (int l = 0; l < net.getnLayers(); l++) {
            INDArray w = net.getLayer(l).getParam("W");
            double fanIn = w.length() / (double) (w.rank() == 2 ? w.size(1) : w.size(0));
            double bound = 1 / Math.sqrt(fanIn);
            fill(w, bound, rng);
            fill(net.getLayer(l).getParam("b"), bound, rng);
        }
        return new QNetwork(net, inputSize, outputs, image);
    }

    private static void fill(INDArray target, double bound, Random rng) {
        float[] v = new float[(int) target.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
        }
        target.assign(HostArrays.toArray(v, target.shape()));
    }

    int outputs() {
        return outputs;
    }

    /** Network input for row-major observation rows (CNN: the encoder's scaled channels-first frames). */
    private INDArray input(float[] rows, int n) {
        return HostArrays.toArray(image == null ? rows : image.toInput(rows, n), n, inputSize);
    }

    /** Inference: outputs [n, outputs] row-major. */
    float[] predict(float[] rows, int n) {
        if (dense != null) {
            return dense.predict(rows, n);
        }
        return HostArrays.toFloats(net.output(input(rows, n), false));
    }

    /** Training forward pass (keeps activations for {@link #backward}). */
    float[] forward(float[] rows, int n) {
        if (dense != null) {
            return dense.forward(rows, n);
        }
        net.setInput(input(rows, n));
        List<INDArray> activations = net.feedForward(true, false);
        return HostArrays.toFloats(activations.get(activations.size() - 1));
    }

    /** dLoss/dParams (flat, aligned with {@link #params()}) from dLoss/dOutputs of the last forward. */
    INDArray backward(float[] outputGradient) {
        if (dense != null) {
            return dense.parameterGradient(outputGradient);
        }
        int n = outputGradient.length / outputs;
        return net.backpropGradient(HostArrays.toArray(outputGradient, n, outputs), LayerWorkspaceMgr.noWorkspaces())
                .getFirst().gradient();
    }

    INDArray params() {
        return net.params();
    }

    MultiLayerNetwork network() {
        return net;
    }

    QNetwork copy() {
        return new QNetwork(net.clone(), inputSize, outputs, image);
    }

    /** theta_this = tau theta_source + (1 - tau) theta_this (tau 1: a hard copy). */
    void softUpdate(QNetwork source, double tau) {
        if (tau >= 1) {
            net.params().assign(source.net.params());
        } else if (dense != null) {
            dense.polyak(source.dense, tau);
        } else {
            net.params().muli(1 - tau).addi(source.net.params().mul(tau));
        }
    }
}
