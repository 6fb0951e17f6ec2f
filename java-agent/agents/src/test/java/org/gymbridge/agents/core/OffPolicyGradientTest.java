package org.gymbridge.agents.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.gymbridge.agents.nn.Mlp;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The gradients the off-policy actor-critic updates are built from, against finite differences: the critics' MSE
 * (DDPG, TD3, SAC) and the deterministic actor's loss -mean Q(s, tanh(mu(s))) through the critic's input gradient
 * (DDPG, TD3: the same calls as their update). SAC's actor has its own test.
 */
class OffPolicyGradientTest {

    @Test
    void mseGradientIsTheDerivativeOfTheMeanSquaredError() {
        Random rng = new Random(1);
        float[] q = new float[9];
        double[] y = new double[9];
        for (int j = 0; j < q.length; j++) {
            q[j] = (float) rng.nextGaussian();
            y[j] = rng.nextGaussian();
        }
        double[] loss = new double[1];
        float[] grad = OffPolicyAgent.mseGradient(q, y, loss);
        assertEquals(mse(q, y), loss[0], 1e-12);
        for (int j = 0; j < q.length; j++) {
            float[] plus = q.clone();
            float[] minus = q.clone();
            plus[j] += 1e-2f;
            minus[j] -= 1e-2f;
            assertEquals((mse(plus, y) - mse(minus, y)) / 2e-2, grad[j], 1e-4, "dL/dq[" + j + "]");
        }
    }

    private static double mse(float[] q, double[] y) {
        double s = 0;
        for (int j = 0; j < q.length; j++) {
            s += (q[j] - y[j]) * (q[j] - y[j]);
        }
        return s / q.length;
    }

    @Test
    void deterministicActorGradientThroughTheCriticMatchesFiniteDifferences() {
        Random rng = new Random(2);
        int obs = 3;
        int d = 2;
        int b = 5;
        Mlp actor = Mlp.create(obs, new int[] {8}, d, Activation.RELU, rng);
        Mlp critic = Mlp.create(obs + d, new int[] {8}, 1, Activation.TANH, rng);
        float[] s = new float[b * obs];
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) rng.nextGaussian();
        }
        // As in Td3.update: dL/du = (-1/B) dQ/da (1 - a^2), back-propagated through the actor.
        float[] a = tanh(actor.forward(s, b));
        critic.forward(concat(s, a, b, obs, d), b);
        float[] dq = new float[b];
        java.util.Arrays.fill(dq, -1f / b);
        float[] dInput = critic.inputGradient(dq);
        float[] dA = new float[b * d];
        for (int i = 0; i < b; i++) {
            for (int k = 0; k < d; k++) {
                double ak = a[i * d + k];
                dA[i * d + k] = (float) (dInput[i * (obs + d) + obs + k] * (1 - ak * ak));
            }
        }
        float[] analytic = HostArrays.toFloats(actor.backward(dA).params());

        INDArray params = actor.params();
        double h = 1e-2;
        for (int k = 0; k < params.length(); k += 2) {
            double original = params.getDouble(k);
            params.putScalar(k, original + h);
            double up = actorLoss(actor, critic, s, b, obs, d);
            params.putScalar(k, original - h);
            double down = actorLoss(actor, critic, s, b, obs, d);
            params.putScalar(k, original);
            double numeric = (up - down) / (2 * h);
            assertEquals(numeric, analytic[k], 2e-3 + 0.02 * Math.abs(numeric), "actor parameter " + k);
        }
    }

    private static double actorLoss(Mlp actor, Mlp critic, float[] s, int b, int obs, int d) {
        float[] q = critic.predict(concat(s, tanh(actor.predict(s, b)), b, obs, d), b);
        double loss = 0;
        for (float v : q) {
            loss -= v / b;
        }
        return loss;
    }

    private static float[] tanh(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) Math.tanh(x[i]);
        }
        return out;
    }

    private static float[] concat(float[] s, float[] a, int b, int obs, int d) {
        float[] out = new float[b * (obs + d)];
        for (int i = 0; i < b; i++) {
            System.arraycopy(s, i * obs, out, i * (obs + d), obs);
            System.arraycopy(a, i * d, out, i * (obs + d) + obs, d);
        }
        return out;
    }
}
