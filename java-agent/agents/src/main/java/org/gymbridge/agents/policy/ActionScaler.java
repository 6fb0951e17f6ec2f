package org.gymbridge.agents.policy;

import java.util.Arrays;
import org.gymbridge.spaces.Box;
import org.gymbridge.spaces.Space;

/**
 * Maps actions between a policy's range [-1, 1] (a tanh output) and an env's Box bounds, per dimension:
 * {@code env = low + (policy + 1) / 2 * (high - low)}, and back. Policies for DDPG, TD3 and SAC always work
 * in [-1, 1], so exploration noise and clipping have the same meaning on every env; the agents convert at
 * the boundary, once. A dimension that is unbounded on either side passes through unchanged.
 */
public final class ActionScaler implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    private final double[] low;
    private final double[] high;
    private final boolean[] bounded;

    private ActionScaler(double[] low, double[] high) {
        this.low = low;
        this.high = high;
        this.bounded = new boolean[low.length];
        for (int k = 0; k < low.length; k++) {
            bounded[k] = Double.isFinite(low[k]) && Double.isFinite(high[k]) && high[k] > low[k];
        }
    }

    /**
     * A scaler for the env's single action space, which must be a floating-point Box.
     *
     * @throws IllegalArgumentException for any other space, naming the algorithms that handle it
     */
    public static ActionScaler forSpace(Space singleActionSpace) {
        if (!(singleActionSpace instanceof Box box) || !box.dtype().isFloating()) {
            throw new IllegalArgumentException("action space " + singleActionSpace + " is not a floating-point Box:"
                    + " DDPG, TD3 and SAC need continuous actions (use PPO, A2C, REINFORCE or DQN for discrete ones)");
        }
        return new ActionScaler(box.low().toDoubleArray(), box.high().toDoubleArray());
    }

    /** A scaler for explicit bounds (tests, envs described in Java). */
    public static ActionScaler of(double[] low, double[] high) {
        if (low.length != high.length) {
            throw new IllegalArgumentException("low has " + low.length + " values but high has " + high.length);
        }
        return new ActionScaler(low.clone(), high.clone());
    }

    /** Action dimensions. */
    public int size() {
        return low.length;
    }

    /** Policy-range actions (rows of {@link #size()}) to env actions, clipped to the bounds. */
    public float[] toEnv(float[] policy) {
        float[] env = new float[policy.length];
        for (int i = 0; i < policy.length; i++) {
            int k = i % low.length;
            if (bounded[k]) {
                double p = Math.max(-1, Math.min(1, policy[i]));
                env[i] = (float) Math.max(low[k], Math.min(high[k], low[k] + (p + 1) * 0.5 * (high[k] - low[k])));
            } else {
                env[i] = policy[i];
            }
        }
        return env;
    }

    /** Env actions back to the policy range (inverse of {@link #toEnv} inside the bounds). */
    public float[] toPolicy(float[] env) {
        float[] policy = new float[env.length];
        for (int i = 0; i < env.length; i++) {
            int k = i % low.length;
            policy[i] = bounded[k] ? (float) (2 * (env[i] - low[k]) / (high[k] - low[k]) - 1) : env[i];
        }
        return policy;
    }

    @Override
    public String toString() {
        return "ActionScaler[low=" + Arrays.toString(low) + ", high=" + Arrays.toString(high) + "]";
    }
}
