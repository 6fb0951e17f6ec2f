package org.gymbridge.agents.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class MultiCategoricalTest {

    @Test
    void logProbAndEntropyAreSumsOverComponents() {
        MultiCategorical mc = new MultiCategorical(new long[] {2, 3});
        Categorical a = new Categorical(2);
        Categorical b = new Categorical(3);
        float[] logits = {0.1f, -0.3f, 0.5f, 0.2f, -1f};
        float[] actions = {1, 2};
        assertEquals(a.logProb(new float[] {0.1f, -0.3f}, new float[] {1})[0]
                + b.logProb(new float[] {0.5f, 0.2f, -1f}, new float[] {2})[0], mc.logProb(logits, actions)[0], 1e-9);
        assertEquals(a.entropy(new float[] {0.1f, -0.3f})[0] + b.entropy(new float[] {0.5f, 0.2f, -1f})[0],
                mc.entropy(logits)[0], 1e-9);
        assertArrayEquals(new float[] {0, 0}, mc.mode(logits));
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        MultiCategorical mc = new MultiCategorical(new long[] {3, 2});
        Random rng = new Random(2);
        float[] logits = new float[2 * 5];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) rng.nextGaussian();
        }
        float[] actions = new float[2 * 2];
        mc.sample(logits, rng, actions);
        double[] w = {0.7, -1.3};
        double entW = 0.2;
        float[] grad = mc.gradient(logits, actions, w, entW);
        double h = 1e-3;
        for (int k = 0; k < logits.length; k++) {
            float[] p = logits.clone();
            float[] m = logits.clone();
            p[k] += (float) h;
            m[k] -= (float) h;
            double numeric = (objective(mc, p, actions, w, entW) - objective(mc, m, actions, w, entW)) / (2 * h);
            assertEquals(numeric, grad[k], 1e-3, "logit " + k);
        }
    }

    private static double objective(MultiCategorical mc, float[] logits, float[] actions, double[] w, double entW) {
        double[] lp = mc.logProb(logits, actions);
        double[] h = mc.entropy(logits);
        double s = 0;
        for (int i = 0; i < lp.length; i++) {
            s += w[i] * lp[i] + entW * h[i];
        }
        return s;
    }
}
