package org.gymbridge.examples.crafter;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.gymbridge.agents.Algorithms;
import org.gymbridge.agents.core.Algorithm;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.ppo.Ppo;
import org.gymbridge.agents.ppo.PpoConfig;
import org.gymbridge.agents.train.Configs;
import org.gymbridge.agents.train.TrainerConfig;
import org.gymbridge.agents.train.TrainingRun;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.spaces.Discrete;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A Crafter experiment from Java: trains a CNN PPO agent through the bridge in a
 * {@link TrainingRun} folder (metrics.jsonl with every achievement's unlock rate, TensorBoard, checkpoints,
 * resumable), then evaluates the trained agent and, as the baseline, a uniformly random agent with the same
 * eval seeds and episode count, and writes {@link CrafterReport}'s crafter-eval.json (the Crafter score of the
 * training episodes by the benchmark's protocol, {@link CrafterProtocol}, and the success rates and score of both
 * evaluations), crafter-success.png (bar chart) and crafter-eval.gif (one evaluation episode).
 *
 * <p>Nothing here is specific to Crafter's id: any env URL whose observations are uint8 frames, whose actions are
 * Discrete and whose info reports an {@code achievements} dict works (a MineRL task mapped to pov frames and
 * discrete actions on the server side, for one).
 *
 * @param envUrl        the env (e.g. {@code local:Crafter-v1?num_envs=8&vectorization=workers})
 * @param out           the run folder
 * @param steps         env steps of training (0: evaluate an existing run folder only)
 * @param seed          run seed (agent init, env reset)
 * @param ppo           the PPO config (its total_steps is set to {@code steps} for the lr schedule)
 * @param trainer       logging and checkpoint settings of the run
 * @param evalEpisodes  episodes of each evaluation (the benchmark wants >= 100)
 * @param evalSeed      evaluation envs are reset with this seed (env i: evalSeed + i), for both policies
 * @param baseline      also evaluate a uniformly random agent
 * @param evalPolicy    {@code sample} (actions sampled from the policy, as during training and as Crafter's
 *                      benchmark scores agents) or {@code greedy} (the most likely action)
 */
public record CrafterExperiment(String envUrl, Path out, long steps, long seed, PpoConfig ppo, TrainerConfig trainer,
                                int evalEpisodes, long evalSeed, boolean baseline, String evalPolicy) {

    /** The default environment: 8 Crafter envs stepped in 2 worker processes (one per core here). */
    public static final String DEFAULT_URL = "local:Crafter-v1?num_envs=8&vectorization=workers";

    public CrafterExperiment {
        if (evalEpisodes < 1) {
            throw new IllegalArgumentException("eval_episodes must be >= 1, got " + evalEpisodes);
        }
        if (!List.of("sample", "greedy").contains(evalPolicy)) {
            throw new IllegalArgumentException("eval_policy must be 'sample' or 'greedy', got '" + evalPolicy + "'");
        }
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0 (0: evaluate the run folder only), got " + steps);
        }
    }

    /**
     * An experiment from a run config file in {@code gymbridge train}'s format (env, algo: ppo, steps, seed,
     * trainer: {...}, PPO keys bound onto PPO's registry defaults exactly as {@code gymbridge train} binds them, so
     * both commands train the same agent), with the evaluation settings of {@link Eval#defaults()}.
     */
    @SuppressWarnings("unchecked")
    public static CrafterExperiment fromConfig(Path file, Path out) throws IOException {
        Map<String, Object> map = Configs.readFile(file);
        String where = file.toString();
        String env = String.valueOf(map.remove("env"));
        Object algo = map.remove("algo");
        if (algo != null && !"ppo".equals(algo)) {
            throw new IllegalArgumentException(where + ": the Crafter experiment trains PPO (algo: ppo), got " + algo);
        }
        long steps = ((Number) map.remove("steps")).longValue();
        long seed = map.containsKey("seed") ? ((Number) map.remove("seed")).longValue() : 1;
        Object trainerMap = map.remove("trainer");
        TrainerConfig trainer = trainerMap == null ? defaultTrainer()
                : Configs.bind(defaultTrainer(), (Map<String, Object>) trainerMap, where + " (trainer:)");
        Eval eval = Eval.defaults();
        PpoConfig ppo = Configs.bind((PpoConfig) Algorithms.get("ppo").defaults(), map, where + " for ppo");
        return new CrafterExperiment(env, out, steps, seed, ppo, trainer, eval.evalEpisodes(), eval.evalSeed(),
                eval.baseline(), eval.evalPolicy());
    }

    /** Evaluation settings (the example's --eval-episodes, --eval-seed, --no-baseline, --eval-policy). */
    public record Eval(int evalEpisodes, long evalSeed, boolean baseline, String evalPolicy) {
        public static Eval defaults() {
            return new Eval(100, 1_000_000, true, "sample");
        }
    }

    /** Run settings for Crafter: a train row every 10,240 steps, no periodic or greedy final eval (we evaluate). */
    public static TrainerConfig defaultTrainer() {
        return new TrainerConfig(10_240, 0, 10, 0, 1_000_000, 51_200, 100);
    }

    public CrafterExperiment withEnv(String url) {
        return new CrafterExperiment(url, out, steps, seed, ppo, trainer, evalEpisodes, evalSeed, baseline, evalPolicy);
    }

    public CrafterExperiment withSteps(long value) {
        return new CrafterExperiment(envUrl, out, value, seed, ppo, trainer, evalEpisodes, evalSeed, baseline,
                evalPolicy);
    }

    public CrafterExperiment withEval(int episodes, long seedOfEval, boolean withBaseline, String policy) {
        return new CrafterExperiment(envUrl, out, steps, seed, ppo, trainer, episodes, seedOfEval, withBaseline,
                policy);
    }

    /** What {@link #run} produced. */
    public record Outcome(List<CrafterEvaluation.Result> results, Map<String, Object> facts) {
        public CrafterEvaluation.Result agent() {
            return results.get(0);
        }
    }

    /**
     * Trains (or continues the run folder's training to {@code steps}; skipped when it is already there), then
     * evaluates and writes the report into {@link #out}.
     */
    public Outcome run(PrintStream log) throws IOException {
        Map<String, Object> facts = new LinkedHashMap<>();
        if (steps > 0) {
            train(log);
        } else if (!Files.isRegularFile(out.resolve(TrainingRun.CHECKPOINT_DIR).resolve("agent.bin"))) {
            throw new IllegalArgumentException("no trained agent in " + out + " (checkpoint/agent.bin): train first");
        }
        Map<String, Object> trainerState = trainerState();
        long trained = ((Number) trainerState.get("steps")).longValue();
        double seconds = ((Number) trainerState.get("seconds")).doubleValue();
        facts.put("title", String.format("Crafter success rates: PPO (%s) after %,d steps vs random",
                switch (ppo.encoder()) {
                    case "mlp" -> "MLP";
                    case "nature_cnn" -> "CNN";
                    default -> ppo.encoder() + " encoder";
                }, trained));
        facts.put("env", envUrl);
        facts.put("steps", trained);
        facts.put("seed", seed);
        facts.put("eval_seed", evalSeed);
        facts.put("eval_policy", evalPolicy);
        facts.put("training_seconds", seconds);
        facts.put("steps_per_s", trained / Math.max(seconds, 1e-9));
        facts.put("env_seconds", trainerState.get("env_seconds"));
        facts.put("act_seconds", trainerState.get("act_seconds"));
        facts.put("learn_seconds", trainerState.get("learn_seconds"));

        List<CrafterEvaluation.Result> results = new ArrayList<>();
        try (VectorEnv env = GymBridge.makeVec(envUrl)) {
            Ppo agent = Ppo.load(out.resolve(TrainingRun.CHECKPOINT_DIR).resolve("agent.bin"), env.numEnvs(), seed);
            Random rng = new Random(evalSeed);
            Function<INDArray, INDArray> policy = "greedy".equals(evalPolicy)
                    ? obs -> agent.act(obs, false) : obs -> agent.sample(obs, rng);
            log.printf("evaluating the PPO agent (%s actions) for %d episodes from seed %d ...%n", evalPolicy,
                    evalEpisodes, evalSeed);
            results.add(CrafterEvaluation.run("ppo", policy, env, evalEpisodes, evalSeed, true));
            if (baseline) {
                log.printf("evaluating a uniformly random agent for %d episodes from seed %d ...%n", evalEpisodes,
                        evalSeed);
                results.add(CrafterEvaluation.run("random", randomPolicy(env, new Random(evalSeed)), env, evalEpisodes,
                        evalSeed, false));
            }
        }
        CrafterReport.Benchmark benchmark = benchmark(log);
        String evaluationProtocol = String.format("post-training evaluation: %d episodes per policy from eval seed %d"
                + " (env i reset with seed + i), %s actions; success rate = %% of those episodes that unlocked the"
                + " achievement", evalEpisodes, evalSeed, evalPolicy);
        CrafterReport.write(out, benchmark, results, evaluationProtocol, facts);
        CrafterReport.printTable(log, benchmark, results, evaluationProtocol);
        boolean gif = !results.get(0).firstEpisodeFrames().isEmpty();  // none for feature-vector observations
        log.printf("wrote %s and %s%s in %s%n", CrafterReport.JSON_FILE, CrafterReport.CHART_FILE,
                gif ? " and " + CrafterReport.GIF_FILE : "", out);
        return new Outcome(results, facts);
    }

    /**
     * The paper's protocol on the run's training episodes, the budget being the run's total steps (run.yaml); null
     * (with a line in the log) when no training episode ended within it.
     */
    private CrafterReport.Benchmark benchmark(PrintStream log) throws IOException {
        long budget = ((Number) Configs.readFile(out.resolve(TrainingRun.RUN_FILE)).get("steps")).longValue();
        List<Map<String, Object>> rows = TrainingRun.readMetrics(out);
        boolean any = rows.stream().anyMatch(r -> "episode".equals(r.get("kind"))
                && ((Number) r.get("step")).longValue() <= budget);
        if (!any) {
            log.printf("no training episode ended within the %,d-step budget: no benchmark-protocol score%n", budget);
            return null;
        }
        return new CrafterReport.Benchmark(budget, CrafterProtocol.ofEpisodes("ppo (training)", rows, budget));
    }

    /** Trains in the run folder: a new run, or the existing one continued to {@link #steps}. */
    private void train(PrintStream log) throws IOException {
        Path trainerFile = out.resolve(TrainingRun.CHECKPOINT_DIR).resolve("trainer.json");
        TrainingRun run;
        if (Files.isRegularFile(out.resolve(TrainingRun.RUN_FILE))) {
            if (Files.isRegularFile(trainerFile) && ((Number) trainerState().get("steps")).longValue() >= steps) {
                log.println(out + " is already trained to " + steps + " steps: evaluating it");
                return;
            }
            run = TrainingRun.resume(out, steps, Algorithms::get);
        } else {
            Algorithm<?> algorithm = Algorithms.get("ppo");
            run = TrainingRun.create(out, new TrainingRun.Spec(envUrl, algorithm.name(), steps, seed, trainer),
                    algorithm, ppo.withTotalSteps(steps));
        }
        run.train(log);
    }

    private Map<String, Object> trainerState() throws IOException {
        Path file = out.resolve(TrainingRun.CHECKPOINT_DIR).resolve("trainer.json");
        @SuppressWarnings("unchecked")
        Map<String, Object> state = (Map<String, Object>) Configs.parseJson(Files.readString(file));
        return state;
    }

    /** Uniformly random actions of a Discrete action space, one per env, from {@code rng}. */
    static Function<INDArray, INDArray> randomPolicy(VectorEnv env, Random rng) {
        if (!(env.singleActionSpace() instanceof Discrete discrete)) {
            throw new IllegalArgumentException("the random baseline needs a Discrete action space, got "
                    + env.singleActionSpace());
        }
        int n = Math.toIntExact(discrete.n());
        return obs -> {
            int rows = (int) obs.size(0);
            float[] actions = new float[rows];
            for (int i = 0; i < rows; i++) {
                actions[i] = rng.nextInt(n);
            }
            return HostArrays.toArray(actions, rows, 1);
        };
    }
}
