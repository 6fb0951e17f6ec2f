package org.gymbridge.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.core.AgentContext;
import org.gymbridge.agents.core.Algorithm;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.train.Configs;
import org.gymbridge.agents.train.TrainerConfig;
import org.gymbridge.spaces.Box;
import org.gymbridge.spaces.Discrete;
import org.gymbridge.spaces.Space;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The documented run configs (java-agent/agents/configs/*.yaml, used as {@code gymbridge train --config FILE})
 * bind to their algorithm's config record without unknown keys, and every issue-8 algorithm builds an agent
 * from the registry that acts on a batch. No training, no server.
 */
class RunConfigsTest {

    private static final Path CONFIGS = Path.of("configs");

    @Test
    void everyRunConfigBindsToItsAlgorithm() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(CONFIGS)) {
            files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no run configs in " + CONFIGS.toAbsolutePath());
        for (Path file : files) {
            Map<String, Object> map = Configs.readFile(file);
            assertTrue(map.get("env") instanceof String, file + ": env");
            Algorithm<?> algorithm = Algorithms.get((String) map.remove("algo"));
            map.remove("env");
            assertTrue(((Number) map.remove("steps")).longValue() > 0, file + ": steps");
            map.remove("seed");
            @SuppressWarnings("unchecked")
            Map<String, Object> trainer = (Map<String, Object>) map.remove("trainer");
            if (trainer != null) {
                Configs.bind(TrainerConfig.defaults(), trainer, file + " (trainer:)");
            }
            Record config = Configs.bind(algorithm.defaults(), map, file.toString());
            assertEquals(algorithm.config(), config.getClass());
        }
    }

    private static Box box(int n, double bound) {
        float[] low = new float[n];
        float[] high = new float[n];
        java.util.Arrays.fill(low, (float) -bound);
        java.util.Arrays.fill(high, (float) bound);
        return new Box(DType.FLOAT32, new long[] {n}, Tensor.ofFloats(low, n), Tensor.ofFloats(high, n));
    }

    @Test
    void everyDeepRlAlgorithmActsThroughTheRegistry() {
        Space pendulumObs = box(3, 8);
        Space pendulumAct = box(1, 2);
        Space cartPoleObs = box(4, 5);
        for (String name : List.of("reinforce", "a2c", "ddpg", "td3", "sac", "ppo")) {
            Algorithm<?> algorithm = Algorithms.get(name);
            Agent agent = algorithm.create(new AgentContext(pendulumObs, pendulumAct, 2, "Pendulum-v1", 1000),
                    algorithm.defaults(), 1);
            INDArray actions = agent.act(HostArrays.toArray(new float[] {1, 0, 0.5f, 0, 1, -0.5f}, 2, 3), false);
            assertEquals(List.of(2L, 1L), List.of(actions.size(0), actions.size(1)), name);
            for (float a : HostArrays.toFloats(actions)) {
                assertTrue(a >= -2 && a <= 2 || name.equals("ppo") || name.equals("a2c") || name.equals("reinforce"),
                        name + " acted outside the Box: " + a);
            }
        }
        for (String name : List.of("reinforce", "a2c", "ppo")) {
            Algorithm<?> algorithm = Algorithms.get(name);
            Agent agent = algorithm.create(new AgentContext(cartPoleObs, new Discrete(2), 2, "CartPole-v1", 1000),
                    algorithm.defaults(), 1);
            float[] actions = HostArrays.toFloats(agent.act(HostArrays.toArray(new float[8], 2, 4), true));
            for (float a : actions) {
                assertTrue(a == 0 || a == 1, name + " chose " + a);
            }
        }
    }
}
