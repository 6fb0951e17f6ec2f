package org.gymbridge.agents.buffers;

import java.io.Serializable;
import java.util.Random;

/**
 * The priorities of prioritized experience replay (Schaul et al. 2016, proportional variant) over the slots
 * of a {@link ReplayBuffer}: a sum tree to draw slot i with probability P(i) = p_i^alpha / sum_k p_k^alpha in
 * O(log n), and a min tree for the largest importance weight. Sampling is stratified (one draw per equal
 * segment of the total), new slots get the largest priority seen so far, and
 * {@code w_i = (N P(i))^-beta / max_j w_j} corrects the bias of the non-uniform sampling.
 */
public final class PrioritizedReplay {

    /** Slots drawn and their importance weights. */
    public record Sample(int[] slots, double[] weights) {
    }

    /** Everything for checkpoints. */
    public record State(double[] sum, double[] min, double maxPriority) implements Serializable {
    }

    private final int capacity;
    private final int leaves;          // a power of two >= capacity
    private final double alpha;
    private double[] sum;
    private double[] min;
    private double maxPriority = 1.0;

    /** Priorities for {@code capacity} slots with exponent {@code alpha} (0: uniform, 1: fully proportional). */
    public PrioritizedReplay(int capacity, double alpha) {
        this.capacity = capacity;
        int n = 1;
        while (n < capacity) {
            n <<= 1;
        }
        this.leaves = n;
        this.alpha = alpha;
        this.sum = new double[2 * n];
        this.min = new double[2 * n];
        java.util.Arrays.fill(min, Double.POSITIVE_INFINITY);
    }

    /** A newly written slot gets the largest priority so far, so every transition is replayed at least once. */
    public void added(int slot) {
        set(slot, Math.pow(maxPriority, alpha));
    }

    /** New priorities (e.g. |TD error| + eps) for replayed slots. */
    public void update(int[] slots, double[] priorities) {
        for (int j = 0; j < slots.length; j++) {
            double p = priorities[j];
            if (!(p > 0) || Double.isInfinite(p)) {
                throw new IllegalArgumentException("priority of slot " + slots[j] + " must be finite and > 0, got " + p);
            }
            maxPriority = Math.max(maxPriority, p);
            set(slots[j], Math.pow(p, alpha));
        }
    }

    /** The current total of p^alpha. */
    public double total() {
        return sum[1];
    }

    /** {@code batchSize} slots among the first {@code size}, stratified, with importance weights for {@code beta}. */
    public Sample sample(int batchSize, int size, double beta, Random rng) {
        int[] slots = new int[batchSize];
        double[] weights = new double[batchSize];
        double total = sum[1];
        double segment = total / batchSize;
        double maxWeight = Math.pow(size * min[1] / total, -beta);
        for (int j = 0; j < batchSize; j++) {
            double mass = segment * (j + rng.nextDouble());
            int slot = find(Math.min(mass, Math.nextDown(total)));
            if (slot >= size) {
                slot = size - 1;                 // float round-off at the right edge
            }
            slots[j] = slot;
            double p = sum[leaves + slot] / total;
            weights[j] = Math.pow(size * p, -beta) / maxWeight;
        }
        return new Sample(slots, weights);
    }

    private int find(double mass) {
        int node = 1;
        while (node < leaves) {
            int left = 2 * node;
            if (mass < sum[left]) {
                node = left;
            } else {
                mass -= sum[left];
                node = left + 1;
            }
        }
        return node - leaves;
    }

    private void set(int slot, double value) {
        if (slot < 0 || slot >= capacity) {
            throw new IndexOutOfBoundsException("slot " + slot + " outside 0.." + (capacity - 1));
        }
        int node = leaves + slot;
        sum[node] = value;
        min[node] = value;
        for (node >>= 1; node >= 1; node >>= 1) {
            sum[node] = sum[2 * node] + sum[2 * node + 1];
            min[node] = Math.min(min[2 * node], min[2 * node + 1]);
        }
    }

    public State state() {
        return new State(sum.clone(), min.clone(), maxPriority);
    }

    public void restore(State state) {
        if (state.sum().length != sum.length) {
            throw new IllegalArgumentException("priority state is for another capacity");
        }
        sum = state.sum().clone();
        min = state.min().clone();
        maxPriority = state.maxPriority();
    }
}
