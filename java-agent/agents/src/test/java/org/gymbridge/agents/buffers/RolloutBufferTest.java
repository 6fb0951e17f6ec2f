package org.gymbridge.agents.buffers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gymbridge.agents.core.Transition;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class RolloutBufferTest {

    /** A transition of two envs with the given rewards and flags (observations are not read by the buffer). */
    private static Transition outcome(double[] rewards, boolean[] terminated, boolean[] truncated, boolean[] valid) {
        return new Transition(Nd4j.zeros(2, 3), Nd4j.zeros(2, 1), rewards, terminated, truncated, Nd4j.zeros(2, 3),
                valid);
    }

    private static void step(RolloutBuffer buffer, int t) {
        float[] obs = {10 * t, 10 * t + 1, 10 * t + 2, 10 * t + 5, 10 * t + 6, 10 * t + 7};
        buffer.addAction(obs, new float[] {t, -t}, new double[] {-0.5 * t, -0.25 * t}, new float[] {t, 2 * t});
        buffer.addOutcome(outcome(new double[] {t, 100 + t}, new boolean[] {t == 1, false},
                new boolean[] {false, t == 2}, new boolean[] {true, t != 0}));
    }

    @Test
    void fixedRolloutStoresTimeMajorEntriesOfTheRightShapes() {
        RolloutBuffer buffer = RolloutBuffer.of(3, 2, 3, 1);
        for (int t = 0; t < 3; t++) {
            assertFalse(buffer.full());
            step(buffer, t);
        }
        assertTrue(buffer.full());
        assertEquals(3, buffer.steps());
        assertEquals(6, buffer.size());
        assertEquals(6 * 3, buffer.observations().length);
        assertEquals(6, buffer.actions().length);
        assertEquals(6, buffer.logProbs().length);
        assertEquals(6, buffer.values().length);
        // Index t * numEnvs + i: step 1, env 1.
        assertArrayEquals(new float[] {15, 16, 17}, buffer.observations(new int[] {3}));
        assertEquals(-1, buffer.actions()[3]);
        assertEquals(-0.25, buffer.logProbs()[3]);
        assertEquals(2, buffer.values()[3]);
        assertEquals(101, buffer.rewards()[3]);
        assertArrayEquals(new boolean[] {false, false, true, false, false, false}, buffer.terminated());
        assertArrayEquals(new boolean[] {false, false, true, false, false, true}, buffer.dones());
        assertArrayEquals(new int[] {0, 2, 3, 4, 5}, buffer.validIndices());
        assertThrows(IllegalStateException.class, () -> step(buffer, 3));
        buffer.clear();
        assertEquals(0, buffer.size());
        assertFalse(buffer.full());
    }

    @Test
    void growingRolloutGrowsAndDropsLearnedSteps() {
        RolloutBuffer buffer = RolloutBuffer.growing(2, 3, 1);
        for (int t = 0; t < 100; t++) {
            step(buffer, t);
        }
        assertFalse(buffer.full());
        assertEquals(100, buffer.steps());
        assertArrayEquals(new float[] {990, 991, 992, 995, 996, 997}, buffer.observations(new int[] {198, 199}));
        buffer.dropBefore(98);
        assertEquals(2, buffer.steps());
        assertArrayEquals(new float[] {980, 981, 982, 995, 996, 997}, buffer.observations(new int[] {0, 3}));
        assertArrayEquals(new float[] {98, -99}, buffer.actions(new int[] {0, 3}));
        assertEquals(199, buffer.rewards()[3]);
    }
}
