package org.gymbridge.agents.tabular;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.core.AgentContext;
import org.gymbridge.agents.core.Checkpoint;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.Transition;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the tabular algorithms share: a Q table over Discrete states and actions, the behaviour policy
 * (epsilon-greedy with ties broken at random, or Boltzmann), greedy evaluation (ties: lowest action),
 * decoding the trainer's one-hot observation rows back to state indices, statistics and checkpoints.
 * Subclasses implement only their update rule in {@link #update}.
 *
 * <p>Vector envs: every env follows its own trajectory and all of them update the one table, in env order,
 * once per vector step, which keeps runs deterministic. Updates happen in {@link #observe}; {@link #learn}
 * (called every vector step) only reports statistics.
 */
public abstract class TabularAgent implements Agent {

    protected final TabularConfig config;
    protected final int numStates;
    protected final int numActions;
    protected final int numEnvs;
    /** Q(s, a) at s * numActions + a. */
    protected double[] q;
    protected Random rng;
    /** Env steps observed so far (all envs), the clock of the schedules. */
    protected long steps;
    /** An action already chosen for env i's next step (SARSA picks A' during its update), or -1. */
    protected int[] plannedAction;
    private double errorSum;
    private long errorCount;

    protected TabularAgent(AgentContext context, TabularConfig config, long seed, String name) {
        this.config = config;
        this.numStates = context.discreteStates(name);
        this.numActions = context.discreteActions(name);
        this.numEnvs = context.numEnvs();
        this.q = new double[numStates * numActions];
        Arrays.fill(q, config.initialValue());
        this.rng = new Random(seed);
        this.plannedAction = new int[numEnvs];
        Arrays.fill(plannedAction, -1);
    }

    /**
     * The algorithm's update after env {@code env} went from {@code state} with {@code action} to
     * {@code next} with {@code reward}. {@code terminated}: no bootstrapping; {@code truncated}: the episode
     * was cut off, bootstrap from {@code next} (NEXT_STEP autoreset gives the true final state).
     *
     * @return the TD error (or 0 when there is none), for statistics
     */
    protected abstract double update(int env, int state, int action, double reward, int next, boolean terminated,
                                     boolean truncated);

    /** The action values the policy acts on (Double Q: QA + QB). */
    protected double actionValue(int state, int action) {
        return q[state * numActions + action];
    }

    /** The Q table, row-major [state][action] (a copy). */
    public double[] qTable() {
        return q.clone();
    }

    /** Greedy action per state (ties: lowest action). */
    public int[] greedyPolicy() {
        int[] policy = new int[numStates];
        for (int s = 0; s < numStates; s++) {
            policy[s] = greedy(s);
        }
        return policy;
    }

    protected double alpha() {
        return config.alpha().value(steps);
    }

    // ---- Acting -------------------------------------------------------------------------------------------

    @Override
    public INDArray act(INDArray observations, boolean explore) {
        int[] states = decode(observations);
        float[] actions = new float[states.length];
        for (int i = 0; i < states.length; i++) {
            if (!explore) {
                actions[i] = greedy(states[i]);
            } else if (plannedAction[i] >= 0) {
                actions[i] = plannedAction[i];
                plannedAction[i] = -1;
            } else {
                actions[i] = behaviour(states[i]);
            }
        }
        return HostArrays.toArray(actions, states.length, 1);
    }

    /** An action of the behaviour policy in {@code state} (draws from the agent's generator). */
    protected int behaviour(int state) {
        if (config.policy() == TabularConfig.Policy.BOLTZMANN) {
            double[] p = boltzmann(state, config.temperature().value(steps));
            double u = rng.nextDouble();
            double c = 0;
            for (int a = 0; a < numActions; a++) {
                c += p[a];
                if (u < c) {
                    return a;
                }
            }
            return numActions - 1;
        }
        if (rng.nextDouble() < config.epsilon().value(steps)) {
            return rng.nextInt(numActions);
        }
        return greedyRandomTies(state);
    }

    /** The behaviour policy's probabilities in {@code state} (Expected SARSA's expectation). */
    protected double[] policyProbabilities(int state) {
        if (config.policy() == TabularConfig.Policy.BOLTZMANN) {
            return boltzmann(state, config.temperature().value(steps));
        }
        double eps = config.epsilon().value(steps);
        double[] p = new double[numActions];
        Arrays.fill(p, eps / numActions);
        // Greedy mass is shared by tied actions, matching greedyRandomTies.
        double best = maxValue(state);
        int ties = 0;
        for (int a = 0; a < numActions; a++) {
            if (actionValue(state, a) == best) {
                ties++;
            }
        }
        for (int a = 0; a < numActions; a++) {
            if (actionValue(state, a) == best) {
                p[a] += (1 - eps) / ties;
            }
        }
        return p;
    }

    private double[] boltzmann(int state, double temperature) {
        double max = maxValue(state);
        double[] p = new double[numActions];
        double sum = 0;
        for (int a = 0; a < numActions; a++) {
            p[a] = Math.exp((actionValue(state, a) - max) / temperature);
            sum += p[a];
        }
        for (int a = 0; a < numActions; a++) {
            p[a] /= sum;
        }
        return p;
    }

    protected int greedy(int state) {
        int best = 0;
        for (int a = 1; a < numActions; a++) {
            if (actionValue(state, a) > actionValue(state, best)) {
                best = a;
            }
        }
        return best;
    }

    protected int greedyRandomTies(int state) {
        double best = maxValue(state);
        int ties = 0;
        int choice = 0;
        for (int a = 0; a < numActions; a++) {
            if (actionValue(state, a) == best && rng.nextInt(++ties) == 0) {
                choice = a;                 // reservoir sampling over the tied actions
            }
        }
        return choice;
    }

    protected double maxValue(int state) {
        double best = Double.NEGATIVE_INFINITY;
        for (int a = 0; a < numActions; a++) {
            best = Math.max(best, actionValue(state, a));
        }
        return best;
    }

    /** State indices of one-hot observation rows (the trainer's encoding of a Discrete observation). */
    protected int[] decode(INDArray observations) {
        float[] rows = HostArrays.toFloats(observations);
        int n = rows.length / numStates;
        int[] states = new int[n];
        for (int i = 0; i < n; i++) {
            int s = -1;
            for (int k = 0; k < numStates; k++) {
                if (rows[i * numStates + k] != 0) {
                    s = k;
                    break;
                }
            }
            if (s < 0) {
                throw new IllegalArgumentException("observation row " + i + " is not a one-hot state of " + numStates);
            }
            states[i] = s;
        }
        return states;
    }

    // ---- Learning -----------------------------------------------------------------------------------------

    @Override
    public void observe(Transition t) {
        int[] states = decode(t.observations());
        int[] next = decode(t.nextObservations());
        float[] actions = HostArrays.toFloats(t.actions());
        for (int i = 0; i < states.length; i++) {
            if (t.valid()[i]) {
                double error = update(i, states[i], (int) actions[i], t.rewards()[i], next[i], t.terminated()[i],
                        t.truncated()[i]);
                errorSum += Math.abs(error);
                errorCount++;
            } else {
                plannedAction[i] = -1;      // a reset step: the next state starts a new episode
            }
        }
        steps += states.length;
    }

    @Override
    public boolean readyToLearn() {
        return true;
    }

    @Override
    public Map<String, Double> learn(INDArray nextObservations) {
        Map<String, Double> stats = new LinkedHashMap<>();
        if (config.policy() == TabularConfig.Policy.BOLTZMANN) {
            stats.put("temperature", config.temperature().value(steps));
        } else {
            stats.put("epsilon", config.epsilon().value(steps));
        }
        stats.put("alpha", alpha());
        if (errorCount > 0) {
            stats.put("abs_td_error", errorSum / errorCount);
        }
        errorSum = 0;
        errorCount = 0;
        return stats;
    }

    // ---- Checkpoints --------------------------------------------------------------------------------------

    /** Everything an agent of this family needs to continue exactly; {@code extra} is the subclass's part. */
    record State(String algorithm, double[] q, Random rng, long steps, int[] plannedAction, double errorSum,
                 long errorCount, Serializable extra) implements Serializable {
    }

    /** The subclass's additional state (second table, model, episode buffers), or null. */
    protected Serializable extraState() {
        return null;
    }

    protected void restoreExtra(Serializable extra) {
    }

    @Override
    public void save(Path file) throws IOException {
        Checkpoint.of(getClass().getSimpleName())
                .put("state", new State(getClass().getSimpleName(), q, rng, steps, plannedAction, errorSum, errorCount,
                        extraState()))
                .write(file);
    }

    @Override
    public void load(Path file) throws IOException {
        State state = Checkpoint.read(file, getClass().getSimpleName()).get("state", State.class);
        if (!state.algorithm().equals(getClass().getSimpleName()) || state.q().length != q.length) {
            throw new IOException("checkpoint " + file + " holds a " + state.algorithm() + " table of " + state.q().length
                    + " entries, not a " + getClass().getSimpleName() + " table of " + q.length);
        }
        q = state.q().clone();
        rng = state.rng();
        steps = state.steps();
        plannedAction = state.plannedAction().clone();
        errorSum = state.errorSum();
        errorCount = state.errorCount();
        restoreExtra(state.extra());
    }
}
