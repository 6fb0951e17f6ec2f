package org.gymbridge.render;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;
import org.gymbridge.env.Env;
import org.gymbridge.env.EnvSpec;
import org.gymbridge.env.ResetResult;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.Value;
import org.gymbridge.tensor.Tensor;

/**
 * Records one episode of a policy as an animated GIF: the frame after {@code reset(seed)}, then one
 * frame after every step, so a GIF of an episode of {@code n} steps has {@code n + 1} frames. It plays
 * at the env's {@code render_fps}. The env must be made with {@code render_mode=rgb_array}
 * ({@code GymBridge.make("local:CartPole-v1?render_mode=rgb_array")}).
 *
 * <pre>{@code
 * try (Env env = GymBridge.make("local:FrozenLake-v1?render_mode=rgb_array")) {
 *     Episodes.Recording r = Episodes.recordGif(env, obs -> greedyAction(obs), 42, Path.of("runs/greedy.gif"));
 * }
 * }</pre>
 */
public final class Episodes {
    /** Step cap for envs without a time limit, so a policy that never finishes still gives a GIF. */
    public static final int DEFAULT_MAX_STEPS = 1000;

    private Episodes() {
    }

    /** What a recording did: steps taken, their summed reward, how it ended, and the GIF written. */
    public record Recording(Path gif, int steps, int frames, double totalReward, boolean terminated,
                            boolean truncated) {
        /** Whether the episode ended by itself (terminated or truncated) rather than at the step cap. */
        public boolean episodeEnded() {
            return terminated || truncated;
        }
    }

    /**
     * Plays one episode from {@code reset(seed)} with {@code policy} (observation to action) and writes
     * it to {@code gif}; stops at the env's time limit, or after {@link #DEFAULT_MAX_STEPS} if it has none.
     */
    public static Recording recordGif(Env env, Function<Value, Value> policy, long seed, Path gif) {
        return recordGif(env, policy, seed, gif, defaultMaxSteps(env.spec()));
    }

    /** {@link #recordGif(Env, Function, long, Path)} stopping after at most {@code maxSteps} steps. */
    public static Recording recordGif(Env env, Function<Value, Value> policy, long seed, Path gif, int maxSteps) {
        Objects.requireNonNull(policy, "policy");
        requireRgbArray(env.spec());
        int steps = 0;
        double total = 0;
        boolean terminated = false;
        boolean truncated = false;
        try (GifWriter out = GifWriter.create(gif, env.spec().renderFps())) {
            Value obs = env.reset(seed).observation();
            out.addFrame(env.render().asTensor());
            while (steps < maxSteps && !terminated && !truncated) {
                Env.EnvStepResult r = env.step(policy.apply(obs));
                steps++;
                total += r.reward();
                terminated = r.terminated();
                truncated = r.truncated();
                obs = r.observation();
                out.addFrame(env.render().asTensor());
            }
            out.close();
            return new Recording(gif, steps, out.frameCount(), total, terminated, truncated);
        }
    }

    /**
     * Records env 0 of a vector env (for agents that act on batches): {@code policy} maps the batched
     * observations to batched actions; every env steps, env 0's frames are written until its first
     * episode ends (or {@code maxSteps}). Seeding as {@code reset(seed)}: env 0 gets {@code seed}.
     */
    public static Recording recordGif(VectorEnv env, Function<Value, Value> policy, long seed, Path gif, int maxSteps) {
        Objects.requireNonNull(policy, "policy");
        requireRgbArray(env.spec());
        int steps = 0;
        double total = 0;
        boolean terminated = false;
        boolean truncated = false;
        try (GifWriter out = GifWriter.create(gif, env.spec().renderFps())) {
            ResetResult first = env.reset(seed);
            Value obs = first.observations();
            out.addFrame(firstFrame(env.render()));
            while (steps < maxSteps && !terminated && !truncated) {
                StepResult r = env.step(policy.apply(obs));
                steps++;
                total += r.rewards()[0];
                terminated = r.terminated()[0];
                truncated = r.truncated()[0];
                obs = r.observations();
                // Under SAME_STEP autoreset the frame after a done already shows the next episode; the
                // episode's true last frame is not rendered by Gymnasium, so the GIF ends one frame early there.
                out.addFrame(firstFrame(env.render()));
            }
            out.close();
            return new Recording(gif, steps, out.frameCount(), total, terminated, truncated);
        }
    }

    /** {@link #recordGif(VectorEnv, Function, long, Path, int)} with the env's time limit (or the default cap). */
    public static Recording recordGif(VectorEnv env, Function<Value, Value> policy, long seed, Path gif) {
        return recordGif(env, policy, seed, gif, defaultMaxSteps(env.spec()));
    }

    private static Tensor firstFrame(Value frames) {
        Tensor t = frames.asTensor();
        return t.rank() == 4 ? t.get(0) : t;
    }

    private static int defaultMaxSteps(EnvSpec spec) {
        return spec.maxEpisodeSteps() > 0 ? spec.maxEpisodeSteps() : DEFAULT_MAX_STEPS;
    }

    private static void requireRgbArray(EnvSpec spec) {
        if (!"rgb_array".equals(spec.renderMode())) {
            throw new IllegalArgumentException("recording a GIF needs frames: make " + spec.envId()
                    + " with render_mode=rgb_array (URL ?render_mode=rgb_array or MakeOptions.renderMode(\"rgb_array\")); "
                    + "its render_mode is " + (spec.renderMode().isEmpty() ? "unset" : "'" + spec.renderMode() + "'")
                    + (spec.renderModes().isEmpty() ? "" : "; it supports " + spec.renderModes()));
        }
    }
}
