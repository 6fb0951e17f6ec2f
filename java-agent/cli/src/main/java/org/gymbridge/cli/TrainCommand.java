package org.gymbridge.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.gymbridge.agents.Algorithms;
import org.gymbridge.agents.a3c.A3cConfig;
import org.gymbridge.agents.a3c.A3cRun;
import org.gymbridge.agents.core.Algorithm;
import org.gymbridge.agents.train.Configs;
import org.gymbridge.agents.train.MlflowTracking;
import org.gymbridge.agents.train.TrainerConfig;
import org.gymbridge.agents.train.TrainingRun;
import org.gymbridge.client.GymBridge;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gymbridge train}: trains an agent on an env URL into a run folder (see {@link TrainingRun} for the
 * folder's files), or continues one with {@code --resume}. Every run ends with a checkpoint, whatever its step
 * count. Ctrl-C stops at the next learning step (or where the run is, if none comes within two seconds), writes
 * a checkpoint while the {@code local:} server is held up, prints one line and exits with 130; {@code --resume}
 * continues there.
 *
 * <p>{@code --steps} is the run's length and the length of its whole-run schedules (the config's
 * {@code total_steps}, e.g. PPO's learning-rate annealing). The final evaluation runs the greedy policy for
 * {@code final_eval_episodes} (100) episodes from the evaluation seed: {@code --eval-seed}, else the config's
 * {@code trainer: eval_seed}, else the run's seed + 9,999 (10,000 for seed 1).
 *
 * <p>A config file (YAML or JSON) holds the algorithm's keys at the top level, plus optionally
 * {@code env}, {@code algo}, {@code steps}, {@code seed} (defaults for the options of the same name) and a
 * {@code trainer:} map ({@link TrainerConfig}). Options given on the command line win.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train an agent on a gymbridge env; writes a run folder (config, metrics.jsonl, TensorBoard"
                + " events, learning-curve.png, checkpoints, eval.json).",
                "Examples:",
                "  gymbridge train --env 'local:CartPole-v1?num_envs=8' --algo ppo --steps 150000 --seed 1 --out runs/ppo",
                "  gymbridge train --config configs/dqn-cartpole.yaml --out runs/dqn",
                "  gymbridge train --resume runs/dqn            (after Ctrl-C, or with --steps N to train longer)",
                "  gymbridge train --env local:CartPole-v1 --algo dqn --eval-every 10000 --eval-seed 123",
                "  gymbridge train --env local:CartPole-v1 --algo dqn --mlflow http://127.0.0.1:5000",
                "  gymbridge train --list          gymbridge train --list dqn     (its config keys)",
                "Every run ends with a checkpoint; Ctrl-C writes one, then exits with 130. The final evaluation runs"
                        + " the greedy policy for 100 episodes (trainer: final_eval_episodes) from the evaluation seed,"
                        + " and prints both."})
public final class TrainCommand implements java.util.concurrent.Callable<Integer> {

    @Option(names = "--env", paramLabel = "URL", description = "env URL, e.g. local:CartPole-v1?num_envs=8")
    String env;

    @Option(names = "--algo", paramLabel = "NAME", description = "algorithm (--list shows them)")
    String algo;

    @Option(names = "--config", paramLabel = "FILE", description = "algorithm config, .yaml/.yml or .json")
    Path config;

    @Option(names = "--steps", paramLabel = "N", description = "env steps over all envs (default: config or 100000)")
    Long steps;

    @Option(names = "--seed", paramLabel = "S", description = "seed of weights, exploration and env resets (default 1)")
    Long seed;

    @Option(names = "--eval-every", paramLabel = "N", description = "a greedy evaluation (10 episodes) every N steps,"
            + " written to metrics.jsonl and TensorBoard; the best agent seen is kept (default: config, else off)")
    Long evalEvery;

    @Option(names = "--eval-seed", paramLabel = "S", description = "seed of the evaluation envs (env i gets S + i;"
            + " default: config, else the run's seed + 9999)")
    Long evalSeed;

    @Option(names = "--out", paramLabel = "DIR", description = "run folder (default runs/<algo>-<env>-s<seed>)")
    Path out;

    @Option(names = "--resume", paramLabel = "DIR", description = "continue the run in DIR from its last checkpoint")
    Path resume;

    @Option(names = "--list", arity = "0..1", paramLabel = "ALGO", fallbackValue = "",
            description = "list the algorithms; with ALGO, that algorithm's config keys and their defaults")
    String list;

    @Option(names = "--mlflow", paramLabel = "URI", description = "also track the run in this MLflow tracking server,"
            + " e.g. http://127.0.0.1:5000: parameters, live metrics, config, curve, eval and checkpoint")
    java.net.URI mlflow;

    @Option(names = "--mlflow-experiment", paramLabel = "NAME", defaultValue = "gymbridge",
            description = "MLflow experiment of the run (made if missing; default ${DEFAULT-VALUE})")
    String mlflowExperiment;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Counted down when the command has printed its last line: the Ctrl-C hook lets the JVM exit then. */
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicBoolean interrupted = new AtomicBoolean();

    @Override
    public Integer call() throws Exception {
        try {
            return train();
        } catch (IllegalArgumentException | java.io.IOException e) {
            // Bad input (unknown algorithm or key, damaged run folder ...): the message says what to fix.
            spec.commandLine().getErr().println("gymbridge train: " + e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            if (!interrupted.get()) {
                throw e;
            }
            // After Ctrl-C the JVM exits as soon as this returns: report here, on one line.
            spec.commandLine().getErr().println("gymbridge train: " + Failures.oneLine(e));
            return 1;
        } finally {
            spec.commandLine().getErr().flush();
            done.countDown();
        }
    }

    private Integer train() throws Exception {
        // DL4J logs its backend banner at INFO through slf4j-simple; progress lines are what matters here.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        var stdout = spec.commandLine().getOut();
        if (list != null) {
            if (list.isEmpty()) {
                AlgorithmTable.all(stdout, Algorithms.all());
            } else {
                AlgorithmTable.keys(stdout, Algorithms.get(list));
            }
            stdout.flush();
            return 0;
        }
        TrainingRun run;
        if (resume != null) {
            if (env != null || algo != null || config != null || seed != null || out != null || evalEvery != null
                    || evalSeed != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--resume takes the env, algorithm, config"
                        + " and seed from the run folder; only --steps may be given with it");
            }
            run = TrainingRun.resume(resume, steps, Algorithms::get);
        } else {
            Request request = parse();
            if (request.algorithm().name().equals("a3c")) {
                // A3C owns one env session per actor-learner thread: its own driver, the same run folder.
                A3cRun.run(request.dir(), request.envUrl(),
                        (A3cConfig) TrainingRun.withRunSteps(request.agentConfig(), request.steps()), request.steps(),
                        request.seed(), request.trainer(), System.out);
                return 0;
            }
            run = TrainingRun.create(request.dir(), new TrainingRun.Spec(request.envUrl(),
                    request.algorithm().name(), request.steps(), request.seed(), request.trainer()),
                    request.algorithm(), request.agentConfig());
        }
        System.out.printf("run folder %s: %s on %s, %,d steps, seed %d%n", run.dir(), run.spec().algorithm(),
                run.spec().envUrl(), run.spec().steps(), run.spec().seed());

        // Ctrl-C: stop at the next learning step, checkpoint (the local server is held up until then), then let the
        // JVM exit (with 130, as for any SIGINT).
        AtomicReference<Thread> hook = new AtomicReference<>(new Thread(() -> {
            interrupted.set(true);
            run.requestStop();
            try {
                done.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "gymbridge-train-stop"));
        Runtime.getRuntime().addShutdownHook(hook.get());
        MlflowTracking tracking = mlflow == null ? null
                : MlflowTracking.start(mlflow, mlflowExperiment, run, System.out,
                        java.time.Duration.ofMillis(Long.getLong("gymbridge.mlflow.interval.ms", 5000)));
        AutoCloseable serverHold = GymBridge.holdLocalServersAtShutdown(Duration.ofSeconds(120));
        try {
            TrainingRun.Result result = run.train(System.out);
            if (tracking != null) {
                tracking.finish(result.finished() ? MlflowTracking.Status.FINISHED : MlflowTracking.Status.KILLED);
            }
            if (!result.finished() && interrupted.get()) {
                System.out.printf("interrupted at step %,d: checkpoint saved; continue with: gymbridge train --resume"
                        + " %s%n", result.steps(), result.dir());
                return 130;
            }
            System.out.printf("%s after %,d env steps, %d episodes, %.1f s (%,.0f steps/s); files in %s%n",
                    result.finished() ? "finished" : "stopped", result.steps(), result.episodes(), result.seconds(),
                    result.stepsPerSecond(), result.dir());
            if (!result.finished()) {
                System.out.println("continue with: gymbridge train --resume " + result.dir());
            }
            return 0;
        } finally {
            serverHold.close();
            if (tracking != null) {
                tracking.close();                   // FAILED unless finished above
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook.get());
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already exiting (Ctrl-C): the hook is running and has what it waited for
            }
        }
    }

    private record Request(String envUrl, Algorithm<?> algorithm, long steps, long seed, TrainerConfig trainer,
                           Record agentConfig, Path dir) {
    }

    private Request parse() throws Exception {
        Map<String, Object> file = config != null ? Configs.readFile(config) : new LinkedHashMap<>();
        String where = config != null ? config.toString() : "the defaults";
        String envUrl = env != null ? env : (String) file.remove("env");
        file.remove("env");
        String algoName = algo != null ? algo : (String) file.remove("algo");
        file.remove("algo");
        Object fileSteps = file.remove("steps");
        Object fileSeed = file.remove("seed");
        Object trainerMap = file.remove("trainer");
        if (envUrl == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no env: give --env URL (e.g."
                    + " 'local:CartPole-v1?num_envs=8') or an env: key in the config file");
        }
        if (algoName == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no algorithm: give --algo NAME or an algo:"
                    + " key in the config file (gymbridge train --list shows them)");
        }
        Algorithm<?> algorithm = Algorithms.get(algoName);
        long totalSteps = steps != null ? steps : fileSteps != null ? ((Number) fileSteps).longValue() : 100_000;
        long runSeed = seed != null ? seed : fileSeed != null ? ((Number) fileSeed).longValue() : 1;
        @SuppressWarnings("unchecked")
        Map<String, Object> trainerKeys = trainerMap == null ? new LinkedHashMap<>()
                : new LinkedHashMap<>((Map<String, Object>) trainerMap);
        if (evalEvery != null) {
            replaceKey(trainerKeys, "eval_every", evalEvery);
        }
        if (evalSeed != null) {
            replaceKey(trainerKeys, "eval_seed", evalSeed);
        } else if (trainerKeys.keySet().stream().noneMatch(k -> sameKey(k, "eval_seed"))) {
            // Derived from the run's seed, so that runs with different seeds are also evaluated differently;
            // seed 1 keeps 10,000, the evaluation seed of the documented figures.
            trainerKeys.put("eval_seed", runSeed + 9_999);
        }
        TrainerConfig trainer = Configs.bind(TrainerConfig.defaults(), trainerKeys, where + " (trainer:)");
        Record agentConfig = Configs.bind(algorithm.defaults(), file, where + " for " + algorithm.name());
        Path dir = out != null ? out : Path.of("runs", algorithm.name() + "-" + envId(envUrl) + "-s" + runSeed);
        return new Request(envUrl, algorithm, totalSteps, runSeed, trainer, agentConfig, dir);
    }

    /** Sets {@code key}, replacing the config file's spelling of it (eval-every, evalEvery ...): the option wins. */
    private static void replaceKey(Map<String, Object> map, String key, Object value) {
        map.keySet().removeIf(k -> sameKey(k, key));
        map.put(key, value);
    }

    private static boolean sameKey(String a, String b) {
        return a.replace("_", "").replace("-", "").equalsIgnoreCase(b.replace("_", "").replace("-", ""));
    }

    private static String envId(String url) {
        String id = url.replaceFirst("^[a-z]+:(//[^/]*/)?", "").replaceFirst("\\?.*", "");
        return id.replaceAll("[^A-Za-z0-9.-]", "_");
    }
}
