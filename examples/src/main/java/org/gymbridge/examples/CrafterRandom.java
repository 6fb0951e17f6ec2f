package org.gymbridge.examples;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.Env;
import org.gymbridge.render.GifWriter;
import org.gymbridge.tensor.DictValue;
import org.gymbridge.tensor.Value;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;

/**
 * Crafter (a Minecraft-like 2-D open world: 64x64 RGB observations, 17 discrete actions, 22 achievements)
 * stepped from Java with random actions through gymbridge. Checks that every observation arrives as a
 * {@code uint8 [64, 64, 3]} tensor, prints each achievement the first time it is unlocked, and writes the
 * agent's view as an animated GIF.
 *
 * <pre>
 *   java -cp ... org.gymbridge.examples.CrafterRandom ["local:Crafter-v1?seed=1" [steps [runs/crafter-random.gif]]]
 * </pre>
 */
public final class CrafterRandom {
    static final String DEFAULT_URL = "local:Crafter-v1";
    static final int DEFAULT_STEPS = 300;
    static final Path DEFAULT_GIF = Path.of("runs", "crafter-random.gif");
    static final long SEED = 1;
    /** Crafter declares no render_fps; 15 frames per second shows the moves. */
    static final double GIF_FPS = 15;

    private CrafterRandom() {
    }

    /** What a run did. */
    public record Summary(int steps, int episodes, double totalReward, Map<String, Long> achievements, long[] frameShape,
                          Path gif, int gifFrames, double stepsPerSecond) {
    }

    public static void main(String[] args) {
        String url = args.length > 0 ? args[0] : DEFAULT_URL;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : DEFAULT_STEPS;
        Path gif = args.length > 2 ? Path.of(args[2]) : DEFAULT_GIF;
        Summary s = run(url, steps, SEED, gif, System.out);
        System.out.printf("%d steps (%d episodes ended) at %.0f steps/s, return %.1f%n", s.steps(), s.episodes(),
                s.stepsPerSecond(), s.totalReward());
        System.out.println("observations: uint8 " + Arrays.toString(s.frameShape()) + " every step");
        System.out.println("achievements unlocked: " + (s.achievements().isEmpty() ? "none" : s.achievements()));
        System.out.println("GIF: " + s.gif().toAbsolutePath() + " (" + s.gifFrames() + " frames)");
    }

    /**
     * Steps the env of {@code url} (a Crafter id) {@code steps} times with uniformly random actions,
     * resetting when an episode ends, and writes every observation to {@code gif}.
     *
     * @throws IllegalStateException if an observation is not a uint8 [64, 64, 3] tensor
     */
    public static Summary run(String url, int steps, long seed, Path gif, PrintStream log) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, Long> unlocked = new LinkedHashMap<>();
        double total = 0;
        int episodes = 0;
        long[] shape;
        int frames;
        long start = System.nanoTime();
        try (Env env = GymBridge.make(url); GifWriter out = GifWriter.create(gif, GIF_FPS)) {
            log.println("env " + env.spec().envId() + ": observations " + env.observationSpace() + ", actions "
                    + env.actionSpace());
            Tensor obs = frame(env.reset(seed).observation(), 0);
            shape = obs.shape();
            out.addFrame(obs);
            for (int t = 1; t <= steps; t++) {
                Env.EnvStepResult r = env.step(env.actionSpace().sample(rng));
                total += r.reward();
                obs = frame(r.observation(), t);
                out.addFrame(obs);
                if (r.info().has("achievements")) {
                    int step = t;
                    DictValue achievements = r.info().get("achievements").asDict();
                    achievements.entries().forEach((name, count) -> {
                        long n = count.asTensor().getLong(0);
                        if (n > 0 && unlocked.put(name, n) == null) {
                            log.println("step " + step + ": unlocked " + name);
                        }
                    });
                }
                if (r.done()) {
                    episodes++;
                    log.println("step " + t + ": episode ended (" + (r.terminated() ? "the player died" : "time limit")
                            + "); reset");
                    out.addFrame(frame(env.reset().observation(), t));
                }
            }
            frames = out.frameCount();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Summary(steps, episodes, total, unlocked, shape, gif, frames, steps / seconds);
    }

    /** The observation as a frame, after checking it is what Crafter promises. */
    private static Tensor frame(Value obs, int step) {
        Tensor t = obs.asTensor();
        if (t.dtype() != DType.UINT8 || !Arrays.equals(t.shape(), new long[] {64, 64, 3})) {
            throw new IllegalStateException("step " + step + ": Crafter observation is " + t.dtype().numpyName() + " "
                    + Arrays.toString(t.shape()) + ", expected uint8 [64, 64, 3]");
        }
        return t;
    }
}
