package org.gymbridge.agents.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.gymbridge.agents.core.Transition;
import org.junit.jupiter.api.Test;

class RewardNormalizerTest {

    private static Transition step(double[] rewards, boolean[] terminated, boolean[] valid) {
        return new Transition(null, null, rewards, terminated, new boolean[rewards.length], null, valid);
    }

    /** The divisor is the std of every discounted return seen so far (population variance, as Gymnasium's). */
    @Test
    void dividesByTheStdOfTheDiscountedReturnsAndResetsThemAtEpisodeEnds() {
        double gamma = 0.9;
        RewardNormalizer normalizer = new RewardNormalizer(1, gamma);
        double[] seen = new double[7];
        double g = 0;
        double[] rewards = {1, 2, 0.5, 1, 3, 1, 2};
        boolean[] ends = {false, false, true, false, false, true, false};
        for (int t = 0; t < rewards.length; t++) {
            g = g * gamma + rewards[t];
            seen[t] = g;
            double[] scaled = normalizer.scale(step(new double[] {rewards[t]}, new boolean[] {ends[t]},
                    new boolean[] {true}));
            double std = populationStdWithPrior(seen, t + 1);
            assertEquals(Math.min(10, rewards[t] / std), scaled[0], 1e-6, "step " + t); // the statistics fold in float32 returns
            if (ends[t]) {
                g = 0;
            }
        }
    }

    /** Gymnasium's RunningMeanStd starts from mean 0, variance 1 with a count of 1e-4. */
    private static double populationStdWithPrior(double[] x, int n) {
        double count = 1e-4 + n;
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += x[i];
        }
        mean = mean / count;
        double m2 = 1e-4 * (1 + mean * mean);
        for (int i = 0; i < n; i++) {
            m2 += (x[i] - mean) * (x[i] - mean);
        }
        return Math.sqrt(m2 / count + 1e-8);
    }

    @Test
    void autoresetRowsNeitherAccumulateNorCountAndRewardsAreClipped() {
        RewardNormalizer normalizer = new RewardNormalizer(2, 0.99);
        normalizer.scale(step(new double[] {1, 1}, new boolean[2], new boolean[] {true, true}));
        normalizer.scale(step(new double[] {5, 0}, new boolean[2], new boolean[] {true, false}));
        assertArrayEquals(new double[] {0.99 + 5, 1}, normalizer.discountedReturns(), 1e-12);
        RewardNormalizer tight = new RewardNormalizer(1, 0.99);
        for (int t = 0; t < 100; t++) {
            tight.scale(step(new double[] {0.001}, new boolean[1], new boolean[] {true}));
        }
        assertEquals(10.0, tight.scale(step(new double[] {1e6}, new boolean[1], new boolean[] {true}))[0]);
        assertEquals(-10.0, tight.scale(step(new double[] {-1e9}, new boolean[1], new boolean[] {true}))[0]);
    }

    @Test
    void serializesWithItsStatisticsAndRefusesAnotherEnvCount() throws Exception {
        RewardNormalizer a = new RewardNormalizer(2, 0.99);
        for (int t = 0; t < 10; t++) {
            a.scale(step(new double[] {t, 2 * t}, new boolean[] {t == 4, false}, new boolean[] {true, true}));
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(a);
        }
        RewardNormalizer b;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            b = (RewardNormalizer) in.readObject();
        }
        Transition next = step(new double[] {3, -1}, new boolean[2], new boolean[] {true, true});
        assertArrayEquals(a.scale(next), b.scale(next));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> a.scale(step(new double[] {1}, new boolean[1], new boolean[] {true})));
        assertEquals("reward normalizer built for 2 envs got 1 rewards", e.getMessage());
    }

    @Test
    void aNonFiniteRewardFailsThatCallAndLeavesTheStatisticsAsTheyWere() {
        RewardNormalizer hit = new RewardNormalizer(2, 0.99);
        RewardNormalizer clean = new RewardNormalizer(2, 0.99);
        Transition first = step(new double[] {1, 2}, new boolean[2], new boolean[] {true, true});
        hit.scale(first);
        clean.scale(first);
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> hit.scale(step(new double[] {0.5, bad}, new boolean[2], new boolean[] {true, true})));
            assertEquals("env 1 returned a non-finite reward (" + bad + "); reward normalization (norm_reward) cannot"
                    + " use it: fix the env's reward function", e.getMessage());
        }
        // An autoreset row's reward is not used, so it may be anything.
        Transition reset = step(new double[] {0.5, Double.NaN}, new boolean[2], new boolean[] {true, false});
        Transition next = step(new double[] {3, -1}, new boolean[2], new boolean[] {true, true});
        assertEquals(clean.scale(reset)[0], hit.scale(reset)[0]);
        assertArrayEquals(clean.scale(next), hit.scale(next));
        assertArrayEquals(clean.discountedReturns(), hit.discountedReturns());
    }
}
