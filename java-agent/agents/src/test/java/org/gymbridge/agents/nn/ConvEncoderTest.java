package org.gymbridge.agents.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.spaces.Box;
import org.gymbridge.spaces.Discrete;
import org.gymbridge.tensor.DType;
import org.junit.jupiter.api.Test;

/** The Nature-CNN encoder: which spaces are images, the HWC -> CHW conversion, and the actor-critic it builds. */
class ConvEncoderTest {

    @Test
    void imagesAreUint8BoxesWithChannelsLastOptionallyStacked() {
        assertTrue(ConvEncoder.isImage(Box.of(0, 255, DType.UINT8, 64, 64, 3)));
        assertTrue(ConvEncoder.isImage(Box.of(0, 255, DType.UINT8, 4, 64, 64, 3)));
        assertFalse(ConvEncoder.isImage(Box.of(0, 1, DType.FLOAT32, 64, 64, 3)), "float frames");
        assertFalse(ConvEncoder.isImage(Box.of(0, 255, DType.UINT8, 64, 64)), "no channel axis");
        assertFalse(ConvEncoder.isImage(Box.of(0, 255, DType.UINT8, 16, 16, 3)), "too small for 8x8/4, 4x4/2, 3x3");
        assertFalse(ConvEncoder.isImage(new Discrete(17)));
        ConvEncoder stacked = ConvEncoder.forSpace(Box.of(0, 255, DType.UINT8, 4, 64, 64, 3));
        assertEquals(new ConvEncoder(4, 64, 64, 3, 1f / 255f), stacked);
        assertEquals(12, stacked.inputChannels());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConvEncoder.forSpace(Box.of(0, 1, DType.FLOAT32, 8)));
        assertTrue(e.getMessage().contains("encoder: mlp"), e.getMessage());
    }

    @Test
    void toInputTransposesStackedChannelsLastFramesToChannelsFirstAndScales() {
        ConvEncoder enc = new ConvEncoder(2, 36, 40, 3, 0.5f);
        int n = 2;
        float[] raw = new float[n * enc.size()];
        // value = a code of (row, stack, y, x, c), laid out as [n, S, H, W, C] in C order
        for (int r = 0; r < n; r++) {
            for (int s = 0; s < 2; s++) {
                for (int y = 0; y < 36; y++) {
                    for (int x = 0; x < 40; x++) {
                        for (int c = 0; c < 3; c++) {
                            raw[(((r * 2 + s) * 36 + y) * 40 + x) * 3 + c] = code(r, s, y, x, c);
                        }
                    }
                }
            }
        }
        float[] out = enc.toInput(raw, n);
        for (int r = 0; r < n; r++) {
            for (int s = 0; s < 2; s++) {
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < 36; y += 7) {
                        for (int x = 0; x < 40; x += 3) {
                            // channels first: channel s*C + c, then y, then x
                            int k = ((r * 6 + s * 3 + c) * 36 + y) * 40 + x;
                            assertEquals(0.5f * code(r, s, y, x, c), out[k], 0f);
                        }
                    }
                }
            }
        }
        assertArrayEquals(new long[] {n, enc.size()},
                enc.toInput(HostArrays.toArray(raw, n, enc.size())).shape());
    }

    private static float code(int r, int s, int y, int x, int c) {
        return r * 100_000 + s * 10_000 + y * 200 + x * 4 + c;
    }

    @Test
    void cnnActorCriticGivesPolicyAndValuePerSampleAndGradientsForAllParameters() {
        ConvEncoder enc = new ConvEncoder(1, 64, 64, 3, 1f / 255f);
        ActorCritic net = ActorCritic.createCnn(enc, 17, new Random(1));
        ActorCritic same = ActorCritic.createCnn(enc, 17, new Random(1));
        assertEquals(net.params(), same.params(), "init is a function of the Random");
        float[] frames = new float[3 * enc.size()];
        Random r = new Random(2);
        for (int i = 0; i < frames.length; i++) {
            frames[i] = r.nextInt(256);
        }
        ActorCritic.Output out = net.forward(enc.toInput(HostArrays.toArray(frames, 3, enc.size())));
        assertEquals(3 * 17, out.policy().length);
        assertEquals(3, out.value().length);
        // Orthogonal init with gain 0.01 on the policy output: near-uniform logits at the start (CleanRL).
        for (float logit : out.policy()) {
            assertTrue(Math.abs(logit) < 0.5, "initial logit " + logit);
        }
        float[] dPolicy = new float[3 * 17];
        java.util.Arrays.fill(dPolicy, 0.1f);
        float[] gradient = HostArrays.toFloats(net.backward(dPolicy, new float[] {1, 1, 1}));
        assertEquals(net.params().length(), gradient.length);
        // 32*3*8*8 + 32 + 64*32*4*4 + 64 + 64*64*3*3 + 64 + 1024*512 + 512 + 512*17 + 17 + 512 + 1
        assertEquals(6176 + 32832 + 36928 + 524800 + 8721 + 513, gradient.length);
        // Parameters are in layer order: the first convolution's 6,176 come first. ReLUs leave some zeros.
        long firstConv = java.util.stream.IntStream.range(0, 6176).filter(i -> gradient[i] != 0).count();
        assertTrue(firstConv > 6176 / 2, "gradient reaches the first convolution: " + firstConv + " of 6176");
    }
}
