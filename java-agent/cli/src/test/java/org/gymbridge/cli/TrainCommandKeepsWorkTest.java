package org.gymbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.gymbridge.agents.Algorithms;
import org.gymbridge.agents.ppo.PpoConfig;
import org.gymbridge.agents.train.Configs;
import org.gymbridge.agents.train.TrainerConfig;
import org.gymbridge.agents.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code gymbridge train} never loses what a run learned: a checkpoint at the end whatever the step count, the
 * steps as the length of the schedules, no folder left by a run that never started, an evaluation protocol that
 * follows the run's seed and says so, and metrics without NaN strings.
 */
class TrainCommandKeepsWorkTest {

    private static final String CARTPOLE = "local:CartPole-v1?num_envs=4";

    @TempDir
    Path tmp;

    /** A PPO config file: 4 envs x 16 steps, so a learning step every 64 env steps. */
    private Path ppoConfig(String trainer) throws Exception {
        Path file = tmp.resolve("ppo.yaml");
        Files.writeString(file, "env: " + CARTPOLE + "\nalgo: ppo\nseed: 1\nnum_steps: 16\nhidden: [16, 16]\n"
                + "trainer: " + trainer + "\n");
        return file;
    }

    @Test
    void aRunWhoseStepsAreNotAMultipleOfTheRolloutEndsWithACheckpointThatResumeExtends() throws Exception {
        Path dir = tmp.resolve("run");
        Path config = ppoConfig("{log_every: 64, final_eval_episodes: 2}");
        // 200 steps: three rollouts of 64, then 8 steps the agent does not learn from.
        CliRun first = CliRun.of("train", "--config", config.toString(), "--steps", "200", "--out", dir.toString());
        assertEquals(0, first.code(), first.all());
        Map<String, Object> trainer = json(dir.resolve("checkpoint/trainer.json"));
        assertEquals(200L, number(trainer, "steps"));
        assertTrue(Files.isRegularFile(dir.resolve("checkpoint/agent.bin")));

        CliRun resumed = CliRun.of("train", "--resume", dir.toString(), "--steps", "328");
        assertEquals(0, resumed.code(), resumed.all());
        assertTrue(resumed.out().contains("resuming " + dir + " at step 200"), resumed.out());
        assertEquals(328L, number(json(dir.resolve("checkpoint/trainer.json")), "steps"));
        List<Map<String, Object>> rows = TrainingRun.readMetrics(dir);
        // One history: episode rows numbered 1, 2, 3 ... and steps that never go back, one event file.
        long lastStep = 0;
        int episode = 0;
        for (Map<String, Object> row : rows) {
            assertTrue(number(row, "step") >= lastStep, "a row went back in steps: " + row);
            lastStep = number(row, "step");
            if ("episode".equals(row.get("kind"))) {
                assertEquals(++episode, number(row, "episode"), "episode rows: " + row);
            }
        }
        Set<Long> trainSteps = new HashSet<>();
        rows.stream().filter(r -> "train".equals(r.get("kind")))
                .forEach(r -> assertTrue(trainSteps.add(number(r, "step")), "duplicate train row " + r));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).count());
        }
    }

    /** Every on-policy agent, not only PPO: A2C once refused to save with a partial rollout collected. */
    @ParameterizedTest
    @ValueSource(strings = {"a2c", "reinforce"})
    void everyOnPolicyAgentEndsWithACheckpointBetweenLearningSteps(String algo) throws Exception {
        Path dir = tmp.resolve(algo);
        // A2C learns every 16 x 4 = 64 env steps: 200 ends 8 steps into a rollout.
        CliRun run = CliRun.of("train", "--env", CARTPOLE, "--algo", algo, "--steps", "200", "--seed", "1",
                "--out", dir.toString());
        assertEquals(0, run.code(), run.all());
        assertEquals(200L, number(json(dir.resolve("checkpoint/trainer.json")), "steps"));
        assertTrue(Files.isRegularFile(dir.resolve("checkpoint/agent.bin")));
        CliRun resumed = CliRun.of("train", "--resume", dir.toString(), "--steps", "264");
        assertEquals(0, resumed.code(), resumed.all());
        assertEquals(264L, number(json(dir.resolve("checkpoint/trainer.json")), "steps"));
    }

    @Test
    void stepsSetTheLengthOfTheLearningRateAnnealing() throws Exception {
        Path dir = tmp.resolve("run");
        Path config = ppoConfig("{log_every: 64, final_eval_episodes: 1}");
        // The config's default total_steps is 150,000; --steps 256 makes 4 updates and anneals over those.
        assertEquals(0, CliRun.of("train", "--config", config.toString(), "--steps", "256", "--out",
                dir.toString()).code());
        assertEquals(256L, number(Configs.readFile(dir.resolve("config.yaml")), "total_steps"));
        List<Double> rates = TrainingRun.readMetrics(dir).stream().filter(r -> "train".equals(r.get("kind")))
                .map(r -> ((Number) r.get("lr")).doubleValue()).toList();
        double lr0 = PpoConfig.defaults().learningRate();
        assertEquals(List.of(lr0, 0.75 * lr0, 0.5 * lr0, 0.25 * lr0).size(), rates.size(), rates.toString());
        assertEquals(0.25 * lr0, rates.get(3), 1e-12, "the last of 4 updates runs at a quarter of the rate");
    }

    @Test
    void aRunThatFailsBeforeItsFirstStepLeavesNoFolderAndNothingToResumeIsSaid() throws Exception {
        Path dir = tmp.resolve("run");
        CliRun typo = CliRun.of("train", "--env", "local:CartPol-v1", "--algo", "ppo", "--steps", "64", "--out",
                dir.toString());
        assertEquals(1, typo.code(), typo.all());
        assertTrue(typo.err().contains("CartPole-v1"), typo.err());
        assertFalse(Files.exists(dir), "the failed run left " + dir);
        CliRun fixed = CliRun.of("train", "--config", ppoConfig("{log_every: 64, final_eval_episodes: 1}").toString(),
                "--steps", "64", "--out", dir.toString());
        assertEquals(0, fixed.code(), fixed.all());

        // A folder whose run stopped before its first checkpoint (killed outright): resume says so on one line.
        Path empty = tmp.resolve("never");
        TrainingRun.create(empty, new TrainingRun.Spec(CARTPOLE, "ppo", 64, 1, TrainerConfig.defaults()),
                Algorithms.get("ppo"), PpoConfig.defaults());
        CliRun nothing = CliRun.of("train", "--resume", empty.toString());
        assertEquals(2, nothing.code());
        List<String> lines = nothing.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), nothing.err());
        assertTrue(lines.get(0).contains("nothing to resume in " + empty) && lines.get(0).contains("delete the folder"),
                lines.get(0));
    }

    @Test
    void theEvaluationSeedFollowsTheRunSeedOrTheOptionAndTheProtocolIsPrinted() throws Exception {
        String lake = "local:FrozenLake-v1?is_slippery=false&num_envs=4";
        Path seeded = tmp.resolve("s3");
        CliRun run = CliRun.of("train", "--env", lake, "--algo", "q-learning", "--steps", "400", "--seed", "3",
                "--eval-every", "200", "--out", seeded.toString());
        assertEquals(0, run.code(), run.all());
        assertEquals(10_002L, number(json(seeded.resolve("eval.json")), "eval_seed"));
        assertTrue(run.out().contains("final evaluation: 100 episodes of the greedy policy, eval seed 10002"), run.out());
        // --eval-every: periodic evaluations in the metrics.
        assertEquals(List.of(200L, 400L), TrainingRun.readMetrics(seeded).stream()
                .filter(r -> "eval".equals(r.get("kind"))).map(r -> number(r, "step")).toList());

        Path chosen = tmp.resolve("chosen");
        CliRun explicit = CliRun.of("train", "--env", lake, "--algo", "q-learning", "--steps", "400", "--seed", "3",
                "--eval-seed", "77", "--out", chosen.toString());
        assertEquals(0, explicit.code(), explicit.all());
        assertEquals(77L, number(json(chosen.resolve("eval.json")), "eval_seed"));
        assertTrue(explicit.out().contains("eval seed 77"), explicit.out());
    }

    @Test
    void metricsHoldNoNanStringsAndTd3HasNoActorLossBeforeItsFirstActorUpdate() throws Exception {
        Path dir = tmp.resolve("td3");
        Path config = tmp.resolve("td3.yaml");
        // A train row every 50 steps from step 60: Pendulum's first episode (200 steps) has not ended yet.
        Files.writeString(config, "env: local:Pendulum-v1\nalgo: td3\nlearning_starts: 50\nbatch_size: 16\n"
                + "hidden: [16, 16]\ntrainer: {log_every: 50, final_eval_episodes: 1}\n");
        CliRun run = CliRun.of("train", "--config", config.toString(), "--steps", "250", "--out", dir.toString());
        assertEquals(0, run.code(), run.all());
        String metrics = Files.readString(dir.resolve("metrics.jsonl"));
        assertFalse(metrics.contains("NaN") || metrics.contains("Infinity"), metrics);
        Map<String, Object> firstTrain = TrainingRun.readMetrics(dir).stream()
                .filter(r -> "train".equals(r.get("kind"))).findFirst().orElseThrow();
        assertTrue(firstTrain.containsKey("return_mean"), firstTrain.toString());
        assertNull(firstTrain.get("return_mean"), "no episode has ended: null, not \"NaN\"");
        if (firstTrain.containsKey("actor_loss")) {
            assertNotNull(firstTrain.get("actor_loss"));
        }
        assertTrue(TrainingRun.readMetrics(dir).stream().anyMatch(r -> r.get("actor_loss") instanceof Number),
                "the actor's loss once it is updated");
        // TensorBoard: no simple_value (field 2, fixed32: 0x15) holding NaN (0x7fc00000, little-endian).
        try (Stream<Path> files = Files.list(dir)) {
            Path events = files.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents."))
                    .findFirst().orElseThrow();
            byte[] b = Files.readAllBytes(events);
            for (int i = 0; i + 4 < b.length; i++) {
                assertFalse(b[i] == 0x15 && b[i + 1] == 0 && b[i + 2] == 0 && (b[i + 3] & 0xff) == 0xc0
                        && b[i + 4] == 0x7f, "a NaN scalar in the event file at byte " + i);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(Path file) throws Exception {
        return (Map<String, Object>) Configs.parseJson(Files.readString(file));
    }

    private static long number(Map<String, Object> map, String key) {
        return ((Number) map.get(key)).longValue();
    }
}
