package org.gymbridge.examples;

import java.nio.file.Path;
import org.gymbridge.examples.crafter.CrafterEvaluation;
import org.gymbridge.examples.crafter.CrafterExperiment;

/**
 * Trains a Java PPO agent with the Nature CNN on Crafter through gymbridge, then evaluates it and a uniformly
 * random agent with the same seeds and episode count, and writes the Crafter score, a bar chart of the success
 * rate per achievement and a GIF of one evaluation episode into the run folder
 * ({@link CrafterExperiment}). The env is a URL argument, so the same code runs any env with uint8 frames,
 * Discrete actions and an {@code achievements} info (a MineRL task mapped on the server side, for one).
 *
 * <pre>
 *   CrafterPpo --config java-agent/agents/configs/crafter-ppo.yaml --out runs/crafter-ppo
 *              [--env URL] [--steps N] [--eval-episodes 100] [--eval-seed 1000000] [--eval-policy sample|greedy]
 *              [--no-baseline]
 *   CrafterPpo --out runs/crafter-ppo --steps 0 ...      evaluate a trained run folder only
 * </pre>
 * Without --config: {@link CrafterExperiment#DEFAULT_URL}, PPO's pixel defaults, 204,800 steps.
 */
public final class CrafterPpo {

    private CrafterPpo() {
    }

    public static void main(String[] args) throws Exception {
        Path config = null;
        Path out = Path.of("runs", "crafter-ppo");
        String env = null;
        Long steps = null;
        CrafterExperiment.Eval eval = CrafterExperiment.Eval.defaults();
        int episodes = eval.evalEpisodes();
        long evalSeed = eval.evalSeed();
        boolean baseline = eval.baseline();
        String policy = eval.evalPolicy();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--config" -> config = Path.of(value(args, ++i, a));
                case "--out" -> out = Path.of(value(args, ++i, a));
                case "--env" -> env = value(args, ++i, a);
                case "--steps" -> steps = Long.parseLong(value(args, ++i, a).replace("_", ""));
                case "--eval-episodes" -> episodes = Integer.parseInt(value(args, ++i, a));
                case "--eval-seed" -> evalSeed = Long.parseLong(value(args, ++i, a));
                case "--eval-policy" -> policy = value(args, ++i, a);
                case "--no-baseline" -> baseline = false;
                default -> throw new IllegalArgumentException("unknown argument '" + a + "'; usage: CrafterPpo"
                        + " [--config FILE] [--out DIR] [--env URL] [--steps N] [--eval-episodes N] [--eval-seed S]"
                        + " [--eval-policy sample|greedy] [--no-baseline]");
            }
        }
        CrafterExperiment experiment = config != null ? CrafterExperiment.fromConfig(config, out)
                : new CrafterExperiment(CrafterExperiment.DEFAULT_URL, out, 204_800, 1,
                        org.gymbridge.agents.ppo.PpoConfig.pixels(), CrafterExperiment.defaultTrainer(), episodes,
                        evalSeed, baseline, policy);
        if (env != null) {
            experiment = experiment.withEnv(env);
        }
        if (steps != null) {
            experiment = experiment.withSteps(steps);
        }
        experiment = experiment.withEval(episodes, evalSeed, baseline, policy);
        CrafterExperiment.Outcome outcome = experiment.run(System.out);
        CrafterEvaluation.Result agent = outcome.agent();
        System.out.printf("Crafter score: PPO %.2f%%%s over %d episodes each%n", agent.score(),
                outcome.results().size() > 1 ? String.format(" vs random %.2f%%", outcome.results().get(1).score()) : "",
                agent.episodes());
        System.exit(0);           // DL4J/ND4J leave non-daemon threads behind
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
