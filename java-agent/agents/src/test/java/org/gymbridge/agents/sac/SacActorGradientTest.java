package org.gymbridge.agents.sac;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * SAC's hand-derived actor gradient (tanh-squashed Gaussian, reparameterized, log-prob correction, squashed
 * log std) against finite differences of L = mean(alpha log pi(a|s) - Q(a)) with a known Q(a) = -sum (a - c)^2
 * and the noise held fixed.
 */
class SacActorGradientTest {

    private static final double ALPHA = 0.3;
    private static final double C = 0.25;

    private static double loss(float[] out, double[] eps, int b, int d) {
        Sac.Sample pi = Sac.squash(out, eps, b, d);
        double l = 0;
        for (int i = 0; i < b; i++) {
            double q = 0;
            for (int k = 0; k < d; k++) {
                double e = pi.actions()[i * d + k] - C;
                q -= e * e;
            }
            l += (ALPHA * pi.logProbs()[i] - q) / b;
        }
        return l;
    }

    @Test
    void actorGradientMatchesFiniteDifferences() {
        int b = 3;
        int d = 2;
        Random rng = new Random(4);
        float[] out = new float[b * 2 * d];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (0.7 * rng.nextGaussian());
        }
        double[] eps = new double[b * d];
        for (int j = 0; j < eps.length; j++) {
            eps[j] = rng.nextGaussian();
        }
        Sac.Sample pi = Sac.squash(out, eps, b, d);
        float[] dQ = new float[b * d];
        for (int j = 0; j < dQ.length; j++) {
            dQ[j] = (float) (2 * (pi.actions()[j] - C) / b);   // -(1/B) dQ/da with Q = -(a - c)^2
        }
        float[] grad = Sac.actorGradient(pi, dQ, ALPHA, b, d);
        double h = 1e-3;
        double maxAbs = 0;
        for (int k = 0; k < out.length; k++) {
            float[] p = out.clone();
            float[] m = out.clone();
            p[k] += (float) h;
            m[k] -= (float) h;
            double numeric = (loss(p, eps, b, d) - loss(m, eps, b, d)) / (2 * h);
            assertEquals(numeric, grad[k], 2e-3 + 1e-2 * Math.abs(numeric), "output " + k);
            maxAbs = Math.max(maxAbs, Math.abs(numeric));
        }
        assertTrue(maxAbs > 1e-2, "the check must exercise non-trivial gradients");
    }
}
