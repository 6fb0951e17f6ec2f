package org.gymbridge.agents.rlhf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SyntheticLabelerTest {

    private static Segment withReturn(String id, double total) {
        return new Segment(id, 0, 0, 1, 1, new float[2], new float[2], new double[] {total / 2, total / 2});
    }

    @Test
    void aNoiselessLabelerPrefersTheHigherReturn() {
        SyntheticLabeler labeler = new SyntheticLabeler(0, 0, 1);
        assertEquals(Choice.LEFT, labeler.label(withReturn("s-000001", 3), withReturn("s-000002", 1)));
        assertEquals(Choice.RIGHT, labeler.label(withReturn("s-000001", -3), withReturn("s-000002", 1)));
    }

    @Test
    void returnsWithinTheTieBandAreEqual() {
        SyntheticLabeler labeler = new SyntheticLabeler(1, 0.5, 1);
        assertEquals(Choice.EQUAL, labeler.label(withReturn("s-000001", 1.2), withReturn("s-000002", 1.0)));
    }

    @Test
    void noisyAnswersFollowTheBradleyTerryProbability() {
        SyntheticLabeler labeler = new SyntheticLabeler(2, 0, 42);
        Segment a = withReturn("s-000001", 1);
        Segment b = withReturn("s-000002", 0);
        int left = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            left += labeler.label(a, b) == Choice.LEFT ? 1 : 0;
        }
        double expected = 1 / (1 + Math.exp(-0.5));
        assertEquals(expected, (double) left / n, 0.015);
        // Seeded: the same seed gives the same answers.
        SyntheticLabeler x = new SyntheticLabeler(2, 0, 7);
        SyntheticLabeler y = new SyntheticLabeler(2, 0, 7);
        for (int i = 0; i < 100; i++) {
            assertEquals(x.label(a, b), y.label(a, b));
        }
        assertTrue(left < n);
    }
}
