package org.gymbridge.agents.a3c;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.core.AgentContext;
import org.gymbridge.agents.core.Checkpoint;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.Seeding;
import org.gymbridge.agents.core.Transition;
import org.gymbridge.agents.nn.ActorCritic;
import org.gymbridge.agents.nn.Adam;
import org.gymbridge.agents.policy.Gae;
import org.gymbridge.agents.policy.PolicyGradient;
import org.gymbridge.agents.policy.PolicyHead;
import org.gymbridge.agents.policy.RewardNormalizer;
import org.gymbridge.agents.train.StepLoop;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Asynchronous advantage actor-critic (A3C; Mnih et al. 2016, Algorithm S3): {@code threads} actor-learners,
 * each with its own env session and a local copy of the network. Each one repeatedly
 *
 * <pre>
 *   copies the shared parameters into its local network,
 *   acts numSteps env steps with the local policy,
 *   R_t = r_t + gamma r_{t+1} + ... + gamma^n V(s_{t+n}),  A_t = R_t - V(s_t)      ({@link Gae}, lambda 1)
 *   g   = grad of  -mean(A_t log pi(a_t|s_t)) - entCoef mean(H) + vfCoef 0.5 mean((V(s_t) - R_t)^2)
 *   clips g to maxGradNorm and applies it to the shared parameters (one Adam shared by all).
 * </pre>
 *
 * <p>Updates are applied one at a time under this object's lock, in arrival order (a single updater, not the
 * paper's lock-free Hogwild): ND4J updates a parameter vector in place with several native ops, so concurrent
 * unlocked writes would interleave inside one Adam step (and the moments), and on this scale the lock is not
 * the bottleneck — the env round trips and the local forward/backward passes run in parallel outside it. With
 * one thread a run is deterministic in its seed; with more, the arrival order (and so the result) depends on
 * the scheduler, as in the paper.
 *
 * <p>Terminations stop the bootstrap; time-limit truncations bootstrap from V(final observation), as in A2C.
 * Discrete and MultiDiscrete actions. A3C owns its envs, so it does not run in the single-env step loop of
 * {@code TrainingRun}: {@link A3cRun} drives it and writes the same run folder. As an {@link Agent} it only
 * acts greedily (evaluation) and saves/loads the shared network.
 */
public final class A3c implements Agent {

    /** What the actor-learners report while training (called from their threads, one call at a time). */
    public interface Listener {
        /** Actor-learner {@code worker}'s env ended an episode; {@code step} counts env steps of all of them. */
        default void episodeEnd(int worker, long step, double episodeReturn, long length) throws IOException {
        }

        /** An update was applied to the shared parameters. */
        default void learned(int worker, long step, Map<String, Double> stats) throws IOException {
        }
    }

    private final A3cConfig config;
    private final int obsSize;
    private final PolicyHead head;
    private final int width;
    private final ActorCritic shared;
    private final Adam adam;
    private final long seed;
    private final AtomicLong envSteps = new AtomicLong();
    private long updates;

    /** A new agent with freshly initialized shared parameters; the head fixes the action distribution. */
    public A3c(A3cConfig config, int obsSize, PolicyHead head, long seed) {
        if (head.hasLogStdParameter()) {
            throw new IllegalArgumentException("A3C supports Discrete and MultiDiscrete actions (a Box policy's log"
                    + " std parameter is not shared between actor-learners)");
        }
        this.config = config;
        this.obsSize = obsSize;
        this.head = head;
        this.width = head.distribution().actionSize();
        this.seed = seed;
        this.shared = ActorCritic.create(obsSize, head.networkOutputSize(), config.hidden(), Seeding.seed(seed));
        this.adam = new Adam(shared.params().length(), 0.9, 0.999, config.adamEps());
    }

    /** The registry's factory ({@code gymbridge train --algo a3c}). */
    public static A3c create(AgentContext context, A3cConfig config, long seed) {
        return new A3c(config, context.observations().size(),
                PolicyHead.forSpace(context.actionSpace(), true, 0.0), seed);
    }

    public A3cConfig config() {
        return config;
    }

    /** Env steps taken so far by all actor-learners. */
    public long envSteps() {
        return envSteps.get();
    }

    /**
     * Trains until the actor-learners have taken {@code steps} env steps in all (each finishes the step it is
     * in). Actor-learner i acts in {@code envs.apply(i)}, which it closes, reset with seed + 10,000 i.
     *
     * @throws IOException the first failure of any actor-learner (the others then stop too)
     */
    public void train(IntFunction<VectorEnv> envs, long steps, Listener listener) throws IOException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < config.threads(); w++) {
            int worker = w;
            Thread thread = new Thread(() -> {
                try (VectorEnv env = envs.apply(worker)) {
                    new ActorLearner(worker, env, listener).run(steps, failure);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "a3c-actor-learner-" + w);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure.compareAndSet(null, e);
            }
        }
        Throwable t = failure.get();
        if (t instanceof IOException io) {
            throw io;
        } else if (t instanceof RuntimeException re) {
            throw re;
        } else if (t != null) {
            throw new IOException("an A3C actor-learner failed: " + t, t);
        }
    }

    /**
     * Applies one actor-learner's gradient to the shared parameters and copies them back into its network
     * (the single updater: one at a time, in arrival order).
     */
    private synchronized void apply(INDArray gradient, ActorCritic local) {
        double lr = config.annealLr()
                ? config.learningRate() * Math.max(0, 1.0 - (double) envSteps.get() / config.totalSteps())
                : config.learningRate();
        if (lr > 0) {
            adam.step(shared.params(), gradient, lr);
        }
        updates++;
        local.params().assign(shared.params());
    }

    private synchronized void copyTo(ActorCritic local) {
        local.params().assign(shared.params());
    }

    /** One actor-learner: a {@link StepLoop} over its own env, with itself as the loop's learner. */
    private final class ActorLearner implements Agent {
        private final int worker;
        private final VectorEnv env;
        private final Listener listener;
        private final int numEnvs;
        private final ActorCritic local;
        private final Random rng;
        private final float[] observations;
        private final float[] actions;
        private final double[] values;
        private final double[] rewards;
        private final boolean[] terminated;
        private final boolean[] dones;
        private final boolean[] valid;
        private final RewardNormalizer rewardScale;
        private int step;

        ActorLearner(int worker, VectorEnv env, Listener listener) {
            this.worker = worker;
            this.env = env;
            this.listener = listener;
            this.numEnvs = env.numEnvs();
            this.rng = Seeding.seed(seed * 1_000_003L + worker + 1);
            this.local = ActorCritic.create(obsSize, head.networkOutputSize(), config.hidden(), rng);
            copyTo(local);
            int batch = config.numSteps() * numEnvs;
            this.observations = new float[batch * obsSize];
            this.actions = new float[batch * width];
            this.values = new double[batch];
            this.rewards = new double[batch];
            this.terminated = new boolean[batch];
            this.dones = new boolean[batch];
            this.valid = new boolean[batch];
            this.rewardScale = config.normReward() ? new RewardNormalizer(numEnvs, config.gamma()) : null;
        }

        void run(long steps, AtomicReference<Throwable> failure) throws IOException {
            StepLoop loop = StepLoop.training(this, env);
            loop.listen(new StepLoop.Listener() {
                @Override
                public void stepped(StepResult result, boolean[] validSteps) {
                    envSteps.addAndGet(numEnvs);
                }

                @Override
                public void episodeEnd(StepResult result, int env, double episodeReturn, long length)
                        throws IOException {
                    synchronized (A3c.this) {
                        listener.episodeEnd(worker, envSteps.get(), episodeReturn, length);
                    }
                }

                @Override
                public void learned(Map<String, Double> stats) throws IOException {
                    synchronized (A3c.this) {
                        listener.learned(worker, envSteps.get(), stats);
                    }
                }
            });
            loop.reset(seed + 10_000L * worker);
            while (envSteps.get() < steps && failure.get() == null) {
                loop.step();
            }
        }

        @Override
        public INDArray act(INDArray obs, boolean explore) {
            ActorCritic.Output out = local.predict(obs);
            float[] params = head.params(out.policy());
            int k = step * numEnvs;
            float[] action = new float[numEnvs * width];
            head.distribution().sample(params, rng, action);
            System.arraycopy(HostArrays.toFloats(obs), 0, observations, k * obsSize, numEnvs * obsSize);
            System.arraycopy(action, 0, actions, k * width, numEnvs * width);
            for (int i = 0; i < numEnvs; i++) {
                values[k + i] = out.value()[i];
            }
            return HostArrays.toArray(action, numEnvs, width);
        }

        @Override
        public void observe(Transition t) {
            int k = step * numEnvs;
            double[] r = rewardScale != null ? rewardScale.scale(t) : t.rewards();
            for (int i = 0; i < numEnvs; i++) {
                rewards[k + i] = r[i];
                terminated[k + i] = t.terminated()[i];
                dones[k + i] = t.done(i);
                valid[k + i] = t.valid()[i];
            }
            step++;
        }

        @Override
        public boolean readyToLearn() {
            return step == config.numSteps();
        }

        @Override
        public Map<String, Double> learn(INDArray nextObs) {
            step = 0;
            // n-step returns bootstrapped from V(s_{t+n}) of the local network (lambda 1: GAE is the n-step return).
            float[] next = local.predict(nextObs).value();
            double[] bootstrap = new double[numEnvs];
            for (int i = 0; i < numEnvs; i++) {
                bootstrap[i] = next[i];
            }
            Gae.Result gae = Gae.compute(rewards, values, terminated, dones, bootstrap, config.gamma(), 1.0);
            int n = 0;
            for (boolean v : valid) {
                n += v ? 1 : 0;
            }
            Map<String, Double> stats = new LinkedHashMap<>();
            if (n == 0) {
                return stats;
            }
            float[] obs = new float[n * obsSize];
            float[] act = new float[n * width];
            double[] advantages = new double[n];
            double[] returns = new double[n];
            for (int k = 0, j = 0; k < valid.length; k++) {
                if (valid[k]) {
                    System.arraycopy(observations, k * obsSize, obs, j * obsSize, obsSize);
                    System.arraycopy(actions, k * width, act, j * width, width);
                    advantages[j] = gae.advantages()[k];
                    returns[j] = gae.returns()[k];
                    j++;
                }
            }
            ActorCritic.Output out = local.forward(HostArrays.toArray(obs, n, obsSize));
            double[] dLogProb = new double[n];
            float[] dValue = new float[n];
            double vLoss = 0;
            for (int j = 0; j < n; j++) {
                dLogProb[j] = -advantages[j] / n;
                double error = out.value()[j] - returns[j];
                vLoss += 0.5 * error * error / n;
                dValue[j] = (float) (config.vfCoef() * error / n);
            }
            float[] params = head.params(out.policy());
            float[] dParams = head.distribution().gradient(params, act, dLogProb, -config.entCoef() / n);
            INDArray gradient = local.backward(head.networkGradient(dParams), dValue);
            double gradNorm = Adam.clipGradientNorm(gradient, config.maxGradNorm());
            apply(gradient, local);
            stats.put("v_loss", vLoss);
            stats.put("explained_var", PolicyGradient.explainedVariance(returns, advantages));
            stats.put("grad_norm", gradNorm);
            return stats;
        }

        @Override
        public void save(Path file) {
            throw new UnsupportedOperationException("an actor-learner is saved through its A3c");
        }

        @Override
        public void load(Path file) {
            throw new UnsupportedOperationException("an actor-learner is loaded through its A3c");
        }
    }

    // ---- The Agent view: greedy acting with the shared network, checkpoints -------------------------------

    @Override
    public synchronized INDArray act(INDArray obs, boolean explore) {
        if (explore) {
            throw new IllegalStateException("A3C trains with its own actor-learner threads (A3cRun, gymbridge train"
                    + " --algo a3c), not in the single-env step loop");
        }
        ActorCritic.Output out = shared.predict(obs);
        int rows = out.value().length;
        return HostArrays.toArray(head.distribution().mode(head.params(out.policy())), rows, width);
    }

    @Override
    public void observe(Transition transition) {
        throw new IllegalStateException("A3C learns in its actor-learner threads; see A3c.train");
    }

    @Override
    public boolean readyToLearn() {
        return false;
    }

    @Override
    public Map<String, Double> learn(INDArray nextObservations) {
        throw new IllegalStateException("A3C learns in its actor-learner threads; see A3c.train");
    }

    private record State(A3cConfig config, Adam.State adam, long updates, long envSteps) implements Serializable {
    }

    @Override
    public synchronized void save(Path file) throws IOException {
        Checkpoint.of("a3c").putNetwork("net", shared.graph())
                .put("state", new State(config, adam.state(), updates, envSteps.get()))
                .write(file);
    }

    @Override
    public synchronized void load(Path file) throws IOException {
        Checkpoint checkpoint = Checkpoint.read(file, "a3c");
        checkpoint.restoreNetwork("net", shared.params());
        State state = checkpoint.get("state", State.class);
        adam.restore(state.adam());
        updates = state.updates();
        envSteps.set(state.envSteps());
    }
}
