package org.gymbridge.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import org.gymbridge.agents.core.ActionAdapter;
import org.gymbridge.agents.core.ObservationAdapter;
import org.gymbridge.agents.core.OffPolicyAgent;
import org.gymbridge.agents.sac.Sac;
import org.gymbridge.agents.sac.SacConfig;
import org.gymbridge.agents.td3.Td3;
import org.gymbridge.agents.td3.Td3Config;
import org.gymbridge.agents.train.EvalResult;
import org.gymbridge.agents.train.Evaluation;
import org.gymbridge.agents.train.Trainer;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.render.Episodes;

/**
 * TD3 or SAC (DL4J, CleanRL's MuJoCo settings: 256x256 networks, one update per env step) learns
 * HalfCheetah-v5 (MuJoCo, in the Python server) and records the trained agent as a GIF (MuJoCo renders
 * headless through OSMesa in the server).
 *
 * <pre>
 *   java -cp ... org.gymbridge.examples.HalfCheetahOffPolicy [td3|sac] [envSteps=200000] [seed=1] [load=FILE]
 * </pre>
 *
 * A long run: at ~15 ms per update (256x256, batch 256, one DL4J thread) 200k steps take about an hour on an
 * idle 2-core machine. The agent is saved every 25k steps and at the end to runs/halfcheetah-ALGO.bin;
 * {@code load=FILE} skips training and only evaluates and records a saved agent (steps is then ignored).
 * Writes runs/halfcheetah-ALGO.gif (one episode, 1000 steps, from a fixed seed).
 */
public final class HalfCheetahOffPolicy {

    private HalfCheetahOffPolicy() {
    }

    public static void main(String[] args) throws Exception {
        String algo = args.length > 0 ? args[0] : "sac";
        long steps = args.length > 1 ? Long.parseLong(args[1]) : 200_000;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 1;
        Path load = args.length > 3 && args[3].startsWith("load=") ? Path.of(args[3].substring(5)) : null;
        Path file = Path.of("runs", "halfcheetah-" + algo + ".bin");
        OffPolicyAgent agent;
        try (VectorEnv env = GymBridge.makeVec("local:HalfCheetah-v5?num_envs=1")) {
            agent = switch (algo) {
                case "td3" -> Td3.forEnv(env, Td3Config.defaults(), seed);
                case "sac" -> Sac.forEnv(env, SacConfig.defaults(), seed);
                default -> throw new IllegalArgumentException("unknown algorithm '" + algo + "': use td3 or sac");
            };
            if (load != null) {
                agent.load(load);
                System.out.println("loaded " + load.toAbsolutePath());
            } else {
                System.out.println("gymbridge: " + algo + " learns HalfCheetah-v5 for " + steps + " env steps, seed " + seed);
                Trainer trainer = new Trainer(System.out, 5_000);
                long chunk = 25_000;
                for (long done = 0; done < steps; done += chunk) {
                    // Chunks of one trainer call each (the env is reset between chunks; the agent carries on).
                    Trainer.Summary summary = trainer.train(agent, env, Math.min(chunk, steps - done), seed + done);
                    System.out.println("chunk: " + summary);
                    agent.save(file);
                }
                System.out.println("agent saved to " + file.toAbsolutePath());
            }
            EvalResult eval = Evaluation.run(agent, env, 10, 10_000);
            System.out.println("evaluation: " + eval + (eval.mean() >= 3000 ? " -- reached 3000" : " -- below 3000"));
        }
        try (VectorEnv render = GymBridge.makeVec("local:HalfCheetah-v5?num_envs=1&render_mode=rgb_array")) {
            ObservationAdapter observations = ObservationAdapter.forSpace(render.singleObservationSpace());
            ActionAdapter actions = ActionAdapter.forSpace(render.singleActionSpace());
            Path gif = Path.of("runs", "halfcheetah-" + algo + ".gif");
            Files.createDirectories(gif.getParent());
            Episodes.Recording recording = Episodes.recordGif(render,
                    obs -> actions.toValue(agent.act(observations.toBatch(obs), false)), 10_000, gif);
            System.out.printf("GIF: %s (%d frames, return %.1f)%n", gif.toAbsolutePath(), recording.frames(),
                    recording.totalReward());
        }
        System.exit(0);   // DL4J and gRPC keep non-daemon threads
    }
}
