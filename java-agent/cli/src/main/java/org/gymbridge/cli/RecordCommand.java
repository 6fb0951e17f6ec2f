package org.gymbridge.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.train.EvalResult;
import org.gymbridge.agents.train.Evaluation;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.render.GifWriter;
import org.gymbridge.tensor.Tensor;
import org.gymbridge.tensor.Value;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gymbridge record}: a video of a trained agent's greedy episodes, rendered by the server
 * ({@code render_mode=rgb_array}) and sent through the bridge frame by frame. {@code .gif} is written by the
 * client's {@link GifWriter} (no dependency); {@code .mp4} (H.264) by piping the raw frames to {@code ffmpeg},
 * which must be on the PATH (or named with {@code -Dgymbridge.ffmpeg=PATH}).
 */
@Command(name = "record", mixinStandardHelpOptions = true,
        description = {"Record a trained agent's greedy episodes as a GIF or MP4 (MP4 needs ffmpeg on the PATH).",
                "Examples:",
                "  gymbridge record --run runs/ppo --out ppo.gif",
                "  gymbridge record --run runs/ppo --out ppo.mp4 --episodes 3"})
public final class RecordCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--run", paramLabel = "DIR", required = true, description = "the run folder (gymbridge train --out)")
    Path run;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "the video: .gif or .mp4")
    Path out;

    @Option(names = "--episodes", paramLabel = "N", defaultValue = "1", description = "episodes, one after the other"
            + " (default ${DEFAULT-VALUE})")
    int episodes;

    @Option(names = "--env", paramLabel = "URL", description = "record on this env URL instead of the run's (same"
            + " spaces); num_envs=1 and render_mode=rgb_array are set on it")
    String env;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "10000", description = "the env is reset with this"
            + " seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--best", description = "use the best agent of the run's periodic evaluations")
    boolean best;

    @Override
    public Integer call() throws Exception {
        PrintWriter text = spec.commandLine().getOut();
        String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean mp4 = name.endsWith(".mp4");
        if (!mp4 && !name.endsWith(".gif")) {
            throw new IllegalArgumentException("--out " + out + ": name a .gif or .mp4 file");
        }
        if (episodes < 1) {
            throw new IllegalArgumentException("--episodes must be >= 1, got " + episodes);
        }
        String ffmpeg = mp4 ? Mp4Writer.ffmpeg() : null;       // fail before the env is made
        TrainedAgent trained = TrainedAgent.of(run, best);
        String base = env != null ? env : trained.envUrl;
        String url = TrainedAgent.withQuery(TrainedAgent.withQuery(base, "num_envs", "1"), "render_mode", "rgb_array");
        try (VectorEnv venv = GymBridge.makeVec(url)) {
            if (!venv.spec().renderModes().isEmpty() && !venv.spec().renderModes().contains("rgb_array")) {
                throw new IllegalArgumentException(venv.spec().envId() + " renders no rgb_array frames (its render modes: "
                        + venv.spec().renderModes() + "), so it cannot be recorded");
            }
            Agent agent = trained.loadFor(venv, url, env != null && !env.equals(trained.envUrl));
            double fps = venv.spec().renderFps() > 0 ? venv.spec().renderFps() : GifWriter.DEFAULT_FPS;
            Frames frames = mp4 ? new Mp4Writer(ffmpeg, out, fps) : new Gif(GifWriter.create(out, fps));
            EvalResult result;
            try (frames) {
                result = Evaluation.run(agent, venv, episodes, seed, new Evaluation.Listener() {
                    @Override
                    public void reset(Value observations) {
                        frames.add(frame(venv));
                    }

                    @Override
                    public void step(StepResult step) {
                        frames.add(frame(venv));
                    }
                });
            }
            text.printf("%s: %d episode%s of %s on %s, %d frames at %.0f fps, returns %s%n", out, episodes,
                    episodes == 1 ? "" : "s", trained.algorithm.name(), venv.spec().envId(), frames.count(), fps,
                    returns(result));
        }
        text.flush();
        return 0;
    }

    private static Tensor frame(VectorEnv env) {
        Tensor t = env.render().asTensor();
        return t.rank() == 4 ? t.get(0) : t;
    }

    private static String returns(EvalResult r) {
        StringBuilder b = new StringBuilder();
        for (double x : r.returns()) {
            b.append(b.isEmpty() ? "" : ", ").append(String.format("%.2f", x));
        }
        return b.toString();
    }

    /** Where frames go. */
    interface Frames extends AutoCloseable {
        void add(Tensor frame);

        int count();

        @Override
        void close() throws IOException;
    }

    private record Gif(GifWriter writer) implements Frames {
        @Override
        public void add(Tensor frame) {
            writer.addFrame(frame);
        }

        @Override
        public int count() {
            return writer.frameCount();
        }

        @Override
        public void close() {
            writer.close();
        }
    }
}
