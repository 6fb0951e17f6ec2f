package org.gymbridge.agents.policy;

import java.util.Arrays;
import java.util.Random;

/**
 * Independent categorical distributions, one per component of a MultiDiscrete action space
 * (CleanRL's ppo_multidiscrete.py): the logits row is the concatenation of each component's logits, an action
 * row holds one index per component, and log-probabilities and entropies add up over the components.
 */
public final class MultiCategorical implements ActionDistribution {

    private static final long serialVersionUID = 1L;

    private final Categorical[] parts;
    private final int[] offsets;
    private final int paramSize;

    /** Components with {@code nvec[j]} choices each. */
    public MultiCategorical(long[] nvec) {
        if (nvec.length == 0) {
            throw new IllegalArgumentException("a MultiDiscrete space needs at least one component");
        }
        parts = new Categorical[nvec.length];
        offsets = new int[nvec.length];
        int offset = 0;
        for (int j = 0; j < nvec.length; j++) {
            parts[j] = new Categorical(Math.toIntExact(nvec[j]));
            offsets[j] = offset;
            offset += nvec[j];
        }
        paramSize = offset;
    }

    @Override
    public int paramSize() {
        return paramSize;
    }

    @Override
    public int actionSize() {
        return parts.length;
    }

    /** Column block of component j: logits [rows, n_j] or actions [rows, 1]. */
    private float[] block(float[] rows, int width, int from, int size) {
        int n = rows.length / width;
        float[] out = new float[n * size];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows, i * width + from, out, i * size, size);
        }
        return out;
    }

    @Override
    public double[] sample(float[] params, Random rng, float[] actions) {
        int rows = params.length / paramSize;
        double[] logProbs = new double[rows];
        // Row by row and component by component, so the random stream does not depend on the batch layout.
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < parts.length; j++) {
                float[] logits = Arrays.copyOfRange(params, i * paramSize + offsets[j],
                        i * paramSize + offsets[j] + parts[j].paramSize());
                float[] a = new float[1];
                logProbs[i] += parts[j].sample(logits, rng, a)[0];
                actions[i * parts.length + j] = a[0];
            }
        }
        return logProbs;
    }

    @Override
    public float[] mode(float[] params) {
        int rows = params.length / paramSize;
        float[] actions = new float[rows * parts.length];
        for (int j = 0; j < parts.length; j++) {
            float[] m = parts[j].mode(block(params, paramSize, offsets[j], parts[j].paramSize()));
            for (int i = 0; i < rows; i++) {
                actions[i * parts.length + j] = m[i];
            }
        }
        return actions;
    }

    @Override
    public double[] logProb(float[] params, float[] actions) {
        int rows = params.length / paramSize;
        double[] out = new double[rows];
        for (int j = 0; j < parts.length; j++) {
            double[] lp = parts[j].logProb(block(params, paramSize, offsets[j], parts[j].paramSize()),
                    block(actions, parts.length, j, 1));
            for (int i = 0; i < rows; i++) {
                out[i] += lp[i];
            }
        }
        return out;
    }

    @Override
    public double[] entropy(float[] params) {
        int rows = params.length / paramSize;
        double[] out = new double[rows];
        for (int j = 0; j < parts.length; j++) {
            double[] h = parts[j].entropy(block(params, paramSize, offsets[j], parts[j].paramSize()));
            for (int i = 0; i < rows; i++) {
                out[i] += h[i];
            }
        }
        return out;
    }

    @Override
    public float[] gradient(float[] params, float[] actions, double[] logProbWeights, double entropyWeight) {
        int rows = params.length / paramSize;
        float[] grad = new float[params.length];
        for (int j = 0; j < parts.length; j++) {
            int n = parts[j].paramSize();
            float[] g = parts[j].gradient(block(params, paramSize, offsets[j], n), block(actions, parts.length, j, 1),
                    logProbWeights, entropyWeight);
            for (int i = 0; i < rows; i++) {
                System.arraycopy(g, i * n, grad, i * paramSize + offsets[j], n);
            }
        }
        return grad;
    }
}
