package org.gymbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
        assertTrue(o.out().contains("\"target_update_interval\""), o.out());
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
        Path config = tmp.resolve("lake.yaml");
        Files.writeString(config, "env: local:FrozenLake-v1?is_slippery=false&num_envs=4\nalgo: q-learning\n"
                + "steps: 2000\nalpha: 0.5\nepsilon: {start: 1.0, end: 0.1, steps: 1500}\n"
                + "trainer: {log_every: 1000, final_eval_episodes: 4}\n");
        Path dir = tmp.resolve("run");
        assertEquals(0, run("train", "--config", config.toString(), "--out", dir.toString()).code());
        assertTrue(Files.readString(dir.resolve("eval.json")).contains("\"steps\":2000"));
        assertTrue(Files.readString(dir.resolve("config.yaml")).contains("planning_steps"));
        assertEquals(0, run("train", "--resume", dir.toString(), "--steps", "3000").code());
        assertTrue(Files.readString(dir.resolve("eval.json")).contains("\"steps\":3000"));
        assertTrue(Files.readString(dir.resolve("run.yaml")).contains("steps: 3000"));
    }
}
