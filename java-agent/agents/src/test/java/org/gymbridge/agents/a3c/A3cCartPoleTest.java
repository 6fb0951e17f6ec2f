package org.gymbridge.agents.a3c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.gymbridge.agents.train.Configs;
import org.gymbridge.agents.train.TrainerConfig;
import org.gymbridge.agents.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short A3C run through the real bridge: two actor-learners, each with its own private server (local:) and
 * CartPole-v1 session, train shared parameters; the run folder is complete and the episodes get longer.
 */
class A3cCartPoleTest {

    @Test
    void twoActorLearnersImproveCartPoleAndWriteTheRunFolder(@TempDir Path tmp) throws Exception {
        A3cConfig config = A3cConfig.defaults().withThreads(2).withTotalSteps(15_000);
        TrainerConfig tc = new TrainerConfig(5_000, 0, 5, 5, 1_000_000, 100_000, 20);
        Path dir = tmp.resolve("run");
        A3cRun.run(dir, "local:CartPole-v1?num_envs=1", config, 15_000, 3, tc,
                new PrintStream(OutputStream.nullOutputStream()));

        for (String file : List.of(TrainingRun.RUN_FILE, TrainingRun.CONFIG_FILE, TrainingRun.METRICS_FILE,
                TrainingRun.EVAL_FILE, TrainingRun.CURVE_FILE, TrainingRun.CHECKPOINT_DIR + "/agent.bin")) {
            assertTrue(Files.isRegularFile(dir.resolve(file)), file);
        }
        List<Map<String, Object>> episodes = TrainingRun.readMetrics(dir).stream()
                .filter(r -> "episode".equals(r.get("kind"))).toList();
        assertTrue(episodes.stream().anyMatch(r -> ((Number) r.get("worker")).intValue() == 0));
        assertTrue(episodes.stream().anyMatch(r -> ((Number) r.get("worker")).intValue() == 1));
        double first = mean(episodes.subList(0, 20));
        double last = mean(episodes.subList(episodes.size() - 20, episodes.size()));
        // A random policy lasts ~22 steps; 15k steps of A3C about triple that.
        assertTrue(last > 2 * first && last > 50, "first 20 episodes " + first + ", last 20 " + last);
        @SuppressWarnings("unchecked")
        Map<String, Object> eval = (Map<String, Object>) Configs.parseJson(Files.readString(dir.resolve(TrainingRun.EVAL_FILE)));
        assertEquals(2, ((Number) eval.get("threads")).intValue());
        assertTrue(((Number) eval.get("steps")).longValue() >= 15_000);
    }

    private static double mean(List<Map<String, Object>> rows) {
        return rows.stream().mapToDouble(r -> ((Number) r.get("return")).doubleValue()).average().orElseThrow();
    }
}
