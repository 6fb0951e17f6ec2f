package org.gymbridge.agents.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RunningMeanStdTest {

    @Test
    void batchesCombineToTheMeanAndVarianceOfAllValidRows() {
        RunningMeanStd stats = new RunningMeanStd(2);
        stats.update(new float[] {1, 10, 3, 30}, null);
        stats.update(new float[] {5, 50, 100, 100, 7, 70}, new boolean[] {true, false, true});
        // rows (1,10) (3,30) (5,50) (7,70); the initial count of 1e-4 at mean 0, var 1 barely matters
        assertEquals(4.0, stats.mean(0), 1e-3);
        assertEquals(40.0, stats.mean(1), 1e-2);
        assertEquals(5.0, stats.variance(0), 1e-2);
        assertEquals(500.0, stats.variance(1), 1e-1);
        float[] z = stats.normalize(new float[] {4, 40 + 3 * (float) Math.sqrt(500)}, 2.5);
        assertEquals(0, z[0], 1e-3);
        assertEquals(2.5, z[1], 1e-6);   // clipped
    }
}
