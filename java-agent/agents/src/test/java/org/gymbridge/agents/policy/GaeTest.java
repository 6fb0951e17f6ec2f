package org.gymbridge.agents.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class GaeTest {

    private static final double GAMMA = 0.9;
    private static final double LAMBDA = 0.5;

    @Test
    void advantagesOfOneEnvWithoutEpisodeEndMatchHandComputation() {
        // T = 3, N = 1, no done: deltas then the lambda-discounted sum from the back.
        double[] r = {1, 2, 3};
        double[] v = {0.5, 1.0, 1.5};
        double bootstrap = 2.0;
        double d2 = 3 + 0.9 * 2.0 - 1.5;          // 3.3
        double d1 = 2 + 0.9 * 1.5 - 1.0;          // 2.35
        double d0 = 1 + 0.9 * 1.0 - 0.5;          // 1.4
        double a2 = d2;                            // 3.3
        double a1 = d1 + 0.45 * a2;                // 3.835
        double a0 = d0 + 0.45 * a1;                // 3.12575
        Gae.Result result = Gae.compute(r, v, new boolean[3], new boolean[3], new double[] {bootstrap}, GAMMA, LAMBDA);
        assertArrayEquals(new double[] {a0, a1, a2}, result.advantages(), 1e-12);
        assertArrayEquals(new double[] {a0 + 0.5, a1 + 1.0, a2 + 1.5}, result.returns(), 1e-12);
    }

    @Test
    void terminationStopsBootstrappingAndAdvantageFlow() {
        // Episode terminates at t = 1; t = 2 starts a new one.
        double[] r = {1, 1, 1};
        double[] v = {0.2, 0.4, 0.6};
        boolean[] terminated = {false, true, false};
        boolean[] done = {false, true, false};
        Gae.Result result = Gae.compute(r, v, terminated, done, new double[] {1.0}, GAMMA, LAMBDA);
        double a2 = 1 + 0.9 * 1.0 - 0.6;          // 1.3
        double a1 = 1 - 0.4;                       // 0.6: no bootstrap, nothing flows back from t = 2
        double a0 = (1 + 0.9 * 0.4 - 0.2) + 0.45 * a1;
        assertArrayEquals(new double[] {a0, a1, a2}, result.advantages(), 1e-12);
    }

    @Test
    void truncationBootstrapsFromTheFinalObservationButStopsAdvantageFlow() {
        // Truncated at t = 0; under NEXT_STEP values[1] is V(final observation) of that episode.
        double[] r = {1, 0, 1};
        double[] v = {0.2, 5.0, 0.6};
        boolean[] terminated = {false, false, false};
        boolean[] done = {true, false, false};
        Gae.Result result = Gae.compute(r, v, terminated, done, new double[] {1.0}, GAMMA, LAMBDA);
        double a2 = 1 + 0.9 * 1.0 - 0.6;
        double a1 = (0 + 0.9 * 0.6 - 5.0) + 0.45 * a2;
        double a0 = 1 + 0.9 * 5.0 - 0.2;           // bootstraps from 5.0, but no a1 term
        assertArrayEquals(new double[] {a0, a1, a2}, result.advantages(), 1e-12);
    }

    @Test
    void envsAreIndependentInTimeMajorLayout() {
        // T = 2, N = 2: index t * 2 + i. Env 0 terminates at t = 0, env 1 never.
        double[] r = {1, 2, 3, 4};
        double[] v = {0, 0, 0, 0};
        boolean[] terminated = {true, false, false, false};
        Gae.Result result = Gae.compute(r, v, terminated, terminated.clone(), new double[] {10, 20}, 1.0, 1.0);
        // env 0: t1 = 3 + 10, t0 = 1 (terminal). env 1: t1 = 4 + 20, t0 = 2 + 0 + 24.
        assertArrayEquals(new double[] {1, 26, 13, 24}, result.advantages(), 1e-12);
    }

    @Test
    void mismatchedLengthsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Gae.compute(new double[4], new double[3],
                new boolean[4], new boolean[4], new double[2], GAMMA, LAMBDA));
    }
}
