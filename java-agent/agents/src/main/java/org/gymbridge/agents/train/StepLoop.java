package org.gymbridge.agents.train;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.gymbridge.agents.core.ActionAdapter;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.core.FollowsResets;
import org.gymbridge.agents.core.ObservationAdapter;
import org.gymbridge.agents.core.Transition;
import org.gymbridge.env.AutoresetMode;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.Value;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The one env loop every trainer, evaluation and testbed runs: act on the batch of observations, step the
 * vector env, mark the valid envs, add up each env's episode return and length, then (when training) hand
 * the {@link Transition} to the agent and learn when it is ready. What to do with all that (progress lines,
 * metrics, evaluations, checkpoints) is up to the {@link Listener}s; the caller decides when to stop.
 *
 * <p>It relies on Gymnasium's NEXT_STEP autoreset (the server default): the step after an episode ends only
 * resets that env, so it is marked invalid and its reward is not counted; in exchange the final observation
 * of every episode reaches the agent, which lets truncated episodes bootstrap without an extra forward pass
 * (SAME_STEP would hide it in the infos).
 *
 * <p>Wall clock is split three ways: acting (forward passes, sampling), the env ({@code step}: the round trip
 * through the bridge and the env in the server) and learning ({@code observe} and {@code learn}).
 */
public final class StepLoop {

    /** What a loop reports, step by step (all no-ops by default). */
    public interface Listener {
        /** The actions chosen for the next vector step, before the env receives them. */
        default void actions(INDArray actions) throws IOException {
        }

        /**
         * A vector step: {@code valid[i]} is false where it only reset env i. Called after the step's rewards
         * were added to the episode returns, before its episode ends are reported.
         */
        default void stepped(StepResult step, boolean[] valid) throws IOException {
        }

        /** Env {@code env}'s episode ended in {@code step} with this return and length (valid steps). */
        default void episodeEnd(StepResult step, int env, double episodeReturn, long length) throws IOException {
        }

        /** The agent learned from what it observed (only when training), with the update's statistics. */
        default void learned(Map<String, Double> stats) throws IOException {
        }
    }

    private final VectorEnv env;
    private final Function<INDArray, INDArray> policy;
    private final Agent learner;
    private final ObservationAdapter observationAdapter;
    private final ActionAdapter actionAdapter;
    private final int numEnvs;
    private final List<Listener> listeners = new ArrayList<>();
    private INDArray obs;
    private double[] returns;
    private long[] lengths;
    private boolean[] resetting;
    private long actNanos;
    private long envNanos;
    private long learnNanos;

    private StepLoop(VectorEnv env, Function<INDArray, INDArray> policy, Agent learner) {
        requireNextStepAutoreset(env);
        this.env = env;
        this.policy = policy;
        this.learner = learner;
        this.observationAdapter = ObservationAdapter.forSpace(env.singleObservationSpace());
        this.actionAdapter = ActionAdapter.forSpace(env.singleActionSpace());
        this.numEnvs = env.numEnvs();
    }

    /** A loop that trains {@code agent}: explores with {@code act(obs, true)}, observes and learns. */
    public static StepLoop training(Agent agent, VectorEnv env) {
        return new StepLoop(env, obs -> agent.act(obs, true), agent);
    }

    /** A loop that only acts: {@code policy} maps batched observations [numEnvs, obs] to actions. */
    public static StepLoop acting(Function<INDArray, INDArray> policy, VectorEnv env) {
        return new StepLoop(env, policy, null);
    }

    static void requireNextStepAutoreset(VectorEnv env) {
        if (env.autoresetMode() != AutoresetMode.NEXT_STEP) {
            throw new IllegalArgumentException("the agents need the env's autoreset mode NEXT_STEP (the default),"
                    + " but it is " + env.autoresetMode() + ": remove autoreset=... from the env URL");
        }
    }

    /** Adds a listener (called in the order added). Returns this loop. */
    public StepLoop listen(Listener listener) {
        listeners.add(listener);
        return this;
    }

    /** Starts from {@code env.reset(seed)} (env i gets seed + i) with no episode under way; returns its observations. */
    public Value reset(long seed) {
        if (learner instanceof FollowsResets follower) {
            follower.envReset(seed);
        }
        long t0 = System.nanoTime();
        Value first = env.reset(seed).observations();
        obs = observationAdapter.toBatch(first);
        envNanos += System.nanoTime() - t0;
        returns = new double[numEnvs];
        lengths = new long[numEnvs];
        resetting = new boolean[numEnvs];
        return first;
    }

    /**
     * Continues from a state the caller restored: the env already stands at {@code observations}, and each
     * env's episode so far is {@code returns}, {@code lengths}, {@code resetting} (arrays the loop then owns).
     */
    public void restore(INDArray observations, double[] returns, long[] lengths, boolean[] resetting) {
        this.obs = observations;
        this.returns = returns;
        this.lengths = lengths;
        this.resetting = resetting;
    }

    /**
     * One vector step (act, step, bookkeeping, observe, learn when ready).
     *
     * @return the statistics of the learning step it made, or null when the agent did not learn
     */
    public Map<String, Double> step() throws IOException {
        long t0 = System.nanoTime();
        INDArray actions = policy.apply(obs);
        long t1 = System.nanoTime();
        for (Listener listener : listeners) {
            listener.actions(actions);
        }
        StepResult step = env.step(actionAdapter.toValue(actions));
        INDArray nextObs = observationAdapter.toBatch(step.observations());
        long t2 = System.nanoTime();
        actNanos += t1 - t0;
        envNanos += t2 - t1;

        boolean[] valid = new boolean[numEnvs];
        for (int i = 0; i < numEnvs; i++) {
            valid[i] = !resetting[i];
            if (valid[i]) {
                returns[i] += step.rewards()[i];
                lengths[i]++;
            }
        }
        for (Listener listener : listeners) {
            listener.stepped(step, valid);
        }
        for (int i = 0; i < numEnvs; i++) {
            if (valid[i] && step.done(i)) {
                for (Listener listener : listeners) {
                    listener.episodeEnd(step, i, returns[i], lengths[i]);
                }
                returns[i] = 0;
                lengths[i] = 0;
            }
            resetting[i] = valid[i] && step.done(i);
        }
        if (learner == null) {
            obs = nextObs;
            return null;
        }
        long t3 = System.nanoTime();
        learner.observe(new Transition(obs, actions, step.rewards(), step.terminated(), step.truncated(), nextObs,
                valid));
        obs = nextObs;
        if (!learner.readyToLearn()) {
            learnNanos += System.nanoTime() - t3;
            return null;
        }
        Map<String, Double> stats = learner.learn(obs);
        learnNanos += System.nanoTime() - t3;
        for (Listener listener : listeners) {
            listener.learned(stats);
        }
        return stats;
    }

    public int numEnvs() {
        return numEnvs;
    }

    /** The observations the next step acts on. */
    public INDArray observations() {
        return obs;
    }

    /** Each env's return so far in its current episode (live). */
    public double[] episodeReturns() {
        return returns;
    }

    /** Each env's valid steps so far in its current episode (live). */
    public long[] episodeLengths() {
        return lengths;
    }

    /** Which envs' next step only resets them (live). */
    public boolean[] resetting() {
        return resetting;
    }

    public double actSeconds() {
        return actNanos / 1e9;
    }

    public double envSeconds() {
        return envNanos / 1e9;
    }

    public double learnSeconds() {
        return learnNanos / 1e9;
    }
}
