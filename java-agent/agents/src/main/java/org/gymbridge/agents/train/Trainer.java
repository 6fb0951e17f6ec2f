package org.gymbridge.agents.train;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;

/**
 * Trains an agent on a vector env with the {@link StepLoop} and no run folder (what the examples and the bench
 * use; {@link TrainingRun} is the same loop with metrics, evaluations and checkpoints).
 *
 * <p>Progress goes to {@code out} as one line every {@code logEverySteps} env steps (after a learning
 * step); on an interactive console a progress bar is drawn between lines.
 */
public final class Trainer {

    /**
     * What a training run did and how fast, with the wall clock split between the env ({@code step}: gRPC
     * round trip and the env in the server), acting (forward passes, sampling) and learning.
     */
    public record Summary(long envSteps, double[] episodeReturns, double recentMeanReturn, double seconds,
                          double envSeconds, double actSeconds, double learnSeconds) {

        /** Time spent in the agent: acting plus learning. */
        public double agentSeconds() {
            return actSeconds + learnSeconds;
        }

        /** Completed training episodes. */
        public int episodes() {
            return episodeReturns.length;
        }

        public double stepsPerSecond() {
            return envSteps / Math.max(seconds, 1e-9);
        }

        @Override
        public String toString() {
            return String.format("%,d env steps, %d episodes in %.1f s (%,.0f steps/s; env %.1f s, act %.1f s,"
                    + " learn %.1f s), mean return of the last episodes %.1f", envSteps, episodes(), seconds,
                    stepsPerSecond(), envSeconds, actSeconds, learnSeconds, recentMeanReturn);
        }
    }

    /** Episodes averaged in the "return" column of progress lines. */
    public static final int RECENT_EPISODES = 20;

    private final PrintStream out;
    private final long logEverySteps;

    /** A trainer that prints a progress line to {@code out} every {@code logEverySteps} env steps. */
    public Trainer(PrintStream out, long logEverySteps) {
        this.out = out;
        this.logEverySteps = logEverySteps;
    }

    /**
     * Trains {@code agent} on {@code env} for {@code totalSteps} env steps (counted over all envs, rounded
     * up to whole vector steps), starting from {@code env.reset(seed)}. Experience collected after the
     * agent's last learning step is not learned from: choose a multiple of the agent's batch.
     */
    public Summary train(Agent agent, VectorEnv env, long totalSteps, long seed) {
        StepLoop loop = StepLoop.training(agent, env);
        int numEnvs = loop.numEnvs();
        Deque<Double> recent = new ArrayDeque<>();
        List<Double> returns = new ArrayList<>();
        long start = System.nanoTime();
        boolean bar = System.console() != null;
        loop.listen(new StepLoop.Listener() {
            @Override
            public void episodeEnd(StepResult step, int env, double episodeReturn, long length) {
                returns.add(episodeReturn);
                recent.addLast(episodeReturn);
                if (recent.size() > RECENT_EPISODES) {
                    recent.removeFirst();
                }
            }
        });
        loop.reset(seed);
        long steps = 0;
        long nextLog = logEverySteps;
        while (steps < totalSteps) {
            Map<String, Double> stats;
            try {
                stats = loop.step();
            } catch (IOException e) {
                throw new UncheckedIOException(e);          // the listeners above do no I/O
            }
            steps += numEnvs;
            if (stats != null) {
                if (steps >= nextLog || steps >= totalSteps) {
                    if (bar) {
                        out.print("\r" + " ".repeat(72) + "\r");
                    }
                    out.println(progressLine(steps, totalSteps, returns.size(), recent, start, stats));
                    while (nextLog <= steps) {
                        nextLog += logEverySteps;
                    }
                }
                if (bar) {
                    out.print(progressBar(steps, totalSteps));
                }
                out.flush();
            }
        }
        if (bar) {
            out.println();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Summary(steps, returns.stream().mapToDouble(Double::doubleValue).toArray(), mean(recent), seconds,
                loop.envSeconds(), loop.actSeconds(), loop.learnSeconds());
    }

    private static String progressLine(long steps, long totalSteps, int episodes, Deque<Double> recent, long start,
                                       Map<String, Double> stats) {
        double seconds = (System.nanoTime() - start) / 1e9;
        StringBuilder line = new StringBuilder(String.format("step %,9d/%,d | episodes %5d | return %6.1f | %,6.0f steps/s",
                steps, totalSteps, episodes, mean(recent), steps / Math.max(seconds, 1e-9)));
        for (Map.Entry<String, Double> stat : stats.entrySet()) {
            line.append(String.format(" | %s %.4g", stat.getKey(), stat.getValue()));
        }
        return line.toString();
    }

    /** A 40-character progress bar for terminals (also used by {@link TrainingRun}). */
    static String progressBar(long steps, long totalSteps) {
        int width = 40;
        int filled = (int) Math.min(width, width * steps / Math.max(1, totalSteps));
        return String.format("\r[%s%s] %3d%%", "#".repeat(filled), ".".repeat(width - filled),
                Math.min(100, 100 * steps / Math.max(1, totalSteps)));
    }

    static double mean(Deque<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
}
