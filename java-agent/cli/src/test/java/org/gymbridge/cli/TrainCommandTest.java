package org.gymbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gymbridge.agents.train.Configs;
import org.gymbridge.agents.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code gymbridge train}: listing, clear errors for bad input, and a short real run from a YAML file. */
class TrainCommandTest {

    @TempDir
    Path tmp;

    private record Outcome(int code, String out, String err) {
    }

    private static Outcome run(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Outcome(code, out.toString(), err.toString());
    }

    @Test
    void listShowsEveryAlgorithmWithItsConfigKeys() {
        Outcome o = run("train", "--list");
        assertEquals(0, o.code());
        for (String name : new String[] {"ppo", "q-learning", "sarsa", "dyna-q", "ucb", "dqn", "per-dqn"}) {
            assertTrue(o.out().contains(name + " "), name + " missing in\n" + o.out());
        }
        Outcome dqn = run("train", "--list", "dqn");
        assertEquals(0, dqn.code());
        assertTrue(dqn.out().contains("target_update_interval"), dqn.out());
    }

    @Test
    void anUnknownAlgorithmOrKeyIsNamedWithTheFix() throws Exception {
        Outcome o = run("train", "--env", "local:FrozenLake-v1", "--algo", "q-lerning", "--out", tmp.resolve("x").toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("did you mean q-learning"), o.err());
        Path config = tmp.resolve("bad.yaml");
        Files.writeString(config, "env: local:FrozenLake-v1\nalgo: sarsa\nlearning_rate: 0.1\n");
        o = run("train", "--config", config.toString(), "--out", tmp.resolve("y").toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("unknown key 'learning_rate'") && o.err().contains("known keys: alpha, gamma"), o.err());
        o = run("train", "--resume", tmp.toString(), "--seed", "3");
        assertTrue(o.code() != 0 && o.err().contains("only --steps may be given"), o.err());
    }

    @Test
    void aConfigFileTrainsIntoARunFolderThatResumeExtends() throws Exception {
        String yaml = "env: local:FrozenLake-v1?is_slippery=false&num_envs=4\nalgo: q-learning\n"
                + "steps: %d\nalpha: 0.5\nepsilon: {start: 1.0, end: 0.1, steps: 1500}\n"
                + "trainer: {log_every: 1000, final_eval_episodes: 4}\n";
        Path config = tmp.resolve("lake.yaml");
        Files.writeString(config, String.format(yaml, 2000));
        Path dir = tmp.resolve("run");
        assertEquals(0, run("train", "--config", config.toString(), "--out", dir.toString()).code());
        assertEquals(2000L, number(json(dir.resolve("eval.json")), "steps"));
        assertTrue(Configs.readFile(dir.resolve("config.yaml")).containsKey("planning_steps"));
        List<Map<String, Object>> before = withoutWallClock(TrainingRun.readMetrics(dir));

        assertEquals(0, run("train", "--resume", dir.toString(), "--steps", "3000").code());
        assertEquals(3000L, number(Configs.readFile(dir.resolve("run.yaml")), "steps"));
        Map<String, Object> trainer = json(dir.resolve("checkpoint").resolve("trainer.json"));
        assertEquals(3000L, number(trainer, "steps"));
        assertEquals(750L, number(trainer, "vector_steps"));
        List<Map<String, Object>> resumed = withoutWallClock(TrainingRun.readMetrics(dir));
        // The resumed run keeps what was written up to the checkpoint and goes on from there.
        assertEquals(before, resumed.subList(0, before.size()));
        assertEquals(List.of(1000L, 2000L, 3000L), resumed.stream().filter(r -> "train".equals(r.get("kind")))
                .map(r -> number(r, "step")).toList());

        // The same as one uninterrupted run of 3000 steps: the same episodes, statistics and final evaluation.
        Path config3000 = tmp.resolve("lake3000.yaml");
        Files.writeString(config3000, String.format(yaml, 3000));
        Path straight = tmp.resolve("straight");
        assertEquals(0, run("train", "--config", config3000.toString(), "--out", straight.toString()).code());
        assertEquals(withoutWallClock(TrainingRun.readMetrics(straight)), resumed);
        Map<String, Object> eval = json(dir.resolve("eval.json"));
        Map<String, Object> straightEval = json(straight.resolve("eval.json"));
        assertEquals(3000L, number(eval, "steps"));
        for (String key : List.of("episodes", "mean_return", "std_return", "min_return", "max_return")) {
            assertEquals(straightEval.get(key), eval.get(key), key);
        }
    }

    private static List<Map<String, Object>> withoutWallClock(List<Map<String, Object>> rows) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            Map<String, Object> kept = new LinkedHashMap<>(row);
            kept.keySet().removeAll(TrainingRun.WALL_CLOCK_KEYS);
            out.add(kept);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(Path file) throws Exception {
        return (Map<String, Object>) Configs.parseJson(Files.readString(file));
    }

    private static long number(Map<String, Object> map, String key) {
        return ((Number) map.get(key)).longValue();
    }
}
