package org.gymbridge.agents.bandit;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.core.Checkpoint;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.Transition;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the bandit algorithms share: {@code runs} independent learners side by side (one per env of a
 * vector env, or one per run of {@link BanditTestbed}'s simulation), each with its own estimates, reset when
 * its episode (one bandit problem) ends. Subclasses implement {@link #select}, {@link #update} and
 * {@link #reset(int)}; all randomness comes from the agent's one {@link Random}, in run order.
 *
 * <p>As an {@link Agent}: {@code act} selects an arm per env (evaluation: the arm with the best estimate),
 * {@code observe} updates with the reward and resets the learner whose problem ended.
 */
public abstract class BanditAgent implements Agent {

    protected final BanditConfig config;
    protected final int arms;
    protected final int runs;
    protected Random rng;
    /** Pulls so far per run (t - 1 at the time of a selection). */
    protected long[] time;

    protected BanditAgent(BanditConfig config, int arms, int runs, long seed) {
        if (arms < 1 || runs < 1) {
            throw new IllegalArgumentException("a bandit agent needs >= 1 arm and >= 1 run");
        }
        this.config = config;
        this.arms = arms;
        this.runs = runs;
        this.rng = new Random(seed);
        this.time = new long[runs];
    }

    /** The arm run {@code run} pulls next. */
    public abstract int select(int run);

    /** Learns from pulling {@code arm} in run {@code run} and receiving {@code reward}. */
    public abstract void update(int run, int arm, double reward);

    /** Forgets everything of run {@code run} (a new bandit problem starts). */
    public void reset(int run) {
        time[run] = 0;
    }

    /** The arm the run currently believes best (ties: lowest). */
    public abstract int greedy(int run);

    public int arms() {
        return arms;
    }

    public int runs() {
        return runs;
    }

    /** argmax with ties broken uniformly at random (as the book's testbed does). */
    protected int argmaxRandomTies(double[] values, int offset) {
        double best = Double.NEGATIVE_INFINITY;
        int ties = 0;
        int choice = 0;
        for (int a = 0; a < arms; a++) {
            double v = values[offset + a];
            if (v > best) {
                best = v;
                ties = 1;
                choice = a;
            } else if (v == best && rng.nextInt(++ties) == 0) {
                choice = a;
            }
        }
        return choice;
    }

    protected int argmax(double[] values, int offset) {
        int best = 0;
        for (int a = 1; a < arms; a++) {
            if (values[offset + a] > values[offset + best]) {
                best = a;
            }
        }
        return best;
    }

    // ---- Agent ---------------------------------------------------------------------------------------------

    @Override
    public INDArray act(INDArray observations, boolean explore) {
        int n = (int) observations.size(0);
        if (n > runs) {
            throw new IllegalArgumentException("this bandit agent has " + runs + " runs but got " + n + " envs");
        }
        float[] actions = new float[n];
        for (int i = 0; i < n; i++) {
            actions[i] = explore ? select(i) : greedy(i);
        }
        return HostArrays.toArray(actions, n, 1);
    }

    @Override
    public void observe(Transition t) {
        float[] actions = HostArrays.toFloats(t.actions());
        for (int i = 0; i < actions.length; i++) {
            if (!t.valid()[i]) {
                continue;
            }
            update(i, (int) actions[i], t.rewards()[i]);
            if (t.done(i)) {
                reset(i);
            }
        }
    }

    @Override
    public boolean readyToLearn() {
        return true;
    }

    @Override
    public Map<String, Double> learn(INDArray nextObservations) {
        return Map.of();
    }

    // ---- Checkpoints ---------------------------------------------------------------------------------------

    private record State(String algorithm, Random rng, long[] time, Serializable estimates) implements Serializable {
    }

    /** The subclass's arrays. */
    protected abstract Serializable estimates();

    protected abstract void restore(Serializable estimates);

    @Override
    public void save(Path file) throws IOException {
        Checkpoint.of(getClass().getSimpleName())
                .put("state", new State(getClass().getSimpleName(), rng, time.clone(), estimates()))
                .write(file);
    }

    @Override
    public void load(Path file) throws IOException {
        State s = Checkpoint.read(file, getClass().getSimpleName()).get("state", State.class);
        if (!s.algorithm().equals(getClass().getSimpleName()) || s.time().length != runs) {
            throw new IOException("checkpoint " + file + " holds a " + s.algorithm() + " with " + s.time().length
                    + " runs, not a " + getClass().getSimpleName() + " with " + runs);
        }
        rng = s.rng();
        time = s.time().clone();
        restore(s.estimates());
    }

    /** Copies of double arrays, for the subclasses' estimates. */
    protected static double[][] copy(double[]... arrays) {
        return Arrays.stream(arrays).map(double[]::clone).toArray(double[][]::new);
    }
}
