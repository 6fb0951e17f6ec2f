package org.gymbridge.env;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The transition model of a tabular env — Gymnasium's {@code env.unwrapped.P} of FrozenLake, Taxi or
 * CliffWalking — for dynamic programming (value iteration, policy iteration). Entry {@code k} says:
 * taking {@code action(k)} in {@code state(k)} leads with {@code probability(k)} to {@code nextState(k)}
 * with {@code reward(k)}, ending the episode when {@code done(k)} (Gymnasium's {@code terminated}).
 *
 * <p>Entries are ordered by state, then action, then Gymnasium's own outcome order, and the float64
 * numbers are Python's own, so a sum over {@link #outcomes(int, int)} in that order is bit-identical to
 * the same sum over {@code P[s][a]} in Python. A hot loop uses {@link #first} / {@link #end} and the
 * per-entry getters instead of allocating outcome lists:
 * <pre>{@code
 * double q = 0;
 * for (int k = model.first(s, a); k < model.end(s, a); k++) {
 *     q += model.probability(k) * (model.reward(k) + (model.done(k) ? 0 : gamma * v[model.nextState(k)]));
 * }
 * }</pre>
 * Get one with {@link VectorEnv#model()} or {@link Env#model()}. Immutable.
 */
public final class TabularModel {
    private final int numStates;
    private final int numActions;
    private final int stateStart;
    private final int actionStart;
    private final int[] state;
    private final int[] action;
    private final double[] probability;
    private final int[] nextState;
    private final double[] reward;
    private final boolean[] done;
    private final int[] offsets; // entries of pair p = (s - stateStart) * numActions + (a - actionStart): [offsets[p], offsets[p+1])

    /**
     * A model from its flattened entries (all arrays of one length, ordered by state then action, every
     * (state, action) pair present at least once); the arrays are copied.
     *
     * @throws IllegalArgumentException if the entries do not form such a model
     */
    public TabularModel(int numStates, int numActions, int[] state, int[] action, double[] probability,
                        int[] nextState, double[] reward, boolean[] done) {
        int n = state.length;
        if (numStates < 1 || numActions < 1) {
            throw new IllegalArgumentException("a tabular model needs >= 1 state and action, got " + numStates
                    + " states and " + numActions + " actions");
        }
        if (action.length != n || probability.length != n || nextState.length != n || reward.length != n
                || done.length != n) {
            throw new IllegalArgumentException("model arrays differ in length: state " + n + ", action " + action.length
                    + ", probability " + probability.length + ", nextState " + nextState.length + ", reward "
                    + reward.length + ", done " + done.length);
        }
        if (n == 0) {
            throw new IllegalArgumentException("a tabular model needs at least one entry per (state, action) pair; got none");
        }
        this.numStates = numStates;
        this.numActions = numActions;
        this.stateStart = state[0];
        this.actionStart = action[0];
        this.state = state.clone();
        this.action = action.clone();
        this.probability = probability.clone();
        this.nextState = nextState.clone();
        this.reward = reward.clone();
        this.done = done.clone();
        int pairs = numStates * numActions;
        this.offsets = new int[pairs + 1];
        int expected = 0; // the pair the next group must be
        for (int k = 0; k < n; k++) {
            int s = state[k] - stateStart;
            int a = action[k] - actionStart;
            if (s < 0 || s >= numStates || a < 0 || a >= numActions) {
                throw new IllegalArgumentException("entry " + k + " has (state " + state[k] + ", action " + action[k]
                        + ") outside the " + numStates + " x " + numActions + " model");
            }
            int p = s * numActions + a;
            if (k == 0 || p != s(k - 1) * numActions + a(k - 1)) {
                if (p != expected) {
                    throw new IllegalArgumentException("entry " + k + " (state " + state[k] + ", action " + action[k]
                            + ") is out of order or a (state, action) pair is missing before it");
                }
                offsets[p] = k;
                expected++;
            }
            int next = nextState[k] - stateStart;
            if (next < 0 || next >= numStates) {
                throw new IllegalArgumentException("entry " + k + " leads to state " + nextState[k] + " outside the model");
            }
        }
        if (expected != pairs) {
            throw new IllegalArgumentException("the model covers " + expected + " of " + pairs + " (state, action) pairs");
        }
        offsets[pairs] = n;
    }

    private int s(int k) {
        return state[k] - stateStart;
    }

    private int a(int k) {
        return action[k] - actionStart;
    }

    /** Number of states (observation_space.n). */
    public int numStates() {
        return numStates;
    }

    /** Number of actions (action_space.n). */
    public int numActions() {
        return numActions;
    }

    /** Number of entries (outcomes over all state-action pairs). */
    public int size() {
        return state.length;
    }

    /** Index of the first entry of {@code (s, a)}. */
    public int first(int s, int a) {
        return offsets[pair(s, a)];
    }

    /** One past the index of the last entry of {@code (s, a)}. */
    public int end(int s, int a) {
        return offsets[pair(s, a) + 1];
    }

    /** State of entry {@code k}. */
    public int state(int k) {
        return state[k];
    }

    /** Action of entry {@code k}. */
    public int action(int k) {
        return action[k];
    }

    /** Probability of entry {@code k}. */
    public double probability(int k) {
        return probability[k];
    }

    /** Next state of entry {@code k}. */
    public int nextState(int k) {
        return nextState[k];
    }

    /** Reward of entry {@code k}. */
    public double reward(int k) {
        return reward[k];
    }

    /** Whether entry {@code k} ends the episode (terminated). */
    public boolean done(int k) {
        return done[k];
    }

    /** One outcome of a state-action pair. */
    public record Outcome(double probability, int nextState, double reward, boolean done) {
    }

    /** The outcomes of taking {@code a} in {@code s}, in Gymnasium's order ({@code P[s][a]}). */
    public List<Outcome> outcomes(int s, int a) {
        List<Outcome> out = new ArrayList<>();
        for (int k = first(s, a); k < end(s, a); k++) {
            out.add(new Outcome(probability[k], nextState[k], reward[k], done[k]));
        }
        return out;
    }

    /** Copy of the states of all entries. */
    public int[] states() {
        return state.clone();
    }

    /** Copy of the actions of all entries. */
    public int[] actions() {
        return action.clone();
    }

    /** Copy of the probabilities of all entries. */
    public double[] probabilities() {
        return probability.clone();
    }

    /** Copy of the next states of all entries. */
    public int[] nextStates() {
        return nextState.clone();
    }

    /** Copy of the rewards of all entries. */
    public double[] rewards() {
        return reward.clone();
    }

    /** Copy of the done flags of all entries. */
    public boolean[] dones() {
        return done.clone();
    }

    private int pair(int s, int a) {
        int ss = s - stateStart;
        int aa = a - actionStart;
        if (ss < 0 || ss >= numStates || aa < 0 || aa >= numActions) {
            throw new IndexOutOfBoundsException("(state " + s + ", action " + a + ") is outside the model: states "
                    + stateStart + ".." + (stateStart + numStates - 1) + ", actions " + actionStart + ".."
                    + (actionStart + numActions - 1));
        }
        return ss * numActions + aa;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TabularModel m && numStates == m.numStates && numActions == m.numActions
                && Arrays.equals(state, m.state) && Arrays.equals(action, m.action)
                && Arrays.equals(probability, m.probability) && Arrays.equals(nextState, m.nextState)
                && Arrays.equals(reward, m.reward) && Arrays.equals(done, m.done);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(probability) + Arrays.hashCode(nextState) + numStates * 7 + numActions;
    }

    @Override
    public String toString() {
        return "TabularModel(" + numStates + " states, " + numActions + " actions, " + size() + " outcomes)";
    }
}
