package org.gymbridge.examples;

import java.io.IOException;
import java.nio.file.Path;
import org.gymbridge.agents.Algorithms;
import org.gymbridge.agents.core.Algorithm;
import org.gymbridge.agents.dqn.DqnConfig;
import org.gymbridge.agents.train.TrainerConfig;
import org.gymbridge.agents.train.TrainingRun;

/**
 * DQN (or double-dqn, dueling-dqn, per-dqn) learns CartPole-v1 through the bridge into a run folder, with a
 * greedy evaluation every 10k steps: {@code bin/gymbridge train --config java-agent/agents/configs/dqn-cartpole.yaml}
 * written against the Java API. Action selection is batched: one forward pass per vector step of 4 envs.
 * <pre>
 *   java -cp ... org.gymbridge.examples.CartPoleDqn [algo [steps [seed]]]        (runs/cartpole-ALGO-sSEED)
 * </pre>
 */
public final class CartPoleDqn {

    private CartPoleDqn() {
    }

    public static void main(String[] args) throws IOException {
        String algo = args.length > 0 ? args[0] : "dqn";
        long steps = args.length > 1 ? Long.parseLong(args[1]) : 100_000;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 1;
        Algorithm<?> algorithm = Algorithms.get(algo);
        if (!(algorithm.defaults() instanceof DqnConfig defaults)) {
            throw new IllegalArgumentException(algo + " is not a DQN variant: use dqn, double-dqn, dueling-dqn or per-dqn");
        }
        // RL Zoo's CartPole settings with 64 (not 128) updates per 256 env steps.
        DqnConfig config = org.gymbridge.agents.train.Configs.bind(defaults, java.util.Map.of("gradient_steps", 64),
                "CartPoleDqn");
        TrainerConfig trainer = new TrainerConfig(10_000, 10_000, 10, 20, 10_000, 50_000, 100);
        Path dir = Path.of("runs", "cartpole-" + algo + "-s" + seed);
        TrainingRun.Result r = TrainingRun.create(dir, new TrainingRun.Spec("local:CartPole-v1?num_envs=4", algo, steps,
                seed, trainer), algorithm, config).train(System.out);
        System.out.printf("%s on CartPole-v1: mean greedy return %.1f over %d episodes (bar: 475); %.1f s, %,.0f steps/s;"
                + " run folder %s (learning-curve.png, metrics.jsonl, TensorBoard events)%n", algo, r.finalEval().mean(),
                r.finalEval().episodes(), r.seconds(), r.stepsPerSecond(), dir);
    }
}
