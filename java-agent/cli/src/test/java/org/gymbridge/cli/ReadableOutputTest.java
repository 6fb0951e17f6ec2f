package org.gymbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.gymbridge.agents.Algorithms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What people read: failures on one line with the fix, tables that fit 100 columns, no library log noise. */
class ReadableOutputTest {

    @TempDir
    Path tmp;

    @Test
    void aServerSideErrorIsOneLineWithTheFixAndTheTraceOnlyWithDebug() {
        CliRun r = CliRun.of("train", "--env", "local:FrozenLak-v1", "--algo", "q-learning", "--steps", "100",
                "--out", tmp.resolve("a").toString());
        assertEquals(1, r.code());
        assertEquals(List.of("gymbridge train: unknown env id 'FrozenLak-v1'; did you mean FrozenLake-v1,"
                + " FrozenLake8x8-v1? ListEnvs shows all ids"), r.err().lines().toList());
        assertFalse(r.all().contains("\tat "), r.all());

        CliRun debug = CliRun.of("train", "--debug", "--env", "local:FrozenLak-v1", "--algo", "q-learning",
                "--steps", "100", "--out", tmp.resolve("b").toString());
        assertEquals(1, debug.code());
        assertTrue(debug.err().startsWith("gymbridge train: unknown env id"), debug.err());
        assertTrue(debug.err().contains("EnvNotFoundException") && debug.err().contains("\tat "), debug.err());
    }

    @Test
    void aMistypedUrlOptionGetsADidYouMean() {
        CliRun r = CliRun.of("train", "--env", "local:CartPole-v1?num_env=8", "--algo", "ppo", "--steps", "100",
                "--out", tmp.resolve("c").toString());
        assertEquals(2, r.code());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("did you mean num_envs?"), r.err());
        CliRun envs = CliRun.of("envs", "--server", "local:?n_envs=2");
        assertTrue(envs.code() != 0, envs.all());
    }

    @Test
    void trainListIsATableAndListAlgoShowsItsKeysWithDefaults() {
        CliRun all = CliRun.of("train", "--list");
        assertEquals(0, all.code(), all.err());
        assertTrue(all.out().startsWith("ALGORITHM"), all.out());
        for (var a : Algorithms.all()) {
            assertTrue(all.out().lines().anyMatch(l -> l.startsWith(a.name() + " ")), a.name() + " missing:\n" + all.out());
        }
        assertTrue(all.out().contains("gymbridge train --list NAME"), all.out());
        assertFitsColumns(all.out(), 100);

        CliRun dqn = CliRun.of("train", "--list", "dqn");
        assertEquals(0, dqn.code(), dqn.err());
        assertTrue(dqn.out().lines().anyMatch(l -> l.matches("target_update_interval\\s+10")), dqn.out());
        assertTrue(dqn.out().lines().anyMatch(l -> l.matches("learning_rate\\s+\\{start: .*kind: linear}")), dqn.out());
        assertFitsColumns(dqn.out(), 100);

        CliRun typo = CliRun.of("train", "--list", "dqm");
        assertEquals(2, typo.code());
        assertTrue(typo.err().contains("did you mean dqn"), typo.err());
    }

    @Test
    void envsSpacesFitsAHundredColumnsAndKeepsEveryInstallHint() {
        CliRun r = CliRun.of("envs", "--spaces");
        assertEquals(0, r.code(), r.err());
        assertFitsColumns(r.out(), 100);
        String joined = r.out().replaceAll("\\n\\s+", " ");
        // Box2D's reason from Gymnasium ends with the command to run; it is wrapped, never cut.
        assertTrue(joined.contains("you can install it by run `pip install swig` followed by `pip install"
                + " \"gymnasium[box2d]\"`"), r.out());
        assertTrue(joined.contains("minerl is not installed on the server: pip install minerl"), r.out());
        assertFalse(r.out().contains("install..."), r.out());
        // A long id is never cut: it gets a line of its own.
        assertTrue(r.out().lines().anyMatch(l -> l.equals("gymbridge/MineRLNavigateDenseSpaces-v0")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("CartPole-v1\\s+Box\\(.*Discrete\\(2\\)\\s+500\\s+rgb")),
                r.out());
    }

    @Test
    void trainingPrintsNoLibraryWarnings() {
        CliRun r = CliRun.of("train", "--env", "local:CartPole-v1?num_envs=2", "--algo", "dqn", "--steps", "200",
                "--out", tmp.resolve("d").toString());
        assertEquals(0, r.code(), r.all());
        for (String noise : List.of("SLF4J", "WARN", "netty", "io.grpc", "ND4J", "INFO")) {
            assertFalse(r.all().contains(noise), noise + " in:\n" + r.all());
        }
    }

    @Test
    void anUnreachableMlflowServerTurnsTrackingOffOnceAndTheRunGoesOn() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path dir = tmp.resolve("e");
        CliRun r = CliRun.of("train", "--env", "local:FrozenLake-v1?num_envs=2", "--algo", "q-learning", "--steps", "400",
                "--out", dir.toString(), "--mlflow", "http://127.0.0.1:" + port);
        assertEquals(0, r.code(), r.all());
        List<String> off = r.all().lines().filter(l -> l.contains("MLflow tracking is off")).toList();
        assertEquals(1, off.size(), r.all());
        assertTrue(off.get(0).contains("cannot reach the MLflow server at http://127.0.0.1:" + port
                + " (connection refused)"), off.get(0));
        assertTrue(java.nio.file.Files.isRegularFile(dir.resolve("eval.json")), "the run finished: " + r.all());
    }

    private static void assertFitsColumns(String text, int width) {
        text.lines().forEach(l -> assertTrue(l.length() <= width, l.length() + " columns: " + l));
    }
}
