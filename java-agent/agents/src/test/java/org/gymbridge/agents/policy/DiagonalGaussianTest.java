package org.gymbridge.agents.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class DiagonalGaussianTest {

    private final DiagonalGaussian dist = new DiagonalGaussian(2);
    // Row 0: mu = (0, 1), log sigma = (0, ln 2). Row 1: mu = (-1, 0.5), log sigma = (-0.5, 0.3).
    private final float[] params = {0f, 1f, 0f, (float) Math.log(2), -1f, 0.5f, -0.5f, 0.3f};

    @Test
    void logProbMatchesTheNormalDensity() {
        float[] actions = {1f, 2f, -1f, 0.5f};
        double expected0 = normalLogPdf(1, 0, 1) + normalLogPdf(2, 1, 2);
        double expected1 = normalLogPdf(-1, -1, Math.exp(-0.5)) + normalLogPdf(0.5, 0.5, Math.exp(0.3));
        assertArrayEquals(new double[] {expected0, expected1}, dist.logProb(params, actions), 1e-6);
    }

    private static double normalLogPdf(double x, double mu, double sigma) {
        return -0.5 * Math.pow((x - mu) / sigma, 2) - Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);
    }

    @Test
    void entropyMatchesTheClosedForm() {
        double h0 = 2 * (0.5 + 0.5 * Math.log(2 * Math.PI)) + 0 + Math.log(2);
        double h1 = 2 * (0.5 + 0.5 * Math.log(2 * Math.PI)) - 0.5 + 0.3;
        assertArrayEquals(new double[] {h0, h1}, dist.entropy(params), 1e-6);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        float[] actions = {0.3f, 2.5f, -0.2f, 0.1f};
        double[] weights = {0.7, -1.3};
        double entropyWeight = 0.25;
        float[] analytic = dist.gradient(params, actions, weights, entropyWeight);
        for (int k = 0; k < params.length; k++) {
            float[] plus = params.clone();
            plus[k] += 1e-2f;
            float[] minus = params.clone();
            minus[k] -= 1e-2f;
            double numeric = (objective(plus, actions, weights, entropyWeight)
                    - objective(minus, actions, weights, entropyWeight)) / (plus[k] - minus[k]);
            assertEquals(numeric, analytic[k], 2e-3 * Math.max(1, Math.abs(numeric)), "d/dparam[" + k + "]");
        }
    }

    private double objective(float[] p, float[] actions, double[] weights, double entropyWeight) {
        double[] logProb = dist.logProb(p, actions);
        double[] entropy = dist.entropy(p);
        double total = 0;
        for (int i = 0; i < logProb.length; i++) {
            total += weights[i] * logProb[i] + entropyWeight * entropy[i];
        }
        return total;
    }

    @Test
    void samplesHaveTheRequestedMeanAndSpreadAndTheirLogProb() {
        int n = 20000;
        float[] rows = new float[4 * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(params, 0, rows, 4 * i, 4);
        }
        float[] actions = new float[2 * n];
        double[] logProbs = dist.sample(rows, new Random(1), actions);
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < n; i++) {
            sum += actions[2 * i + 1];
            sumSq += (actions[2 * i + 1] - 1) * (actions[2 * i + 1] - 1);
        }
        assertEquals(1.0, sum / n, 0.05);
        assertEquals(2.0, Math.sqrt(sumSq / n), 0.05);
        assertArrayEquals(dist.logProb(rows, actions), logProbs, 1e-12);
    }

    @Test
    void modeIsTheMean() {
        assertArrayEquals(new float[] {0f, 1f, -1f, 0.5f}, dist.mode(params));
    }

    @Test
    void logStdIsClampedWithZeroGradientOutside() {
        float[] wild = {0f, 50f};
        DiagonalGaussian one = new DiagonalGaussian(1);
        assertEquals(0.5 + 0.5 * Math.log(2 * Math.PI) + DiagonalGaussian.MAX_LOG_STD, one.entropy(wild)[0], 1e-9);
        assertEquals(0f, one.gradient(wild, new float[] {1f}, new double[] {1}, 1)[1]);
    }
}
