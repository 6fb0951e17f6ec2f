package org.gymbridge.agents.dqn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.gymbridge.agents.Algorithms;
import org.gymbridge.agents.core.ActionAdapter;
import org.gymbridge.agents.core.AgentContext;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.ObservationAdapter;
import org.gymbridge.agents.core.Transition;
import org.gymbridge.agents.train.Configs;
import org.gymbridge.agents.train.TrainerConfig;
import org.gymbridge.agents.train.TrainingRun;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.spaces.Box;
import org.gymbridge.spaces.Discrete;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class DqnTest {

    @TempDir
    Path dir;

    private static Box box(long... shape) {
        int n = 1;
        for (long s : shape) {
            n *= (int) s;
        }
        return new Box(DType.FLOAT32, shape, Tensor.ofFloats(new float[n], shape),
                Tensor.ofFloats(filled(n, 255f), shape));
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static DqnConfig config(Map<String, Object> values) {
        return Configs.bind(DqnConfig.defaults(), values, "test");
    }

    private static Transition step(float obs, int action, double reward, float next, boolean terminated,
                                   boolean truncated) {
        return new Transition(HostArrays.toArray(new float[] {obs}, 1, 1), HostArrays.toArray(new float[] {action}, 1, 1),
                new double[] {reward}, new boolean[] {terminated}, new boolean[] {truncated},
                HostArrays.toArray(new float[] {next}, 1, 1), new boolean[] {true});
    }

    @Test
    void nStepTransitionsFoldRewardsAndBootstrapWithGammaToTheN() {
        AgentContext context = new AgentContext(box(1), new Discrete(2, 0, DType.INT64), 1, "test", 100);
        Dqn dqn = new Dqn(context, config(Map.of("n_step", 3, "gamma", 0.5, "hidden", List.of(4))), 1);
        dqn.observe(step(0, 1, 1, 1, false, false));
        dqn.observe(step(1, 0, 2, 2, false, false));
        assertEquals(0, dqn.buffer().size());
        dqn.observe(step(2, 1, 3, 3, false, false));
        assertEquals(1, dqn.buffer().size());
        var first = dqn.buffer().gather(new int[] {0});
        assertEquals(1 + 0.5 * 2 + 0.25 * 3, first.rewards()[0]);
        assertEquals(0.125, dqn.discount(0));
        assertEquals(0f, first.observations()[0]);
        assertEquals(3f, first.nextObservations()[0]);
        assertEquals(1f, first.actions()[0]);
        // A terminal step flushes the window: shorter returns, no bootstrap.
        dqn.observe(step(3, 0, 4, 4, true, false));
        assertEquals(4, dqn.buffer().size());
        var rest = dqn.buffer().gather(new int[] {1, 2, 3});
        assertArrayEquals(new double[] {2 + 0.5 * 3 + 0.25 * 4, 3 + 0.5 * 4, 4}, rest.rewards());
        for (int slot = 1; slot <= 3; slot++) {
            assertEquals(0.0, dqn.discount(slot));
            assertTrue(dqn.buffer().gather(new int[] {slot}).terminated()[0]);
        }
        // A truncation bootstraps with gamma^k of the steps actually folded.
        dqn.observe(step(10, 0, 1, 11, false, false));
        dqn.observe(step(11, 0, 1, 12, false, true));
        assertEquals(0.25, dqn.discount(4));
        assertEquals(0.5, dqn.discount(5));
    }

    @Test
    void aTruncatedTransitionBootstrapsAndATerminatedOneDoesNot() {
        for (boolean doubleQ : new boolean[] {false, true}) {
            AgentContext context = new AgentContext(box(2), new Discrete(3, 0, DType.INT64), 1, "test", 100);
            Dqn dqn = new Dqn(context, config(Map.of("gamma", 0.9, "hidden", List.of(8), "double_q", doubleQ)), 4);
            float[] after = {0.7f, -0.2f};
            dqn.observe(transition(new float[] {0.1f, 0.2f}, 1, 1.0, after, true, false));      // pole fell
            dqn.observe(transition(new float[] {0.3f, 0.4f}, 2, 1.0, after, false, true));      // time limit
            dqn.observe(transition(new float[] {0.5f, 0.6f}, 0, 1.0, after, false, false));     // mid-episode
            int[] slots = {0, 1, 2};
            double[] y = dqn.targets(dqn.buffer().gather(slots), slots);
            // The target net starts as a copy of the online net, so Q_target(s') is the online net's Q(s').
            double[] q = dqn.predictQ(after, 1);
            double max = Math.max(q[0], Math.max(q[1], q[2]));
            assertEquals(1.0, y[0], 0.0, "terminated: y = r, no bootstrap (doubleQ " + doubleQ + ")");
            assertEquals(1.0 + 0.9 * max, y[1], 1e-9, "truncated: y = r + gamma max Q(s') (doubleQ " + doubleQ + ")");
            assertEquals(1.0 + 0.9 * max, y[2], 1e-9, "mid-episode: y = r + gamma max Q(s')");
            assertTrue(Math.abs(max) > 1e-6, "a network that outputs 0 would hide a missing bootstrap");
        }
    }

    /**
     * A chain of 8 states with reward 1 per step that ends in a terminal state, like a CartPole episode that
     * fails: the learned Q must match the discounted returns (1 - gamma^k) / (1 - gamma), k steps to the end,
     * so that states near the end are worth clearly less than 1/(1-gamma). Both actions move one step to the
     * right (each taken in turn), so Q does not depend on the policy. A wrong sign, discount, target-net sync
     * or gradient fails it.
     */
    @Test
    void qLearnsTheDiscountedReturnsOfAChainThatEndsInATerminalState() {
        double gamma = 0.95;
        int length = 8;
        double[] q = chainValues(gamma, length);
        for (int s = 0; s < length; s++) {
            double expected = (1 - Math.pow(gamma, length - s)) / (1 - gamma);
            assertEquals(expected, q[s], 0.05 * expected + 0.05, "state " + s + " of " + Arrays.toString(q));
        }
    }

    /** Q(s, 0) per chain state (one-hot observations) after training on the chain with the squared TD error. */
    private static double[] chainValues(double gamma, int length) {
        AgentContext context = new AgentContext(box(length), new Discrete(2, 0, DType.INT64), 1, "chain", 4_000);
        Dqn dqn = new Dqn(context, config(Map.of("gamma", gamma, "hidden", List.of(16), "huber", false,
                "learning_rate", 3e-3, "learning_starts", 64, "train_frequency", 16, "gradient_steps", 8,
                "target_update_interval", 16, "batch_size", 32, "buffer_size", 1000)), 7);
        for (int t = 0; t < 4_000; t++) {
            int s = t % length;
            boolean end = s == length - 1;
            float[] next = oneHot(Math.min(s + 1, length - 1), length);
            dqn.observe(transition(oneHot(s, length), (t / length) % 2, 1.0, next, end, false));
            if (dqn.readyToLearn()) {
                dqn.learn(null);
            }
        }
        float[] states = new float[length * length];
        for (int s = 0; s < length; s++) {
            states[s * length + s] = 1;
        }
        double[] q = dqn.predictQ(states, length);
        double[] v = new double[length];
        for (int s = 0; s < length; s++) {
            v[s] = q[2 * s];
        }
        return v;
    }

    private static float[] oneHot(int i, int n) {
        float[] v = new float[n];
        v[i] = 1;
        return v;
    }

    /**
     * CartPole through the real bridge with a short time limit: every pole fall (terminated) is stored without
     * bootstrap, every time-limit cut (truncated) and every other step bootstraps with gamma, and NEXT_STEP's
     * reset steps are not stored at all.
     */
    @Test
    void cartPoleThroughTheBridgeStoresFallsAsTerminalAndTimeLimitsAsBootstrapping() {
        try (VectorEnv env = GymBridge.makeVec("local:CartPole-v1?num_envs=4&max_episode_steps=25")) {
            AgentContext context = new AgentContext(env.singleObservationSpace(), env.singleActionSpace(), 4,
                    "CartPole-v1", 2_000);
            Dqn dqn = new Dqn(context, config(Map.of("learning_starts", 1_000_000, "hidden", List.of(8))), 2);
            ObservationAdapter observations = ObservationAdapter.forSpace(env.singleObservationSpace());
            ActionAdapter actions = ActionAdapter.forSpace(env.singleActionSpace());
            INDArray obs = observations.toBatch(env.reset(3L).observations());
            boolean[] resetting = new boolean[4];
            int terminated = 0;
            int truncated = 0;
            int stored = 0;
            for (int t = 0; t < 500; t++) {
                INDArray a = dqn.act(obs, true);                       // epsilon 1: random actions
                StepResult step = env.step(actions.toValue(a));
                INDArray next = observations.toBatch(step.observations());
                boolean[] valid = new boolean[4];
                for (int i = 0; i < 4; i++) {
                    valid[i] = !resetting[i];
                    if (valid[i]) {
                        stored++;
                        terminated += step.terminated()[i] ? 1 : 0;
                        truncated += step.truncated()[i] && !step.terminated()[i] ? 1 : 0;
                    }
                    resetting[i] = valid[i] && step.done(i);
                }
                dqn.observe(new Transition(obs, a, step.rewards(), step.terminated(), step.truncated(), next, valid));
                obs = next;
            }
            assertTrue(terminated > 20 && truncated > 5, "random CartPole both falls and hits the limit: "
                    + terminated + " falls, " + truncated + " cuts");
            assertEquals(stored, dqn.buffer().size(), "every real transition is stored, no reset step");
            int terminal = 0;
            for (int slot = 0; slot < stored; slot++) {
                boolean end = dqn.buffer().gather(new int[] {slot}).terminated()[0];
                assertEquals(end ? 0.0 : 0.99, dqn.discount(slot), 0.0, "slot " + slot);
                terminal += end ? 1 : 0;
            }
            assertEquals(terminated, terminal, "one terminal slot per pole fall; time-limit cuts bootstrap");
        }
    }

    private static Transition transition(float[] obs, int action, double reward, float[] next, boolean terminated,
                                         boolean truncated) {
        int n = obs.length;
        return new Transition(HostArrays.toArray(obs, 1, n), HostArrays.toArray(new float[] {action}, 1, 1),
                new double[] {reward}, new boolean[] {terminated}, new boolean[] {truncated},
                HostArrays.toArray(next, 1, n), new boolean[] {true});
    }

    @Test
    void aCnnQNetworkWithEveryExtensionFitsItsTargets() {
        long[] shape = {36, 36, 2};
        AgentContext context = new AgentContext(box(shape), new Discrete(3, 0, DType.INT64), 2, "pixels", 1000);
        Dqn dqn = new Dqn(context, config(Map.of("network", "cnn", "double_q", true, "dueling", true,
                "prioritized", true, "learning_starts", 0, "train_frequency", 2, "gradient_steps", 4,
                "batch_size", 8, "learning_rate", 1e-3, "buffer_size", 64)), 3);
        Random rng = new Random(0);
        int size = 36 * 36 * 2;
        double firstLoss = Double.NaN;
        double lastLoss = Double.NaN;
        for (int t = 0; t < 40; t++) {
            float[] obs = new float[2 * size];
            for (int i = 0; i < obs.length; i++) {
                obs[i] = rng.nextInt(256);
            }
            INDArray o = HostArrays.toArray(obs, 2, size);
            INDArray actions = dqn.act(o, true);
            assertEquals(2, actions.length());
            // Every step ends the episode with reward 1: the targets are exactly 1.
            dqn.observe(new Transition(o, actions, new double[] {1, 1}, new boolean[] {true, true},
                    new boolean[] {false, false}, o, new boolean[] {true, true}));
            if (dqn.readyToLearn()) {
                double loss = dqn.learn(o).get("loss");
                firstLoss = Double.isNaN(firstLoss) ? loss : firstLoss;
                lastLoss = loss;
            }
        }
        assertTrue(lastLoss < firstLoss / 4, "loss " + firstLoss + " -> " + lastLoss);
    }

    @Test
    void aCnnQNetworkTakesStackedFramesAndRefusesFlatObservations() {
        // [S, H, W, C] from FrameStackObservation: the stacked frames become input channels (ConvEncoder).
        AgentContext stacked = new AgentContext(box(2, 36, 36, 3), new Discrete(4, 0, DType.INT64), 3, "pixels", 1000);
        Dqn dqn = new Dqn(stacked, config(Map.of("network", "cnn", "buffer_size", 64)), 1);
        INDArray actions = dqn.act(HostArrays.toArray(new float[3 * 2 * 36 * 36 * 3], 3, 2 * 36 * 36 * 3), false);
        assertEquals(3, actions.length());
        AgentContext flat = new AgentContext(box(4), new Discrete(2, 0, DType.INT64), 1, "CartPole-v1", 1000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Dqn(flat, config(Map.of("network", "cnn")), 1));
        assertTrue(e.getMessage().contains("use network: mlp"), e.getMessage());
    }

    @Test
    void sameSeedSameCurveAndAResumedRunIsExact() throws IOException {
        var algorithm = Algorithms.get("dqn");
        Record c = config(Map.of("double_q", true, "dueling", true, "prioritized", true, "n_step", 3,
                "hidden", List.of(32, 32), "learning_starts", 400, "train_frequency", 64, "gradient_steps", 8,
                "epsilon", Map.of("start", 1.0, "end", 0.1, "steps", 2000)));
        TrainerConfig trainer = new TrainerConfig(500, 0, 4, 4, 10_000, 50_000, 20);
        TrainingRun.Spec spec = new TrainingRun.Spec("local:CartPole-v1?num_envs=4", "dqn", 3_000, 5, trainer);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        TrainingRun.create(dir.resolve("a"), spec, algorithm, c).train(quiet);
        TrainingRun.create(dir.resolve("b"), spec, algorithm, c).train(quiet);
        TrainingRun.create(dir.resolve("c"), spec, algorithm, c).trainUntil(quiet, 1_600);
        TrainingRun.resume(dir.resolve("c"), null, Algorithms::get).train(quiet);
        List<String> a = rows(dir.resolve("a"));
        assertTrue(a.stream().anyMatch(r -> r.contains("\"loss\"")), "training rows");
        assertEquals(a, rows(dir.resolve("b")));
        assertEquals(a, rows(dir.resolve("c")));
    }

    static List<String> rows(Path run) throws IOException {
        return TrainingRun.readMetrics(run).stream().map(row -> {
            TrainingRun.WALL_CLOCK_KEYS.forEach(row::remove);
            return Configs.toJson(row);
        }).toList();
    }
}
