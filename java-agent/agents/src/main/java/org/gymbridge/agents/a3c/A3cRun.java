package org.gymbridge.agents.a3c;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.gymbridge.agents.core.AgentContext;
import org.gymbridge.agents.train.Configs;
import org.gymbridge.agents.train.EvalResult;
import org.gymbridge.agents.train.Evaluation;
import org.gymbridge.agents.train.LearningCurve;
import org.gymbridge.agents.train.TrainerConfig;
import org.gymbridge.agents.train.TrainingRun;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.VectorEnv;

/**
 * The run driver for {@link A3c} — the one algorithm that does not train in {@link TrainingRun}'s step loop,
 * because it owns one env session per actor-learner thread (each opened from the run's env URL). It writes
 * the same run folder: run.yaml, config.yaml, metrics.jsonl (episode rows, with the actor-learner as
 * {@code worker}, and a train row every log_every env steps), learning-curve.png, checkpoint/agent.bin (the
 * shared network at the end) and eval.json (the greedy final evaluation). {@code step} counts the env
 * steps of all actor-learners. Runs cannot be resumed; eval_every and checkpoint_every are not used.
 */
public final class A3cRun {

    private A3cRun() {
    }

    /** Trains an {@link A3c} for {@code steps} env steps on {@code envUrl} and fills {@code dir}. */
    public static EvalResult run(Path dir, String envUrl, A3cConfig config, long steps, long seed, TrainerConfig tc,
                                 PrintStream out) throws IOException {
        return run(dir, envUrl, config, steps, seed, tc, out, GymBridge::makeVec);
    }

    /** As above, with the envs made by {@code envFactory} (tests). */
    public static EvalResult run(Path dir, String envUrl, A3cConfig config, long steps, long seed, TrainerConfig tc,
                                 PrintStream out, Function<String, VectorEnv> envFactory) throws IOException {
        if (Files.isDirectory(dir)) {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException("run folder " + dir + " already exists and is not empty"
                            + " (a3c runs cannot be resumed): choose another --out");
                }
            }
        }
        if (steps <= 0) {
            throw new IllegalArgumentException("steps must be > 0, got " + steps);
        }
        Files.createDirectories(dir.resolve(TrainingRun.CHECKPOINT_DIR));
        Map<String, Object> runFile = new LinkedHashMap<>();
        runFile.put("env", envUrl);
        runFile.put("algo", "a3c");
        runFile.put("steps", steps);
        runFile.put("seed", seed);
        runFile.put("trainer", Configs.toMap(tc));
        Configs.writeYaml(dir.resolve(TrainingRun.RUN_FILE), runFile);
        Configs.writeYaml(dir.resolve(TrainingRun.CONFIG_FILE), Configs.toMap(config));

        long start = System.nanoTime();
        // The first env gives the spaces and becomes actor-learner 0's (a local: URL starts a server per env).
        VectorEnv first = envFactory.apply(envUrl);
        A3c agent;
        try {
            agent = A3c.create(new AgentContext(first.singleObservationSpace(), first.singleActionSpace(),
                    first.numEnvs(), first.spec() != null ? first.spec().envId() : envUrl, steps, envUrl), config, seed);
        } catch (RuntimeException e) {
            first.close();
            throw e;
        }
        List<Long> episodeSteps = new ArrayList<>();
        List<Double> episodeReturns = new ArrayList<>();
        try (BufferedWriter metrics = Files.newBufferedWriter(dir.resolve(TrainingRun.METRICS_FILE),
                StandardCharsets.UTF_8)) {
            ArrayDeque<Double> recent = new ArrayDeque<>();
            long[] nextLog = {tc.logEvery()};
            double[] vLoss = new double[2];
            agent.train(w -> w == 0 ? first : envFactory.apply(envUrl), steps, new A3c.Listener() {
                @Override
                public void episodeEnd(int worker, long step, double episodeReturn, long length) throws IOException {
                    episodeSteps.add(step);
                    episodeReturns.add(episodeReturn);
                    recent.addLast(episodeReturn);
                    if (recent.size() > tc.window()) {
                        recent.removeFirst();
                    }
                    Map<String, Object> row = row("episode", step);
                    row.put("episode", episodeSteps.size());
                    row.put("return", episodeReturn);
                    row.put("length", length);
                    row.put("worker", worker);
                    metrics.write(Configs.toJson(row) + "\n");
                }

                @Override
                public void learned(int worker, long step, Map<String, Double> stats) throws IOException {
                    vLoss[0] += stats.getOrDefault("v_loss", 0.0);
                    vLoss[1]++;
                    if (step < nextLog[0]) {
                        return;
                    }
                    nextLog[0] += tc.logEvery();
                    double seconds = (System.nanoTime() - start) / 1e9;
                    double mean = recent.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
                    Map<String, Object> row = row("train", step);
                    row.put("episodes", episodeSteps.size());
                    row.put("return_mean", mean);
                    row.put("v_loss", vLoss[0] / Math.max(1, vLoss[1]));
                    row.put("time_s", seconds);
                    row.put("steps_per_s", step / Math.max(seconds, 1e-9));
                    metrics.write(Configs.toJson(row) + "\n");
                    metrics.flush();
                    vLoss[0] = 0;
                    vLoss[1] = 0;
                    out.printf("step %,d  episodes %d  return(last %d) %.1f  %.0f steps/s%n", step,
                            episodeSteps.size(), recent.size(), mean, step / Math.max(seconds, 1e-9));
                }
            });
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        agent.save(dir.resolve(TrainingRun.CHECKPOINT_DIR).resolve("agent.bin"));
        String env = envUrl.replaceFirst("^[a-z]+:(//[^/]*/)?", "").replaceFirst("\\?.*", "");
        LearningCurve.write(dir.resolve(TrainingRun.CURVE_FILE), "a3c on " + env + " (seed " + seed + ", "
                        + config.threads() + " threads)", episodeSteps.stream().mapToLong(Long::longValue).toArray(),
                episodeReturns.stream().mapToDouble(Double::doubleValue).toArray(), tc.window(), new long[0],
                new double[0]);
        EvalResult eval = null;
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("env", envUrl);
        summary.put("algo", "a3c");
        summary.put("seed", seed);
        summary.put("threads", config.threads());
        summary.put("steps", agent.envSteps());
        if (tc.finalEvalEpisodes() > 0) {
            try (VectorEnv evalEnv = envFactory.apply(envUrl)) {
                eval = Evaluation.run(agent, evalEnv, tc.finalEvalEpisodes(), tc.evalSeed());
            }
            summary.put("eval_seed", tc.evalSeed());
            summary.put("episodes", eval.episodes());
            summary.put("mean_return", eval.mean());
            summary.put("std_return", eval.std());
            summary.put("min_return", eval.min());
            summary.put("max_return", eval.max());
            out.printf("final evaluation: %s%n", eval);
        }
        summary.put("training_seconds", seconds);
        summary.put("steps_per_s", agent.envSteps() / Math.max(seconds, 1e-9));
        Files.writeString(dir.resolve(TrainingRun.EVAL_FILE), Configs.toJson(summary) + "\n");
        out.printf("finished after %,d env steps (%d actor-learners), %.1f s; files in %s%n", agent.envSteps(),
                config.threads(), seconds, dir);
        return eval;
    }

    private static Map<String, Object> row(String kind, long step) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("kind", kind);
        row.put("step", step);
        return row;
    }
}
