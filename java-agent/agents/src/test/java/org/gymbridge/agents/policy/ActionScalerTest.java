package org.gymbridge.agents.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.gymbridge.spaces.Discrete;
import org.junit.jupiter.api.Test;

class ActionScalerTest {

    @Test
    void policyRangeMapsOntoTheBoxBoundsAndBack() {
        ActionScaler scaler = ActionScaler.of(new double[] {-2, 0}, new double[] {2, 10});
        float[] env = scaler.toEnv(new float[] {-1, -1, 0, 0.5f, 1, 1});
        assertArrayEquals(new float[] {-2, 0, 0, 7.5f, 2, 10}, env, 1e-6f);
        assertArrayEquals(new float[] {-1, -1, 0, 0.5f, 1, 1}, scaler.toPolicy(env), 1e-6f);
    }

    @Test
    void outOfRangeActionsAreClippedAndUnboundedDimensionsPassThrough() {
        ActionScaler scaler = ActionScaler.of(new double[] {-2, Double.NEGATIVE_INFINITY},
                new double[] {2, Double.POSITIVE_INFINITY});
        assertArrayEquals(new float[] {2, 7}, scaler.toEnv(new float[] {1.5f, 7}), 1e-6f);
        assertArrayEquals(new float[] {-2, -7}, scaler.toEnv(new float[] {-3f, -7}), 1e-6f);
    }

    @Test
    void discreteSpacesAreRejectedWithTheAlgorithmsThatFit() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ActionScaler.forSpace(new Discrete(2, 0, org.gymbridge.tensor.DType.INT64)));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("PPO"), e.getMessage());
    }
}
