package org.gymbridge.agents.buffers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PrioritizedReplayTest {

    @Test
    void slotsAreDrawnInProportionToTheirPriorityAndWeightedBack() {
        PrioritizedReplay per = new PrioritizedReplay(5, 1.0);     // capacity 5: the tree pads to 8 leaves
        for (int s = 0; s < 4; s++) {
            per.added(s);
        }
        per.update(new int[] {0, 1, 2, 3}, new double[] {1, 2, 3, 4});
        assertEquals(10, per.total(), 1e-12);
        int[] counts = new int[4];
        Random rng = new Random(1);
        double maxWeight = 0;
        for (int i = 0; i < 5000; i++) {
            PrioritizedReplay.Sample sample = per.sample(10, 4, 0.5, rng);
            for (int j = 0; j < 10; j++) {
                counts[sample.slots()[j]]++;
                maxWeight = Math.max(maxWeight, sample.weights()[j]);
                // w = (N P)^-beta / max w, and the lowest priority has the largest weight 1.
                double expected = Math.pow(4 * (sample.slots()[j] + 1) / 10.0, -0.5) / Math.pow(4 * 0.1, -0.5);
                assertEquals(expected, sample.weights()[j], 1e-12);
            }
        }
        for (int s = 0; s < 4; s++) {
            assertEquals((s + 1) / 10.0, counts[s] / 50_000.0, 0.01, "slot " + s);
        }
        assertEquals(1.0, maxWeight, 1e-12);
    }

    @Test
    void newSlotsGetTheLargestPrioritySeen() {
        PrioritizedReplay per = new PrioritizedReplay(4, 0.6);
        per.added(0);
        per.update(new int[] {0}, new double[] {9});
        per.added(1);
        assertEquals(2 * Math.pow(9, 0.6), per.total(), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> per.update(new int[] {0}, new double[] {0}));
    }
}
