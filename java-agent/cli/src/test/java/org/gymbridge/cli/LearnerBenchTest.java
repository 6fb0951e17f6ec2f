package org.gymbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smoke test of {@code gymbridge bench --learners --quick} (Java side only, no torch): every row runs the agents'
 * real update code and is written with positive CPU and wall figures. It never asserts speed (the suite runs on a
 * loaded machine).
 */
class LearnerBenchTest {
    @TempDir
    Path tmp;

    @Test
    void processCpuNeverGoesBackWhenAThreadEnds() throws Exception {
        // A thread that burned CPU, then ended: /proc/self/task forgets it, the bench's reading must not.
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread spinner = new Thread(() -> {
            long x = 0;
            while (!stop.get()) {
                x += System.nanoTime() & 1;
            }
            if (x == 42) {
                System.out.print("");
            }
        });
        spinner.start();
        long ownStart = LearnerBench.processCpuNanos();
        long until = System.nanoTime() + 200_000_000L;
        long during;
        do {
            Thread.sleep(10);
            during = LearnerBench.processCpuNanos();
        } while (during - ownStart < 30_000_000L && System.nanoTime() < until);
        stop.set(true);
        spinner.join();
        long after = LearnerBench.processCpuNanos();
        assertTrue(during - ownStart >= 30_000_000L, "the spinning thread was not seen: " + (during - ownStart) + " ns");
        assertTrue(after >= during, "process CPU went back by " + (during - after) + " ns when a thread ended");
    }

    @Test
    void quickLearnerBenchWritesEveryRowWithPositiveJavaFigures() throws Exception {
        Path out = tmp.resolve("learners.json");
        int code = Main.commandLine().execute("bench", "--learners", "--quick", "--out", out.toString());
        assertEquals(0, code, "bench exit code");
        String text = Files.readString(out);
        JsonObject json = JsonParser.parseString(text).getAsJsonObject();
        List<String> names = new ArrayList<>();
        for (JsonElement e : json.getAsJsonArray("rows")) {
            JsonObject row = e.getAsJsonObject();
            names.add(row.get("name").getAsString());
            for (String figure : List.of("java_cpu_ms", "java_wall_ms")) {
                assertTrue(row.get(figure).getAsDouble() > 0, figure + " of " + row + " is not positive");
            }
            // Without --torch-python there is no torch figure, and so no ratio.
            assertTrue(row.get("torch_cpu_ms").isJsonNull() && row.get("ratio").isJsonNull(), row.toString());
        }
        assertEquals(List.of("sac_update_halfcheetah", "td3_update_halfcheetah", "dqn_update_cartpole",
                "ppo_minibatch_cartpole", "ppo_minibatch_halfcheetah", "cnn_frame_crafter", "cnn_act_batch8"), names);
        assertEquals(1, json.get("threads").getAsInt());
    }

    @Test
    void medianOfAnEvenCountAveragesTheMiddleTwo() {
        assertEquals(2.5, LearnerBench.median(new double[] {4, 1, 3, 2}));
        assertEquals(3.0, LearnerBench.median(new double[] {5, 3, 1}));
    }
}
