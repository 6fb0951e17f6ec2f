package org.gymbridge.agents.nn;

import java.io.Serializable;
import java.util.Arrays;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.spaces.Box;
import org.gymbridge.spaces.Space;
import org.gymbridge.tensor.DType;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Nature-DQN convolutional encoder (Mnih et al. 2015: 32 8x8/4, 64 4x4/2, 64 3x3/1, ReLU, then a dense
 * ReLU layer) for image observations, and the conversion of the bridge's frames into its input.
 *
 * <p>Frames arrive from the bridge as rows in the space's C order: {@code [H, W, C]} (Crafter's 64x64x3, a
 * MineRL {@code pov}) or {@code [S, H, W, C]} when the server stacks frames
 * ({@code ?wrappers=FrameStackObservation(stack_size=4)} stacks on a new leading axis). DL4J's convolutions
 * want channels first, so {@link #toInput} transposes each row to {@code [S*C, H, W]} (stacked frames become
 * channels: channel {@code s*C + c}) and scales uint8 values to [0, 1] — once per batch, on the Java side,
 * so that the wire carries 1 byte per pixel instead of 4.
 *
 * @param stack    frames stacked on the leading axis (1 without frame stacking)
 * @param height   frame height
 * @param width    frame width
 * @param channels channels per frame (3 for RGB)
 * @param scale    multiplies every input value (1/255 for uint8 frames)
 */
public record ConvEncoder(int stack, int height, int width, int channels, float scale) implements Serializable {

    /** Width of the dense layer after the convolutions (Nature DQN, CleanRL's ppo_atari). */
    public static final int FEATURES = 512;

    public ConvEncoder {
        if (stack < 1 || height < 36 || width < 36 || channels < 1) {
            throw new IllegalArgumentException("the Nature CNN needs frames of at least 36x36 (it shrinks them by"
                    + " 8x8/4, 4x4/2, 3x3/1), got stack " + stack + ", " + height + "x" + width + "x" + channels);
        }
    }

    /**
     * Whether {@code space} is an image the encoder takes: a uint8 Box of shape [H, W, C] or [S, H, W, C] with
     * at most 4 channels per frame and frames of at least 36x36.
     */
    public static boolean isImage(Space space) {
        if (!(space instanceof Box box) || box.dtype() != DType.UINT8) {
            return false;
        }
        long[] s = box.shape();
        int r = s.length;
        return (r == 3 || r == 4) && s[r - 1] >= 1 && s[r - 1] <= 4 && s[r - 2] >= 36 && s[r - 3] >= 36;
    }

    /**
     * The encoder for an image observation space (see {@link #isImage}); uint8 frames are scaled by 1/255.
     *
     * @throws IllegalArgumentException naming the space when it is not an image
     */
    public static ConvEncoder forSpace(Space space) {
        if (!isImage(space)) {
            throw new IllegalArgumentException("the CNN encoder needs image observations: a uint8 Box [H, W, C] or"
                    + " [S, H, W, C] (frames >= 36x36, C <= 4), got " + space + "; use encoder: mlp for other spaces");
        }
        return ofShape(((Box) space).shape());
    }

    /**
     * The encoder for frames of shape [H, W, C] or stacked [S, H, W, C], scaling values by 1/255.
     *
     * @throws IllegalArgumentException for another rank or frames smaller than 36x36
     */
    public static ConvEncoder ofShape(long[] s) {
        int r = s.length;
        if (r != 3 && r != 4) {
            throw new IllegalArgumentException("image frames are [H, W, C] or stacked [S, H, W, C], got shape "
                    + Arrays.toString(s));
        }
        return new ConvEncoder(r == 4 ? (int) s[0] : 1, (int) s[r - 3], (int) s[r - 2], (int) s[r - 1], 1f / 255f);
    }

    /** Input channels of the first convolution: stacked frames times their channels. */
    public int inputChannels() {
        return stack * channels;
    }

    /** Values per observation. */
    public int size() {
        return stack * height * width * channels;
    }

    /**
     * Network input for a batch of raw observation rows [n, size] (space C order): each row transposed to
     * channels-first and scaled, as one [n, size] float array.
     */
    public INDArray toInput(INDArray rows) {
        float[] raw = HostArrays.toFloats(rows);
        int n = raw.length / size();
        if (raw.length != n * size()) {
            throw new IllegalArgumentException("observation batch of " + raw.length + " values is not a whole number of "
                    + Arrays.toString(new int[] {stack, height, width, channels}) + " frames");
        }
        return HostArrays.toArray(toInput(raw, n), n, size());
    }

    /** {@link #toInput(INDArray)} on host arrays. */
    public float[] toInput(float[] raw, int n) {
        float[] out = new float[raw.length];
        int plane = height * width;
        int frame = plane * channels;
        for (int r = 0; r < n; r++) {
            int base = r * size();
            for (int s = 0; s < stack; s++) {
                int src = base + s * frame;
                int dst = base + s * channels * plane;
                for (int p = 0; p < plane; p++) {          // p = y * width + x
                    for (int c = 0; c < channels; c++) {
                        out[dst + c * plane + p] = raw[src + p * channels + c] * scale;
                    }
                }
            }
        }
        return out;
    }

    /**
     * Adds the encoder's layers to {@code builder} after {@code input} (a flat channels-first input) and sets
     * the input type; returns the name of the last layer (the {@link #FEATURES}-wide ReLU features).
     */
    public String addLayers(ComputationGraphConfiguration.GraphBuilder builder, String input, String prefix) {
        builder.addLayer(prefix + "conv0", new ConvolutionLayer.Builder(8, 8).stride(4, 4).nOut(32)
                .activation(Activation.RELU).build(), input);
        builder.addLayer(prefix + "conv1", new ConvolutionLayer.Builder(4, 4).stride(2, 2).nOut(64)
                .activation(Activation.RELU).build(), prefix + "conv0");
        builder.addLayer(prefix + "conv2", new ConvolutionLayer.Builder(3, 3).stride(1, 1).nOut(64)
                .activation(Activation.RELU).build(), prefix + "conv1");
        builder.addLayer(prefix + "features", new DenseLayer.Builder().nOut(FEATURES).activation(Activation.RELU)
                .build(), prefix + "conv2");
        builder.setInputTypes(InputType.convolutionalFlat(height, width, inputChannels()));
        return prefix + "features";
    }

    /** The names of the layers {@link #addLayers} adds (for initialization). */
    public static String[] layerNames(String prefix) {
        return new String[] {prefix + "conv0", prefix + "conv1", prefix + "conv2", prefix + "features"};
    }
}
