package org.gymbridge.agents.buffers;

import java.io.Serializable;
import java.util.Random;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.Transition;

/**
 * Experience replay for off-policy agents (DQN, DDPG, TD3, SAC): a ring buffer of the last {@code capacity}
 * transitions (s, a, r, s', terminated), sampled uniformly. Flat float arrays, not objects: a sample of 256 is
 * a few array copies, and the whole buffer is one {@link State} for checkpoints.
 *
 * <p>Only {@code terminated} is stored as "done": a time-limit truncation is not a terminal state, so its
 * target bootstraps from s' (under NEXT_STEP autoreset s' is the true final observation). The reset steps of
 * NEXT_STEP autoreset ({@code valid == false}) are not transitions and are skipped by {@link #add(Transition)}.
 *
 * <p>Actions are stored as floats: a continuous action vector, or a discrete index (actionSize 1).
 */
public final class ReplayBuffer {

    /** A sampled batch, row-major; {@code indices} are the buffer slots (for prioritized replay on top). */
    public record Batch(int size, float[] observations, float[] actions, double[] rewards, float[] nextObservations,
                       boolean[] terminated, int[] indices) {
    }

    /** Everything the buffer holds, for checkpoints that resume training exactly. */
    public record State(int capacity, int obsSize, int actionSize, float[] observations, float[] actions,
                        double[] rewards, float[] nextObservations, boolean[] terminated, int size, int next)
            implements Serializable {
    }

    private final int capacity;
    private final int obsSize;
    private final int actionSize;
    private final float[] observations;
    private final float[] actions;
    private final double[] rewards;
    private final float[] nextObservations;
    private final boolean[] terminated;
    private int size;
    private int next;

    /** An empty buffer for {@code capacity} transitions of the given sizes. */
    public ReplayBuffer(int capacity, int obsSize, int actionSize) {
        if (capacity < 1 || obsSize < 1 || actionSize < 1) {
            throw new IllegalArgumentException("ReplayBuffer needs capacity, obsSize and actionSize >= 1, got "
                    + capacity + ", " + obsSize + ", " + actionSize);
        }
        if ((long) capacity * obsSize > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("ReplayBuffer of " + capacity + " x " + obsSize
                    + " floats does not fit a Java array: lower the capacity");
        }
        long bytes = 4L * capacity * (2L * obsSize + actionSize) + 9L * capacity;
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap) {
            // Say so now, rather than an OutOfMemoryError at some later allocation.
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "a replay buffer of %d transitions of %d observation values needs %.1f GB, more than this JVM's "
                    + "%.1f GB heap: lower buffer_size or raise -Xmx", capacity, obsSize, bytes / 1e9, heap / 1e9));
        }
        this.capacity = capacity;
        this.obsSize = obsSize;
        this.actionSize = actionSize;
        this.observations = new float[capacity * obsSize];
        this.actions = new float[capacity * actionSize];
        this.rewards = new double[capacity];
        this.nextObservations = new float[capacity * obsSize];
        this.terminated = new boolean[capacity];
    }

    /** Adds the real transitions of one vector step (reset steps are skipped). */
    public void add(Transition transition) {
        float[] obs = HostArrays.toFloats(transition.observations());
        float[] act = HostArrays.toFloats(transition.actions());
        float[] nextObs = HostArrays.toFloats(transition.nextObservations());
        add(obs, act, transition.rewards(), nextObs, transition.terminated(), transition.valid());
    }

    /**
     * Adds the rows {@code i} with {@code valid[i]} of a batch of transitions (row-major arrays, one row per env);
     * agents that keep actions in their own scale (e.g. [-1, 1]) pass those.
     */
    public void add(float[] obs, float[] act, double[] reward, float[] nextObs, boolean[] term, boolean[] valid) {
        int rows = reward.length;
        if (obs.length != rows * obsSize || nextObs.length != rows * obsSize || act.length != rows * actionSize) {
            throw new IllegalArgumentException("transition batch of " + rows + " rows does not match the buffer ("
                    + obsSize + " observation and " + actionSize + " action values per row): got " + obs.length
                    + " observation and " + act.length + " action values");
        }
        for (int i = 0; i < rows; i++) {
            if (valid[i]) {
                System.arraycopy(obs, i * obsSize, observations, next * obsSize, obsSize);
                System.arraycopy(act, i * actionSize, actions, next * actionSize, actionSize);
                System.arraycopy(nextObs, i * obsSize, nextObservations, next * obsSize, obsSize);
                rewards[next] = reward[i];
                terminated[next] = term[i];
                next = (next + 1) % capacity;
                size = Math.min(size + 1, capacity);
            }
        }
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    /** {@code batchSize} transitions drawn uniformly with replacement. */
    public Batch sample(int batchSize, Random rng) {
        if (size == 0) {
            throw new IllegalStateException("cannot sample from an empty replay buffer: add transitions first");
        }
        int[] indices = new int[batchSize];
        for (int j = 0; j < batchSize; j++) {
            indices[j] = rng.nextInt(size);
        }
        return gather(indices);
    }

    /** The transitions in the given slots (each in 0..size-1). */
    public Batch gather(int[] indices) {
        int b = indices.length;
        float[] obs = new float[b * obsSize];
        float[] act = new float[b * actionSize];
        double[] rew = new double[b];
        float[] nextObs = new float[b * obsSize];
        boolean[] term = new boolean[b];
        for (int j = 0; j < b; j++) {
            int k = indices[j];
            if (k < 0 || k >= size) {
                throw new IndexOutOfBoundsException("replay slot " + k + " is outside 0.." + (size - 1));
            }
            System.arraycopy(observations, k * obsSize, obs, j * obsSize, obsSize);
            System.arraycopy(actions, k * actionSize, act, j * actionSize, actionSize);
            System.arraycopy(nextObservations, k * obsSize, nextObs, j * obsSize, obsSize);
            rew[j] = rewards[k];
            term[j] = terminated[k];
        }
        return new Batch(b, obs, act, rew, nextObs, term, indices.clone());
    }

    /** A copy of the contents. */
    public State state() {
        return new State(capacity, obsSize, actionSize, observations.clone(), actions.clone(), rewards.clone(),
                nextObservations.clone(), terminated.clone(), size, next);
    }

    /** Restores a {@link #state()} of a buffer with the same sizes. */
    public void restore(State state) {
        if (state.capacity() != capacity || state.obsSize() != obsSize || state.actionSize() != actionSize) {
            throw new IllegalArgumentException("replay state is for capacity/obs/action " + state.capacity() + "/"
                    + state.obsSize() + "/" + state.actionSize() + " but this buffer is " + capacity + "/" + obsSize
                    + "/" + actionSize);
        }
        System.arraycopy(state.observations(), 0, observations, 0, observations.length);
        System.arraycopy(state.actions(), 0, actions, 0, actions.length);
        System.arraycopy(state.rewards(), 0, rewards, 0, rewards.length);
        System.arraycopy(state.nextObservations(), 0, nextObservations, 0, nextObservations.length);
        System.arraycopy(state.terminated(), 0, terminated, 0, terminated.length);
        size = state.size();
        next = state.next();
    }
}
