package org.gymbridge.examples;

import java.nio.file.Path;
import org.gymbridge.agents.core.OffPolicyAgent;
import org.gymbridge.agents.ddpg.Ddpg;
import org.gymbridge.agents.ddpg.DdpgConfig;
import org.gymbridge.agents.sac.Sac;
import org.gymbridge.agents.sac.SacConfig;
import org.gymbridge.agents.td3.Td3;
import org.gymbridge.agents.td3.Td3Config;
import org.gymbridge.agents.train.EvalResult;
import org.gymbridge.agents.train.Evaluation;
import org.gymbridge.agents.train.Trainer;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.VectorEnv;

/**
 * TD3, SAC or DDPG (DL4J) learns Pendulum-v1 through gymbridge, with the settings of {@code Td3Config.pendulum()}
 * (and SAC's, DDPG's): 1 env, 1k random steps, then one update per env step.
 *
 * <pre>
 *   mvn -B -q -pl examples -am -DskipTests install   (once)
 *   java -cp ... org.gymbridge.examples.PendulumOffPolicy [td3|sac|ddpg] [envSteps=30000] [seed=1]
 * </pre>
 *
 * Prints progress, the wall clock split (env = bridge + Python env, act = DL4J forward + noise, learn = DL4J
 * updates), the greedy policy's mean return over 20 fixed-seed episodes (solved: >= -200; random play scores
 * about -1200), and saves the agent to runs/pendulum-ALGO.bin.
 */
public final class PendulumOffPolicy {

    private PendulumOffPolicy() {
    }

    public static void main(String[] args) throws Exception {
        String algo = args.length > 0 ? args[0] : "td3";
        long steps = args.length > 1 ? Long.parseLong(args[1]) : 30_000;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 1;
        try (VectorEnv env = GymBridge.makeVec("local:Pendulum-v1?num_envs=1")) {
            OffPolicyAgent agent = switch (algo) {
                case "td3" -> Td3.forEnv(env, Td3Config.pendulum(), seed);
                case "sac" -> Sac.forEnv(env, SacConfig.pendulum(), seed);
                case "ddpg" -> Ddpg.forEnv(env, DdpgConfig.pendulum(), seed);
                default -> throw new IllegalArgumentException("unknown algorithm '" + algo + "': use td3, sac or ddpg");
            };
            System.out.println("gymbridge: " + algo + " learns Pendulum-v1 for " + steps + " env steps, seed " + seed);
            Trainer.Summary summary = new Trainer(System.out, 2_000).train(agent, env, steps, seed);
            System.out.println("training: " + summary);
            EvalResult eval = Evaluation.run(agent, env, 20, 10_000);
            System.out.println("evaluation: " + eval + (eval.mean() >= -200 ? " -- solved (>= -200)" : " -- not solved"));
            Path file = Path.of("runs", "pendulum-" + algo + ".bin");
            agent.save(file);
            System.out.println("agent saved to " + file.toAbsolutePath());
        }
        System.exit(0);   // DL4J and gRPC keep non-daemon threads
    }
}
