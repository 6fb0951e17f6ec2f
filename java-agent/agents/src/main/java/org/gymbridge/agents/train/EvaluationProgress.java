package org.gymbridge.agents.train;

import java.io.PrintStream;
import org.gymbridge.env.StepResult;

/**
 * Shows how far an {@link Evaluation} has come: on an interactive console a line redrawn at every finished
 * episode ({@code evaluating: 37/100 episodes, mean return 0.41}), elsewhere (a log file, a pipe) one line at most
 * every {@code 10 s}, so a quick evaluation adds nothing and a slow one still shows it is alive. {@link #done}
 * clears the console line.
 */
public final class EvaluationProgress implements Evaluation.Listener {
    private static final long QUIET_NANOS = 10_000_000_000L;

    private final PrintStream out;
    private final int episodes;
    private final boolean console;
    private final long start = System.nanoTime();
    private long lastLine = System.nanoTime();
    private int finished;
    private double sum;

    /** Progress of an evaluation of {@code episodes} episodes, on {@code out}. */
    public EvaluationProgress(PrintStream out, int episodes) {
        this(out, episodes, System.console() != null);
    }

    EvaluationProgress(PrintStream out, int episodes, boolean console) {
        this.out = out;
        this.episodes = episodes;
        this.console = console;
    }

    @Override
    public void episodeEnd(StepResult step, int env, double episodeReturn, long length) {
        finished++;
        sum += episodeReturn;
        String line = String.format("evaluating: %d/%d episodes, mean return %.2f, %.0f s", finished, episodes,
                sum / finished, (System.nanoTime() - start) / 1e9);
        if (console) {
            out.print("\r" + line);
            out.flush();
        } else if (System.nanoTime() - lastLine >= QUIET_NANOS && finished < episodes) {
            out.println(line);
            out.flush();
            lastLine = System.nanoTime();
        }
    }

    /** Ends the progress display (clears the console line). */
    public void done() {
        if (console && finished > 0) {
            out.print("\r" + " ".repeat(72) + "\r");
            out.flush();
        }
    }
}
