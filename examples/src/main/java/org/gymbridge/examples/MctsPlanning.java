package org.gymbridge.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.gymbridge.agents.mcts.MctsConfig;
import org.gymbridge.agents.mcts.SimulationSweep;
import org.gymbridge.client.GymBridge;
import org.gymbridge.client.GymBridgeClient;
import org.gymbridge.client.MakeOptions;

/**
 * Monte Carlo Tree Search plays FrozenLake (8x8 deterministic, 4x4 slippery), CartPole-v1 and Taxi-v4 by planning
 * in a second session of each env through env snapshots; for each env, a sweep over simulations per move prints
 * mean return, success rate, wall clock, model steps and batched model calls, and {@code runs/mcts-simulations.png}
 * plots return (divided by the env's bar) against simulations per move.
 * <pre>
 *   java -cp ... org.gymbridge.examples.MctsPlanning [env ...]    (env: frozenlake8x8 slippery4x4 cartpole taxi)
 * </pre>
 */
public final class MctsPlanning {

    /** One env of the sweep: id, kwargs, the config, the budgets tried, episodes per budget, its bar (mean return). */
    record Task(String name, String envId, Map<String, Object> kwargs, MctsConfig config, int[] simulations,
                int episodes, double bar) {
    }

    static final List<Task> TASKS = List.of(
            new Task("frozenlake8x8", "FrozenLake-v1", Map.of("map_name", "8x8", "is_slippery", false),
                    config(16, 100, 0.99, 8, MctsConfig.Backup.BELLMAN), new int[] {8, 16, 64}, 3, 1.0),
            new Task("slippery4x4", "FrozenLake-v1", Map.of("is_slippery", true),
                    config(64, 20, 0.99, 16, MctsConfig.Backup.BELLMAN), new int[] {8, 16, 64}, 100, 0.70),
            new Task("taxi", "Taxi-v4", Map.of(),
                    config(256, 20, 0.99, 16, MctsConfig.Backup.BELLMAN), new int[] {64, 256}, 10, 7.5),
            new Task("cartpole", "CartPole-v1", Map.of(),
                    config(64, 30, 1.0, 32, MctsConfig.Backup.MEAN), new int[] {32, 64}, 20, 475));

    /** UCT with c = 1.0, random rollouts, reseeded restores, one node per state. */
    private static MctsConfig config(int simulations, int depth, double gamma, int lanes, MctsConfig.Backup backup) {
        return new MctsConfig(simulations, 1.0, depth, gamma, MctsConfig.Rollout.RANDOM, "", true, true, lanes, backup);
    }

    private MctsPlanning() {
    }

    public static void main(String[] args) throws IOException {
        List<String> only = Arrays.asList(args);
        List<String> names = new ArrayList<>();
        List<List<SimulationSweep.Point>> series = new ArrayList<>();
        List<Double> bars = new ArrayList<>();
        try (GymBridgeClient client = GymBridge.connect("local:")) {
            for (Task t : TASKS) {
                if (!only.isEmpty() && !only.contains(t.name())) {
                    continue;
                }
                MakeOptions options = MakeOptions.builder().kwargs(t.kwargs()).build();
                List<SimulationSweep.Point> points = new ArrayList<>();
                System.out.printf("%s (%s %s), %s%n", t.name(), t.envId(), t.kwargs(), t.config());
                System.out.flush();
                for (int sims : t.simulations()) {
                    SimulationSweep.Point p = SimulationSweep.run(client, t.envId(), options, t.config(), sims,
                            t.episodes(), 1);
                    System.out.println("  " + p);
                    System.out.flush();
                    points.add(p);
                }
                names.add(t.name());
                series.add(points);
                bars.add(t.bar());
                plot(names, series, bars); // after each env, so a long sweep stopped early keeps what it measured
            }
        }
    }

    private static void plot(List<String> names, List<List<SimulationSweep.Point>> series, List<Double> bars)
            throws IOException {
        Path png = Path.of("runs", "mcts-simulations.png");
        SimulationSweep.plot(png, "MCTS: return vs simulations per move (1.0 = the env's bar)", names, series,
                bars.stream().mapToDouble(Double::doubleValue).toArray(), "mean episode return / bar");
        System.out.println("plot: " + png.toAbsolutePath());
    }
}
