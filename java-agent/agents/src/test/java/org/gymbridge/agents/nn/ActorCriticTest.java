package org.gymbridge.agents.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.gymbridge.agents.core.HostArrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ActorCriticTest {

    @Test
    void sameSeedGivesSameWeights() {
        INDArray a = ActorCritic.create(4, 2, new int[] {16, 16}, new Random(5)).params().dup();
        INDArray b = ActorCritic.create(4, 2, new int[] {16, 16}, new Random(5)).params().dup();
        INDArray c = ActorCritic.create(4, 2, new int[] {16, 16}, new Random(6)).params().dup();
        assertEquals(a, b);
        assertTrue(!a.equals(c));
    }

    @Test
    void hiddenWeightsAreOrthogonalWithGainSqrtTwo() {
        ActorCritic net = ActorCritic.create(4, 2, new int[] {8, 8}, new Random(1));
        INDArray w = net.graph().getLayer("policy_1").getParam("W").castTo(DataType.DOUBLE);   // 8 x 8
        INDArray gram = w.transpose().mmul(w).divi(2.0);
        assertTrue(gram.equalsWithEps(Nd4j.eye(8).castTo(DataType.DOUBLE), 1e-5), gram.toString());
    }

    @Test
    void policyOutputStartsNearUniform() {
        // Gain 0.01 on the policy head: initial logits are tiny, the initial policy explores.
        ActorCritic net = ActorCritic.create(4, 2, new int[] {64, 64}, new Random(1));
        float[] logits = net.predict(Nd4j.rand(DataType.FLOAT, 32, 4).subi(0.5)).policy();
        for (float z : logits) {
            assertTrue(Math.abs(z) < 0.1, "logit " + z);
        }
    }

    @Test
    void backwardIsTheGradientOfTheOutputsAlignedWithParams() {
        // For L = sum(policy * P) + sum(value * V), dL/dparams must match central differences.
        ActorCritic net = ActorCritic.create(3, 2, new int[] {5}, new Random(2));
        INDArray obs = Nd4j.rand(DataType.FLOAT, 6, 3).subi(0.5).muli(2);
        float[] p = HostArrays.toFloats(Nd4j.rand(DataType.FLOAT, 6, 2).subi(0.5));
        float[] v = HostArrays.toFloats(Nd4j.rand(DataType.FLOAT, 6).subi(0.5));
        net.forward(obs);
        INDArray gradient = net.backward(p, v).dup();
        INDArray params = net.params();
        double h = 1e-2;
        int checked = 0;
        for (int k = 0; k < params.length(); k++) {
            double original = params.getDouble(k);
            params.putScalar(k, original + h);
            double plus = loss(net, obs, p, v);
            params.putScalar(k, original - h);
            double minus = loss(net, obs, p, v);
            params.putScalar(k, original);
            double numeric = (plus - minus) / (2 * h);
            assertEquals(numeric, gradient.getDouble(k), 2e-3 + 0.02 * Math.abs(numeric), "parameter " + k);
            checked++;
        }
        assertEquals(params.length(), checked);
    }

    @Test
    void directPassesEqualDl4jGraphPasses() {
        ActorCritic net = ActorCritic.create(4, 3, new int[] {8, 6}, new Random(4));
        assertTrue(net.directPasses());
        INDArray obs = Nd4j.rand(DataType.FLOAT, 5, 4).subi(0.5).muli(4);
        float[] p = HostArrays.toFloats(Nd4j.rand(DataType.FLOAT, 5, 3).subi(0.5));
        float[] v = HostArrays.toFloats(Nd4j.rand(DataType.FLOAT, 5).subi(0.5));
        ActorCritic.Output out = net.forward(obs);
        float[] gradient = HostArrays.toFloats(net.backward(p, v));

        java.util.Map<String, INDArray> acts = net.graph().feedForward(new INDArray[] {obs}, true, false);
        float[] reference = HostArrays.toFloats(net.graph().backpropGradient(HostArrays.toArray(p, 5, 3),
                HostArrays.toArray(v, 5, 1)).gradient());
        org.junit.jupiter.api.Assertions.assertArrayEquals(HostArrays.toFloats(acts.get("policy")), out.policy(), 1e-5f);
        org.junit.jupiter.api.Assertions.assertArrayEquals(HostArrays.toFloats(acts.get("value")), out.value(), 1e-5f);
        org.junit.jupiter.api.Assertions.assertArrayEquals(reference, gradient, 1e-5f);
        org.junit.jupiter.api.Assertions.assertArrayEquals(out.policy(), net.predict(obs).policy());
    }

    @Test
    void cnnDirectPassesEqualDl4jGraphPasses() {
        // Two stacked 2-channel frames of 40x44: non-square, and both convolutions truncate a border.
        cnnDirectPassesEqualDl4jGraphPasses(new ConvEncoder(2, 40, 44, 2, 1f / 255f), 3);
    }

    @Test
    void cnnDirectPassesEqualDl4jGraphPassesOverSeveralChunksOfFrames() {
        // Crafter's 64x64x3: the first layer's patches come in chunks of 3 frames, so 7 frames make 3, 3 and 1.
        cnnDirectPassesEqualDl4jGraphPasses(new ConvEncoder(1, 64, 64, 3, 1f / 255f), 7);
    }

    private static void cnnDirectPassesEqualDl4jGraphPasses(ConvEncoder enc, int rows) {
        ActorCritic net = ActorCritic.createCnn(enc, 5, new Random(3));
        assertTrue(net.directPasses());
        assertTrue(new ActorCritic(net.graph()).directPasses(), "a restored graph gets the direct passes too");
        INDArray obs = enc.toInput(randomFrames(enc, rows, new Random(4)));
        float[] p = HostArrays.toFloats(Nd4j.rand(DataType.FLOAT, rows, 5).subi(0.5));
        float[] v = HostArrays.toFloats(Nd4j.rand(DataType.FLOAT, rows).subi(0.5));
        ActorCritic.Output out = net.forward(obs);
        float[] gradient = HostArrays.toFloats(net.backward(p, v));

        java.util.Map<String, INDArray> acts = net.graph().feedForward(new INDArray[] {obs}, true, false);
        float[] reference = HostArrays.toFloats(net.graph().backpropGradient(HostArrays.toArray(p, rows, 5),
                HostArrays.toArray(v, rows, 1)).gradient());
        org.junit.jupiter.api.Assertions.assertArrayEquals(HostArrays.toFloats(acts.get("policy")), out.policy(), 1e-5f);
        org.junit.jupiter.api.Assertions.assertArrayEquals(HostArrays.toFloats(acts.get("value")), out.value(), 1e-5f);
        org.junit.jupiter.api.Assertions.assertArrayEquals(reference, gradient, 1e-5f);
        org.junit.jupiter.api.Assertions.assertArrayEquals(out.policy(), net.predict(obs).policy());
        ActorCritic twin = ActorCritic.createCnn(enc, 5, new Random(3));
        twin.forward(obs);
        org.junit.jupiter.api.Assertions.assertArrayEquals(gradient, HostArrays.toFloats(twin.backward(p, v)),
                "same seed, same input: the same gradient bits");
        int firstWeights = 32 * enc.stack() * enc.channels() * 8 * 8;
        long nonZero = java.util.stream.IntStream.range(0, firstWeights).filter(i -> gradient[32 + i] != 0).count();
        assertTrue(nonZero > firstWeights / 2, "gradient reaches the first convolution's weights: " + nonZero);
    }

    @Test
    void cnnBackwardIsTheGradientOfTheOutputsAlignedWithParams() {
        ConvEncoder enc = new ConvEncoder(1, 37, 36, 1, 1f / 255f);
        ActorCritic net = ActorCritic.createCnn(enc, 3, new Random(5));
        int rows = 2;
        INDArray obs = enc.toInput(randomFrames(enc, rows, new Random(6)));
        float[] p = HostArrays.toFloats(Nd4j.rand(DataType.FLOAT, rows, 3).subi(0.5));
        float[] v = HostArrays.toFloats(Nd4j.rand(DataType.FLOAT, rows).subi(0.5));
        net.forward(obs);
        INDArray gradient = net.backward(p, v).dup();
        INDArray params = net.params();
        double h = 1e-3;
        int checked = 0;
        // Every 53rd parameter: ~2,000 of the ~105k, in every layer (weights and biases).
        for (int k = 0; k < params.length(); k += 53) {
            double original = params.getDouble(k);
            params.putScalar(k, original + h);
            double plus = loss(net, obs, p, v);
            params.putScalar(k, original - h);
            double minus = loss(net, obs, p, v);
            params.putScalar(k, original);
            double numeric = (plus - minus) / (2 * h);
            assertEquals(numeric, gradient.getDouble(k), 2e-3 + 0.02 * Math.abs(numeric), "parameter " + k);
            checked++;
        }
        assertTrue(checked > 1900, "checked " + checked);
    }

    private static INDArray randomFrames(ConvEncoder enc, int rows, Random r) {
        float[] frames = new float[rows * enc.size()];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = r.nextInt(256);
        }
        return HostArrays.toArray(frames, rows, enc.size());
    }

    private static double loss(ActorCritic net, INDArray obs, float[] p, float[] v) {
        ActorCritic.Output out = net.predict(obs);
        double total = 0;
        for (int k = 0; k < p.length; k++) {
            total += (double) out.policy()[k] * p[k];
        }
        for (int k = 0; k < v.length; k++) {
            total += (double) out.value()[k] * v[k];
        }
        return total;
    }
}
