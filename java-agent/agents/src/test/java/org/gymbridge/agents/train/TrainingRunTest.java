package org.gymbridge.agents.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.gymbridge.agents.Algorithms;
import org.gymbridge.agents.ppo.Ppo;
import org.gymbridge.agents.ppo.PpoConfig;
import org.gymbridge.client.GymBridge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Run folders through a real local server: files written, and an interrupted run resumes bit for bit. */
class TrainingRunTest {

    private static final String ENV = "local:CartPole-v1?num_envs=4";

    @TempDir
    Path dir;

    private static TrainingRun.Spec spec(long steps) {
        return new TrainingRun.Spec(ENV, "ppo", steps, 7, new TrainerConfig(128, 512, 2, 3, 10_000, 50_000, 20));
    }

    private static Record config() {
        return PpoConfig.defaults().withNumSteps(16).withTotalSteps(1024);
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream());
    }

    @Test
    void anInterruptedRunResumedGivesTheSameMetricsAndWeightsAsAnUninterruptedOne() throws IOException {
        Path whole = dir.resolve("whole");
        TrainingRun.Result a = TrainingRun.create(whole, spec(1024), Algorithms.get("ppo"), config()).train(quiet());
        assertTrue(a.finished());

        Path parts = dir.resolve("parts");
        TrainingRun.Result half = TrainingRun.create(parts, spec(1024), Algorithms.get("ppo"), config())
                .trainUntil(quiet(), 512);
        assertFalse(half.finished());
        assertEquals(512, half.steps());
        assertFalse(Files.exists(parts.resolve(TrainingRun.EVAL_FILE)));
        TrainingRun.Result b = TrainingRun.resume(parts, null, Algorithms::get).train(quiet());
        assertTrue(b.finished());

        List<String> rowsA = withoutClock(whole);
        List<String> rowsB = withoutClock(parts);
        assertTrue(rowsA.size() > 20, "episodes, train and eval rows: " + rowsA.size());
        assertTrue(rowsA.stream().anyMatch(r -> r.contains("\"kind\":\"eval\"")), "eval rows");
        assertEquals(rowsA, rowsB);
        assertEquals(Ppo.load(whole.resolve("checkpoint/agent.bin"), 4, 7).network().params(),
                Ppo.load(parts.resolve("checkpoint/agent.bin"), 4, 7).network().params());
        assertEquals(a.finalEval().mean(), b.finalEval().mean());
        // The periodic evaluation at 512 steps kept its agent as the best so far.
        assertTrue(Files.isRegularFile(whole.resolve("checkpoint/best-agent.bin")));
        assertTrue(Files.readString(whole.resolve("eval.json")).contains("\"best_periodic_eval_step\":512"));
    }

    @Test
    void aRunWhoseEvaluationThrowsKeepsTheCheckpointOfThatIntervalAndResumesExactly() throws IOException {
        // Checkpoint and evaluation both due at step 512; the evaluation env fails as a crashed session would.
        TrainingRun.Spec both = new TrainingRun.Spec(ENV, "ppo", 1024, 7, new TrainerConfig(128, 512, 2, 3, 10_000, 512, 20));
        Path whole = dir.resolve("whole");
        TrainingRun.create(whole, both, Algorithms.get("ppo"), config()).train(quiet());

        Path crashed = dir.resolve("crashed");
        String evalUrl = TrainingRun.evalUrl(ENV);
        TrainingRun failing = TrainingRun.create(crashed, both, Algorithms.get("ppo"), config()).withEnvFactory(url -> {
            if (url.equals(evalUrl)) {
                throw new IllegalStateException("the evaluation env crashed");
            }
            return GymBridge.makeVec(url);
        });
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> failing.train(quiet()));
        assertEquals("the evaluation env crashed", e.getMessage());
        String trainer = Files.readString(crashed.resolve("checkpoint/trainer.json"));
        assertTrue(trainer.contains("\"steps\":512"), trainer);

        TrainingRun.Result resumed = TrainingRun.resume(crashed, null, Algorithms::get).train(quiet());
        assertTrue(resumed.finished());
        assertEquals(withoutClock(whole), withoutClock(crashed), "the resumed run evaluates at 512 as the whole run did");
    }

    @Test
    void aRunFolderHasConfigMetricsEventsCurveCheckpointAndEvaluation() throws IOException {
        Path run = dir.resolve("run");
        TrainingRun.create(run, spec(256), Algorithms.get("ppo"), config()).train(quiet());
        for (String f : List.of("run.yaml", "config.yaml", "metrics.jsonl", "learning-curve.png", "eval.json",
                "checkpoint/agent.bin", "checkpoint/trainer.json", "checkpoint/actions.bin")) {
            assertTrue(Files.isRegularFile(run.resolve(f)), f);
        }
        try (Stream<Path> files = Files.list(run)) {
            assertEquals(1, files.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).count());
        }
        assertTrue(Files.readString(run.resolve("config.yaml")).contains("num_steps: 16"));
        Map<String, Object> eval = (Map<String, Object>) Configs.parseJson(Files.readString(run.resolve("eval.json")));
        assertEquals(3, ((Number) eval.get("episodes")).intValue());
        // 256 steps of 4 envs x 64 vector steps: one float per env and step in the action log.
        assertEquals(64 * 4 * 4, Files.size(run.resolve("checkpoint/actions.bin")));
    }

    @Test
    void anExistingRunFolderIsNotOverwritten() throws IOException {
        Path run = dir.resolve("taken");
        Files.createDirectories(run);
        Files.writeString(run.resolve("x"), "x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingRun.create(run, spec(256), Algorithms.get("ppo"), config()));
        assertTrue(e.getMessage().contains("--resume"), e.getMessage());
    }

    private static List<String> withoutClock(Path run) throws IOException {
        return TrainingRun.readMetrics(run).stream().map(row -> {
            TrainingRun.WALL_CLOCK_KEYS.forEach(row::remove);
            return Configs.toJson(row);
        }).toList();
    }

    @Test
    void theEvaluationEnvRemakesASessionTheServerReapedWhileItIdled() {
        // Its session idles between evaluations, in slow runs longer than the server's idle timeout.
        assertEquals("local:HalfCheetah-v5?num_envs=1&on_crash=recreate", TrainingRun.evalUrl("local:HalfCheetah-v5?num_envs=1"));
        assertEquals("local:CartPole-v1?on_crash=recreate", TrainingRun.evalUrl("local:CartPole-v1"));
        assertEquals("local:CartPole-v1?on_crash=fail", TrainingRun.evalUrl("local:CartPole-v1?on_crash=fail"));
    }
}
