package org.gymbridge.agents.train;

import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.gymbridge.agents.core.ActionAdapter;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.core.ObservationAdapter;
import org.gymbridge.agents.core.Transition;
import org.gymbridge.env.AutoresetMode;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The training loop shared by all agents: act on the batch of observations, step the vector env once,
 * hand the transition to the agent, learn when the agent is ready, and report progress.
 *
 * <p>It relies on Gymnasium's NEXT_STEP autoreset (the server default): the step after an episode ends
 * only resets that env, so it is marked invalid in the {@link Transition} and its reward is not counted;
 * in exchange the final observation of every episode reaches the agent, which lets truncated episodes
 * bootstrap without an extra forward pass (SAME_STEP would hide it in infos).
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

    static void requireNextStepAutoreset(VectorEnv env) {
        if (env.autoresetMode() != AutoresetMode.NEXT_STEP) {
            throw new IllegalArgumentException("the agents need the env's autoreset mode NEXT_STEP (the default),"
                    + " but it is " + env.autoresetMode() + ": remove autoreset=... from the env URL");
        }
    }

    /**
     * Trains {@code agent} on {@code env} for {@code totalSteps} env steps (counted over all envs, rounded
     * up to whole vector steps), starting from {@code env.reset(seed)}. Experience collected after the
     * agent's last learning step is not learned from: choose a multiple of the agent's batch.
     */
    public Summary train(Agent agent, VectorEnv env, long totalSteps, long seed) {
        requireNextStepAutoreset(env);
        ObservationAdapter observationAdapter = ObservationAdapter.forSpace(env.singleObservationSpace());
        ActionAdapter actionAdapter = ActionAdapter.forSpace(env.singleActionSpace());
        int numEnvs = env.numEnvs();
        boolean[] resetting = new boolean[numEnvs];
        double[] running = new double[numEnvs];
        Deque<Double> recent = new ArrayDeque<>();
        List<Double> returns = new ArrayList<>();
        long steps = 0;
        long nextLog = logEverySteps;
        long envNanos = 0;
        long actNanos = 0;
        long learnNanos = 0;
        long start = System.nanoTime();
        boolean bar = System.console() != null;

        long t0 = System.nanoTime();
        INDArray obs = observationAdapter.toBatch(env.reset(seed).observations());
        envNanos += System.nanoTime() - t0;
        while (steps < totalSteps) {
            long t1 = System.nanoTime();
            INDArray actions = agent.act(obs, true);
            long t2 = System.nanoTime();
            StepResult step = env.step(actionAdapter.toValue(actions));
            INDArray nextObs = observationAdapter.toBatch(step.observations());
            long t3 = System.nanoTime();

            boolean[] valid = new boolean[numEnvs];
            for (int i = 0; i < numEnvs; i++) {
                valid[i] = !resetting[i];
                if (valid[i]) {
                    running[i] += step.rewards()[i];
                    if (step.done(i)) {
                        returns.add(running[i]);
                        recent.addLast(running[i]);
                        if (recent.size() > RECENT_EPISODES) {
                            recent.removeFirst();
                        }
                        running[i] = 0;
                    }
                }
                resetting[i] = valid[i] && step.done(i);
            }
            agent.observe(new Transition(obs, actions, step.rewards(), step.terminated(), step.truncated(),
                    nextObs, valid));
            obs = nextObs;
            steps += numEnvs;

            Map<String, Double> stats = agent.readyToLearn() ? agent.learn(obs) : null;
            long t4 = System.nanoTime();
            envNanos += t3 - t2;
            actNanos += t2 - t1;
            learnNanos += t4 - t3;
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
                envNanos / 1e9, actNanos / 1e9, learnNanos / 1e9);
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
