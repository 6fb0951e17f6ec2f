package org.gymbridge.examples.crafter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.ObservationAdapter;
import org.gymbridge.agents.nn.ConvEncoder;
import org.gymbridge.agents.ppo.Ppo;
import org.gymbridge.agents.ppo.PpoConfig;
import org.gymbridge.agents.train.Configs;
import org.gymbridge.agents.train.TrainingRun;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.spaces.Box;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short version of the Crafter experiment end to end through a real server with worker processes:
 * a CNN PPO agent trains a few thousand steps, every episode's achievements are logged, then the agent and the
 * random baseline are evaluated with the same seeds and the score JSON, bar chart PNG and GIF are written.
 */
class CrafterExperimentTest {

    // A 120-step time limit keeps evaluation episodes short; the rest is the documented run's setup.
    private static final String URL = "local:Crafter-v1?num_envs=4&vectorization=workers&max_episode_steps=120";

    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("unchecked")
    void trainsEvaluatesAgainstRandomAndWritesScoreChartAndGif() throws Exception {
        Path out = dir.resolve("run");
        PpoConfig ppo = PpoConfig.pixels().withNumSteps(64).withEpochs(1).withMinibatches(2);
        CrafterExperiment experiment = new CrafterExperiment(URL, out, 2048, 3, ppo,
                CrafterExperiment.defaultTrainer(), 8, 500, true, "sample");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        CrafterExperiment.Outcome outcome = experiment.run(new PrintStream(log, true, StandardCharsets.UTF_8));
        String text = log.toString(StandardCharsets.UTF_8);

        // The agent is the CNN one, for uint8 64x64x3 frames, and the frames arrived as such.
        Ppo agent = Ppo.load(out.resolve("checkpoint/agent.bin"), 4, 3);
        assertEquals(new ConvEncoder(1, 64, 64, 3, 1f / 255f), agent.encoder());
        List<Tensor> frames = outcome.agent().firstEpisodeFrames();
        assertTrue(frames.size() > 1, "frames of the first evaluation episode: " + frames.size());
        for (Tensor f : frames) {
            assertEquals(DType.UINT8, f.dtype());
            assertArrayEquals(new long[] {64, 64, 3}, f.shape());
        }

        // Achievements are logged per episode (0/1) and as unlock rates in train rows.
        List<Map<String, Object>> rows = TrainingRun.readMetrics(out);
        List<Map<String, Object>> episodes = rows.stream().filter(r -> "episode".equals(r.get("kind"))).toList();
        assertTrue(episodes.size() >= 2048 / 120 - 4, "episodes: " + episodes.size());
        for (Map<String, Object> row : episodes) {
            for (String a : CrafterScore.ACHIEVEMENTS) {
                double v = ((Number) row.get("achievements/" + a)).doubleValue();
                assertTrue(v == 0 || v == 1, a + " = " + v);
            }
        }
        double wakeUps = episodes.stream().mapToDouble(r -> ((Number) r.get("achievements/wake_up")).doubleValue()).sum();
        assertTrue(wakeUps > 0, "random-ish play wakes up in some of " + episodes.size() + " episodes");
        Map<String, Object> train = rows.stream().filter(r -> "train".equals(r.get("kind"))).reduce((a, b) -> b)
                .orElseThrow();
        assertEquals(2048L, ((Number) train.get("step")).longValue());
        for (String a : CrafterScore.ACHIEVEMENTS) {
            double rate = ((Number) train.get("achievements/" + a)).doubleValue();
            assertTrue(rate >= 0 && rate <= 1, a + " rate " + rate);
        }

        // Agent and random baseline: same episode count, rates in [0, 100], the score is the formula's.
        Map<String, Object> json = (Map<String, Object>) Configs.parseJson(
                Files.readString(out.resolve(CrafterReport.JSON_FILE)));
        assertEquals(2048L, ((Number) json.get("steps")).longValue());
        Map<String, Object> policies = (Map<String, Object>) json.get("policies");
        assertEquals(List.of("ppo", "random"), List.copyOf(policies.keySet()));
        for (String name : policies.keySet()) {
            Map<String, Object> p = (Map<String, Object>) policies.get(name);
            assertEquals(8, ((Number) p.get("episodes")).intValue(), name);
            Map<String, Object> rates = (Map<String, Object>) p.get("success_rates_percent");
            assertEquals(CrafterScore.ACHIEVEMENTS, List.copyOf(rates.keySet()));
            double[] percent = rates.values().stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
            for (double v : percent) {
                assertTrue(v >= 0 && v <= 100, name + " rate " + v);
            }
            assertEquals(CrafterScore.score(percent), ((Number) p.get("score")).doubleValue(), 1e-9, name);
            assertTrue(((Number) p.get("mean_length")).doubleValue() <= 120, name);
        }
        assertTrue(text.contains("collect_wood") && text.contains("score"), text);

        // The benchmark protocol scores every training episode that ended within the 2,048-step budget.
        Map<String, Object> bench = (Map<String, Object>) json.get("benchmark");
        long within = episodes.stream().filter(r -> ((Number) r.get("step")).longValue() <= 2048).count();
        assertEquals(episodes.size(), within, "training stops at its budget");
        assertEquals(within, ((Number) bench.get("episodes")).longValue());
        assertEquals(2048L, ((Number) bench.get("budget_steps")).longValue());
        assertTrue(((String) bench.get("protocol")).startsWith("Hafner 2021 benchmark protocol"), bench.toString());
        Map<String, Object> benchRates = (Map<String, Object>) bench.get("success_rates_percent");
        assertEquals(CrafterScore.ACHIEVEMENTS, List.copyOf(benchRates.keySet()));
        for (String a : CrafterScore.ACHIEVEMENTS) {
            long unlocked = episodes.stream()
                    .filter(r -> ((Number) r.get("achievements/" + a)).doubleValue() > 0).count();
            assertEquals(100.0 * unlocked / within, ((Number) benchRates.get(a)).doubleValue(), 1e-9, a);
        }
        double benchScore = ((Number) bench.get("score")).doubleValue();
        assertEquals(CrafterScore.score(benchRates.values().stream().mapToDouble(v -> ((Number) v).doubleValue())
                .toArray()), benchScore, 1e-9);
        double meanReturn = episodes.stream().mapToDouble(r -> ((Number) r.get("return")).doubleValue()).average()
                .orElseThrow();
        assertEquals(meanReturn, ((Number) bench.get("mean_return")).doubleValue(), 1e-9);
        assertTrue(((String) json.get("evaluation_protocol")).startsWith("post-training evaluation: 8 episodes"),
                String.valueOf(json.get("evaluation_protocol")));
        // The printed table names both protocols and shows both scores (training column first).
        assertTrue(text.contains("column ppo (training): Hafner 2021 benchmark protocol"), text);
        assertTrue(text.contains("other columns: post-training evaluation"), text);
        String scoreLine = text.lines().filter(l -> l.startsWith("score ")).findFirst().orElseThrow();
        assertEquals(String.format("%14.2f", benchScore).trim(), scoreLine.trim().split("\\s+")[1], scoreLine);
        assertEquals(String.format("%14.2f", ((Number) ((Map<String, Object>) policies.get("ppo")).get("score"))
                .doubleValue()).trim(), scoreLine.trim().split("\\s+")[2], scoreLine);

        // The bar chart decodes at its size; the GIF holds the evaluation episode.
        var png = ImageIO.read(out.resolve(CrafterReport.CHART_FILE).toFile());
        assertNotNull(png, "crafter-success.png decodes");
        assertEquals(1100, png.getWidth());
        assertEquals(560, png.getHeight());
        try (ImageInputStream in = ImageIO.createImageInputStream(out.resolve(CrafterReport.GIF_FILE).toFile())) {
            ImageReader reader = ImageIO.getImageReadersByFormatName("gif").next();
            reader.setInput(in);
            assertEquals(frames.size(), reader.getNumImages(true));
            assertEquals(64, reader.getWidth(0));
            reader.dispose();
        }
    }

    @Test
    void frameStackingFromTheUrlGivesTheCnnStackedChannels() {
        try (VectorEnv env = GymBridge.makeVec("local:Crafter-v1?num_envs=2&wrappers=FrameStackObservation(stack_size=4)")) {
            Box space = (Box) env.singleObservationSpace();
            assertEquals(DType.UINT8, space.dtype());
            assertArrayEquals(new long[] {4, 64, 64, 3}, space.shape(), "stacked on a new leading axis");
            Ppo agent = Ppo.forEnv(env, PpoConfig.pixels().withNumSteps(4), 1);
            assertEquals(new ConvEncoder(4, 64, 64, 3, 1f / 255f), agent.encoder());
            ObservationAdapter adapter = ObservationAdapter.forSpace(space);
            float[] actions = HostArrays.toFloats(agent.act(adapter.toBatch(env.reset(1).observations()), true));
            assertEquals(2, actions.length);
            for (float a : actions) {
                assertTrue(a >= 0 && a < 17 && a == Math.rint(a), "action " + a);
            }
        }
    }
}
