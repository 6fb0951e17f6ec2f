package org.gymbridge.agents.train;

import java.util.Arrays;

/** Episode returns of an evaluation and their summary statistics. */
public record EvalResult(double[] returns) {

    public EvalResult {
        if (returns.length == 0) {
            throw new IllegalArgumentException("an evaluation needs at least one episode");
        }
        returns = returns.clone();
    }

    public int episodes() {
        return returns.length;
    }

    public double mean() {
        return Arrays.stream(returns).average().orElseThrow();
    }

    /** Population standard deviation (numpy's default). */
    public double std() {
        double mean = mean();
        return Math.sqrt(Arrays.stream(returns).map(r -> (r - mean) * (r - mean)).average().orElseThrow());
    }

    public double min() {
        return Arrays.stream(returns).min().orElseThrow();
    }

    public double max() {
        return Arrays.stream(returns).max().orElseThrow();
    }

    @Override
    public String toString() {
        return String.format("mean return %.2f over %d episodes (std %.2f, min %.1f, max %.1f)",
                mean(), episodes(), std(), min(), max());
    }
}
