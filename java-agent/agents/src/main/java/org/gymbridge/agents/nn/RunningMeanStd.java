package org.gymbridge.agents.nn;

import java.io.Serializable;

/**
 * Running mean and variance per feature over batches (Chan et al.'s parallel update, as in Gymnasium's
 * {@code RunningMeanStd}), for observation and reward normalization. Starts at mean 0, variance 1 with a
 * tiny count (1e-4), exactly like Gymnasium's, so the first batch dominates.
 */
public final class RunningMeanStd implements Serializable {

    private static final long serialVersionUID = 1L;

    private final double[] mean;
    private final double[] var;
    private double count = 1e-4;

    /** Statistics of {@code size} features. */
    public RunningMeanStd(int size) {
        this.mean = new double[size];
        this.var = new double[size];
        java.util.Arrays.fill(var, 1.0);
    }

    public int size() {
        return mean.length;
    }

    /** Folds in a batch of rows (row-major, {@code rows * size()} values); rows with valid == false are skipped. */
    public void update(float[] batch, boolean[] valid) {
        int d = mean.length;
        int rows = batch.length / d;
        int n = 0;
        double[] batchMean = new double[d];
        for (int i = 0; i < rows; i++) {
            if (valid == null || valid[i]) {
                n++;
                for (int k = 0; k < d; k++) {
                    batchMean[k] += batch[i * d + k];
                }
            }
        }
        if (n == 0) {
            return;
        }
        double[] batchVar = new double[d];
        for (int k = 0; k < d; k++) {
            batchMean[k] /= n;
        }
        for (int i = 0; i < rows; i++) {
            if (valid == null || valid[i]) {
                for (int k = 0; k < d; k++) {
                    double e = batch[i * d + k] - batchMean[k];
                    batchVar[k] += e * e;
                }
            }
        }
        double total = count + n;
        for (int k = 0; k < d; k++) {
            batchVar[k] /= n;
            double delta = batchMean[k] - mean[k];
            double m2 = var[k] * count + batchVar[k] * n + delta * delta * count * n / total;
            mean[k] += delta * n / total;
            var[k] = m2 / total;
        }
        count = total;
    }

    /** Folds in single values (one feature): rewards or returns. */
    public void update(double[] values, boolean[] valid) {
        float[] asFloats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            asFloats[i] = (float) values[i];
        }
        update(asFloats, valid);
    }

    /** (x - mean) / sqrt(var + eps), clipped to +-clip, row-major like {@link #update}. */
    public float[] normalize(float[] batch, double clip) {
        int d = mean.length;
        float[] out = new float[batch.length];
        for (int i = 0; i < batch.length; i++) {
            int k = i % d;
            double z = (batch[i] - mean[k]) / Math.sqrt(var[k] + 1e-8);
            out[i] = (float) Math.max(-clip, Math.min(clip, z));
        }
        return out;
    }

    public double mean(int feature) {
        return mean[feature];
    }

    public double variance(int feature) {
        return var[feature];
    }

    public double count() {
        return count;
    }
}
