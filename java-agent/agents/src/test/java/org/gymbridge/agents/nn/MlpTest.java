package org.gymbridge.agents.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.gymbridge.agents.core.HostArrays;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Mlp: external-error gradients (parameters and input) against finite differences; target-network helpers. */
class MlpTest {

    /** L = sum_i c_i * out_i for fixed c: dL/dout = c. */
    private static double loss(Mlp mlp, float[] x, int rows, float[] c) {
        float[] out = mlp.predict(x, rows);
        double l = 0;
        for (int i = 0; i < out.length; i++) {
            l += c[i] * out[i];
        }
        return l;
    }

    @Test
    void backwardGivesParameterAndInputGradientsThatMatchFiniteDifferences() {
        Random rng = new Random(3);
        Mlp mlp = Mlp.create(3, new int[] {5, 4}, 2, Activation.TANH, rng);
        int rows = 4;
        float[] x = new float[rows * 3];
        float[] c = new float[rows * 2];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        for (int i = 0; i < c.length; i++) {
            c[i] = (float) rng.nextGaussian();
        }
        mlp.forward(x, rows);
        Mlp.Gradients g = mlp.backward(c);
        float[] paramGrad = HostArrays.toFloats(g.params());
        float[] inputGrad = g.input().clone();
        assertEquals(mlp.params().length(), paramGrad.length);

        double h = 1e-2;
        for (int k = 0; k < x.length; k++) {
            float[] plus = x.clone();
            float[] minus = x.clone();
            plus[k] += (float) h;
            minus[k] -= (float) h;
            double numeric = (loss(mlp, plus, rows, c) - loss(mlp, minus, rows, c)) / (2 * h);
            assertEquals(numeric, inputGrad[k], 2e-3, "input gradient " + k);
        }
        float[] params = HostArrays.toFloats(mlp.params());
        for (int k = 0; k < params.length; k += 3) {
            float original = params[k];
            mlp.params().putScalar(k, original + h);
            double up = loss(mlp, x, rows, c);
            mlp.params().putScalar(k, original - h);
            double down = loss(mlp, x, rows, c);
            mlp.params().putScalar(k, original);
            assertEquals((up - down) / (2 * h), paramGrad[k], 2e-3, "parameter gradient " + k);
        }
    }

    @Test
    void gradientsEqualDl4jBackpropForReluAndTanh() {
        for (Activation activation : new Activation[] {Activation.RELU, Activation.TANH}) {
            Random rng = new Random(5);
            Mlp mlp = Mlp.create(7, new int[] {16, 9}, 3, activation, rng);
            int rows = 11;
            float[] x = new float[rows * 7];
            float[] c = new float[rows * 3];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rng.nextGaussian();
            }
            for (int i = 0; i < c.length; i++) {
                c[i] = (float) rng.nextGaussian();
            }
            float[] out = mlp.forward(x, rows);
            Mlp.Gradients g = mlp.backward(c);
            float[] params = HostArrays.toFloats(g.params());
            float[] input = g.input().clone();

            MultiLayerNetwork net = mlp.network();
            net.setInput(HostArrays.toArray(x, rows, 7));
            java.util.List<INDArray> acts = net.feedForward(true, false);
            Pair<Gradient, INDArray> reference = net.backpropGradient(HostArrays.toArray(c, rows, 3),
                    LayerWorkspaceMgr.noWorkspaces());
            assertArrayEquals(HostArrays.toFloats(acts.get(acts.size() - 1)), out, 1e-5f, activation + " output");
            assertArrayEquals(HostArrays.toFloats(reference.getFirst().gradient()), params, 1e-4f,
                    activation + " parameter gradient");
            assertArrayEquals(HostArrays.toFloats(reference.getSecond()), input, 1e-5f, activation + " input gradient");

            mlp.forward(x, rows);
            assertArrayEquals(input, mlp.inputGradient(c), activation + " inputGradient() = backward().input()");
            mlp.forward(x, rows);
            assertArrayEquals(params, HostArrays.toFloats(mlp.parameterGradient(c)),
                    activation + " parameterGradient() = backward().params()");
            assertArrayEquals(out, mlp.predict(x, rows), activation + " predict() = forward()");
        }
    }

    @Test
    void copyIsIndependentAndPolyakMovesTowardsTheSource() {
        Mlp source = Mlp.create(2, new int[] {3}, 1, Activation.RELU, new Random(1));
        Mlp target = source.copy();
        assertArrayEquals(HostArrays.toFloats(source.params()), HostArrays.toFloats(target.params()));
        float[] before = HostArrays.toFloats(target.params());
        source.params().addi(1.0);
        float[] src = HostArrays.toFloats(source.params());
        assertArrayEquals(before, HostArrays.toFloats(target.params()), "the copy must not share weights");

        target.polyak(source, 0.25);
        float[] after = HostArrays.toFloats(target.params());
        for (int k = 0; k < after.length; k++) {
            assertEquals(0.25 * src[k] + 0.75 * before[k], after[k], 1e-6);
        }
        target.copyFrom(source);
        assertArrayEquals(src, HostArrays.toFloats(target.params()));
    }

    @Test
    void sameSeedGivesSameWeights() {
        Mlp a = Mlp.create(4, new int[] {8, 8}, 2, Activation.RELU, new Random(7));
        Mlp b = Mlp.create(4, new int[] {8, 8}, 2, Activation.RELU, new Random(7));
        assertArrayEquals(HostArrays.toFloats(a.params()), HostArrays.toFloats(b.params()));
        // PyTorch's nn.Linear init: every weight within +-1/sqrt(fanIn).
        for (float w : HostArrays.toFloats(a.params())) {
            assertEquals(0, w, 1 / Math.sqrt(4) + 1e-6);
        }
    }
}
