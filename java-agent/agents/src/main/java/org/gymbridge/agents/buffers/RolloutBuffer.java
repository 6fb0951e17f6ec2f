package org.gymbridge.agents.buffers;

import java.io.Serializable;
import java.util.Arrays;
import org.gymbridge.agents.core.Transition;

/**
 * What an on-policy agent (REINFORCE, A2C, PPO) remembers of the steps it took in a vector env: per step
 * and env, the observation the policy saw, the action, its log-probability and the value estimate (written at
 * act time), then the reward, terminated, done and valid flags (written when the step's outcome is observed).
 * Storage is time-major, index {@code t * numEnvs + i}, so {@link org.gymbridge.agents.policy.Gae} runs on the
 * arrays as they are.
 *
 * <p>A rollout of {@link #of fixed length} (A2C, PPO: numSteps vector steps, then one update) is full after
 * numSteps outcomes; a {@link #growing} one (REINFORCE: whole episodes) takes any number of steps and drops
 * the ones already learned from with {@link #dropBefore}. The arrays returned are the storage itself (valid up
 * to {@link #size()}), not copies.
 */
public final class RolloutBuffer implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int numEnvs;
    private final int obsSize;
    private final int actionWidth;
    private final boolean growing;
    private int capacity;
    private float[] observations;
    private float[] actions;
    private double[] logProbs;
    private double[] values;
    private double[] rewards;
    private boolean[] terminated;
    private boolean[] dones;
    private boolean[] valid;
    private int steps;

    private RolloutBuffer(int capacity, int numEnvs, int obsSize, int actionWidth, boolean growing) {
        this.numEnvs = numEnvs;
        this.obsSize = obsSize;
        this.actionWidth = actionWidth;
        this.growing = growing;
        allocate(capacity);
    }

    /** A rollout of exactly {@code numSteps} vector steps of {@code numEnvs} envs. */
    public static RolloutBuffer of(int numSteps, int numEnvs, int obsSize, int actionWidth) {
        return new RolloutBuffer(numSteps, numEnvs, obsSize, actionWidth, false);
    }

    /** A rollout that grows as steps are added (until {@link #dropBefore} or {@link #clear}). */
    public static RolloutBuffer growing(int numEnvs, int obsSize, int actionWidth) {
        return new RolloutBuffer(64, numEnvs, obsSize, actionWidth, true);
    }

    private void allocate(int newCapacity) {
        int n = newCapacity * numEnvs;
        observations = observations == null ? new float[n * obsSize] : Arrays.copyOf(observations, n * obsSize);
        actions = actions == null ? new float[n * actionWidth] : Arrays.copyOf(actions, n * actionWidth);
        logProbs = logProbs == null ? new double[n] : Arrays.copyOf(logProbs, n);
        values = values == null ? new double[n] : Arrays.copyOf(values, n);
        rewards = rewards == null ? new double[n] : Arrays.copyOf(rewards, n);
        terminated = terminated == null ? new boolean[n] : Arrays.copyOf(terminated, n);
        dones = dones == null ? new boolean[n] : Arrays.copyOf(dones, n);
        valid = valid == null ? new boolean[n] : Arrays.copyOf(valid, n);
        capacity = newCapacity;
    }

    /**
     * What the policy did at the current step, for all envs: observations [numEnvs, obsSize], actions
     * [numEnvs, actionWidth], and optionally log pi(a|s) and V(s) per env (null: not kept). Acting again
     * before {@link #addOutcome} overwrites the step.
     */
    public void addAction(float[] obs, float[] action, double[] logProb, float[] value) {
        if (steps == capacity) {
            if (!growing) {
                throw new IllegalStateException("the rollout is full: call learn() before acting again");
            }
            allocate(2 * capacity);
        }
        int k = steps * numEnvs;
        System.arraycopy(obs, 0, observations, k * obsSize, numEnvs * obsSize);
        System.arraycopy(action, 0, actions, k * actionWidth, numEnvs * actionWidth);
        if (logProb != null) {
            System.arraycopy(logProb, 0, logProbs, k, numEnvs);
        }
        if (value != null) {
            for (int i = 0; i < numEnvs; i++) {
                values[k + i] = value[i];
            }
        }
    }

    /** The outcome of the current step (with {@code rewards} in place of the transition's own), then the next step. */
    public void addOutcome(Transition t, double[] reward) {
        int k = steps * numEnvs;
        for (int i = 0; i < numEnvs; i++) {
            rewards[k + i] = reward[i];
            terminated[k + i] = t.terminated()[i];
            dones[k + i] = t.done(i);
            valid[k + i] = t.valid()[i];
        }
        steps++;
    }

    /** The outcome of the current step with the transition's rewards. */
    public void addOutcome(Transition t) {
        addOutcome(t, t.rewards());
    }

    /** Vector steps completed (acted and observed). */
    public int steps() {
        return steps;
    }

    /** Entries held: steps x numEnvs. */
    public int size() {
        return steps * numEnvs;
    }

    /** True once a fixed-length rollout holds its numSteps steps (never for a growing one). */
    public boolean full() {
        return !growing && steps == capacity;
    }

    /** Forgets all steps (storage is reused). */
    public void clear() {
        steps = 0;
    }

    /** Forgets the steps before {@code step}; later steps move to the front (step s becomes s - step). */
    public void dropBefore(int step) {
        if (step <= 0) {
            return;
        }
        int kept = steps - step;
        int from = step * numEnvs;
        int n = kept * numEnvs;
        System.arraycopy(observations, from * obsSize, observations, 0, n * obsSize);
        System.arraycopy(actions, from * actionWidth, actions, 0, n * actionWidth);
        System.arraycopy(logProbs, from, logProbs, 0, n);
        System.arraycopy(values, from, values, 0, n);
        System.arraycopy(rewards, from, rewards, 0, n);
        System.arraycopy(terminated, from, terminated, 0, n);
        System.arraycopy(dones, from, dones, 0, n);
        System.arraycopy(valid, from, valid, 0, n);
        steps = kept;
    }

    /** Indices (t * numEnvs + i) of the real transitions: NEXT_STEP autoreset steps are left out. */
    public int[] validIndices() {
        return java.util.stream.IntStream.range(0, size()).filter(k -> valid[k]).toArray();
    }

    /** The observations of the given entries, [rows.length, obsSize]. */
    public float[] observations(int[] rows) {
        return gather(observations, obsSize, rows);
    }

    /** The actions of the given entries, [rows.length, actionWidth]. */
    public float[] actions(int[] rows) {
        return gather(actions, actionWidth, rows);
    }

    private static float[] gather(float[] source, int width, int[] rows) {
        float[] out = new float[rows.length * width];
        for (int j = 0; j < rows.length; j++) {
            System.arraycopy(source, rows[j] * width, out, j * width, width);
        }
        return out;
    }

    public int numEnvs() {
        return numEnvs;
    }

    public float[] observations() {
        return observations;
    }

    public float[] actions() {
        return actions;
    }

    public double[] logProbs() {
        return logProbs;
    }

    public double[] values() {
        return values;
    }

    public double[] rewards() {
        return rewards;
    }

    public boolean[] terminated() {
        return terminated;
    }

    public boolean[] dones() {
        return dones;
    }

    public boolean[] valid() {
        return valid;
    }
}
