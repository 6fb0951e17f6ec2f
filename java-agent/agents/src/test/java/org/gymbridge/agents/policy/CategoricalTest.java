package org.gymbridge.agents.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class CategoricalTest {

    private final Categorical dist = new Categorical(3);
    // Row 0: logits (0, ln 2, ln 5) -> p = (1/8, 2/8, 5/8). Row 1: uniform.
    private final float[] logits = {0f, (float) Math.log(2), (float) Math.log(5), 7f, 7f, 7f};

    @Test
    void logProbOfChosenActionsMatchesHandComputation() {
        assertArrayEquals(new double[] {Math.log(5.0 / 8), Math.log(1.0 / 3)},
                dist.logProb(logits, new float[] {2, 0}), 1e-6);
    }

    @Test
    void entropyMatchesHandComputation() {
        double h0 = -(1.0 / 8 * Math.log(1.0 / 8) + 2.0 / 8 * Math.log(2.0 / 8) + 5.0 / 8 * Math.log(5.0 / 8));
        assertArrayEquals(new double[] {h0, Math.log(3)}, dist.entropy(logits), 1e-6);
    }

    @Test
    void logProbabilitiesAreStableForHugeLogits() {
        double[] logP = dist.logProbabilities(new float[] {1000, 0, -1000}, 0);
        assertEquals(0.0, logP[0], 1e-9);
        assertEquals(-1000.0, logP[1], 1e-9);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        float[] actions = {1, 2};
        double[] weights = {0.7, -1.3};
        double entropyWeight = 0.25;
        float[] analytic = dist.gradient(logits, actions, weights, entropyWeight);
        float h = 1e-2f;
        for (int k = 0; k < logits.length; k++) {
            float[] plus = logits.clone();
            plus[k] += h;
            float[] minus = logits.clone();
            minus[k] -= h;
            double numeric = (objective(plus, actions, weights, entropyWeight)
                    - objective(minus, actions, weights, entropyWeight)) / (plus[k] - minus[k]);
            assertEquals(numeric, analytic[k], 1e-3, "d/dz[" + k + "]");
        }
    }

    private double objective(float[] z, float[] actions, double[] weights, double entropyWeight) {
        double[] logProb = dist.logProb(z, actions);
        double[] entropy = dist.entropy(z);
        double total = 0;
        for (int i = 0; i < logProb.length; i++) {
            total += weights[i] * logProb[i] + entropyWeight * entropy[i];
        }
        return total;
    }

    @Test
    void samplesFollowTheProbabilitiesAndAreReproducible() {
        int n = 8000;
        float[] rows = new float[3 * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(logits, 0, rows, 3 * i, 3);
        }
        float[] first = new float[n];
        double[] logProbs = dist.sample(rows, new Random(3), first);
        double[] counts = new double[3];
        for (int i = 0; i < n; i++) {
            counts[(int) first[i]]++;
            assertEquals(dist.logProb(logits, new float[] {first[i], 0})[0], logProbs[i], 1e-12);
        }
        assertEquals(1.0 / 8, counts[0] / n, 0.02);
        assertEquals(2.0 / 8, counts[1] / n, 0.02);
        assertEquals(5.0 / 8, counts[2] / n, 0.02);
        float[] second = new float[n];
        dist.sample(rows, new Random(3), second);
        assertArrayEquals(first, second);
    }

    @Test
    void modeIsTheMostLikelyAction() {
        assertArrayEquals(new float[] {2, 0}, dist.mode(logits));
    }

    @Test
    void actionsOutsideTheRangeAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> dist.logProb(logits, new float[] {3, 0}));
    }
}
