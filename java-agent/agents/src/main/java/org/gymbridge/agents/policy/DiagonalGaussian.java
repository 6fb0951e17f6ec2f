package org.gymbridge.agents.policy;

import java.util.Random;
import org.gymbridge.agents.core.ActionAdapter;

/**
 * A diagonal Gaussian over d-dimensional continuous actions, parameterized per row by the network output
 * {@code [mu_1..mu_d, log sigma_1..log sigma_d]} (state-dependent standard deviations). Samples are not
 * clipped here; {@link ActionAdapter} clips them to the Box bounds when sending, as CleanRL does.
 *
 * <pre>
 *   log p(a) = sum_k -0.5 ((a_k - mu_k) / sigma_k)^2 - log sigma_k - 0.5 log(2 pi)
 *   H        = sum_k 0.5 + 0.5 log(2 pi) + log sigma_k
 *   dlog p / dmu_k        = (a_k - mu_k) / sigma_k^2
 *   dlog p / dlog sigma_k = ((a_k - mu_k) / sigma_k)^2 - 1          dH / dlog sigma_k = 1
 * </pre>
 *
 * log sigma is clamped to [{@value #MIN_LOG_STD}, {@value #MAX_LOG_STD}] (zero gradient outside, like
 * torch.clamp) so that a runaway output cannot make the density degenerate.
 */
public final class DiagonalGaussian implements ActionDistribution {

    public static final double MIN_LOG_STD = -5;
    public static final double MAX_LOG_STD = 2;
    private static final double HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

    private final int d;

    /** A distribution over {@code dim}-dimensional actions. */
    public DiagonalGaussian(int dim) {
        if (dim < 1) {
            throw new IllegalArgumentException("a Gaussian needs at least one action dimension, got " + dim);
        }
        this.d = dim;
    }

    @Override
    public int paramSize() {
        return 2 * d;
    }

    @Override
    public int actionSize() {
        return d;
    }

    private double logStd(float[] params, int row, int k) {
        return Math.max(MIN_LOG_STD, Math.min(MAX_LOG_STD, params[row * 2 * d + d + k]));
    }

    private double mean(float[] params, int row, int k) {
        return params[row * 2 * d + k];
    }

    @Override
    public double[] sample(float[] params, Random rng, float[] actions) {
        int batch = rows(params);
        for (int i = 0; i < batch; i++) {
            for (int k = 0; k < d; k++) {
                actions[i * d + k] = (float) (mean(params, i, k) + Math.exp(logStd(params, i, k)) * rng.nextGaussian());
            }
        }
        // log-probabilities of the float actions actually stored and sent
        return logProb(params, actions);
    }

    @Override
    public float[] mode(float[] params) {
        int batch = rows(params);
        float[] actions = new float[batch * d];
        for (int i = 0; i < batch; i++) {
            for (int k = 0; k < d; k++) {
                actions[i * d + k] = (float) mean(params, i, k);
            }
        }
        return actions;
    }

    @Override
    public double[] logProb(float[] params, float[] actions) {
        int batch = rows(params);
        double[] logProbs = new double[batch];
        for (int i = 0; i < batch; i++) {
            for (int k = 0; k < d; k++) {
                double logStd = logStd(params, i, k);
                double z = (actions[i * d + k] - mean(params, i, k)) / Math.exp(logStd);
                logProbs[i] += -0.5 * z * z - logStd - HALF_LOG_2PI;
            }
        }
        return logProbs;
    }

    @Override
    public double[] entropy(float[] params) {
        int batch = rows(params);
        double[] entropy = new double[batch];
        for (int i = 0; i < batch; i++) {
            for (int k = 0; k < d; k++) {
                entropy[i] += 0.5 + HALF_LOG_2PI + logStd(params, i, k);
            }
        }
        return entropy;
    }

    @Override
    public float[] gradient(float[] params, float[] actions, double[] logProbWeights, double entropyWeight) {
        int batch = rows(params);
        float[] grad = new float[batch * 2 * d];
        for (int i = 0; i < batch; i++) {
            for (int k = 0; k < d; k++) {
                double raw = params[i * 2 * d + d + k];
                double logStd = logStd(params, i, k);
                double std = Math.exp(logStd);
                double z = (actions[i * d + k] - mean(params, i, k)) / std;
                grad[i * 2 * d + k] = (float) (logProbWeights[i] * z / std);
                boolean clamped = raw < MIN_LOG_STD || raw > MAX_LOG_STD;
                grad[i * 2 * d + d + k] = clamped ? 0f
                        : (float) (logProbWeights[i] * (z * z - 1) + entropyWeight);
            }
        }
        return grad;
    }

    private int rows(float[] params) {
        if (params.length % (2 * d) != 0) {
            throw new IllegalArgumentException("Gaussian parameters of length " + params.length
                    + " are not rows of 2 x " + d + " (means, then log standard deviations)");
        }
        return params.length / (2 * d);
    }
}
