package org.gymbridge.agents.train;

import java.io.BufferedWriter;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.gymbridge.agents.core.ActionAdapter;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.core.AgentContext;
import org.gymbridge.agents.core.Algorithm;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.ObservationAdapter;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A training run with a run folder: what {@code gymbridge train} does. It makes the env from a URL, builds
 * the agent through an {@link Algorithm}, trains with the {@link StepLoop} (as {@link Trainer} does), and writes
 * <pre>
 *   run.yaml               env URL, algorithm, steps, seed, trainer settings (what --resume reads)
 *   config.yaml            the algorithm's resolved config (every key, defaults filled in)
 *   metrics.jsonl          one JSON object per line: kind episode | train | eval (see {@link #metricsRow})
 *   events.out.tfevents.*  the same scalars for TensorBoard
 *   learning-curve.png     episode returns, their moving mean and the evaluations against env steps
 *   rlhf-curve.png         ppo-rlhf only: true and learned return, reward-model accuracy, labels used per iteration
 *   checkpoint/            agent.bin (the agent's save), trainer.json (loop state), actions.bin (action log)
 *   eval.json              the final greedy evaluation
 * </pre>
 *
 * <p><b>Resume.</b> The env lives in the Python server and cannot be saved, so the run logs every vector
 * step's actions; {@link #resume} makes a fresh env, resets it with the run seed and replays the logged
 * actions (pipelined, no agent work), checks that the observations it arrives at equal the checkpoint's bit
 * for bit, restores the agent with {@link Agent#load} and the loop counters, cuts metrics and event files
 * back to the checkpoint, and goes on. The result is the run that was never interrupted: same metrics,
 * same weights (tested), except the wall-clock columns. Checkpoints are taken right after a learn() call.
 */
public final class TrainingRun {

    /** What the run is: stored in run.yaml. */
    public record Spec(String envUrl, String algorithm, long steps, long seed, TrainerConfig trainer) {
    }

    /** The outcome of {@link #train}. */
    public record Result(long steps, boolean finished, int episodes, double recentMeanReturn, double seconds,
                         double stepsPerSecond, EvalResult finalEval, Path dir) {
    }

    public static final String RUN_FILE = "run.yaml";
    public static final String CONFIG_FILE = "config.yaml";
    public static final String METRICS_FILE = "metrics.jsonl";
    public static final String CURVE_FILE = "learning-curve.png";
    public static final String EVAL_FILE = "eval.json";
    /** The per-iteration curves of a run that learns its reward from preferences (ppo-rlhf). */
    public static final String RLHF_CURVE_FILE = "rlhf-curve.png";
    public static final String CHECKPOINT_DIR = "checkpoint";

    /**
     * The metrics.jsonl columns that measure wall-clock time (cumulative seconds of the run, of env steps
     * through the bridge, of the agent's act and learn calls, and the rate): everything else in the file is
     * bit-identical between two runs with the same seed and config, resumed or not.
     */
    public static final java.util.Set<String> WALL_CLOCK_KEYS = java.util.Set.of("time_s", "env_s", "act_s", "learn_s",
            "steps_per_s");

    private final Path dir;
    private final Spec spec;
    private final Algorithm<?> algorithm;
    private final Record config;
    private final Function<String, VectorEnv> envFactory;
    private EpisodeInfo episodeInfo = EpisodeInfo.achievements();
    private volatile boolean stopRequested;
    private volatile long stopRequestedNanos;
    private boolean createdDir;      // create() made the folder: a run that fails before its first step removes it
    private boolean stepped;

    /**
     * After a stop request, how long the run waits for the agent's next learning step (where a checkpoint resumes
     * bit for bit) before it stops where it is: an agent that learns rarely (DQN before learning_starts) must not
     * keep a Ctrl-C waiting.
     */
    static final long STOP_GRACE_NANOS = 2_000_000_000L;

    private TrainingRun(Path dir, Spec spec, Algorithm<?> algorithm, Record config,
                        Function<String, VectorEnv> envFactory) {
        this.dir = dir;
        this.spec = spec;
        this.algorithm = algorithm;
        this.config = config;
        this.envFactory = envFactory;
    }

    /** The same run making its envs (training and evaluation, by URL) with {@code factory}; for tests. */
    TrainingRun withEnvFactory(Function<String, VectorEnv> factory) {
        TrainingRun run = new TrainingRun(dir, spec, algorithm, config, factory);
        run.createdDir = createdDir;
        return run;
    }

    /**
     * {@code config} with its {@code total_steps} (the length of the schedules defined over the whole run, such as
     * PPO's learning-rate annealing) set to the run's {@code steps}; configs without that key unchanged.
     */
    public static Record withRunSteps(Record config, long steps) {
        for (java.lang.reflect.RecordComponent c : config.getClass().getRecordComponents()) {
            if (c.getName().equals("totalSteps")) {
                return Configs.bind(config, Map.of("total_steps", steps), "the run's steps");
            }
        }
        return config;
    }

    /**
     * A new run in {@code dir} (which must not exist or be empty). Writes run.yaml and config.yaml. The config's
     * {@code total_steps}, if it has one, becomes the run's steps ({@link #withRunSteps}). If the run then fails
     * before its first env step (an unknown env, no server), {@link #train} removes the folder again.
     *
     * @param config the algorithm config (a record of {@code algorithm.config()})
     */
    public static TrainingRun create(Path dir, Spec spec, Algorithm<?> algorithm, Record config) throws IOException {
        if (Files.isDirectory(dir)) {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException("run folder " + dir + " already exists and is not empty:"
                            + " continue it with --resume " + dir + ", or choose another --out");
                }
            }
        }
        if (spec.steps() <= 0) {
            throw new IllegalArgumentException("steps must be > 0, got " + spec.steps());
        }
        algorithm.config().cast(config);
        config = withRunSteps(config, spec.steps());
        boolean created = !Files.exists(dir);
        Files.createDirectories(dir);
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("env", spec.envUrl());
        run.put("algo", algorithm.name());
        run.put("steps", spec.steps());
        run.put("seed", spec.seed());
        run.put("trainer", Configs.toMap(spec.trainer()));
        Configs.writeYaml(dir.resolve(RUN_FILE), run);
        Configs.writeYaml(dir.resolve(CONFIG_FILE), Configs.toMap(config));
        TrainingRun training = new TrainingRun(dir, spec, algorithm, config, GymBridge::makeVec);
        training.createdDir = created;
        return training;
    }

    /**
     * Re-opens the run in {@code dir} from its run.yaml and config.yaml; {@link #train} continues from the
     * last checkpoint. {@code steps} (if not null) replaces the run's total, e.g. to train a finished run longer
     * (and the config's {@code total_steps} with it, so that the schedules span the new total).
     *
     * @param registry looks algorithms up by name (org.gymbridge.agents.Algorithms::get)
     */
    public static TrainingRun resume(Path dir, Long steps, Function<String, Algorithm<?>> registry) throws IOException {
        Path runFile = dir.resolve(RUN_FILE);
        if (!Files.isRegularFile(runFile)) {
            throw new IllegalArgumentException("no run to resume in " + dir + " (no " + RUN_FILE + "): start one with"
                    + " gymbridge train --out " + dir);
        }
        if (!Files.isRegularFile(dir.resolve(CHECKPOINT_DIR).resolve("trainer.json"))) {
            throw new IllegalArgumentException("nothing to resume in " + dir + ": the run stopped before its first"
                    + " checkpoint; delete the folder and run the original train command again");
        }
        Map<String, Object> run = Configs.readFile(runFile);
        Algorithm<?> algorithm = registry.apply(String.valueOf(run.get("algo")));
        Record config = Configs.bind(algorithm.defaults(), Configs.readFile(dir.resolve(CONFIG_FILE)),
                dir.resolve(CONFIG_FILE).toString());
        if (steps != null) {
            config = withRunSteps(config, steps);
            Configs.writeYaml(dir.resolve(CONFIG_FILE), Configs.toMap(config));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> trainerMap = (Map<String, Object>) run.getOrDefault("trainer", Map.of());
        TrainerConfig trainer = Configs.bind(TrainerConfig.defaults(), trainerMap, runFile + " trainer");
        long total = steps != null ? steps : ((Number) run.get("steps")).longValue();
        Spec spec = new Spec(String.valueOf(run.get("env")), algorithm.name(), total,
                ((Number) run.get("seed")).longValue(), trainer);
        if (steps != null) {
            run.put("steps", steps);
            Configs.writeYaml(runFile, run);
        }
        return new TrainingRun(dir, spec, algorithm, config, GymBridge::makeVec);
    }

    public Path dir() {
        return dir;
    }

    public Spec spec() {
        return spec;
    }

    /** The resolved algorithm config. */
    public Record config() {
        return config;
    }

    /**
     * Replaces what the run logs from the info of each finished episode (default {@link EpisodeInfo#achievements()}:
     * {@code achievements/<name>} 0/1 columns in episode rows and their unlock rates in train rows, for envs such as
     * Crafter whose info reports achievements; nothing for other envs). Returns this run.
     */
    public TrainingRun episodeInfo(EpisodeInfo hook) {
        this.episodeInfo = java.util.Objects.requireNonNull(hook, "hook");
        return this;
    }

    /**
     * Asks {@link #train} to stop at the next learning step (or where it is, if none comes within two seconds),
     * write a checkpoint and return (for Ctrl-C, or a test that interrupts a run). Safe from any thread.
     */
    public void requestStop() {
        stopRequestedNanos = System.nanoTime();
        stopRequested = true;
    }

    /** Stops after the first learning step at or beyond {@code steps} env steps (tests: an interrupted run). */
    public Result trainUntil(PrintStream out, long steps) throws IOException {
        return train(out, steps);
    }

    /** Trains to the spec's total steps (from the last checkpoint if there is one), then evaluates. */
    public Result train(PrintStream out) throws IOException {
        return train(out, Long.MAX_VALUE);
    }

    // ---- The loop -----------------------------------------------------------------------------------------

    /** Loop state saved in checkpoint/trainer.json. */
    private static final class State {
        long steps;
        long vectorSteps;
        int episodes;
        double[] running;
        long[] lengths;
        boolean[] resetting;
        Deque<Double> recent = new ArrayDeque<>();
        long nextLog;
        long nextEval;
        long nextCheckpoint;
        Map<String, double[]> statSums = new LinkedHashMap<>();   // name -> {sum, count}
        long metricsBytes;
        String eventsFile;
        long eventsBytes;
        int actionWidth = -1;
        String observations;                                     // base64 of the float32 batch at the checkpoint
        double seconds;
        double envSeconds;
        double actSeconds;
        double learnSeconds;
        double bestEval = Double.NEGATIVE_INFINITY;
        long bestEvalStep = -1;

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("steps", steps);
            m.put("vector_steps", vectorSteps);
            m.put("episodes", episodes);
            m.put("running", running);
            m.put("lengths", lengths);
            m.put("resetting", resetting);
            m.put("recent", new ArrayList<>(recent));
            m.put("next_log", nextLog);
            m.put("next_eval", nextEval);
            m.put("next_checkpoint", nextCheckpoint);
            m.put("stat_sums", statSums);
            m.put("metrics_bytes", metricsBytes);
            m.put("events_file", eventsFile);
            m.put("events_bytes", eventsBytes);
            m.put("action_width", actionWidth);
            m.put("observations", observations);
            m.put("seconds", seconds);
            m.put("env_seconds", envSeconds);
            m.put("act_seconds", actSeconds);
            m.put("learn_seconds", learnSeconds);
            m.put("best_eval", bestEvalStep < 0 ? null : bestEval);
            m.put("best_eval_step", bestEvalStep);
            return m;
        }

        @SuppressWarnings("unchecked")
        static State fromMap(Map<String, Object> m) {
            State s = new State();
            s.steps = num(m, "steps").longValue();
            s.vectorSteps = num(m, "vector_steps").longValue();
            s.episodes = num(m, "episodes").intValue();
            List<Number> running = (List<Number>) m.get("running");
            List<Number> lengths = (List<Number>) m.get("lengths");
            List<Boolean> resetting = (List<Boolean>) m.get("resetting");
            s.running = running.stream().mapToDouble(Number::doubleValue).toArray();
            s.lengths = lengths.stream().mapToLong(Number::longValue).toArray();
            s.resetting = new boolean[resetting.size()];
            for (int i = 0; i < s.resetting.length; i++) {
                s.resetting[i] = resetting.get(i);
            }
            ((List<Number>) m.get("recent")).forEach(x -> s.recent.addLast(x.doubleValue()));
            s.nextLog = num(m, "next_log").longValue();
            s.nextEval = num(m, "next_eval").longValue();
            s.nextCheckpoint = num(m, "next_checkpoint").longValue();
            ((Map<String, List<Number>>) m.get("stat_sums")).forEach((k, v) ->
                    s.statSums.put(k, new double[] {v.get(0).doubleValue(), v.get(1).doubleValue()}));
            s.metricsBytes = num(m, "metrics_bytes").longValue();
            s.eventsFile = (String) m.get("events_file");
            s.eventsBytes = num(m, "events_bytes").longValue();
            s.actionWidth = num(m, "action_width").intValue();
            s.observations = (String) m.get("observations");
            s.seconds = num(m, "seconds").doubleValue();
            s.envSeconds = num(m, "env_seconds").doubleValue();
            s.actSeconds = num(m, "act_seconds").doubleValue();
            s.learnSeconds = num(m, "learn_seconds").doubleValue();
            s.bestEvalStep = num(m, "best_eval_step").longValue();
            s.bestEval = s.bestEvalStep < 0 ? Double.NEGATIVE_INFINITY : num(m, "best_eval").doubleValue();
            return s;
        }

        private static Number num(Map<String, Object> m, String key) {
            Object v = m.get(key);
            if (!(v instanceof Number n)) {
                throw new IllegalStateException("checkpoint/trainer.json has no number '" + key + "'");
            }
            return n;
        }
    }

    /** Something done with the run's files. */
    private interface FileAction {
        void run() throws IOException;
    }

    private Result train(PrintStream out, long stopAt) throws IOException {
        try {
            return trainOrFail(out, stopAt);
        } catch (IOException | RuntimeException | Error e) {
            if (createdDir && !stepped) {
                // Nothing was trained (unknown env, no server ...): leave no folder that blocks the corrected command.
                deleteTree(dir);
            }
            throw e;
        }
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException ignored) {
            // Best effort: the failure being reported matters more than a leftover file.
        }
    }

    private Result trainOrFail(PrintStream out, long stopAt) throws IOException {
        Path ckpt = dir.resolve(CHECKPOINT_DIR);
        Path trainerFile = ckpt.resolve("trainer.json");
        Path agentFile = ckpt.resolve("agent.bin");
        Path actionsFile = ckpt.resolve("actions.bin");
        Files.createDirectories(ckpt);
        TrainerConfig tc = spec.trainer();
        long startNanos = System.nanoTime();

        Agent[] made = {null};
        try (VectorEnv env = envFactory.apply(spec.envUrl())) {
            StepLoop.requireNextStepAutoreset(env);
            int numEnvs = env.numEnvs();
            String envId = env.spec() != null ? env.spec().envId() : spec.envUrl();
            AgentContext context = new AgentContext(env.singleObservationSpace(), env.singleActionSpace(), numEnvs,
                    envId, spec.steps(), spec.envUrl(), dir);
            Agent agent = algorithm.create(context, config, spec.seed());
            made[0] = agent;
            StepLoop loop = StepLoop.training(agent, env);

            State state;
            TensorBoardWriter events;
            boolean resumed = Files.isRegularFile(trainerFile);
            if (resumed) {
                state = State.fromMap(castMap(Configs.parseJson(Files.readString(trainerFile))));
                if (state.running.length != numEnvs) {
                    throw new IllegalStateException("the run was trained with " + state.running.length + " envs but "
                            + spec.envUrl() + " makes " + numEnvs);
                }
                agent.load(agentFile);
                out.printf("resuming %s at step %,d: replaying %,d logged vector steps to restore the env%n",
                        dir, state.steps, state.vectorSteps);
                loop.restore(replay(env, actionsFile, state), state.running, state.lengths, state.resetting);
                truncate(dir.resolve(METRICS_FILE), state.metricsBytes);
                events = TensorBoardWriter.append(dir.resolve(state.eventsFile), state.eventsBytes);
                truncate(actionsFile, state.vectorSteps * 4L * numEnvs * Math.max(0, state.actionWidth));
            } else {
                state = new State();
                state.nextLog = tc.logEvery();
                state.nextEval = tc.evalEvery() > 0 ? tc.evalEvery() : Long.MAX_VALUE;
                state.nextCheckpoint = tc.checkpointEvery();
                events = TensorBoardWriter.create(dir, System.currentTimeMillis() / 1000.0);
                state.eventsFile = events.file().getFileName().toString();
                Files.deleteIfExists(actionsFile);
                loop.reset(spec.seed());
                state.running = loop.episodeReturns();
                state.lengths = loop.episodeLengths();
                state.resetting = loop.resetting();
            }
            double secondsBefore = state.seconds;
            double envBefore = state.envSeconds;
            double actBefore = state.actSeconds;
            double learnBefore = state.learnSeconds;

            boolean bar = System.console() != null;
            VectorEnv[] evalEnv = {null};
            boolean[] stopped = {false};
            try (BufferedWriter metrics = Files.newBufferedWriter(dir.resolve(METRICS_FILE), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                 DataOutputStream actionLog = new DataOutputStream(new java.io.BufferedOutputStream(
                         Files.newOutputStream(actionsFile, StandardOpenOption.CREATE, StandardOpenOption.APPEND)));
                 events) {
                // The action log: every vector step's actions, which resume replays to restore the env.
                loop.listen(new StepLoop.Listener() {
                    @Override
                    public void actions(INDArray actions) throws IOException {
                        float[] flat = HostArrays.toFloats(actions);
                        if (state.actionWidth < 0) {
                            state.actionWidth = flat.length / numEnvs;
                        }
                        ByteBuffer bytes = ByteBuffer.allocate(flat.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                        bytes.asFloatBuffer().put(flat);
                        actionLog.write(bytes.array());
                    }
                });
                // Metrics and TensorBoard: a row per episode, a train row and a progress line every logEvery steps.
                loop.listen(new StepLoop.Listener() {
                    @Override
                    public void stepped(StepResult step, boolean[] valid) {
                        stepped = true;
                        state.vectorSteps++;
                        state.steps += numEnvs;
                    }

                    @Override
                    public void episodeEnd(StepResult step, int i, double episodeReturn, long length)
                            throws IOException {
                        state.episodes++;
                        state.recent.addLast(episodeReturn);
                        if (state.recent.size() > tc.window()) {
                            state.recent.removeFirst();
                        }
                        Map<String, Object> row = metricsRow("episode", state.steps);
                        row.put("episode", state.episodes);
                        row.put("return", episodeReturn);
                        row.put("length", length);
                        // Env-specific episode metrics (achievements ...): in the row, and averaged into
                        // the next train row like the agent's statistics.
                        episodeInfo.episodeEnd(step, i).forEach((k, v) -> {
                            row.put(k, v);
                            double[] sum = state.statSums.computeIfAbsent(k, x -> new double[2]);
                            sum[0] += v;
                            sum[1]++;
                        });
                        writeRow(metrics, row);
                        events.scalars(state.steps, wallTime(), Map.of("episode/return", episodeReturn,
                                "episode/length", (double) length));
                    }

                    @Override
                    public void learned(Map<String, Double> stats) throws IOException {
                        state.envSeconds = envBefore + loop.envSeconds();
                        state.actSeconds = actBefore + loop.actSeconds();
                        state.learnSeconds = learnBefore + loop.learnSeconds();
                        stats.forEach((k, v) -> {
                            if (Double.isNaN(v)) {
                                return;                 // a statistic this update did not compute
                            }
                            double[] sum = state.statSums.computeIfAbsent(k, x -> new double[2]);
                            sum[0] += v;
                            sum[1]++;
                        });
                        if (state.steps < state.nextLog && state.steps < spec.steps()) {
                            return;
                        }
                        double seconds = secondsBefore + (System.nanoTime() - startNanos) / 1e9;
                        Map<String, Object> row = metricsRow("train", state.steps);
                        row.put("episodes", state.episodes);
                        row.put("return_mean", Trainer.mean(state.recent));
                        Map<String, Double> scalars = new LinkedHashMap<>();
                        state.statSums.forEach((k, v) -> {
                            row.put(k, v[0] / v[1]);
                            scalars.put("train/" + k, v[0] / v[1]);
                        });
                        state.statSums.clear();
                        row.put("time_s", seconds);
                        row.put("env_s", state.envSeconds);
                        row.put("act_s", state.actSeconds);
                        row.put("learn_s", state.learnSeconds);
                        row.put("steps_per_s", state.steps / Math.max(seconds, 1e-9));
                        writeRow(metrics, row);
                        if (!state.recent.isEmpty()) {
                            scalars.put("train/return_mean", Trainer.mean(state.recent));
                        }
                        scalars.put("perf/steps_per_s", state.steps / Math.max(seconds, 1e-9));
                        events.scalars(state.steps, wallTime(), scalars);
                        if (bar) {
                            out.print("\r" + " ".repeat(72) + "\r");
                        }
                        out.println(progressLine(state, spec.steps(), seconds, row));
                        metrics.flush();                // so that tail -f and TensorBoard show the run live
                        events.flush();
                        while (state.nextLog <= state.steps) {
                            state.nextLog += tc.logEvery();
                        }
                    }
                });
                // Checkpoints: every checkpointEvery steps, at the end and when asked to stop. Taken right after a
                // learning step where possible (an on-policy agent's partial rollout is not saved); a run whose
                // steps end between learning steps gets one where it ends.
                long[] checkpointed = {resumed ? state.steps : -1};
                FileAction checkpoint = () -> {
                    state.seconds = secondsBefore + (System.nanoTime() - startNanos) / 1e9;
                    state.observations = encode(loop.observations());
                    metrics.flush();
                    events.flush();
                    actionLog.flush();
                    state.metricsBytes = Files.size(dir.resolve(METRICS_FILE));
                    state.eventsBytes = Files.size(dir.resolve(state.eventsFile));
                    Path tmp = ckpt.resolve("agent.bin.tmp");
                    agent.save(tmp);
                    Files.move(tmp, agentFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    Path tmpState = ckpt.resolve("trainer.json.tmp");
                    Files.writeString(tmpState, Configs.toJson(state.toMap()));
                    Files.move(tmpState, trainerFile, StandardCopyOption.REPLACE_EXISTING,
                            StandardCopyOption.ATOMIC_MOVE);
                    checkpointed[0] = state.steps;
                    while (state.nextCheckpoint <= state.steps) {
                        state.nextCheckpoint += tc.checkpointEvery();
                    }
                };
                loop.listen(new StepLoop.Listener() {
                    @Override
                    public void learned(Map<String, Double> stats) throws IOException {
                        stopped[0] = stopRequested || state.steps >= stopAt;
                        if (state.steps < state.nextCheckpoint && state.steps < spec.steps() && !stopped[0]) {
                            return;
                        }
                        checkpoint.run();
                    }
                });
                // Periodic greedy evaluation on a second env, keeping the best agent seen. After the checkpoint
                // of the same step, so that a crash inside an evaluation keeps the interval's training; a run
                // resumed from that checkpoint evaluates first, where the interrupted run would have.
                StepLoop.Listener evaluation = new StepLoop.Listener() {
                    @Override
                    public void learned(Map<String, Double> stats) throws IOException {
                        if (state.steps < state.nextEval) {
                            return;
                        }
                        if (evalEnv[0] == null) {
                            evalEnv[0] = envFactory.apply(evalUrl(spec.envUrl()));
                        }
                        EvalResult eval = Evaluation.run(agent, evalEnv[0], tc.evalEpisodes(), tc.evalSeed());
                        writeEval(metrics, events, state.steps, eval);
                        if (bar) {
                            out.print("\r" + " ".repeat(72) + "\r");
                        }
                        out.printf("eval at step %,d: %s%n", state.steps, eval);
                        if (eval.mean() > state.bestEval) {
                            // DQN's greedy policy can collapse late: keep the best one seen, as SB3's EvalCallback does.
                            state.bestEval = eval.mean();
                            state.bestEvalStep = state.steps;
                            Path tmpBest = ckpt.resolve("best-agent.bin.tmp");
                            agent.save(tmpBest);
                            Files.move(tmpBest, ckpt.resolve("best-agent.bin"), StandardCopyOption.REPLACE_EXISTING,
                                    StandardCopyOption.ATOMIC_MOVE);
                        }
                        metrics.flush();
                        events.flush();
                        while (state.nextEval <= state.steps) {
                            state.nextEval += tc.evalEvery();
                        }
                    }
                };
                loop.listen(evaluation);
                if (resumed && state.steps >= state.nextEval) {
                    evaluation.learned(Map.of());
                }
                while (state.steps < spec.steps()) {
                    if (loop.step() == null) {
                        if (stopRequested && System.nanoTime() - stopRequestedNanos > STOP_GRACE_NANOS) {
                            stopped[0] = true;
                            break;
                        }
                        continue;
                    }
                    if (stopped[0]) {
                        break;
                    }
                    if (bar) {
                        out.print(Trainer.progressBar(state.steps, spec.steps()));
                        out.flush();
                    }
                }
                if (bar) {
                    out.println();
                }
                if (checkpointed[0] != state.steps) {
                    checkpoint.run();
                }
            } finally {
                if (evalEnv[0] != null) {
                    evalEnv[0].close();
                }
            }
            state.envSeconds = envBefore + loop.envSeconds();
            state.actSeconds = actBefore + loop.actSeconds();
            state.learnSeconds = learnBefore + loop.learnSeconds();
            double seconds = secondsBefore + (System.nanoTime() - startNanos) / 1e9;
            boolean finished = state.steps >= spec.steps();
            EvalResult finalEval = null;
            if (finished && tc.finalEvalEpisodes() > 0) {
                out.printf("final evaluation: %d episodes of the greedy policy, eval seed %d (env i reset with %d + i)%n",
                        tc.finalEvalEpisodes(), tc.evalSeed(), tc.evalSeed());
                EvaluationProgress progress = new EvaluationProgress(out, tc.finalEvalEpisodes());
                finalEval = Evaluation.run(agent, env, tc.finalEvalEpisodes(), tc.evalSeed(),
                        progress);
                progress.done();
                Map<String, Object> summary = new LinkedHashMap<>();
                summary.put("env", spec.envUrl());
                summary.put("algo", algorithm.name());
                summary.put("seed", spec.seed());
                summary.put("steps", state.steps);
                summary.put("eval_seed", tc.evalSeed());
                summary.put("episodes", finalEval.episodes());
                summary.put("mean_return", finalEval.mean());
                summary.put("std_return", finalEval.std());
                summary.put("min_return", finalEval.min());
                summary.put("max_return", finalEval.max());
                if (state.bestEvalStep >= 0) {
                    summary.put("best_periodic_eval_mean", state.bestEval);
                    summary.put("best_periodic_eval_step", state.bestEvalStep);
                }
                summary.put("training_seconds", seconds);
                summary.put("env_seconds", state.envSeconds);
                summary.put("act_seconds", state.actSeconds);
                summary.put("learn_seconds", state.learnSeconds);
                summary.put("steps_per_s", state.steps / Math.max(seconds, 1e-9));
                Files.writeString(dir.resolve(EVAL_FILE), Configs.toJson(summary) + "\n");
                out.printf("final evaluation: %s%n", finalEval);
            }
            writeCurve();
            return new Result(state.steps, finished, state.episodes, Trainer.mean(state.recent), seconds,
                    state.steps / Math.max(seconds, 1e-9), finalEval, dir);
        } finally {
            // Agents that hold sessions of their own (a planner's model, ppo-rlhf's clip copy) release them.
            if (made[0] instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    out.println("closing the agent failed: " + e.getMessage());
                }
            }
        }
    }

    /** Restores the server-side env by replaying the logged actions and checks where it arrives. */
    private INDArray replay(VectorEnv env, Path actionsFile, State state) throws IOException {
        ObservationAdapter observationAdapter = ObservationAdapter.forSpace(env.singleObservationSpace());
        ActionAdapter actionAdapter = ActionAdapter.forSpace(env.singleActionSpace());
        int numEnvs = env.numEnvs();
        INDArray obs = observationAdapter.toBatch(env.reset(spec.seed()).observations());
        if (state.vectorSteps > 0) {
            int width = state.actionWidth;
            long need = state.vectorSteps * 4L * numEnvs * width;
            if (Files.size(actionsFile) < need) {
                throw new IOException(actionsFile + " is shorter than the checkpoint needs (" + Files.size(actionsFile)
                        + " < " + need + " bytes): the run folder is damaged");
            }
            // Pipelined: keep a window of steps in flight on the session stream; the actions are known.
            Deque<CompletableFuture<StepResult>> inFlight = new ArrayDeque<>();
            StepResult last = null;
            try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(
                    Files.newInputStream(actionsFile)))) {
                byte[] row = new byte[4 * numEnvs * width];
                for (long t = 0; t < state.vectorSteps; t++) {
                    in.readFully(row);
                    float[] actions = new float[numEnvs * width];
                    ByteBuffer.wrap(row).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(actions);
                    inFlight.addLast(env.stepAsync(actionAdapter.toValue(HostArrays.toArray(actions, numEnvs, width))));
                    if (inFlight.size() >= 32) {
                        last = inFlight.removeFirst().join();
                    }
                }
            }
            while (!inFlight.isEmpty()) {
                last = inFlight.removeFirst().join();
            }
            obs = observationAdapter.toBatch(last.observations());
        }
        if (state.observations != null && !state.observations.equals(encode(obs))) {
            throw new IllegalStateException("replaying the logged actions did not bring " + spec.envUrl() + " back to"
                    + " the checkpoint's observations, so the run cannot continue exactly: is the env deterministic"
                    + " under a seeded reset (and the same gymnasium version)?");
        }
        return obs;
    }

    // ---- Output -------------------------------------------------------------------------------------------

    /**
     * A metrics.jsonl row: {@code kind} (episode: return, length; train: episodes, return_mean, the agent's
     * learn() statistics averaged since the last row, time_s, steps_per_s; eval: mean, std, min, max,
     * episodes) and {@code step} (env steps so far over all envs).
     */
    static Map<String, Object> metricsRow(String kind, long step) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("kind", kind);
        row.put("step", step);
        return row;
    }

    private static void writeEval(BufferedWriter metrics, TensorBoardWriter events, long step, EvalResult eval)
            throws IOException {
        Map<String, Object> row = metricsRow("eval", step);
        row.put("mean", eval.mean());
        row.put("std", eval.std());
        row.put("min", eval.min());
        row.put("max", eval.max());
        row.put("episodes", eval.episodes());
        writeRow(metrics, row);
        events.scalars(step, wallTime(), Map.of("eval/mean_return", eval.mean()));
    }

    private static void writeRow(BufferedWriter metrics, Map<String, Object> row) throws IOException {
        metrics.write(Configs.toJson(row));
        metrics.write('\n');
    }

    /** Redraws learning-curve.png from metrics.jsonl. */
    public void writeCurve() throws IOException {
        List<Long> episodeSteps = new ArrayList<>();
        List<Double> returns = new ArrayList<>();
        List<Map<String, Object>> trainRows = new ArrayList<>();
        List<Long> evalSteps = new ArrayList<>();
        List<Double> evalMeans = new ArrayList<>();
        List<Double> evalStds = new ArrayList<>();
        for (Map<String, Object> row : readMetrics(dir)) {
            long step = ((Number) row.get("step")).longValue();
            if ("episode".equals(row.get("kind"))) {
                episodeSteps.add(step);
                returns.add(((Number) row.get("return")).doubleValue());
            } else if ("train".equals(row.get("kind"))) {
                trainRows.add(row);
            } else if ("eval".equals(row.get("kind"))) {
                evalSteps.add(step);
                evalMeans.add(((Number) row.get("mean")).doubleValue());
                evalStds.add(row.get("std") instanceof Number std ? std.doubleValue() : 0.0);
            }
        }
        LearningCurve.FinalEvaluation finalEval = null;
        if (Files.isRegularFile(dir.resolve(EVAL_FILE))) {
            Map<String, Object> e = castMap(Configs.parseJson(Files.readString(dir.resolve(EVAL_FILE))));
            if (e.get("steps") instanceof Number st && e.get("mean_return") instanceof Number m
                    && e.get("std_return") instanceof Number sd && e.get("episodes") instanceof Number n) {
                finalEval = new LearningCurve.FinalEvaluation(st.longValue(), m.doubleValue(), sd.doubleValue(),
                        n.intValue());
            }
        }
        String env = spec.envUrl().replaceFirst("^[a-z]+:(//[^/]*/)?", "").replaceFirst("\\?.*", "");
        LearningCurve.write(dir.resolve(CURVE_FILE), algorithm.name() + " on " + env + " (seed " + spec.seed() + ")",
                episodeSteps.stream().mapToLong(Long::longValue).toArray(),
                returns.stream().mapToDouble(Double::doubleValue).toArray(), spec.trainer().window(),
                evalSteps.stream().mapToLong(Long::longValue).toArray(),
                evalMeans.stream().mapToDouble(Double::doubleValue).toArray(),
                evalStds.stream().mapToDouble(Double::doubleValue).toArray(), finalEval);
        if (trainRows.stream().anyMatch(r -> r.containsKey("labels_used"))) {
            // A reward learned from preferences (ppo-rlhf): how the true and the learned return, the reward
            // model's held-out accuracy and the labels spent went, iteration by iteration.
            LearningCurve.writeStats(dir.resolve(RLHF_CURVE_FILE), algorithm.name() + " on " + env + " (seed "
                    + spec.seed() + "): per iteration", trainRows, List.of(List.of("true_return"),
                    List.of("learned_return"), List.of("rm_accuracy", "reward_corr"), List.of("labels_used")));
        }
    }

    /** The rows of a run folder's metrics.jsonl. */
    public static List<Map<String, Object>> readMetrics(Path dir) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        Path file = dir.resolve(METRICS_FILE);
        if (!Files.isRegularFile(file)) {
            return rows;
        }
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                rows.add(castMap(Configs.parseJson(line)));
            }
        }
        return rows;
    }

    private static String progressLine(State state, long total, double seconds, Map<String, Object> row) {
        StringBuilder line = new StringBuilder(String.format("step %,9d/%,d | episodes %6d | return %8.2f | %,7.0f steps/s",
                state.steps, total, state.episodes, Trainer.mean(state.recent), state.steps / Math.max(seconds, 1e-9)));
        row.forEach((k, v) -> {
            if (!List.of("kind", "step", "episodes", "return_mean").contains(k) && !WALL_CLOCK_KEYS.contains(k)
                    && !k.contains("/") && v instanceof Double d) {
                line.append(String.format(" | %s %.4g", k, d));
            }
        });
        return line.toString();
    }

    private static double wallTime() {
        return System.currentTimeMillis() / 1000.0;
    }

    private static String encode(INDArray obs) {
        float[] f = HostArrays.toFloats(obs);
        ByteBuffer b = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(f);
        return Base64.getEncoder().encodeToString(b.array());
    }

    private static void truncate(Path file, long length) throws IOException {
        if (!Files.exists(file)) {
            if (length == 0) {
                return;
            }
            throw new IOException(file + " is missing: the run folder is damaged");
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(length);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object o) {
        if (!(o instanceof Map<?, ?>)) {
            throw new UncheckedIOException(new IOException("expected a JSON object, got " + o));
        }
        return (Map<String, Object>) o;
    }

    /**
     * The evaluation env's URL: the training URL with {@code on_crash=recreate} unless it says otherwise. The eval
     * session idles between evaluations, and in a slow run that is longer than a server's session idle timeout
     * (SAC on HalfCheetah-v5: ~17 min between evaluations every 25k steps, against the default 10 min), after
     * which the server has closed it; with recreate its next reset makes it again instead of ending the run
     * with SessionNotFoundException.
     */
    static String evalUrl(String url) {
        if (url.contains("on_crash=")) {
            return url;
        }
        return url + (url.contains("?") ? "&" : "?") + "on_crash=recreate";
    }
}
