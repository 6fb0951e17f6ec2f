package org.gymbridge.agents.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class AdamTest {

    @Test
    void firstStepMovesEachParameterByTheLearningRateAgainstItsGradient() {
        // After one step m_hat = g and v_hat = g^2, so the update is lr * g / (|g| + eps).
        Adam adam = new Adam(3, 0.9, 0.999, 1e-8);
        INDArray params = Nd4j.createFromArray(1f, 2f, 3f);
        adam.step(params, Nd4j.createFromArray(0.5f, -4f, 0f), 0.1);
        assertArrayEquals(new float[] {0.9f, 2.1f, 3f}, params.toFloatVector(), 1e-6f);
    }

    @Test
    void secondStepMatchesTorchFormula() {
        Adam adam = new Adam(1, 0.9, 0.999, 1e-5);
        INDArray params = Nd4j.createFromArray(0f);
        adam.step(params, Nd4j.createFromArray(1f), 0.01);
        adam.step(params, Nd4j.createFromArray(3f), 0.01);
        double m = 0.9 * 0.1 + 0.1 * 3;
        double v = 0.999 * 0.001 + 0.001 * 9;
        double second = 0.01 * (m / (1 - 0.81)) / (Math.sqrt(v / (1 - 0.999 * 0.999)) + 1e-5);
        double first = 0.01 * 1 / (1 + 1e-5);
        assertEquals(-(first + second), params.getDouble(0), 1e-6);
    }

    @Test
    void clippingScalesTheGradientToTheMaximumNorm() {
        INDArray g = Nd4j.createFromArray(3f, 4f);
        assertEquals(5.0, Adam.clipGradientNorm(g, 1.0), 1e-6);
        assertArrayEquals(new float[] {0.6f, 0.8f}, g.toFloatVector(), 1e-5f);
        INDArray small = Nd4j.createFromArray(0.3f, 0.4f);
        Adam.clipGradientNorm(small, 1.0);
        assertArrayEquals(new float[] {0.3f, 0.4f}, small.toFloatVector());
    }

    @Test
    void stateRoundTrips() {
        Adam adam = new Adam(2, 0.9, 0.999, 1e-8);
        INDArray params = Nd4j.createFromArray(1f, 1f);
        adam.step(params, Nd4j.createFromArray(1f, 2f), 0.1);
        Adam copy = new Adam(2, 0.9, 0.999, 1e-8);
        copy.restore(adam.state());
        INDArray p1 = params.dup();
        INDArray p2 = params.dup();
        adam.step(p1, Nd4j.createFromArray(-1f, 0.5f), 0.1);
        copy.step(p2, Nd4j.createFromArray(-1f, 0.5f), 0.1);
        assertEquals(p1, p2);
    }
}
