package org.gymbridge.agents.policy;

import java.util.Random;

/**
 * A categorical distribution over n actions, parameterized by unnormalized logits [batch, n]
 * (torch.distributions.Categorical(logits=...)). Actions are indices 0..n-1 stored as floats.
 *
 * <pre>
 *   log p_j         = z_j - logsumexp(z)
 *   H               = -sum_j p_j log p_j
 *   dlog p_a / dz_j = 1[j = a] - p_j
 *   dH / dz_j       = -p_j (log p_j + H)
 * </pre>
 */
public final class Categorical implements ActionDistribution {

    private final int n;

    /** A distribution over actions 0..n-1. */
    public Categorical(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("a categorical distribution needs at least one action, got " + n);
        }
        this.n = n;
    }

    @Override
    public int paramSize() {
        return n;
    }

    @Override
    public int actionSize() {
        return 1;
    }

    /** log-probabilities of every action of one row, computed stably (max subtracted). */
    public double[] logProbabilities(float[] logits, int row) {
        int offset = row * n;
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            max = Math.max(max, logits[offset + j]);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
            sum += Math.exp(logits[offset + j] - max);
        }
        double logZ = max + Math.log(sum);
        double[] logP = new double[n];
        for (int j = 0; j < n; j++) {
            logP[j] = logits[offset + j] - logZ;
        }
        return logP;
    }

    @Override
    public double[] sample(float[] logits, Random rng, float[] actions) {
        int batch = rows(logits);
        double[] logProbs = new double[batch];
        for (int i = 0; i < batch; i++) {
            double[] logP = logProbabilities(logits, i);
            // Inverse CDF; the last action absorbs rounding, so a sample always exists.
            double u = rng.nextDouble();
            double cumulative = 0;
            int action = n - 1;
            for (int j = 0; j < n - 1; j++) {
                cumulative += Math.exp(logP[j]);
                if (u < cumulative) {
                    action = j;
                    break;
                }
            }
            actions[i] = action;
            logProbs[i] = logP[action];
        }
        return logProbs;
    }

    @Override
    public float[] mode(float[] logits) {
        int batch = rows(logits);
        float[] actions = new float[batch];
        for (int i = 0; i < batch; i++) {
            int best = 0;
            for (int j = 1; j < n; j++) {
                if (logits[i * n + j] > logits[i * n + best]) {
                    best = j;
                }
            }
            actions[i] = best;
        }
        return actions;
    }

    @Override
    public double[] logProb(float[] logits, float[] actions) {
        double[] logProbs = new double[rows(logits)];
        for (int i = 0; i < logProbs.length; i++) {
            logProbs[i] = logProbabilities(logits, i)[index(actions[i])];
        }
        return logProbs;
    }

    @Override
    public double[] entropy(float[] logits) {
        double[] entropy = new double[rows(logits)];
        for (int i = 0; i < entropy.length; i++) {
            double[] logP = logProbabilities(logits, i);
            for (int j = 0; j < n; j++) {
                entropy[i] -= Math.exp(logP[j]) * logP[j];
            }
        }
        return entropy;
    }

    @Override
    public float[] gradient(float[] logits, float[] actions, double[] logProbWeights, double entropyWeight) {
        int batch = rows(logits);
        float[] grad = new float[batch * n];
        for (int i = 0; i < batch; i++) {
            double[] logP = logProbabilities(logits, i);
            double h = 0;
            for (int j = 0; j < n; j++) {
                h -= Math.exp(logP[j]) * logP[j];
            }
            int a = index(actions[i]);
            for (int j = 0; j < n; j++) {
                double p = Math.exp(logP[j]);
                double dLogProb = (j == a ? 1 : 0) - p;
                double dEntropy = -p * (logP[j] + h);
                grad[i * n + j] = (float) (logProbWeights[i] * dLogProb + entropyWeight * dEntropy);
            }
        }
        return grad;
    }

    private int rows(float[] logits) {
        if (logits.length % n != 0) {
            throw new IllegalArgumentException("logits of length " + logits.length + " are not rows of " + n);
        }
        return logits.length / n;
    }

    private int index(float action) {
        int a = (int) action;
        if (a != action || a < 0 || a >= n) {
            throw new IllegalArgumentException("action " + action + " is outside 0.." + (n - 1));
        }
        return a;
    }
}
