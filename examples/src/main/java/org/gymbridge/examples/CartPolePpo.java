package org.gymbridge.examples;

import java.nio.file.Path;
import org.gymbridge.agents.ppo.Ppo;
import org.gymbridge.agents.ppo.PpoConfig;
import org.gymbridge.agents.train.EvalResult;
import org.gymbridge.agents.train.Evaluation;
import org.gymbridge.agents.train.Trainer;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.VectorEnv;

/**
 * A DL4J PPO agent learns CartPole-v1 through gymbridge: the env runs in Python (Gymnasium) in a
 * private server process started by the {@code local:} URL, the agent runs here in Java.
 *
 * <pre>
 *   java -cp ... org.gymbridge.examples.CartPolePpo ["local:CartPole-v1?num_envs=8&amp;seed=1" [seed]]
 * </pre>
 *
 * Prints a progress line every ~10k env steps, then the greedy policy's mean return over
 * {@value #EVAL_EPISODES} evaluation episodes from a fixed seed. CartPole-v1 counts as solved at 475.
 */
public final class CartPolePpo {

    static final String DEFAULT_URL = "local:CartPole-v1?num_envs=8&seed=1";
    static final long DEFAULT_SEED = 1;
    static final long EVAL_SEED = 10_000;
    static final int EVAL_EPISODES = 20;
    static final double SOLVED = 475;

    private CartPolePpo() {
    }

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : DEFAULT_URL;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : DEFAULT_SEED;
        PpoConfig config = PpoConfig.defaults();
        System.out.println("gymbridge demo: PPO (DL4J) learns " + url + " with seed " + seed);
        System.out.println(config);
        long start = System.nanoTime();
        try (VectorEnv env = GymBridge.makeVec(url)) {
            System.out.printf("env ready in %.1f s: %d envs, observations %s, actions %s%n",
                    (System.nanoTime() - start) / 1e9, env.numEnvs(), env.singleObservationSpace(),
                    env.singleActionSpace());
            Ppo agent = Ppo.forEnv(env, config, seed);
            Trainer.Summary summary = new Trainer(System.out, 10_240).train(agent, env, config.totalSteps(), seed);
            System.out.println("training: " + summary);

            Path checkpoint = Path.of("runs", "cartpole-ppo.zip");
            agent.save(checkpoint);
            System.out.println("checkpoint: " + checkpoint.toAbsolutePath());

            EvalResult eval = Evaluation.run(agent, env, EVAL_EPISODES, EVAL_SEED);
            System.out.printf("evaluation: mean return %.2f over %d episodes (seed %d; std %.2f, min %.0f, max %.0f)%n",
                    eval.mean(), eval.episodes(), EVAL_SEED, eval.std(), eval.min(), eval.max());
            System.out.println(eval.mean() >= SOLVED
                    ? "CartPole-v1 solved: mean return >= " + SOLVED
                    : "CartPole-v1 NOT solved: mean return below " + SOLVED);
        }
        System.out.printf("total wall clock %.1f s%n", (System.nanoTime() - start) / 1e9);
        // DL4J and gRPC keep non-daemon threads around; the demo is done.
        System.exit(0);
    }
}
