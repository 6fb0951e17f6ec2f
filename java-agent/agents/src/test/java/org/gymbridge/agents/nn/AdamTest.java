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

    @Test
    void hostArrayStepMatchesAHandComputedTwoStepUpdate() {
        // theta = 0.5, g1 = 2, g2 = -1, lr 0.1, eps 1e-8 (PyTorch defaults).
        Adam adam = Adam.withEps(1, 1e-8);
        float[] theta = {0.5f};
        adam.step(theta, new float[] {2f}, 0.1);
        // Step 1: m_hat = 2, v_hat = 4 -> theta = 0.5 - 0.1 * 2 / 2 = 0.4.
        assertEquals(0.4, theta[0], 1e-6);
        adam.step(theta, new float[] {-1f}, 0.1);
        // Step 2: m = 0.9*0.2 + 0.1*(-1) = 0.08, v = 0.999*0.004 + 0.001*1 = 0.004996.
        double mHat = 0.08 / (1 - 0.81);
        double vHat = 0.004996 / (1 - 0.999 * 0.999);
        assertEquals(0.4 - 0.1 * mHat / (Math.sqrt(vHat) + 1e-8), theta[0], 1e-6);
    }

    @Test
    void hostArrayAndNetworkEntryPointsShareOneUpdateRule() {
        Adam onHost = Adam.withEps(2, 1e-5);
        Adam onDevice = Adam.withEps(2, 1e-5);
        float[] host = {1f, -2f};
        INDArray device = Nd4j.createFromArray(1f, -2f);
        for (float[] g : new float[][] {{0.3f, -0.7f}, {1.5f, 0.2f}, {-0.4f, 0.9f}}) {
            onHost.step(host, g, 0.05);
            onDevice.step(device, Nd4j.createFromArray(g), 0.05);
        }
        assertArrayEquals(device.toFloatVector(), host);
        assertEquals(onDevice.state().step(), onHost.state().step());
        assertArrayEquals(onDevice.state().v(), onHost.state().v());
    }

    @Test
    void javaSerializationKeepsSettingsAndMoments() throws Exception {
        Adam adam = new Adam(2, 0.8, 0.99, 1e-3);
        float[] p1 = {1f, 1f};
        adam.step(p1, new float[] {1f, 2f}, 0.1);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(adam);
        }
        Adam copy;
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (Adam) in.readObject();
        }
        float[] p2 = p1.clone();
        adam.step(p1, new float[] {-1f, 0.5f}, 0.1);
        copy.step(p2, new float[] {-1f, 0.5f}, 0.1);
        assertArrayEquals(p1, p2);
    }
}
