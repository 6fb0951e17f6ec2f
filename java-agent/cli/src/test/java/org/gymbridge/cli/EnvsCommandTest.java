package org.gymbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gymbridge.client.GymBridge;
import org.gymbridge.client.GymBridgeClient;
import org.gymbridge.spaces.Box;
import org.gymbridge.spaces.DictSpace;
import org.gymbridge.spaces.Discrete;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code gymbridge envs} against a real server: one started by the test (grpc://) and one by the command (local:). */
class EnvsCommandTest {
    private static GymBridgeClient server;

    @BeforeAll
    static void startServer() {
        server = GymBridge.connect("local:");
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        // The command on its own (as Main registers it), so this test does not depend on the other verbs.
        CommandLine cl = new CommandLine(new EnvsCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void listsIdsWithSpacesAsATableFromARunningServer() {
        Run r = run("--server", "grpc://" + server.target(), "--prefix", "CartPole", "--spaces");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).matches("ID\\s+OBSERVATION SPACE\\s+ACTION SPACE\\s+STEPS\\s+RENDER"),
                lines.get(0));
        String cartPole = lines.stream().filter(l -> l.startsWith("CartPole-v1 ")).findFirst().orElseThrow();
        assertTrue(cartPole.matches("CartPole-v1\\s+Box\\(\\[-inf\\.\\.inf], \\(4,\\), float32\\)\\s+Discrete\\(2\\)\\s+500\\s+rgb"),
                cartPole);
        assertTrue(lines.get(lines.size() - 1).matches("(\\d+) env ids, \\1 available here"), lines.get(lines.size() - 1));
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("Not available")), "all CartPole ids are available");
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("Pendulum")), "the prefix filters");
    }

    @Test
    void listsAllIdsWithoutSpacesFromAPrivateLocalServer() {
        Run r = run("--server", "local:");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("ID"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("HalfCheetah-v5\\s+1000\\s+gymnasium.envs.mujoco.*")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("gymbridge/AllSpaces-v0 ")), "server's own test env");
    }

    @Test
    void listsFromAServerOnAUnixSocket() throws Exception {
        Path dir = Files.createTempDirectory("gymbridge-envs");
        Path socket = dir.resolve("gym.sock");
        Path serverCmd = null;
        for (Path d = Path.of("").toAbsolutePath(); d != null && serverCmd == null; d = d.getParent()) {
            Path c = d.resolve("python-env-server/.venv/bin/gymbridge-server");
            serverCmd = Files.isExecutable(c) ? c : null;
        }
        assertTrue(serverCmd != null, "python-env-server/.venv/bin/gymbridge-server above the working directory");
        Process p = new ProcessBuilder(serverCmd.toString(), "--unix", socket.toString(), "--exit-with-parent")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String ready = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
            assertEquals("GYMBRIDGE_READY unix:" + socket, ready);
            Run r = run("--server", "unix:" + socket, "--prefix", "Taxi", "--spaces");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().lines().anyMatch(l -> l.matches("Taxi-v4\\s+Discrete\\(500\\)\\s+Discrete\\(6\\)\\s+200\\s+.*")),
                    r.out());
        } finally {
            p.getOutputStream().close(); // --exit-with-parent: EOF on stdin stops the server
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void anUnreachableServerIsOneClearLineAndExitCode1() {
        Run r = run("--server", "grpc://127.0.0.1:1");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("gymbridge envs: ") && r.err().contains("server unavailable"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void theGymbridgeCommandRunsTheEnvsVerb() {
        StringWriter out = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        int exit = cl.execute("envs", "--server", "grpc://" + server.target(), "--prefix", "FrozenLake");
        assertEquals(0, exit);
        assertTrue(out.toString().lines().anyMatch(l -> l.matches("FrozenLake-v1\\s+100\\s+.*")), out.toString());
    }

    @Test
    void spacesPrintLikeGymnasium() {
        assertEquals("Box(-1.0, 1.0, (6,), float32)", SpaceText.of(Box.of(-1, 1, DType.FLOAT32, 6)));
        assertEquals("Box(0, 255, (64, 64, 3), uint8)", SpaceText.of(Box.of(0, 255, DType.UINT8, 64, 64, 3)));
        assertEquals("Box(-inf, inf, (17,), float64)",
                SpaceText.of(Box.of(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, DType.FLOAT64, 17)));
        assertEquals("Dict(a: Discrete(5, start=-2), b: Discrete(3))", SpaceText.of(new DictSpace(
                new java.util.LinkedHashMap<>(java.util.Map.of("a", new Discrete(5, -2, DType.INT64))) {{
                    put("b", new Discrete(3, 0, DType.INT64));
                }})));
        Box uneven = new Box(DType.FLOAT32, new long[] {2}, Tensor.ofFloats(new float[] {-1, -2}, 2),
                Tensor.ofFloats(new float[] {1, 0.5f}, 2));
        assertEquals("Box([-2.0..1.0], (2,), float32)", SpaceText.of(uneven));
    }
}
