package org.gymbridge.examples.crafter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Crafter score S = exp(mean ln(1 + s_i)) - 1 against values computed by hand. */
class CrafterScoreTest {

    @Test
    void scoreMatchesHandComputedValues() {
        // All rates equal: the geometric mean of (1 + s) is 1 + s, so S = s.
        assertEquals(0.0, CrafterScore.score(new double[22]), 1e-12);
        double[] all100 = new double[22];
        java.util.Arrays.fill(all100, 100);
        assertEquals(100.0, CrafterScore.score(all100), 1e-9);
        // Two rates 0% and 99%: exp((ln 1 + ln 100) / 2) - 1 = sqrt(100) - 1 = 9.
        assertEquals(9.0, CrafterScore.score(new double[] {0, 99}), 1e-12);
        // 22 rates: one 100%, the rest 0%: exp(ln(101) / 22) - 1 = exp(4.61512 / 22) - 1 = exp(0.209778) - 1 = 0.23340
        double[] one = new double[22];
        one[6] = 100;
        assertEquals(Math.pow(101, 1.0 / 22) - 1, CrafterScore.score(one), 1e-12);
        assertEquals(0.23340, CrafterScore.score(one), 1e-5);
        // Three rates 3%, 15%, 63%: exp((ln 4 + ln 16 + ln 64) / 3) - 1 = (4 * 16 * 64)^(1/3) - 1 = 16 - 1 = 15.
        assertEquals(15.0, CrafterScore.score(new double[] {3, 15, 63}), 1e-12);
    }

    @Test
    void fractionsByNameCountAll22AchievementsAndMissingOnesAsZero() {
        assertEquals(22, CrafterScore.ACHIEVEMENTS.size());
        assertEquals(22, new HashSet<>(CrafterScore.ACHIEVEMENTS).size());
        // collect_wood 100% (fraction 1.0), all others absent -> as the one-rate case above.
        assertEquals(Math.pow(101, 1.0 / 22) - 1, CrafterScore.score(Map.of("collect_wood", 1.0)), 1e-12);
        // A name outside Crafter's 22 does not count.
        assertEquals(0.0, CrafterScore.score(Map.of("not_an_achievement", 1.0)), 1e-12);
    }

    @Test
    void ratesOutsidePercentRangeAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CrafterScore.score(new double[] {50, 101}));
        assertTrue(e.getMessage().contains("[0, 100]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CrafterScore.score(new double[] {Double.NaN}));
        assertThrows(IllegalArgumentException.class, () -> CrafterScore.score(new double[0]));
    }
}
