package org.gymbridge.agents.policy;

import java.io.Serializable;
import org.gymbridge.agents.nn.Adam;
import org.gymbridge.spaces.Box;
import org.gymbridge.spaces.Discrete;
import org.gymbridge.spaces.MultiDiscrete;
import org.gymbridge.spaces.Space;

/**
 * The action distribution of a policy-gradient agent (REINFORCE, A2C, PPO) and how the policy network's
 * output parameterizes it, chosen once from the env's action space:
 * Discrete -> {@link Categorical}; MultiDiscrete -> {@link MultiCategorical}; Box -> {@link DiagonalGaussian}
 * whose log standard deviations are either outputs of the network (state-dependent) or one free parameter
 * vector shared by all states (state-independent, CleanRL's {@code actor_logstd}, the usual choice for PPO
 * on continuous control).
 *
 * <p>For the state-independent case the head owns the log std vector and its gradient: {@link #params}
 * expands network rows [mu] to distribution rows [mu, logStd]; {@link #networkGradient} folds a
 * distribution gradient back to the network's [mu] rows and sums the logStd part over the batch into
 * {@link #logStdGradient()}, which the agent steps with its optimizer (see {@link #step}).
 */
public final class PolicyHead implements Serializable {

    private static final long serialVersionUID = 1L;

    private final ActionDistribution distribution;
    private final int networkOutputSize;
    private final float[] logStd;
    private final double[] logStdGradient;
    private final double[] adamM;
    private final double[] adamV;
    private long adamSteps;

    private PolicyHead(ActionDistribution distribution, int networkOutputSize, float[] logStd) {
        this.distribution = distribution;
        this.networkOutputSize = networkOutputSize;
        this.logStd = logStd;
        int n = logStd == null ? 0 : logStd.length;
        this.logStdGradient = new double[n];
        this.adamM = new double[n];
        this.adamV = new double[n];
    }

    /**
     * The head for an env's single action space.
     *
     * @param stateIndependentLogStd for Box spaces: one learned log std vector (true) or network outputs (false)
     * @param initialLogStd          the starting log std of the state-independent vector (CleanRL: 0)
     */
    public static PolicyHead forSpace(Space singleActionSpace, boolean stateIndependentLogStd, double initialLogStd) {
        if (singleActionSpace instanceof Discrete discrete) {
            Categorical c = new Categorical(Math.toIntExact(discrete.n()));
            return new PolicyHead(c, c.paramSize(), null);
        }
        if (singleActionSpace instanceof MultiDiscrete md) {
            MultiCategorical c = new MultiCategorical(md.nvec().toLongArray());
            return new PolicyHead(c, c.paramSize(), null);
        }
        if (singleActionSpace instanceof Box box && box.dtype().isFloating()) {
            int d = Math.toIntExact(java.util.Arrays.stream(box.shape()).reduce(1, Math::multiplyExact));
            DiagonalGaussian g = new DiagonalGaussian(d);
            if (!stateIndependentLogStd) {
                return new PolicyHead(g, 2 * d, null);
            }
            float[] logStd = new float[d];
            java.util.Arrays.fill(logStd, (float) initialLogStd);
            return new PolicyHead(g, d, logStd);
        }
        throw new IllegalArgumentException("action space " + singleActionSpace + " is not supported by the"
                + " policy-gradient agents: use an env with a Discrete, MultiDiscrete or floating-point Box action space");
    }

    /** A head whose distribution parameters are all network outputs (state-dependent), for any distribution. */
    public static PolicyHead of(ActionDistribution distribution) {
        return new PolicyHead(distribution, distribution.paramSize(), null);
    }

    public ActionDistribution distribution() {
        return distribution;
    }

    /** Width of the policy network's output. */
    public int networkOutputSize() {
        return networkOutputSize;
    }

    /** True when the Gaussian's log std is a free parameter vector rather than a network output. */
    public boolean hasLogStdParameter() {
        return logStd != null;
    }

    /** A copy of the state-independent log std (empty for other heads). */
    public float[] logStd() {
        return logStd == null ? new float[0] : logStd.clone();
    }

    /** Distribution parameters [rows, paramSize] from network outputs [rows, networkOutputSize]. */
    public float[] params(float[] networkOutput) {
        if (logStd == null) {
            return networkOutput;
        }
        int d = logStd.length;
        int rows = networkOutput.length / d;
        float[] params = new float[rows * 2 * d];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(networkOutput, i * d, params, i * 2 * d, d);
            System.arraycopy(logStd, 0, params, i * 2 * d + d, d);
        }
        return params;
    }

    /**
     * dLoss/dNetworkOutput from dLoss/dParams; for a state-independent log std the per-row log std gradients
     * are summed into {@link #logStdGradient()} (overwritten on each call).
     */
    public float[] networkGradient(float[] paramGradient) {
        if (logStd == null) {
            return paramGradient;
        }
        int d = logStd.length;
        int rows = paramGradient.length / (2 * d);
        float[] out = new float[rows * d];
        java.util.Arrays.fill(logStdGradient, 0);
        for (int i = 0; i < rows; i++) {
            System.arraycopy(paramGradient, i * 2 * d, out, i * d, d);
            for (int k = 0; k < d; k++) {
                logStdGradient[k] += paramGradient[i * 2 * d + d + k];
            }
        }
        return out;
    }

    /** The log std gradient of the last {@link #networkGradient} call. */
    public double[] logStdGradient() {
        return logStdGradient.clone();
    }

    /** Sum of squares of the log std gradient (for a global gradient-norm clip that includes it). */
    public double logStdGradientSquaredNorm() {
        double s = 0;
        for (double g : logStdGradient) {
            s += g * g;
        }
        return s;
    }

    /**
     * One Adam step (PyTorch semantics, as {@link Adam}) on the log std vector with its last gradient times
     * {@code scale} (the global clip factor); a no-op without a log std parameter.
     */
    public void step(double learningRate, double scale, double eps) {
        if (logStd == null) {
            return;
        }
        adamSteps++;
        double c1 = 1 - Math.pow(0.9, adamSteps);
        double c2 = 1 - Math.pow(0.999, adamSteps);
        for (int k = 0; k < logStd.length; k++) {
            double g = logStdGradient[k] * scale;
            adamM[k] = 0.9 * adamM[k] + 0.1 * g;
            adamV[k] = 0.999 * adamV[k] + 0.001 * g * g;
            logStd[k] -= (float) (learningRate * (adamM[k] / c1) / (Math.sqrt(adamV[k] / c2) + eps));
        }
    }

    /** Overwrites this head's learned state with another's (checkpoint restore). */
    public void restore(PolicyHead saved) {
        if (saved.networkOutputSize != networkOutputSize || (saved.logStd == null) != (logStd == null)) {
            throw new IllegalArgumentException("saved policy head does not match this agent's action space");
        }
        if (logStd != null) {
            System.arraycopy(saved.logStd, 0, logStd, 0, logStd.length);
            System.arraycopy(saved.adamM, 0, adamM, 0, adamM.length);
            System.arraycopy(saved.adamV, 0, adamV, 0, adamV.length);
            adamSteps = saved.adamSteps;
        }
    }
}
