package org.gymbridge.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gymbridge.agents.bandit.ActionValueBandit;
import org.gymbridge.agents.bandit.BanditConfig;
import org.gymbridge.agents.bandit.BanditTestbed;
import org.gymbridge.agents.bandit.GradientBandit;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.VectorEnv;

/**
 * Sutton and Barto's 10-armed testbed: 2000 runs x 1000 steps of epsilon-greedy (0.1), optimistic greedy
 * (Q1 = 5), UCB (c = 2) and the gradient bandit, simulated in Java, then UCB and epsilon-greedy on the served
 * {@code gymbridge/Bandit-v0} env through the bridge. Writes the average-reward and %-optimal-action plots to
 * {@code runs/bandits/} (simulated) and {@code runs/bandits/served/}.
 * <pre>
 *   java -cp ... org.gymbridge.examples.Bandits [servedRunsPerAlgorithm]
 * </pre>
 */
public final class Bandits {

    private Bandits() {
    }

    public static void main(String[] args) throws IOException {
        int served = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int runs = 2000;
        int steps = 1000;
        long start = System.nanoTime();
        Map<String, BanditTestbed.Curves> curves = new LinkedHashMap<>();
        curves.put("epsilon-greedy 0.1", BanditTestbed.simulate(new ActionValueBandit(
                ActionValueBandit.Selection.EPSILON_GREEDY, BanditConfig.epsilonGreedy(), 10, runs, 1), steps, true, 0, 42));
        curves.put("UCB c=2", BanditTestbed.simulate(new ActionValueBandit(ActionValueBandit.Selection.UCB,
                BanditConfig.ucb(), 10, runs, 1), steps, true, 0, 42));
        curves.put("optimistic Q1=5", BanditTestbed.simulate(new ActionValueBandit(
                ActionValueBandit.Selection.EPSILON_GREEDY, BanditConfig.optimistic(), 10, runs, 1), steps, true, 0, 42));
        curves.put("gradient alpha=0.1", BanditTestbed.simulate(new GradientBandit(BanditConfig.gradient(), 10, runs, 1),
                steps, true, 0, 42));
        System.out.printf("simulated %d runs x %d steps per algorithm in %.1f s%n", runs, steps,
                (System.nanoTime() - start) / 1e9);
        curves.forEach((name, c) -> System.out.printf("  %-20s average reward over steps 200-1000: %.4f, %% optimal: %.1f%n",
                name, c.meanReward(199, steps), 100 * c.meanOptimal(199, steps)));
        BanditTestbed.plot(Path.of("runs", "bandits"), "10-armed testbed, " + runs + " runs (simulated)", curves);

        // The same agents on the served testbed: 20 envs, one bandit problem per episode.
        int envs = 20;
        Map<String, BanditTestbed.Curves> remote = new LinkedHashMap<>();
        try (VectorEnv env = GymBridge.makeVec("local:gymbridge/Bandit-v0?num_envs=" + envs)) {
            long t0 = System.nanoTime();
            remote.put("epsilon-greedy 0.1", BanditTestbed.served(env, new ActionValueBandit(
                    ActionValueBandit.Selection.EPSILON_GREEDY, BanditConfig.epsilonGreedy(), 10, envs, 1), steps,
                    served / envs, 7));
            remote.put("UCB c=2", BanditTestbed.served(env, new ActionValueBandit(ActionValueBandit.Selection.UCB,
                    BanditConfig.ucb(), 10, envs, 1), steps, served / envs, 7));
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("served gymbridge/Bandit-v0: %d runs x %d steps per algorithm in %.1f s (%,.0f env steps/s)%n",
                    served, steps, seconds, 2.0 * served * steps / seconds);
        }
        remote.forEach((name, c) -> System.out.printf("  %-20s average reward over steps 200-1000: %.4f, %% optimal: %.1f%n",
                name, c.meanReward(199, steps), 100 * c.meanOptimal(199, steps)));
        BanditTestbed.plot(Path.of("runs", "bandits", "served"), "10-armed testbed, " + served
                + " runs through the bridge", remote);
        System.out.println("plots: runs/bandits/{average-reward,optimal-action}.png and runs/bandits/served/");
    }
}
