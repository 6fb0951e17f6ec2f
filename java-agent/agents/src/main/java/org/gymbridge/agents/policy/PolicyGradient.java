package org.gymbridge.agents.policy;

import java.util.Arrays;
import org.gymbridge.agents.nn.ActorCritic;
import org.gymbridge.agents.nn.Adam;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The gradient step every policy-gradient agent (REINFORCE, A2C, PPO) ends with, written once: from per-sample
 * weights of the log-probabilities and dLoss/dValue to an Adam step on the {@link ActorCritic} network and the
 * {@link PolicyHead}'s log std vector, with the gradient norm clipped globally over both (as
 * torch.nn.utils.clip_grad_norm_ over all parameters).
 */
public final class PolicyGradient {

    private PolicyGradient() {
    }

    /**
     * Back-propagates {@code sum_i dLogProb_i log pi(a_i|s_i) + entropyWeight sum_i H_i} (policy part) and
     * {@code dValue} (value part) from the last {@link ActorCritic#forward}, clips and steps.
     *
     * @param policyOutput the policy rows of that forward pass (network outputs, before the head)
     * @return the gradient norm before clipping
     */
    public static double step(ActorCritic net, PolicyHead head, Adam adam, float[] policyOutput, float[] actions,
                              double[] dLogProb, float[] dValue, double entropyWeight, double learningRate,
                              double maxGradNorm) {
        float[] params = head.params(policyOutput);
        float[] dParams = head.distribution().gradient(params, actions, dLogProb, entropyWeight);
        INDArray gradient = net.backward(head.networkGradient(dParams), dValue);
        double netNorm = Adam.norm2(gradient);
        double norm = Math.sqrt(netNorm * netNorm + head.logStdGradientSquaredNorm());
        double scale = maxGradNorm / (norm + 1e-6);
        scale = Math.min(1, scale);
        if (scale < 1) {
            gradient.muli(scale);
        }
        adam.step(net.params(), gradient, learningRate);
        head.step(learningRate, scale, adam);
        return norm;
    }

    /**
     * Standardizes advantages in place, as CleanRL's {@code (adv - adv.mean()) / (adv.std() + 1e-8)}: the mean
     * is a plain left-to-right sum over {@code x.length}, the std uses Bessel's correction (torch.std).
     * Edge cases: fewer than two values are left unchanged (one value has no spread; torch would give NaN);
     * values that are all equal have std 0 and become all 0 (the 1e-8 keeps the division finite).
     */
    public static void standardize(double[] x) {
        if (x.length < 2) {
            return;
        }
        double mean = 0;
        for (double v : x) {
            mean += v;
        }
        mean /= x.length;
        double var = 0;
        for (double v : x) {
            var += (v - mean) * (v - mean);
        }
        double std = Math.sqrt(var / (x.length - 1));
        for (int i = 0; i < x.length; i++) {
            x[i] = (x[i] - mean) / (std + 1e-8);
        }
    }

    /**
     * 1 - Var(targets - V) / Var(targets): how much of the value targets' spread the critic explains (1 perfect, 0 no
     * better than their mean, negative worse); NaN when the targets do not vary.
     */
    public static double explainedVariance(double[] targets, double[] residuals) {
        double varTargets = variance(targets);
        return varTargets == 0 ? Double.NaN : 1 - variance(residuals) / varTargets;
    }

    private static double variance(double[] x) {
        double mean = Arrays.stream(x).average().orElse(0);
        return Arrays.stream(x).map(v -> (v - mean) * (v - mean)).average().orElse(0);
    }
}
