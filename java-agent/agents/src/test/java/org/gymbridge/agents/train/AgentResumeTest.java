package org.gymbridge.agents.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.gymbridge.agents.a2c.A2c;
import org.gymbridge.agents.a2c.A2cConfig;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.core.AgentContext;
import org.gymbridge.agents.core.Checkpoint;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.Transition;
import org.gymbridge.agents.ddpg.Ddpg;
import org.gymbridge.agents.ddpg.DdpgConfig;
import org.gymbridge.agents.dqn.Dqn;
import org.gymbridge.agents.dqn.DqnConfig;
import org.gymbridge.agents.nn.Adam;
import org.gymbridge.agents.policy.ActionScaler;
import org.gymbridge.agents.policy.PolicyHead;
import org.gymbridge.agents.ppo.Ppo;
import org.gymbridge.agents.ppo.PpoConfig;
import org.gymbridge.agents.reinforce.Reinforce;
import org.gymbridge.agents.reinforce.ReinforceConfig;
import org.gymbridge.agents.sac.Sac;
import org.gymbridge.agents.sac.SacConfig;
import org.gymbridge.agents.tabular.DoubleQLearning;
import org.gymbridge.agents.tabular.DynaQ;
import org.gymbridge.agents.tabular.ExpectedSarsa;
import org.gymbridge.agents.tabular.MonteCarloControl;
import org.gymbridge.agents.tabular.QLearning;
import org.gymbridge.agents.tabular.Sarsa;
import org.gymbridge.agents.tabular.TabularConfig;
import org.gymbridge.agents.td3.Td3;
import org.gymbridge.agents.td3.Td3Config;
import org.gymbridge.spaces.Box;
import org.gymbridge.spaces.Discrete;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * save + load continue a run bit for bit, for every agent that learns: an agent trained on a synthetic stream of
 * transitions is saved; a fresh agent from the same factory loads it; both then see the same stream and must
 * choose identical actions and end with identical weights (replay buffers, optimizers, normalizers, random
 * generators and counters all restored). No server needed: the stream is made up here.
 */
class AgentResumeTest {

    @TempDir
    Path dir;

    private static final int ENVS = 2;
    private static final int OBS = 3;

    /** Plays {@code steps} vector steps of a made-up env on {@code agent}; returns every action it chose. */
    private static List<float[]> play(Agent agent, int steps, long streamSeed, boolean discrete) {
        Random env = new Random(streamSeed);
        List<float[]> chosen = new ArrayList<>();
        float[] obs = observations(env);
        for (int t = 0; t < steps; t++) {
            INDArray o = HostArrays.toArray(obs, ENVS, OBS);
            INDArray actions = agent.act(o, true);
            chosen.add(HostArrays.toFloats(actions));
            float[] next = observations(env);
            double[] rewards = new double[ENVS];
            boolean[] terminated = new boolean[ENVS];
            boolean[] truncated = new boolean[ENVS];
            boolean[] valid = new boolean[ENVS];
            for (int i = 0; i < ENVS; i++) {
                rewards[i] = env.nextGaussian();
                terminated[i] = env.nextDouble() < 0.05;
                truncated[i] = !terminated[i] && env.nextDouble() < 0.05;
                valid[i] = true;
            }
            agent.observe(new Transition(o, actions, rewards, terminated, truncated, HostArrays.toArray(next, ENVS, OBS),
                    valid));
            if (agent.readyToLearn()) {
                agent.learn(HostArrays.toArray(next, ENVS, OBS));
            }
            obs = next;
        }
        return chosen;
    }

    /** One observation row per env: Gaussian features, or one-hot states for the tabular agents. */
    private static float[] observations(Random env) {
        float[] obs = new float[ENVS * OBS];
        for (int i = 0; i < ENVS; i++) {
            if (oneHot) {
                obs[i * OBS + env.nextInt(OBS)] = 1;
            } else {
                for (int k = 0; k < OBS; k++) {
                    obs[i * OBS + k] = (float) env.nextGaussian();
                }
            }
        }
        return obs;
    }

    private static boolean oneHot;

    private void resumesExactly(Supplier<Agent> factory, int before, int after, boolean discrete) throws IOException {
        Agent original = factory.get();
        play(original, before, 11, discrete);
        Path file = dir.resolve("agent.bin");
        original.save(file);
        Agent restored = factory.get();
        restored.load(file);

        List<float[]> a = play(original, after, 12, discrete);
        List<float[]> b = play(restored, after, 12, discrete);
        for (int t = 0; t < after; t++) {
            assertArrayEquals(a.get(t), b.get(t), "action at step " + t + " after resuming");
        }
        Path fa = dir.resolve("a.bin");
        Path fb = dir.resolve("b.bin");
        original.save(fa);
        restored.save(fb);
        assertSameLearnedState(fa, fb);
        INDArray probe = HostArrays.toArray(new float[] {0.3f, -1.2f, 0.5f, 1f, 0f, -0.4f}, ENVS, OBS);
        assertArrayEquals(HostArrays.toFloats(original.act(probe, false)), HostArrays.toFloats(restored.act(probe, false)));
    }

    /** Both checkpoints hold the same networks and optimizer states (the continued training was identical). */
    private static void assertSameLearnedState(Path a, Path b) throws IOException {
        Checkpoint ca = Checkpoint.read(a);
        Checkpoint cb = Checkpoint.read(b);
        assertEquals(ca.names(), cb.names());
        for (String name : ca.names()) {
            if (name.startsWith("net/")) {
                String net = name.substring("net/".length());
                assertEquals(ca.networkParams(net), cb.networkParams(net), name);
            } else if (name.startsWith("adam/")) {
                Adam.State sa = ca.get(name, Adam.State.class);
                Adam.State sb = cb.get(name, Adam.State.class);
                assertArrayEquals(sa.m(), sb.m(), name);
                assertArrayEquals(sa.v(), sb.v(), name);
                assertEquals(sa.step(), sb.step(), name);
            }
        }
    }

    private static Box box(double low, double high) {
        return new Box(DType.FLOAT32, new long[] {1}, Tensor.ofFloats(new float[] {(float) low}, 1),
                Tensor.ofFloats(new float[] {(float) high}, 1));
    }

    @Test
    void td3ResumesExactly() throws IOException {
        Td3Config p = Td3Config.pendulum();
        Td3Config config = new Td3Config(1000, 64, 32, p.gamma(), p.tau(), p.actorLr(), p.criticLr(),
                p.explorationNoise(), p.policyNoise(), p.noiseClip(), 2, 1.0, new int[] {16, 16});
        resumesExactly(() -> new Td3(config, ENVS, OBS, ActionScaler.of(new double[] {-2}, new double[] {2}), 5),
                80, 30, false);
    }

    @Test
    void sacResumesExactly() throws IOException {
        SacConfig config = SacConfig.pendulum();
        SacConfig small = new SacConfig(1000, 64, 32, config.gamma(), config.tau(), config.policyLr(),
                config.qLr(), config.policyFrequency(), config.targetNetworkFrequency(), config.alpha(), true, 1.0,
                new int[] {16, 16});
        resumesExactly(() -> new Sac(small, ENVS, OBS, ActionScaler.of(new double[] {-2}, new double[] {2}), 5),
                80, 30, false);
    }

    @Test
    void ddpgResumesExactly() throws IOException {
        DdpgConfig p = DdpgConfig.pendulum();
        DdpgConfig config = new DdpgConfig(1000, 64, 32, p.gamma(), p.tau(), p.actorLr(), p.criticLr(),
                p.explorationNoise(), 2, 1.0, new int[] {16, 16});
        resumesExactly(() -> new Ddpg(config, ENVS, OBS, ActionScaler.of(new double[] {-2}, new double[] {2}), 5),
                80, 30, false);
    }

    @Test
    void a2cResumesExactlyWithDiscreteAndContinuousActions() throws IOException {
        A2cConfig config = A2cConfig.defaults().withNumSteps(5);
        resumesExactly(() -> new A2c(config, ENVS, OBS, PolicyHead.forSpace(new Discrete(3), true, 0), 5), 40, 20, true);
        resumesExactly(() -> new A2c(config, ENVS, OBS, PolicyHead.forSpace(box(-1, 1), true, 0), 5), 40, 20, false);
        A2cConfig raw = config.withNormReward(false);
        resumesExactly(() -> new A2c(raw, ENVS, OBS, PolicyHead.forSpace(new Discrete(3), true, 0), 5), 40, 20,
                true);
    }

    @Test
    void reinforceResumesExactlyWithEpisodesInProgress() throws IOException {
        ReinforceConfig config = ReinforceConfig.defaults().withEpisodesPerUpdate(2);
        resumesExactly(() -> new Reinforce(config, ENVS, OBS, PolicyHead.forSpace(new Discrete(2), true, 0), 5),
                63, 60, true);
    }

    @Test
    void continuousPpoWithNormalizationResumesExactly() throws IOException {
        PpoConfig config = PpoConfig.pendulum().withNumSteps(8).withTotalSteps(10_000).withEpochs(2);
        resumesExactly(() -> Ppo.create(new AgentContext(new Box(DType.FLOAT32, new long[] {OBS},
                        Tensor.ofFloats(new float[] {-5, -5, -5}, OBS), Tensor.ofFloats(new float[] {5, 5, 5}, OBS)),
                        box(-2, 2), ENVS, "test", 10_000), config, 5), 32, 16, false);
    }

    @Test
    void dqnResumesExactly() throws IOException {
        DqnConfig config = Configs.bind(DqnConfig.defaults(), java.util.Map.of("double_q", true, "dueling", true,
                "prioritized", true, "n_step", 3, "hidden", List.of(16), "buffer_size", 500, "batch_size", 16,
                "learning_starts", 32, "train_frequency", 4, "target_update_interval", 20), "test");
        AgentContext context = new AgentContext(new Box(DType.FLOAT32, new long[] {OBS},
                Tensor.ofFloats(new float[] {-5, -5, -5}, OBS), Tensor.ofFloats(new float[] {5, 5, 5}, OBS)),
                new Discrete(2), ENVS, "test", 10_000);
        resumesExactly(() -> new Dqn(context, config, 5), 60, 40, true);
    }

    @Test
    void tabularAgentsResumeExactly() throws IOException {
        AgentContext context = new AgentContext(new Discrete(OBS), new Discrete(2), ENVS, "test", 10_000);
        TabularConfig config = TabularConfig.defaults();
        oneHot = true;
        try {
            List<Supplier<Agent>> agents = List.of(() -> new QLearning(context, config, 5),
                    () -> new Sarsa(context, config, 5), () -> new ExpectedSarsa(context, config, 5),
                    () -> new DoubleQLearning(context, config, 5), () -> new DynaQ(context, config, 5),
                    () -> new MonteCarloControl(context, config, 5));
            for (Supplier<Agent> agent : agents) {
                resumesExactly(agent, 50, 30, true);
            }
        } finally {
            oneHot = false;
        }
    }

    @Test
    void loadingAnotherAlgorithmsCheckpointFailsClearly() throws IOException {
        Td3Config p = Td3Config.pendulum();
        Td3 td3 = new Td3(new Td3Config(1000, 64, 32, p.gamma(), p.tau(), p.actorLr(), p.criticLr(),
                p.explorationNoise(), p.policyNoise(), p.noiseClip(), 2, 1.0, new int[] {8}), ENVS, OBS, ActionScaler.of(new double[] {-2},
                new double[] {2}), 1);
        Path file = dir.resolve("td3.bin");
        td3.save(file);
        Sac sac = new Sac(SacConfig.pendulum().withHidden(8), ENVS, OBS, ActionScaler.of(new double[] {-2},
                new double[] {2}), 1);
        IOException e = assertThrows(IOException.class, () -> sac.load(file));
        assertTrue(e.getMessage().contains("td3"), e.getMessage());
        assertEquals(0, sac.envSteps());
    }
}
