package org.gymbridge.agents.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PolicyGradientTest {

    @Test
    void standardizeGivesZeroMeanAndUnitBesselStd() {
        double[] x = {1, 2, 3, 4};
        PolicyGradient.standardize(x);
        // mean 2.5, sample std sqrt(5/3).
        double std = Math.sqrt(5.0 / 3);
        assertArrayEquals(new double[] {-1.5 / std, -0.5 / std, 0.5 / std, 1.5 / std}, x, 1e-7);
        double sum = 0;
        double squares = 0;
        for (double v : x) {
            sum += v;
            squares += v * v;
        }
        assertEquals(0, sum, 1e-12);
        assertEquals(1, squares / (x.length - 1), 1e-7);
    }

    @Test
    void standardizeLeavesFewerThanTwoValuesUnchanged() {
        double[] one = {7.5};
        PolicyGradient.standardize(one);
        assertArrayEquals(new double[] {7.5}, one);
        double[] none = {};
        PolicyGradient.standardize(none);
        assertEquals(0, none.length);
    }

    @Test
    void standardizeMapsEqualValuesToZero() {
        double[] x = {3, 3, 3};
        PolicyGradient.standardize(x);
        assertArrayEquals(new double[] {0, 0, 0}, x);
    }
}
