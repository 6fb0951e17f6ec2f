package org.gymbridge.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.gymbridge.agents.Algorithms;
import org.gymbridge.agents.core.Algorithm;
import org.gymbridge.agents.train.Configs;
import org.gymbridge.agents.train.TrainerConfig;
import org.gymbridge.agents.train.TrainingRun;

/**
 * Q-learning and SARSA learn Taxi-v4 through the bridge, each into a run folder (config, metrics.jsonl,
 * TensorBoard events, learning-curve.png, checkpoint, eval.json) — the Java-API version of
 * {@code bin/gymbridge train --config java-agent/agents/configs/q-learning-taxi.yaml}.
 * <pre>
 *   java -cp ... org.gymbridge.examples.TaxiQLearning [steps [seed]]      (runs/taxi-q-learning, runs/taxi-sarsa)
 * </pre>
 */
public final class TaxiQLearning {

    private TaxiQLearning() {
    }

    public static void main(String[] args) throws IOException {
        long steps = args.length > 0 ? Long.parseLong(args[0]) : 320_000;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 1;
        for (String algo : new String[] {"q-learning", "sarsa"}) {
            Algorithm<?> algorithm = Algorithms.get(algo);
            // The keys a YAML file would hold; everything else keeps TabularConfig.defaults().
            Record config = Configs.bind(algorithm.defaults(), Map.of("alpha", 0.5, "gamma", 0.99,
                    "epsilon", Map.of("start", 1.0, "end", 0.01, "steps", 250_000)), "TaxiQLearning");
            TrainerConfig trainer = new TrainerConfig(40_000, 0, 10, 100, 10_000, 100_000, 100);
            Path dir = Path.of("runs", "taxi-" + algo + "-s" + seed);
            TrainingRun.Result r = TrainingRun.create(dir, new TrainingRun.Spec("local:Taxi-v4?num_envs=16", algo,
                    steps, seed, trainer), algorithm, config).train(System.out);
            System.out.printf("%s on Taxi-v4: mean return %.2f over %d greedy episodes (bar: 7.0); %.1f s, %,.0f steps/s;"
                    + " run folder %s%n", algo, r.finalEval().mean(), r.finalEval().episodes(), r.seconds(),
                    r.stepsPerSecond(), dir);
        }
    }
}
