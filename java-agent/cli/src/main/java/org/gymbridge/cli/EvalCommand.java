package org.gymbridge.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.train.Configs;
import org.gymbridge.agents.train.EvalResult;
import org.gymbridge.agents.train.Evaluation;
import org.gymbridge.agents.train.EvaluationProgress;
import org.gymbridge.agents.train.TrainingRun;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.VectorEnv;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gymbridge eval}: the greedy return of a trained agent, as a table (mean, std, min, max, episodes), on
 * the run's env or on another env URL with the same spaces. With the defaults it repeats the run's final
 * evaluation (same episodes and seed, so the same figures as its eval.json).
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate a trained agent's greedy policy: mean, std, min and max return over N episodes.",
                "Examples:",
                "  gymbridge eval --run runs/ppo",
                "  gymbridge eval --run runs/ppo --episodes 20 --seed 7",
                "  gymbridge eval --run runs/ppo --env 'local:CartPole-v1?num_envs=4&max_episode_steps=1000'"})
public final class EvalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--run", paramLabel = "DIR", required = true, description = "the run folder (gymbridge train --out)")
    Path run;

    @Option(names = "--episodes", paramLabel = "N", description = "episodes (default: as the run's final evaluation, else 100)")
    Integer episodes;

    @Option(names = "--env", paramLabel = "URL", description = "evaluate on this env URL instead of the run's"
            + " (its observation and action spaces must be the run's)")
    String env;

    @Option(names = "--seed", paramLabel = "S", description = "env i is reset with S + i (default: as the run's final"
            + " evaluation)")
    Long seed;

    @Option(names = "--best", description = "use the best agent of the run's periodic evaluations (checkpoint/"
            + "best-agent.bin) instead of the last checkpoint")
    boolean best;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        TrainedAgent trained = TrainedAgent.of(run, best);
        Protocol protocol = Protocol.of(run);
        int n = episodes != null ? episodes : protocol.episodes;
        long s = seed != null ? seed : protocol.seed;
        String url = env != null ? env : trained.envUrl;
        EvalResult result;
        try (VectorEnv venv = GymBridge.makeVec(url)) {
            Agent agent = trained.loadFor(venv, url, env != null && !env.equals(trained.envUrl));
            out.printf("evaluating %s (%s, %s) on %s: %d episodes, greedy, env i reset with seed %d + i%n",
                    run, trained.algorithm.name(), trained.checkpoint.getFileName(), url, n, s);
            out.flush();
            EvaluationProgress progress = new EvaluationProgress(System.out, n);
            result = Evaluation.run(agent, venv, n, s, progress);
            progress.done();
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"MEAN", "STD", "MIN", "MAX", "EPISODES"});
        rows.add(new String[] {fmt(result.mean()), fmt(result.std()), fmt(result.min()), fmt(result.max()),
                Integer.toString(result.episodes())});
        EnvsCommand.printTable(out, rows);
        out.flush();
        return 0;
    }

    private static String fmt(double v) {
        return String.format("%.2f", v);
    }

    /** The run's final-evaluation protocol: from eval.json if written, else from run.yaml's trainer settings. */
    record Protocol(int episodes, long seed) {
        static Protocol of(Path dir) throws java.io.IOException {
            Path evalFile = dir.resolve(TrainingRun.EVAL_FILE);
            if (Files.isRegularFile(evalFile)) {
                Map<String, Object> eval = Configs.readFile(evalFile);
                if (eval.get("episodes") instanceof Number e && eval.get("eval_seed") instanceof Number s) {
                    return new Protocol(e.intValue(), s.longValue());
                }
            }
            Map<String, Object> run = Configs.readFile(dir.resolve(TrainingRun.RUN_FILE));
            int episodes = 100;
            long seed = 10_000;
            if (run.get("trainer") instanceof Map<?, ?> trainer) {
                if (trainer.get("final_eval_episodes") instanceof Number e && e.intValue() > 0) {
                    episodes = e.intValue();
                }
                if (trainer.get("eval_seed") instanceof Number s) {
                    seed = s.longValue();
                }
            }
            return new Protocol(episodes, seed);
        }
    }
}
