package org.gymbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.gymbridge.agents.train.Configs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gymbridge eval} and {@code gymbridge record} on a run that {@code gymbridge train} made: tabular
 * Q-learning on the deterministic FrozenLake, 3,000 steps (about 20 s), which learns the 6-step path.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EvalAndRecordCommandTest {
    private static final String ENV = "local:FrozenLake-v1?is_slippery=false&num_envs=4";

    @TempDir
    static Path tmp;

    static Path run;

    @BeforeAll
    void trainATinyRun() throws Exception {
        run = tmp.resolve("lake");
        Path config = tmp.resolve("lake.yaml");
        Files.writeString(config, "env: " + ENV + "\nalgo: q-learning\nsteps: 3000\nalpha: 0.5\n"
                + "epsilon: {start: 1.0, end: 0.1, steps: 2000}\ntrainer: {log_every: 1000, final_eval_episodes: 12}\n");
        CliRun train = CliRun.of("train", "--config", config.toString(), "--out", run.toString());
        assertEquals(0, train.code(), train.all());
    }

    @AfterEach
    void noFfmpegOverride() {
        System.clearProperty("gymbridge.ffmpeg");
    }

    @Test
    void evalRepeatsTheRunsFinalEvaluationAsATable() throws Exception {
        CliRun eval = CliRun.of("eval", "--run", run.toString());
        assertEquals(0, eval.code(), eval.all());
        Map<String, Object> saved = Configs.readFile(run.resolve("eval.json"));
        List<String> lines = eval.out().lines().toList();
        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("MEAN")).findFirst().orElseThrow());
        assertEquals(List.of("MEAN", "STD", "MIN", "MAX", "EPISODES"), List.of(lines.get(header).split("\\s+")));
        String[] row = lines.get(header + 1).trim().split("\\s+");
        assertEquals(String.format("%.2f", ((Number) saved.get("mean_return")).doubleValue()), row[0], eval.out());
        assertEquals(String.format("%.2f", ((Number) saved.get("std_return")).doubleValue()), row[1], eval.out());
        assertEquals("12", row[4], "the run's final evaluation had 12 episodes");
        assertTrue(eval.out().contains("seed 10000"), "the protocol is printed: " + eval.out());
    }

    @Test
    void evalTakesEpisodesSeedAndAnotherUrlWithTheSameSpaces() {
        CliRun eval = CliRun.of("eval", "--run", run.toString(), "--episodes", "3", "--seed", "5",
                "--env", "local:FrozenLake-v1?is_slippery=false&num_envs=1");
        assertEquals(0, eval.code(), eval.all());
        assertTrue(eval.out().contains("3 episodes") && eval.out().contains("seed 5"), eval.out());
        assertTrue(eval.out().lines().anyMatch(l -> l.trim().matches("1\\.00\\s+0\\.00\\s+1\\.00\\s+1\\.00\\s+3")),
                "the learned path reaches the goal every time:\n" + eval.out());
    }

    @Test
    void evalOnAnEnvWithOtherSpacesSaysWhichDiffer() {
        CliRun eval = CliRun.of("eval", "--run", run.toString(), "--env", "local:FrozenLake-v1?map_name=8x8");
        assertEquals(2, eval.code(), eval.all());
        assertTrue(eval.err().contains("observes Discrete(16)") && eval.err().contains("observes Discrete(64)"),
                eval.err());
        assertEquals(1, eval.err().lines().count(), "one line: " + eval.err());
        CliRun notARun = CliRun.of("eval", "--run", tmp.resolve("nothing").toString());
        assertTrue(notARun.code() != 0 && notARun.err().contains("is not a run folder"), notARun.err());
    }

    @Test
    void recordWritesAGifWithAFramePerStepOfEveryEpisode() throws Exception {
        Path gif = tmp.resolve("video").resolve("lake.gif");
        CliRun record = CliRun.of("record", "--run", run.toString(), "--out", gif.toString(), "--episodes", "2");
        assertEquals(0, record.code(), record.all());
        int frames = printedFrames(record.out());
        // Two episodes of the 6-step path: the reset frame and 6 step frames each.
        assertEquals(14, frames, record.out());
        try (ImageInputStream in = ImageIO.createImageInputStream(gif.toFile())) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            ImageReader reader = readers.next();
            reader.setInput(in);
            assertEquals("gif", reader.getFormatName().toLowerCase());
            assertEquals(frames, reader.getNumImages(true));
            assertEquals(256, reader.getWidth(0));
        }
    }

    @Test
    void recordPipesRawFramesToFfmpegForMp4() throws Exception {
        // A stand-in ffmpeg that keeps its arguments and the bytes it is sent (the real one encodes them).
        Path fake = tmp.resolve("bin").resolve("ffmpeg");
        Files.createDirectories(fake.getParent());
        Files.writeString(fake, "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$(dirname \"$0\")/args.txt\"\n"
                + "for last; do :; done\ncat > \"$last\"\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        System.setProperty("gymbridge.ffmpeg", fake.toString());
        Path mp4 = tmp.resolve("lake.mp4");
        CliRun record = CliRun.of("record", "--run", run.toString(), "--out", mp4.toString());
        assertEquals(0, record.code(), record.all());
        int frames = printedFrames(record.out());
        assertEquals(7, frames);
        assertEquals(frames * 256L * 256 * 3, Files.size(mp4), "rgb24 frames of 256x256, one after the other");
        List<String> args = Files.readAllLines(fake.getParent().resolve("args.txt"));
        assertTrue(args.containsAll(List.of("rawvideo", "rgb24", "256x256", "yuv420p", "-")), args.toString());
        assertEquals("4.0", args.get(args.indexOf("-framerate") + 1), "FrozenLake's render_fps");
    }

    @Test
    void mp4WithoutFfmpegNamesTheFixAndGifAsTheWayOut() {
        System.setProperty("gymbridge.ffmpeg", tmp.resolve("no-such-ffmpeg").toString());
        CliRun record = CliRun.of("record", "--run", run.toString(), "--out", tmp.resolve("x.mp4").toString());
        assertEquals(2, record.code());
        assertTrue(record.err().contains("ffmpeg") && record.err().contains(".gif"), record.err());
        assertFalse(Files.exists(tmp.resolve("x.mp4")));
        CliRun avi = CliRun.of("record", "--run", run.toString(), "--out", tmp.resolve("x.avi").toString());
        assertTrue(avi.code() == 2 && avi.err().contains("name a .gif or .mp4 file"), avi.err());
    }

    private static int printedFrames(String out) {
        Matcher m = Pattern.compile("(\\d+) frames at").matcher(out);
        assertTrue(m.find(), out);
        return Integer.parseInt(m.group(1));
    }
}
