package org.gymbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.gymbridge.agents.Algorithms;
import org.gymbridge.agents.core.Algorithm;
import org.gymbridge.agents.rlhf.LabelLog;
import org.gymbridge.agents.rlhf.QueryLog;
import org.gymbridge.agents.rlhf.SegmentStore;
import org.gymbridge.agents.train.Configs;
import org.gymbridge.agents.train.TrainerConfig;
import org.gymbridge.agents.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gymbridge train --algo ppo-rlhf} on a short Pendulum-v1 run: one train row per iteration with the RLHF
 * columns, the label budget kept, a reward model that ranks held-out pairs, exact resume, and people's labels
 * that never block the run.
 */
class PpoRlhfTrainTest {

    /** 4 envs x 64 steps = 256 env steps per iteration, 4 iterations; small PPO and reward-model updates. */
    private static final String YAML = """
            env: local:Pendulum-v1?num_envs=4
            algo: ppo-rlhf
            seed: 3
            steps: 1024
            trainer: {log_every: 256, final_eval_episodes: 4}
            ppo: {num_steps: 64, num_minibatches: 2, update_epochs: 2}
            segment_length: 16
            label_budget: 150
            initial_labels: 60
            label_decay_steps: 512
            eval_pairs: 60
            """;

    @TempDir
    Path tmp;

    @Test
    void aSyntheticRunLogsEachIterationKeepsTheBudgetLearnsTheRewardAndResumesExactly() throws Exception {
        Path config = tmp.resolve("rlhf.yaml");
        Files.writeString(config, YAML);
        Path whole = tmp.resolve("whole");
        assertEquals(0, CliRun.of("train", "--config", config.toString(), "--out", whole.toString()).code());

        List<Map<String, Object>> train = trainRows(whole);
        assertEquals(List.of(256L, 512L, 768L, 1024L), train.stream().map(r -> number(r, "step")).toList());
        double lastLabels = -1;
        for (Map<String, Object> row : train) {
            for (String key : List.of("rm_accuracy", "labels_used", "rm_loss", "reward_corr")) {
                assertTrue(row.get(key) instanceof Number, key + " missing in " + row);
            }
            double labels = ((Number) row.get("labels_used")).doubleValue();
            assertTrue(labels >= lastLabels && labels <= 150, "labels used " + labels + " after " + lastLabels);
            lastLabels = labels;
        }
        assertEquals(60.0, ((Number) train.get(0).get("labels_used")).doubleValue(), "the initial labels first");
        assertEquals(150.0, lastLabels, "the schedule spends the budget by the end of the run");
        // Pendulum's episodes are 200 steps: the iterations in which some ended have both returns.
        assertTrue(train.stream().anyMatch(r -> r.get("true_return") instanceof Number
                && r.get("learned_return") instanceof Number), "episodes end in 1024 steps");
        double accuracy = ((Number) train.get(train.size() - 1).get("rm_accuracy")).doubleValue();
        assertTrue(accuracy > 0.6, "held-out accuracy of the reward model " + accuracy);
        assertTrue(Files.size(whole.resolve(TrainingRun.RLHF_CURVE_FILE)) > 0);

        // Interrupted after two iterations (as Ctrl-C would, at a learning step) and resumed by the command.
        Path parts = tmp.resolve("parts");
        Algorithm<?> algorithm = Algorithms.get("ppo-rlhf");
        Map<String, Object> run = Configs.readFile(whole.resolve(TrainingRun.RUN_FILE));
        @SuppressWarnings("unchecked")
        TrainerConfig trainer = Configs.bind(TrainerConfig.defaults(), (Map<String, Object>) run.get("trainer"), "run");
        Record algoConfig = Configs.bind(algorithm.defaults(), Configs.readFile(whole.resolve(TrainingRun.CONFIG_FILE)),
                "config");
        TrainingRun.Result half = TrainingRun.create(parts, new TrainingRun.Spec(String.valueOf(run.get("env")),
                "ppo-rlhf", 1024, 3, trainer), algorithm, algoConfig).trainUntil(quiet(), 512);
        assertFalse(half.finished());
        assertEquals(0, CliRun.of("train", "--resume", parts.toString()).code());
        assertEquals(withoutWallClock(TrainingRun.readMetrics(whole)), withoutWallClock(TrainingRun.readMetrics(parts)));
        assertEquals(Configs.parseJson(Files.readString(whole.resolve("eval.json"))) instanceof Map<?, ?> a
                ? a.get("mean_return") : null, Configs.parseJson(Files.readString(parts.resolve("eval.json")))
                instanceof Map<?, ?> b ? b.get("mean_return") : null);
    }

    @Test
    void withPeopleTheRunAsksThroughTheRunFolderTakesTheAnswersThatComeAndNeverWaitsLonger() throws Exception {
        Path config = tmp.resolve("human.yaml");
        Files.writeString(config, YAML.replace("steps: 1024", "steps: 768")
                + "labeler: human\nfirst_labels_wait_s: 3\nlabel_wait_s: 0\nmin_labels: 5\nheld_out_every: 4\nclips: off\n");
        Path dir = tmp.resolve("human");
        // A person who answers the first 20 pairs as they appear: the left one, unless its segment started later.
        Thread person = new Thread(() -> answer(dir, 20));
        person.setDaemon(true);
        person.start();
        long start = System.nanoTime();
        assertEquals(0, CliRun.of("train", "--config", config.toString(), "--out", dir.toString()).code());
        double seconds = (System.nanoTime() - start) / 1e9;
        person.join(10_000);

        List<Map<String, Object>> train = trainRows(dir);
        assertEquals(3, train.size());
        QueryLog queries = QueryLog.open(dir);
        assertTrue(queries.size() <= 150 && queries.size() >= 60, queries.size() + " queries");
        double used = ((Number) train.get(train.size() - 1).get("labels_used")).doubleValue();
        assertEquals(20.0, used, "the answers given, picked up from labels.jsonl");
        assertTrue(LabelLog.open(dir).isClosed(), "the run takes no more labels once it has ended");
        assertTrue(seconds < 120, "the run waited for labels no longer than its wait policy: " + seconds + " s");
        // The trained agent evaluates like any other (built without a run folder: it asks nobody).
        CliRun eval = CliRun.of("eval", "--run", dir.toString(), "--episodes", "2");
        assertEquals(0, eval.code(), eval.toString());
    }

    @Test
    void withPeopleTheAskedSegmentsGetClipsReplayedFromTheTrainingsOwnSteps() throws Exception {
        Path config = tmp.resolve("clips.yaml");
        Files.writeString(config, YAML.replace("steps: 1024", "steps: 512").replace("label_budget: 150",
                "label_budget: 12").replace("initial_labels: 60", "initial_labels: 6")
                + "labeler: human\nfirst_labels_wait_s: 0\nlabel_wait_s: 0\nmin_labels: 1\nclips: auto\nclip_envs: 2\n");
        Path dir = tmp.resolve("clips");
        CliRun run = CliRun.of("train", "--config", config.toString(), "--out", dir.toString());
        assertEquals(0, run.code(), run.toString());

        assertEquals(12, QueryLog.open(dir).size(), "the budget's pairs were asked");
        SegmentStore store = SegmentStore.open(dir);
        List<String> ids = store.ids();
        assertTrue(ids.size() >= 12 && ids.size() <= 24, ids.size() + " stored segments for 12 pairs");
        for (String id : ids) {
            SegmentStore.Stored stored = store.load(id).orElseThrow();
            assertTrue(stored.segment().env() < 2, "people are asked about the envs that have a rendering copy");
            SegmentStore.Clip clip = stored.clip();
            assertTrue(clip != null, id + " has a clip");
            assertEquals(16, clip.frames(), id + ": one frame per segment step");
            assertEquals(30.0, clip.fps(), "Pendulum's render_fps");
            BufferedImage image = ImageIO.read(store.clipImage(id).orElseThrow().toFile());
            assertEquals(clip.columns() * clip.frameWidth(), image.getWidth());
            assertEquals(2 * clip.frameHeight(), image.getHeight(), "16 frames, 8 per row");
            // Frames are pictures, and the pendulum moves between the first and the last.
            int[] first = image.getRGB(0, 0, clip.frameWidth(), clip.frameHeight(), null, 0, clip.frameWidth());
            int[] last = image.getRGB(7 * clip.frameWidth(), clip.frameHeight(), clip.frameWidth(),
                    clip.frameHeight(), null, 0, clip.frameWidth());
            assertTrue(java.util.Arrays.stream(first).distinct().count() > 2, id + ": the first frame is not blank");
            assertFalse(java.util.Arrays.equals(first, last), id + ": the clip is animated");
        }
    }

    @Test
    void aResumedRunCatchesItsClipCopyUpFromTheActionLogAndGoesOnRecordingClips() throws Exception {
        // Interrupted after its first iteration (6 pairs asked), then resumed by the command: the copy replays the
        // run's action log, is checked against the training env at every step after, and the pairs asked after the
        // resume have clips too.
        Path algoConfig = tmp.resolve("algo.yaml");
        Files.writeString(algoConfig, """
                ppo: {num_steps: 64, num_minibatches: 2, update_epochs: 2}
                segment_length: 16
                label_budget: 18
                initial_labels: 6
                label_decay_steps: 512
                labeler: human
                first_labels_wait_s: 0
                label_wait_s: 0
                min_labels: 1
                clip_envs: 2
                """);
        Algorithm<?> algorithm = Algorithms.get("ppo-rlhf");
        Record config = Configs.bind(algorithm.defaults(), Configs.readFile(algoConfig), "config");
        TrainerConfig trainer = Configs.bind(TrainerConfig.defaults(), Map.of("log_every", 256,
                "final_eval_episodes", 0), "trainer");
        Path dir = tmp.resolve("resumed");
        TrainingRun.Result first = TrainingRun.create(dir, new TrainingRun.Spec("local:Pendulum-v1?num_envs=4",
                "ppo-rlhf", 768, 3, trainer), algorithm, config).trainUntil(quiet(), 256);
        assertFalse(first.finished());
        assertEquals(6, QueryLog.open(dir).size());
        List<String> before = SegmentStore.open(dir).ids();

        CliRun resumed = CliRun.of("train", "--resume", dir.toString());
        assertEquals(0, resumed.code(), resumed.toString());
        assertEquals(18, QueryLog.open(dir).size(), "the schedule's pairs after the resume were asked");
        SegmentStore store = SegmentStore.open(dir);
        List<String> after = store.ids().stream().filter(id -> !before.contains(id)).toList();
        assertTrue(after.size() >= 12, after.size() + " segments stored after the resume");
        for (String id : after) {
            SegmentStore.Clip clip = store.load(id).orElseThrow().clip();
            assertTrue(clip != null && clip.frames() == 16, id + " has a clip of 16 frames: " + clip);
        }
    }

    private static void answer(Path dir, int count) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        int answered = 0;
        try {
            while (answered < count && System.nanoTime() < deadline) {
                if (!Files.isRegularFile(dir.resolve("rlhf").resolve("queries.jsonl"))) {
                    Thread.sleep(100);
                    continue;
                }
                LabelLog log = LabelLog.open(dir);
                var open = log.firstOpen(q -> false);
                if (open.isEmpty()) {
                    Thread.sleep(100);
                    continue;
                }
                log.answer(open.get().pair(), org.gymbridge.agents.rlhf.Choice.LEFT, "tester");
                answered++;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<Map<String, Object>> trainRows(Path dir) throws Exception {
        return TrainingRun.readMetrics(dir).stream().filter(r -> "train".equals(r.get("kind"))).toList();
    }

    private static List<Map<String, Object>> withoutWallClock(List<Map<String, Object>> rows) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            Map<String, Object> kept = new LinkedHashMap<>(row);
            kept.keySet().removeAll(TrainingRun.WALL_CLOCK_KEYS);
            out.add(kept);
        }
        return out;
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream());
    }

    private static long number(Map<String, Object> map, String key) {
        return ((Number) map.get(key)).longValue();
    }
}
