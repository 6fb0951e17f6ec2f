package org.gymbridge.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PpoLossTest {

    private final PpoConfig config = PpoConfig.defaults();   // clip 0.2, vfCoef 0.5, value clipping on

    @Test
    void atTheRolloutPolicyTheSurrogateIsMinusTheMeanAdvantage() {
        Ppo.Loss loss = Ppo.loss(new double[] {-0.5, -1.0}, new double[] {-0.5, -1.0}, new double[] {2.0, -1.0},
                new float[] {1f, 2f}, new double[] {1, 2}, new double[] {3, 0}, config);
        assertEquals(-0.5, loss.policy(), 1e-12);                       // -(2 - 1) / 2
        assertEquals(0.0, loss.approxKl(), 1e-12);
        assertEquals(0.0, loss.clipFraction());
        assertEquals(0.5 * (4 + 4) / 2, loss.value(), 1e-6);            // V unchanged: clipped = unclipped
        assertEquals(-2.0 / 2, loss.dLogProb()[0], 1e-12);               // -A ratio / B with ratio 1
        assertEquals(0.5 * (1 - 3) / 2, loss.dValue()[0], 1e-6);        // vfCoef (V - R) / B
    }

    @Test
    void theClippedSideHasNoPolicyGradient() {
        // A > 0 and ratio = e^0.5 > 1.2: the objective is flat in log pi.
        Ppo.Loss loss = Ppo.loss(new double[] {0.0}, new double[] {-0.5}, new double[] {1.0},
                new float[] {0f}, new double[] {0}, new double[] {0}, config);
        assertEquals(0.0, loss.dLogProb()[0]);
        assertEquals(-1.2, loss.policy(), 1e-12);
        assertEquals(1.0, loss.clipFraction());
        // A < 0 and the same ratio: the unclipped (pessimistic) term is active.
        Ppo.Loss negative = Ppo.loss(new double[] {0.0}, new double[] {-0.5}, new double[] {-1.0},
                new float[] {0f}, new double[] {0}, new double[] {0}, config);
        assertEquals(Math.exp(0.5), negative.dLogProb()[0], 1e-12);
    }

    @Test
    void gradientsMatchFiniteDifferencesOfTheLoss() {
        Random rng = new Random(4);
        int b = 64;
        double[] newLogProb = new double[b];
        double[] oldLogProb = new double[b];
        double[] advantages = new double[b];
        float[] newValue = new float[b];
        double[] oldValue = new double[b];
        double[] returns = new double[b];
        for (int j = 0; j < b; j++) {
            oldLogProb[j] = -0.7 + 0.3 * rng.nextGaussian();
            newLogProb[j] = oldLogProb[j] + 0.4 * rng.nextGaussian();      // ratios on both sides of the clip
            advantages[j] = rng.nextGaussian();
            oldValue[j] = 2 * rng.nextGaussian();
            newValue[j] = (float) (oldValue[j] + 0.5 * rng.nextGaussian());  // inside and outside value clip
            returns[j] = oldValue[j] + rng.nextGaussian();
        }
        Ppo.Loss loss = Ppo.loss(newLogProb, oldLogProb, advantages, newValue, oldValue, returns, config);
        double h = 1e-6;
        int checked = 0;
        for (int j = 0; j < b; j++) {
            double ratio = Math.exp(newLogProb[j] - oldLogProb[j]);
            if (Math.abs(ratio - 0.8) > 1e-3 && Math.abs(ratio - 1.2) > 1e-3) {   // away from the kinks
                double[] plus = newLogProb.clone();
                plus[j] += h;
                double[] minus = newLogProb.clone();
                minus[j] -= h;
                double numeric = (total(plus, oldLogProb, advantages, newValue, oldValue, returns)
                        - total(minus, oldLogProb, advantages, newValue, oldValue, returns)) / (2 * h);
                assertEquals(numeric, loss.dLogProb()[j], 1e-7, "dL/dlog pi[" + j + "]");
                checked++;
            }
            double dv = newValue[j] - oldValue[j];
            if (Math.abs(Math.abs(dv) - 0.2) > 1e-2) {
                float hv = 1e-3f;
                float[] plus = newValue.clone();
                plus[j] += hv;
                float[] minus = newValue.clone();
                minus[j] -= hv;
                double numeric = (total(newLogProb, oldLogProb, advantages, plus, oldValue, returns)
                        - total(newLogProb, oldLogProb, advantages, minus, oldValue, returns)) / (plus[j] - minus[j]);
                assertEquals(numeric, loss.dValue()[j], 1e-4, "dL/dV[" + j + "]");
                checked++;
            }
        }
        assertEquals(true, checked > b, "checked " + checked + " partial derivatives");
    }

    private double total(double[] newLogProb, double[] oldLogProb, double[] advantages, float[] newValue,
                         double[] oldValue, double[] returns) {
        Ppo.Loss loss = Ppo.loss(newLogProb, oldLogProb, advantages, newValue, oldValue, returns, config);
        return loss.policy() + config.vfCoef() * loss.value();
    }
}
