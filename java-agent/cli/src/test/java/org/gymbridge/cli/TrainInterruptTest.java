package org.gymbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.gymbridge.agents.train.Configs;
import org.gymbridge.agents.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C in a terminal: a real {@code gymbridge train} JVM with a {@code local:} server, in a process group of its
 * own, gets SIGINT sent to the whole group (the JVM and its server, as a terminal does). The run checkpoints
 * first, prints one line and exits with 130, and {@code --resume} continues from the saved step.
 */
class TrainInterruptTest {

    @TempDir
    Path tmp;

    @Test
    void ctrlCCheckpointsPrintsOneLineExitsWith130AndResumeContinues() throws Exception {
        Path dir = tmp.resolve("run");
        Path config = tmp.resolve("ppo.yaml");
        Files.writeString(config, "env: local:CartPole-v1?num_envs=4\nalgo: ppo\nseed: 1\nsteps: 10000000\n"
                + "num_steps: 16\nhidden: [16, 16]\ntrainer: {log_every: 64}\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder("setsid", java, "-cp", System.getProperty("java.class.path"),
                "org.gymbridge.cli.Main", "train", "--config", config.toString(), "--out", dir.toString());
        pb.redirectErrorStream(true);
        Process jvm = pb.start();
        List<String> lines = new ArrayList<>();
        CountDownLatch training = new CountDownLatch(3);          // three progress lines: the run is learning
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(jvm.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                    }
                    if (line.startsWith("step ")) {
                        training.countDown();
                    }
                }
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        });
        reader.start();
        try {
            assertTrue(training.await(50, TimeUnit.SECONDS), "no progress lines: " + lines);
            int before;
            synchronized (lines) {
                before = lines.size();
            }
            // setsid (util-linux) made the JVM the leader of its own group: -pid is the group, as Ctrl-C in its terminal.
            Process kill = new ProcessBuilder("kill", "-INT", "--", "-" + jvm.pid()).inheritIO().start();
            assertEquals(0, kill.waitFor());
            assertTrue(jvm.waitFor(50, TimeUnit.SECONDS), "still running after SIGINT: " + lines);
            reader.join(5000);
            assertEquals(130, jvm.exitValue(), String.join("\n", lines));
            List<String> after;
            synchronized (lines) {
                after = lines.subList(before, lines.size()).stream().filter(l -> !l.startsWith("step ")).toList();
            }
            assertEquals(1, after.size(), "one line after Ctrl-C besides progress lines: " + after);
            assertTrue(after.get(0).startsWith("interrupted at step ") && after.get(0).contains("checkpoint saved")
                    && after.get(0).contains("--resume " + dir), after.get(0));
            assertFalse(String.join("\n", lines).contains("Exception"), String.join("\n", lines));
        } finally {
            jvm.destroyForcibly();
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> trainer = (Map<String, Object>) Configs.parseJson(
                Files.readString(dir.resolve("checkpoint/trainer.json")));
        long saved = ((Number) trainer.get("steps")).longValue();
        assertTrue(saved > 0 && saved % 64 == 0, "checkpoint at a learning step: " + saved);
        assertTrue(Files.isRegularFile(dir.resolve("checkpoint/agent.bin")));
        byte[] png = Files.readAllBytes(dir.resolve(TrainingRun.CURVE_FILE));
        assertTrue(png.length > 8 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "the curve is drawn at the stop");

        CliRun resumed = CliRun.of("train", "--resume", dir.toString(), "--steps", String.valueOf(saved + 128));
        assertEquals(0, resumed.code(), resumed.all());
        assertTrue(resumed.out().contains(String.format("resuming %s at step %,d", dir, saved)), resumed.out());
        assertEquals(saved + 128, ((Number) ((Map<?, ?>) Configs.parseJson(
                Files.readString(dir.resolve("checkpoint/trainer.json")))).get("steps")).longValue());
        assertTrue(TrainingRun.readMetrics(dir).stream().anyMatch(r -> "train".equals(r.get("kind"))
                && ((Number) r.get("step")).longValue() == saved + 128), "train rows go on after the saved step");
    }
}
